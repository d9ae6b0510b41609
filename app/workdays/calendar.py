"""The working-day calendar: one table per year, and O(1) working-day arithmetic over them.

A year is covered only when some source has a table for it. Nothing is ever inferred from
weekends for an uncovered year: every answer that would need one is None.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

Source = Literal["bundled", "file", "platform"]
WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


@dataclass(frozen=True)
class YearTable:
    """One year as the platform publishes it: non-working weekdays and weekend make-up workdays."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: Source
    note: str = ""

    def is_workday(self, d: date) -> bool:
        if d in self.workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays

    def workday_count(self) -> int:
        start = date(self.year, 1, 1).toordinal()
        end = date(self.year, 12, 31).toordinal()
        return sum(self.is_workday(date.fromordinal(o)) for o in range(start, end + 1))


class WorkCalendar:
    """Working-day arithmetic over the covered years.

    Consecutive covered years form a segment. Counting never leaves a segment, so a count that
    would cross an uncovered year gives None instead of a guess.

    Internally every day from 1 January of the first covered year to 31 December of the last is
    an index `i`; `_prefix[i]` is the number of working days at indices < i and `_workday_at[k]`
    the index of the k-th working day (0-based). Uncovered days are never working days, so both
    arrays stay valid across gaps and every query is a few array look-ups.
    """

    def __init__(self, tables: Iterable[YearTable]):
        self._tables: dict[int, YearTable] = {}
        for table in tables:
            if table.year in self._tables:
                raise ValueError(f"two tables for {table.year}: the caller must pick one source per year")
            self._tables[table.year] = table
        self._years = sorted(self._tables)
        # A new segment starts after every gap, so counting can tell when it would cross one.
        self._segment: dict[int, int] = {}
        segment = 0
        for n, year in enumerate(self._years):
            if n and self._years[n - 1] != year - 1:
                segment += 1
            self._segment[year] = segment
        self._base = date(self._years[0], 1, 1).toordinal() if self._years else 0
        self._prefix = array("l", [0])
        self._workday_at = array("l")
        if self._years:
            self._build()

    def _build(self) -> None:
        end = date(self._years[-1], 12, 31).toordinal()
        count = 0
        for i, ordinal in enumerate(range(self._base, end + 1)):
            day = date.fromordinal(ordinal)
            table = self._tables.get(day.year)
            if table is not None and table.is_workday(day):
                count += 1
                self._workday_at.append(i)
            self._prefix.append(count)

    # -- coverage -------------------------------------------------------------------------------

    def covered_years(self) -> list[int]:
        return list(self._years)

    def year_source(self, year: int) -> YearTable | None:
        """The table in use for `year` (its `source` says where it came from), or None."""
        return self._tables.get(year)

    def is_covered(self, d: date) -> bool:
        return d.year in self._tables

    def is_workday(self, d: date) -> bool | None:
        table = self._tables.get(d.year)
        return None if table is None else table.is_workday(d)

    # -- counting -------------------------------------------------------------------------------

    def _index(self, d: date) -> int | None:
        return d.toordinal() - self._base if d.year in self._tables else None

    def _same_segment(self, a: date, b: date) -> bool:
        return self._segment[a.year] == self._segment[b.year]

    def _day(self, index: int) -> date:
        return date.fromordinal(self._base + index)

    def add_workdays(self, start: date, n: int) -> date | None:
        """The n-th working day strictly after `start` (n < 0: strictly before; n == 0: `start`).

        `start` itself never counts, whether or not it is a working day, so a non-working start
        simply begins the count at the next working day. None when `start` or the answer is not
        covered (or the count would cross an uncovered year).
        """
        i = self._index(start)
        if i is None:
            return None
        if n == 0:
            return start
        # _prefix[i + 1] working days lie at or before `start`; _prefix[i] strictly before it.
        k = self._prefix[i + 1] + n - 1 if n > 0 else self._prefix[i] + n
        if not 0 <= k < len(self._workday_at):
            return None
        result = self._day(self._workday_at[k])
        return result if self._same_segment(start, result) else None

    def next_workday_on_or_after(self, d: date) -> date | None:
        i = self._index(d)
        if i is None:
            return None
        k = self._prefix[i]
        if k >= len(self._workday_at):
            return None
        result = self._day(self._workday_at[k])
        return result if self._same_segment(d, result) else None

    def workdays_between(self, a: date, b: date) -> int | None:
        """Signed working-day distance from `a` to `b`.

        b >= a: the working days in (a, b]; b < a: minus the working days in [b, a). For two working
        days this is the usual difference of their positions; for a non-working endpoint the
        half-open intervals make a working day `b` before a holiday `a` count as -1, never 0, so
        the sign always agrees with the order of the dates whenever a working day lies between.
        None when either date is uncovered or an uncovered year lies between them.
        """
        i, j = self._index(a), self._index(b)
        if i is None or j is None or not self._same_segment(a, b):
            return None
        if j >= i:
            return self._prefix[j + 1] - self._prefix[i + 1]
        return -(self._prefix[i] - self._prefix[j])
