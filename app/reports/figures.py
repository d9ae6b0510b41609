"""Monthly monitoring figures: what the city will count against the bureau, before the city does.

A record belongs to the month of its decision date (the date that starts the 7-working-day
deadline, domain.md §9). Figures are counted by SQL aggregation over the records table, so a
queue of 100,000 records costs a few grouped queries, not 100,000 Python objects; only the rows of
the listing sheets (late, returned, overdue records) are loaded one by one.

Which records count ("decisions"): every record decided in the month, except a withdrawn record
that never reached the platform: withdrawing it said it should not be reported, and the platform
knows nothing of it. A record withdrawn after it was sent still counts: the platform saw it.

Per kind and in total:

- decisions: records decided in the month (see above).
- submitted: records ever sent to the platform: now sending, accepted or returned, or accepted
  once (`accepted_revision` > 0 or a receipt time: an accepted record being amended is back in
  ready, a withdrawn one in withdrawn), or shown by the audit trail to have gone to sending,
  accepted or returned (a rejected record fixed and waiting in ready again was still sent).
- accepted: records the platform has stored at least once (receipt time or accepted revision).
- accepted_on_time / accepted_late: accepted records judged as domain.md §9 says: the UTC+8 local
  date of `first_received_at` (the first accepted revision) on or before the stored deadline is on
  time, after it late. Later amendments and returns do not change the judgement.
- unjudged: accepted records whose deadline is unknown (the calendar does not cover it) or whose
  receipt time cannot be read; never guessed as on time or late.
- returned: records the platform said no to **at any time**, by the audit trail or the current
  state. Chosen over "currently returned" because the city counts a return when it happens: fixing
  and resending the record does not undo the error, and a closed month's error figure must not
  shrink as clerks clear their returns. `returned_open` is the subset still returned today (the
  work left to do), shown beside it.
- outstanding: records not yet accepted and not withdrawn.
  - outstanding_overdue: their deadline is before today (they will be late whenever they go).
  - outstanding_due_soon: due today or within `due_soon_days` working days (the countdown bands
    "due today" and "due soon" of app.workdays.deadline).
  - outstanding_uncovered: their deadline is unknown (calendar missing for that year).
- possible_omissions: missing document numbers reported with the month (app.reports.omissions).

Rates (None, not 0, when the denominator is 0: "no data" is not "perfect"):

- late_rate (迟报率) = accepted_late / (accepted_on_time + accepted_late).
  The city measures lateness on what it received, by receipt date against the deadline, so the
  denominator is the records it can judge; unjudged records are left out rather than guessed.
  Overdue records not yet sent are not in it (the city cannot see them yet) but they are certain
  to become late: outstanding_overdue is shown next to the rate for that reason.
- error_rate (差错率) = returned / submitted.
  An error is a record the platform rejected or returned by review; the share is taken of what
  was sent, since only a sent record can be found wrong by the platform.

Figures for a month can still change after it ends: feedback may return a record later, and an
overdue record becomes late when it is finally accepted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from dataclasses import fields as dc_fields
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, not_, or_, select
from sqlalchemy.orm import Session

from app.clock import today as clock_today
from app.errors import UserError
from app.privacy import mask_id
from app.queue import states as st
from app.queue.conditions import accepted_by_platform
from app.reports.omissions import Gap, find_omissions
from app.store.models import AuditEvent, Record
from app.workdays.deadline import countdown

DUE_SOON_DAYS = 2
TOTAL = "total"
_SENT_STATES = (st.SENDING, st.ACCEPTED, st.RETURNED)
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")

LATE_RATE_FORMULA = "迟报率 = 迟报条数 ÷ (按时报送条数 + 迟报条数)"
ERROR_RATE_FORMULA = "差错率 = 被退回条数（含已改正） ÷ 已报送条数"


# -- months -----------------------------------------------------------------------------------------
def parse_month(text: str) -> str:
    """'2026-11' (also 2026/11, 2026-1, 2026年11月, full-width digits) → '2026-11'; else UserError."""
    match = _MONTH.fullmatch(unicodedata.normalize("NFKC", text or "").strip())
    if match:
        year, month = int(match[1]), int(match[2])
        if year >= 1900 and 1 <= month <= 12:
            return f"{year:04d}-{month:02d}"
    raise UserError(f"无法识别的月份：{text}（请写成 YYYY-MM，例如 2026-11）", "invalid_month")


def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of a 'YYYY-MM' month."""
    first = date.fromisoformat(parse_month(month) + "-01")
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def months_ending(end_month: str, count: int = 12) -> list[str]:
    """`count` consecutive months, oldest first, the last one being `end_month`."""
    first, _ = month_bounds(end_month)
    index = first.year * 12 + first.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


