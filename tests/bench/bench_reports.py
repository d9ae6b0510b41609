"""Monthly figures and the 12-month series over a store of 100,000 records.

Run: .venv/bin/python -m tests.bench.bench_reports [--records N] [--month YYYY-MM] [--seed S]

Fills a temporary data folder through QueueService.add in chunks (decisions spread over
2025-01 … 2026-11, the four kinds, numbered sequences with a few gaps), then writes the platform's
side (sending, accepted, returned, withdrawn) in bulk as a sync engine would, audit events
included. Times monthly_figures and twelve_months, prints the month's figures, and checks them
against a straightforward Python count over every record, so a fast wrong answer cannot pass.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, insert, select, update

from app.clock import now
from app.context import AppContext
from app.queue import states as st
from app.reports.figures import (
    COUNT_NAMES,
    Figures,
    MonthFigures,
    month_bounds,
    monthly_figures,
    twelve_months,
)
from app.reports.omissions import Neighbour, gaps_in, parse_doc_number
from app.store.models import AuditEvent, Record
from app.workdays.deadline import countdown, timeliness
from tests import factories

TODAY = date(2026, 11, 26)
FIRST = date(2025, 1, 2)
PREFIX = {"penalty": "CF", "license": "XK", "enforcement": "QZ", "inspection": "JC"}
DOC_PREFIX = {"penalty": "饶市监罚", "license": "饶市监食许", "enforcement": "饶市监强", "inspection": "饶市监检"}
CHUNK = 5_000


def make_items(n: int, rng: random.Random) -> list[tuple[str, dict[str, str]]]:
    span = (TODAY - FIRST).days
    dates = sorted(FIRST + timedelta(days=rng.randrange(span)) for _ in range(n))
    counters: Counter[tuple[str, int]] = Counter()
    items = []
    for decided in dates:
        kind = rng.choices(list(PREFIX), weights=(5, 3, 1, 1))[0]
        counters[(kind, decided.year)] += 1 + (rng.random() < 0.01)  # ~1% of numbers skipped: gaps
        number = counters[(kind, decided.year)]
        fields = factories.record(kind, rng, number, decided=decided)
        fields[f"{PREFIX[kind]}_WSH"] = f"{DOC_PREFIX[kind]}〔{decided.year}〕{number}号"
        if kind == "license":
            fields["XK_XKBH"] = f"JY3{decided.year}{number:08d}"
        items.append((kind, fields))
    return items


def fill(ctx: AppContext, n: int, rng: random.Random) -> None:
    items = make_items(n, rng)
    for start in range(0, len(items), CHUNK):
        ctx.queue.add(items[start:start + CHUNK], source="bench", today_=TODAY)
    simulate_platform(ctx, rng)


def simulate_platform(ctx: AppContext, rng: random.Random) -> None:
    """The platform's answers in bulk: most records accepted (a tenth of them after the deadline,
    received at a random UTC time), some rejected, some returned later, recent ones still waiting."""
    when = now()
    with ctx.store.session() as s:
        rows = s.execute(select(Record.id, Record.client_id, Record.state, Record.decision_date)).all()
        updates, audits = [], []
        for rid, cid, state, decided in rows:
            if state != st.READY:
                continue
            d = date.fromisoformat(decided)
            if d > TODAY - timedelta(days=8) and rng.random() < 0.7:
                continue  # recent: not sent yet
            roll = rng.random()
            if roll < 0.03:
                continue  # forgotten: overdue
            received = datetime.combine(d + timedelta(days=rng.choice([1, 2, 3, 5, 7, 9, 12, 20])),
                                        datetime.min.time(), UTC) + timedelta(minutes=rng.randrange(1440))
            path = [st.SENDING]
            if roll < 0.05:
                path.append(st.RETURNED)  # rejected at once
            else:
                path.append(st.ACCEPTED)
                if roll < 0.07:
                    path.append(st.RETURNED)  # returned later by review
            accepted = st.ACCEPTED in path
            updates.append({
                "b_id": rid, "b_state": path[-1], "b_acc": 1 if accepted else 0,
                "b_recv": received.isoformat() if accepted else None,
                "b_msg": [{"field": None, "code": "review", "message": "请核实"}] if path[-1] == st.RETURNED else None,
            })
            old = state
            for new in path:
                audits.append({"client_id": cid, "at": when, "actor": "bench", "action": f"platform_{new}",
                               "old_state": old, "new_state": new, "detail": None})
                old = new
        table = Record.__table__  # Core executemany: one UPDATE statement, many parameter sets
        s.connection().execute(
            update(table).where(table.c.id == bindparam("b_id"))
            .values(state=bindparam("b_state"), accepted_revision=bindparam("b_acc"),
                    first_received_at=bindparam("b_recv"), platform_message=bindparam("b_msg")), updates)
        s.execute(insert(AuditEvent), audits)


def reference(ctx: AppContext, month: str) -> dict[str, Counter]:
    """The month's counts the slow, obvious way: every record as a Python row."""
    first, last = month_bounds(month)
    with ctx.store.read() as s:
        sent = {c for (c,) in s.execute(select(AuditEvent.client_id).where(
            AuditEvent.new_state.in_((st.SENDING, st.ACCEPTED, st.RETURNED))))}
        returned = {c for (c,) in s.execute(select(AuditEvent.client_id).where(AuditEvent.new_state == st.RETURNED))}
        rows = s.execute(select(Record.kind, Record.client_id, Record.state, Record.decision_date, Record.deadline,
                                Record.first_received_at, Record.accepted_revision)).all()
    out: dict[str, Counter] = {}
    for kind, cid, state, decided, deadline, received, acc in rows:
        if not decided or not first.isoformat() <= decided <= last.isoformat():
            continue
        was_sent = cid in sent or state in (st.SENDING, st.ACCEPTED, st.RETURNED) or acc > 0 or received
        if state == st.WITHDRAWN and not was_sent:
            continue
        c = out.setdefault(kind, Counter())
        c["decisions"] += 1
        c["submitted"] += bool(was_sent)
        accepted = acc > 0 or received is not None
        dl = date.fromisoformat(deadline) if deadline else None
        if accepted:
            c["accepted"] += 1
            judged = timeliness(dl, received)
            c["accepted_on_time" if judged == "on_time" else "accepted_late" if judged == "late" else "unjudged"] += 1
        c["returned"] += cid in returned or state == st.RETURNED
        c["returned_open"] += state == st.RETURNED
        if not accepted and state != st.WITHDRAWN:
            c["outstanding"] += 1
            band = countdown(ctx.calendar, dl, TODAY).band
            c["outstanding_overdue"] += dl is not None and dl < TODAY
            c["outstanding_due_soon"] += band in ("due_soon", "due_today")
            c["outstanding_uncovered"] += dl is None
    return out


