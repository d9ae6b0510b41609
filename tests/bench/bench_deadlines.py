"""Deadlines and countdowns for 100,000 records, against a naive day-by-day count.

Run: .venv/bin/python -m tests.bench.bench_deadlines [--records N] [--seed S]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import date, timedelta

from app.workdays.calendar import WorkCalendar
from app.workdays.deadline import countdown, deadlines_for
from app.workdays.sources import bundled_years

FIRST, LAST = date(2023, 1, 1), date(2026, 12, 31)


def naive(tables, decisions: list[date], today: date) -> list[tuple[date | None, int | None]]:
    """Walk the calendar one day at a time for every record, as a straightforward version would."""
    by_year = {t.year: t for t in tables}

    def is_workday(d: date) -> bool | None:
        table = by_year.get(d.year)
        return None if table is None else table.is_workday(d)

    out: list[tuple[date | None, int | None]] = []
    for decision in decisions:
        day, counted, deadline = decision, 0, None
        while counted < 7:
            day += timedelta(days=1)
            working = is_workday(day)
            if working is None:
                break
            counted += working
        else:
            deadline = day
        left = None
        if deadline is not None:
            step = 1 if deadline >= today else -1
            left, day = 0, today
            while day != deadline:
                day += timedelta(days=step)
                left += bool(is_workday(day))
            left *= step
        out.append((deadline, left))
    return out


def fast(calendar: WorkCalendar, decisions: list[date], today: date) -> list[tuple[date | None, int | None]]:
    deadlines = deadlines_for(calendar, decisions)
    return [(d, countdown(calendar, d, today).days_left) for d in deadlines]


def timed(label: str, fn: Callable[[], list], records: int) -> tuple[float, list]:
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"{label:<34} {records:>8,} records  {seconds:8.3f} s  {records / seconds:>12,.0f} records/s")
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20231012)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    span = LAST.toordinal() - FIRST.toordinal() + 1
    decisions = [date.fromordinal(FIRST.toordinal() + rng.randrange(span)) for _ in range(args.records)]
    today = date(2025, 6, 18)
    tables = bundled_years()

    build_start = time.perf_counter()
    calendar = WorkCalendar(tables)
    print(f"calendar build (4 years)            {time.perf_counter() - build_start:8.4f} s")
    fast_s, fast_result = timed(
        "deadlines_for + countdown", lambda: fast(calendar, decisions, today), args.records
    )
    naive_s, naive_result = timed(
        "naive day-by-day baseline", lambda: naive(tables, decisions, today), args.records
    )
    # A benchmark of wrong answers is worthless: both must agree record for record.
    assert [d for d, _ in fast_result] == [d for d, _ in naive_result], "deadlines differ from the baseline"
    assert fast_result == naive_result, "countdowns differ from the baseline"
    print(f"speed-up: {naive_s / fast_s:,.1f}x (same {args.records:,} records, same run)")


if __name__ == "__main__":
    main()