# -- results ----------------------------------------------------------------------------------------
def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass
class Figures:
    """The counts of one kind (or of all kinds: kind == "total") in one month."""

    kind: str
    label: str
    decisions: int = 0
    submitted: int = 0
    accepted: int = 0
    accepted_on_time: int = 0
    accepted_late: int = 0
    unjudged: int = 0
    returned: int = 0
    returned_open: int = 0
    outstanding: int = 0
    outstanding_overdue: int = 0
    outstanding_due_soon: int = 0
    outstanding_uncovered: int = 0
    possible_omissions: int = 0

    @property
    def late_rate(self) -> float | None:
        """迟报率 = accepted_late / (accepted_on_time + accepted_late); None with nothing judged."""
        return _rate(self.accepted_late, self.accepted_on_time + self.accepted_late)

    @property
    def error_rate(self) -> float | None:
        """差错率 = returned / submitted; None when nothing was sent."""
        return _rate(self.returned, self.submitted)

    def add(self, other: Figures) -> None:
        for name in COUNT_NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = asdict(self)
        out["late_rate"] = _round(self.late_rate)
        out["error_rate"] = _round(self.error_rate)
        return out


COUNT_NAMES = tuple(f.name for f in dc_fields(Figures) if f.name not in ("kind", "label"))


def _round(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 6)


@dataclass(frozen=True)
class ListedRecord:
    """One row of a listing sheet. Personal ID numbers are already masked (domain.md §12)."""

    kind: str
    kind_label: str
    client_id: str
    doc_number: str | None
    subject_name: str | None
    id_number: str  # 证件号码, masked
    legal_rep_id_number: str  # 法定代表人证件号码, masked
    decision_date: str | None
    deadline: str | None
    received_date: str | None  # UTC+8 date of the first accepted revision
    state: str
    state_label: str
    platform_message: str
    workdays_over: int | None  # late: working days after the deadline; overdue: working days overdue

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class MonthFigures:
    month: str
    today: date
    due_soon_days: int
    kinds: list[Figures]
    total: Figures
    omissions: list[Gap] = field(default_factory=list)
    # Filled by monthly_figures(listings=True) only; twelve_months leaves them empty.
    late: list[ListedRecord] = field(default_factory=list)
    returned: list[ListedRecord] = field(default_factory=list)
    overdue: list[ListedRecord] = field(default_factory=list)

    def kind(self, kind_id: str) -> Figures:
        for f in self.kinds:
            if f.kind == kind_id:
                return f
        raise KeyError(kind_id)

    def to_dict(self, listings: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "month": self.month,
            "today": self.today.isoformat(),
            "due_soon_days": self.due_soon_days,
            "kinds": {f.kind: f.to_dict() for f in self.kinds},
            "total": self.total.to_dict(),
            "rates": {"late_rate": _round(self.total.late_rate), "error_rate": _round(self.total.error_rate),
                      "formulas": {"late_rate": LATE_RATE_FORMULA, "error_rate": ERROR_RATE_FORMULA}},
            "omissions": [g.to_dict() for g in self.omissions],
        }
        if listings:
            out["late"] = [r.to_dict() for r in self.late]
            out["returned"] = [r.to_dict() for r in self.returned]
            out["overdue"] = [r.to_dict() for r in self.overdue]
        return out


# -- SQL building blocks ------------------------------------------------------------------------------
def received_local_date(col: Any = Record.first_received_at) -> ColumnElement:
    """SQL for the UTC+8 date of an ISO 8601 receipt time (as app.clock.local_date computes it).

    SQLite's date() reads an offset (+08:00, Z) and converts to UTC; '+8 hours' gives the local
    date. Fractional seconds are cut off first because SQLite rounds to milliseconds, which would
    turn 23:59:59.9999 into the next day (truncating never changes the date). A time without an
    offset is already local time, as timeliness() reads it. Unreadable text gives NULL (unjudged).
    """
    dot = func.instr(col, ".")
    whole = case((dot > 0, func.substr(col, 1, dot - 1).op("||")(func.ltrim(func.substr(col, dot + 1),
                                                                              "0123456789"))),
                 else_=col)
    has_offset = func.substr(col, 11).op("GLOB")("*[+Zz-]*")
    return case((has_offset, func.date(whole, "+8 hours")), else_=func.date(whole))