def reference_gaps(ctx: AppContext, month: str) -> list[tuple[str, str, int, int, int]]:
    """The month's omission gaps by parsing every document number in Python."""
    with ctx.store.read() as s:
        rows = s.execute(select(Record.kind, Record.doc_number, Record.decision_date)
                         .where(Record.state != st.WITHDRAWN)).all()
    seqs: dict[tuple[str, str, int], dict[int, set[str]]] = {}
    for kind, doc, decided in rows:
        parsed = parse_doc_number(doc)
        if parsed and decided:
            seqs.setdefault((kind, parsed.prefix, parsed.year), {}).setdefault(parsed.number, set()).add(decided[:7])
    out = []
    rank = {k: i for i, k in enumerate(ctx.catalogs.active().kinds)}  # the report lists kinds in catalog order
    for (kind, prefix, year), numbers in sorted(seqs.items(), key=lambda item: (rank.get(item[0][0], 99), item[0])):
        seen = {n: Neighbour("", None, frozenset(m)) for n, m in numbers.items()}
        out += [(kind, prefix, year, g.first, g.last) for g in gaps_in(kind, prefix, year, seen) if month in g.months]
    return out


def check(ctx: AppContext, figures: MonthFigures) -> None:
    ref = reference(ctx, figures.month)
    for fig in figures.kinds:
        want = ref.get(fig.kind, Counter())
        for name in COUNT_NAMES:
            if name != "possible_omissions":
                assert getattr(fig, name) == want[name], f"{fig.kind}.{name}: {getattr(fig, name)} != {want[name]}"
    got = [(g.kind, g.prefix, g.year, g.first, g.last) for g in figures.omissions]
    assert got == reference_gaps(ctx, figures.month), "omission gaps differ from the Python reference"


def timed(label: str, fn, repeat: int = 3):
    """First (cold) run and the best of `repeat` runs."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    print(f"{label:<40} first {times[0]:7.3f} s   best of {repeat} {min(times):7.3f} s")
    return result


def show(fig: Figures) -> str:
    def pct(r: float | None) -> str:
        return "—" if r is None else f"{r:.2%}"

    return (f"{fig.label:<6} 决定 {fig.decisions:>6}  已报送 {fig.submitted:>6}  按时 {fig.accepted_on_time:>6}  "
            f"迟报 {fig.accepted_late:>5}  退回 {fig.returned:>4}  逾期未报 {fig.outstanding_overdue:>4}  "
            f"即将到期 {fig.outstanding_due_soon:>3}  可能漏报 {fig.possible_omissions:>4}  "
            f"迟报率 {pct(fig.late_rate):>7}  差错率 {pct(fig.error_rate):>7}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--month", default="2026-11")
    parser.add_argument("--seed", type=int, default=20261126)
    args = parser.parse_args()
    os.environ["CREDITDESK_TODAY"] = TODAY.isoformat()  # the validator's "not in the future" checks

    with tempfile.TemporaryDirectory() as tmp:
        ctx = AppContext(Path(tmp))
        try:
            timed(f"fill {args.records:,} records (queue.add)",
                  lambda: fill(ctx, args.records, random.Random(args.seed)), repeat=1)
            with ctx.store.read() as s:
                total = s.query(Record).count()
                events = s.query(AuditEvent).count()
            print(f"store: {total:,} records, {events:,} audit events")
            timed("monthly_figures (no listings)", lambda: monthly_figures(ctx, args.month, TODAY, listings=False))
            figures = timed("monthly_figures (with listings)", lambda: monthly_figures(ctx, args.month, TODAY))
            series = timed("twelve_months", lambda: twelve_months(ctx, args.month, TODAY))
            check(ctx, figures)
            last = series[-1]
            assert [k.to_dict() for k in last.kinds] == [k.to_dict() for k in figures.kinds], "series != month"
            print(f"\nfigures for {args.month} (today {TODAY}), equal to a per-record Python count:")
            for fig in [*figures.kinds, figures.total]:
                print("  " + show(fig))
            print(f"  listings: {len(figures.late)} late, {len(figures.returned)} returned, "
                  f"{len(figures.overdue)} overdue, {len(figures.omissions)} gaps")
            print("\n12-month series (total):")
            for m in series:
                print(f"  {m.month}  " + show(m.total))
        finally:
            ctx.close()


if __name__ == "__main__":
    main()