def _ever_sent() -> ColumnElement[bool]:
    # Correlated EXISTS on the client_id index: only asked for the few records whose columns do
    # not already say "sent" (see _Facts.of_records: SQLite stops at the first true OR term).
    return exists().where(AuditEvent.client_id == Record.client_id, AuditEvent.new_state.in_(_SENT_STATES))


def _ever_returned() -> ColumnElement[bool]:
    # Asked for every record, so one uncorrelated IN: SQLite builds the set of client_ids once.
    return Record.client_id.in_(select(AuditEvent.client_id).where(AuditEvent.new_state == st.RETURNED))


@dataclass(frozen=True)
class _Facts:
    """The per-record facts every count is derived from.

    For the listings they are expressions over the records table; for the aggregation they are
    columns of a sub-query that computes each fact once per record (the receipt date and the audit
    look-ups are the costly parts). The conditions below are written once over either, so the
    counts and the listed rows always agree.
    """

    state: Any
    deadline: Any
    accepted: ColumnElement[bool]
    sent: ColumnElement[bool]
    returned: ColumnElement[bool]
    received: Any  # UTC+8 receipt date, ISO text or NULL

    @classmethod
    def of_records(cls) -> _Facts:
        accepted = accepted_by_platform(Record)
        return cls(
            state=Record.state, deadline=Record.deadline, accepted=accepted,
            sent=or_(Record.state.in_(_SENT_STATES), accepted, _ever_sent()),
            returned=or_(Record.state == st.RETURNED, _ever_returned()),
            received=received_local_date())


@dataclass(frozen=True)
class _Conditions:
    """The conditions behind every count and listing, over one set of facts."""

    facts: _Facts
    today: str
    due_soon: tuple[str, ...]  # deadlines (ISO) that are due today or due soon

    @property
    def counted(self) -> ColumnElement[bool]:
        return or_(self.facts.state != st.WITHDRAWN, self.facts.sent)

    def judged(self, late: bool) -> ColumnElement[bool]:
        f = self.facts
        compare = f.received > f.deadline if late else f.received <= f.deadline
        return and_(f.accepted, f.deadline.is_not(None), f.received.is_not(None), compare)

    @property
    def unjudged(self) -> ColumnElement[bool]:
        f = self.facts
        return and_(f.accepted, or_(f.deadline.is_(None), f.received.is_(None)))

    @property
    def outstanding(self) -> ColumnElement[bool]:
        return and_(not_(self.facts.accepted), self.facts.state != st.WITHDRAWN)

    @property
    def overdue(self) -> ColumnElement[bool]:
        return and_(self.outstanding, self.facts.deadline < self.today)

    def counts(self) -> dict[str, ColumnElement[bool]]:
        """Every count of Figures except decisions (the row count) and possible_omissions."""
        f = self.facts
        return {
            "submitted": f.sent,
            "accepted": f.accepted,
            "accepted_on_time": self.judged(late=False),
            "accepted_late": self.judged(late=True),
            "unjudged": self.unjudged,
            "returned": f.returned,
            "returned_open": f.state == st.RETURNED,
            "outstanding": self.outstanding,
            "outstanding_overdue": self.overdue,
            "outstanding_due_soon": and_(self.outstanding, f.deadline.in_(self.due_soon)),
            "outstanding_uncovered": and_(self.outstanding, f.deadline.is_(None)),
        }


def _in_range(first: date, last: date) -> ColumnElement[bool]:
    # ISO date strings compare like dates; the range uses the decision_date index.
    return and_(Record.decision_date >= first.isoformat(), Record.decision_date <= last.isoformat())


def _due_soon_deadlines(s: Session, ctx, first: date, last: date, today: date, days: int) -> tuple[str, ...]:
    """Deadlines of outstanding records that the countdown puts in "due today" or "due soon".

    Asked per distinct deadline (a handful of dates), so the band logic stays the one in
    app.workdays.deadline.countdown instead of being rewritten in SQL.
    """
    probe = _Conditions(_Facts.of_records(), today.isoformat(), ())
    rows = s.execute(select(Record.deadline).distinct()
                     .where(_in_range(first, last), probe.outstanding, Record.deadline >= today.isoformat()))
    calendar = ctx.calendar
    return tuple(sorted(d for (d,) in rows
                        if countdown(calendar, date.fromisoformat(d), today, days).band in ("due_soon", "due_today")))


def _kind_labels(ctx) -> dict[str, str]:
    return {k.id: k.label for k in ctx.catalogs.active().kinds.values()}


# -- the figures --------------------------------------------------------------------------------------
def _aggregate(s: Session, today: str, due_soon: tuple[str, ...], first: date,
               last: date) -> dict[tuple[str, str], Figures]:
    """Counts per (kind, month) in one grouped query."""
    rec = _Conditions(_Facts.of_records(), today, due_soon)
    flag = {name: case((expr, 1), else_=0) for name, expr in
            (("accepted", rec.facts.accepted), ("sent", rec.facts.sent), ("returned", rec.facts.returned))}
    # LIMIT -1 (no limit) keeps SQLite from flattening the sub-query into the aggregate (its rule
    # 8), which would copy each fact's expression into every count that uses it.
    per_record = (select(Record.kind, func.substr(Record.decision_date, 1, 7).label("month"), Record.state,
                         Record.deadline, rec.facts.received.label("received"),
                         *(expr.label(name) for name, expr in flag.items()))
                  .where(_in_range(first, last), rec.counted)
                  .limit(-1).subquery("facts"))
    c = per_record.c
    cond = _Conditions(_Facts(state=c.state, deadline=c.deadline, accepted=c.accepted == 1, sent=c.sent == 1,
                              returned=c.returned == 1, received=c.received), today, due_soon)
    counts = cond.counts()
    columns = [func.count().label("decisions")]
    columns += [func.sum(case((expr, 1), else_=0)).label(name) for name, expr in counts.items()]
    query = select(c.kind, c.month, *columns).group_by(c.kind, c.month)
    out: dict[tuple[str, str], Figures] = {}
    for row in s.execute(query).mappings():
        fig = Figures(row["kind"], row["kind"])
        for name in ("decisions", *counts):
            setattr(fig, name, int(row[name] or 0))
        out[(row["kind"], row["month"])] = fig
    return out


def _assemble(month: str, today: date, days: int, labels: dict[str, str],
              by_kind: dict[str, Figures], gaps: list[Gap]) -> MonthFigures:
    # Every catalog kind gets a row (zeros included), then any kind the catalog no longer has.
    order = list(labels) + sorted(k for k in by_kind if k not in labels)
    rank = {k: i for i, k in enumerate(order)}
    gaps = sorted(gaps, key=lambda g: rank.get(g.kind, len(rank)))  # stable: sequence order kept
    kinds: list[Figures] = []
    total = Figures(TOTAL, "合计")
    for kind_id in order:
        fig = by_kind.get(kind_id) or Figures(kind_id, kind_id)
        fig.label = labels.get(kind_id, kind_id)
        fig.possible_omissions = sum(g.count for g in gaps if g.kind == kind_id)
        kinds.append(fig)
        total.add(fig)
    return MonthFigures(month, today, days, kinds, total, omissions=gaps)


def monthly_figures(ctx, month: str, today: date | None = None, *, due_soon_days: int = DUE_SOON_DAYS,
                    listings: bool = True) -> MonthFigures:
    """The figures of one month ('YYYY-MM'), with the omission hints and, when `listings`, the
    late, returned and overdue records for the report's sheets."""
    month = parse_month(month)
    today = today or clock_today()
    first, last = month_bounds(month)
    with ctx.store.read() as s:
        due_soon = _due_soon_deadlines(s, ctx, first, last, today, due_soon_days)
        rows = _aggregate(s, today.isoformat(), due_soon, first, last)
        gaps = find_omissions(s, first, last)
        result = _assemble(month, today, due_soon_days, _kind_labels(ctx),
                           {kind: fig for (kind, _), fig in rows.items()}, gaps)
        if listings:
            cond = _Conditions(_Facts.of_records(), today.isoformat(), due_soon)
            _fill_listings(s, ctx, cond, first, last, result)
    return result


def twelve_months(ctx, end_month: str, today: date | None = None, *,
                  due_soon_days: int = DUE_SOON_DAYS) -> list[MonthFigures]:
    """Figures of the 12 months ending with `end_month`, oldest first, for the dashboard chart.
    One grouped query for the whole year; no listings."""
    months = months_ending(parse_month(end_month))
    today = today or clock_today()
    first, last = month_bounds(months[0])[0], month_bounds(months[-1])[1]
    labels = _kind_labels(ctx)
    with ctx.store.read() as s:
        due_soon = _due_soon_deadlines(s, ctx, first, last, today, due_soon_days)
        rows = _aggregate(s, today.isoformat(), due_soon, first, last)
        gaps = find_omissions(s, first, last)
    series = []
    for m in months:
        by_kind = {kind: fig for (kind, mon), fig in rows.items() if mon == m}
        series.append(_assemble(m, today, due_soon_days, labels, by_kind, [g for g in gaps if m in g.months]))
    return series


# -- listings -----------------------------------------------------------------------------------------
def _fill_listings(s: Session, ctx, cond: _Conditions, first: date, last: date, result: MonthFigures) -> None:
    rank = {f.kind: i for i, f in enumerate(result.kinds)}  # the summary's kind order

    def listing(where: ColumnElement[bool]) -> list[ListedRecord]:
        rows = _listing(s, ctx, where, first, last, result.today)
        return sorted(rows, key=lambda r: rank.get(r.kind, len(rank)))  # stable: date order kept

    result.late = listing(cond.judged(late=True))
    result.returned = listing(cond.facts.returned)
    result.overdue = listing(cond.overdue)


def _listing(s: Session, ctx, where: ColumnElement[bool], first: date, last: date,
             today: date) -> list[ListedRecord]:
    catalog = ctx.catalogs.active()
    calendar = ctx.calendar
    received = received_local_date().label("received")
    query = (select(Record.kind, Record.client_id, Record.doc_number, Record.subject_name, Record.decision_date,
                    Record.deadline, received, Record.state, Record.platform_message, Record.fields)
             .where(_in_range(first, last), where)
             .order_by(Record.decision_date, Record.doc_key, Record.id))
    out: list[ListedRecord] = []
    for row in s.execute(query):
        kind = catalog.kinds.get(row.kind)
        own, rep = _personal_ids(kind, row.fields or {})
        over = None
        if row.deadline:
            deadline = date.fromisoformat(row.deadline)
            if row.received and row.received > row.deadline:
                over = calendar.workdays_between(deadline, date.fromisoformat(row.received))
            elif not row.received and row.deadline < today.isoformat():
                left = countdown(calendar, deadline, today).days_left
                over = -left if left is not None else None
        out.append(ListedRecord(
            kind=row.kind, kind_label=kind.label if kind else row.kind, client_id=row.client_id,
            doc_number=row.doc_number, subject_name=row.subject_name,
            id_number=", ".join(mask_id(v) for v in own), legal_rep_id_number=", ".join(mask_id(v) for v in rep),
            decision_date=row.decision_date, deadline=row.deadline, received_date=row.received,
            state=row.state, state_label=st.LABELS.get(row.state, row.state),
            platform_message=_message_text(row.platform_message, own + rep), workdays_over=over))
    return out


def _personal_ids(kind, fields: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The subject's own ID number and the other personal ID numbers (法定代表人证件号码) in full,
    for masking. Any *_ZJHM field is treated as personal even if the catalog forgot to say so."""
    own_code = kind.subject.get("id_number") if kind else None
    personal = {f.code for f in kind.fields if f.personal_id} if kind else set()
    own, rep = [], []
    for code, value in fields.items():
        if not value or not isinstance(value, str) or not (code in personal or code.endswith("ZJHM")):
            continue
        (own if code == own_code or code.endswith("XDR_ZJHM") else rep).append(value)
    return own, rep


def _message_text(message: Any, secrets: list[str]) -> str:
    """The platform's reasons as one line; any of the record's ID numbers quoted in them is masked."""
    if not message:
        return ""
    if isinstance(message, str):
        text = message
    elif isinstance(message, dict):
        text = str(message.get("reason") or message.get("message") or message)
    else:
        parts = []
        for item in message:
            if isinstance(item, dict):
                reason = item.get("message") or item.get("reason") or item.get("code") or ""
                parts.append(f"{item['field']}：{reason}" if item.get("field") else str(reason))
            else:
                parts.append(str(item))
        text = "；".join(p for p in parts if p)
    for value in secrets:
        text = text.replace(value, mask_id(value))
    return text
