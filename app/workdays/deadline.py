"""The 7-working-day reporting deadline, countdowns and on-time judgement (domain.md §9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from app.clock import local_date
from app.workdays.calendar import WorkCalendar

DEFAULT_DAYS = 7

Band = Literal["normal", "due_soon", "due_today", "overdue", "uncovered"]
BAND_LABELS: dict[str, str] = {
    "normal": "正常",
    "due_soon": "即将到期",
    "due_today": "今日到期",
    "overdue": "已逾期",
    "uncovered": "日历未覆盖",
}


def deadline_for(calendar: WorkCalendar, decision_date: date, n: int = DEFAULT_DAYS) -> date | None:
    """The n-th working day strictly after the decision date; None when the calendar cannot tell.

    Never "next working day on or after the decision date, plus n": for a decision on a holiday
    that lands one working day too late (2023-09-29 would give 10-16 instead of 10-13).
    """
    return calendar.add_workdays(decision_date, n)


def deadlines_for(
    calendar: WorkCalendar, dates: list[date | None], n: int = DEFAULT_DAYS
) -> list[date | None]:
    """deadline_for over many records at once; a large queue has few distinct decision dates."""
    known: dict[date, date | None] = {}
    out: list[date | None] = []
    append = out.append
    for d in dates:
        if d is None:
            append(None)
            continue
        try:
            append(known[d])
        except KeyError:
            known[d] = result = calendar.add_workdays(d, n)
            append(result)
    return out


@dataclass(frozen=True)
class Countdown:
    """Working days left until a deadline, and the band the queue colours the record by.

    days_left: 0 = due today, 1 = due on the next working day, -k = overdue, counting from a
    working day today: +k = the deadline is the k-th working day after today, -k = today is the
    k-th working day after the deadline.

    A non-working today (weekend, holiday) has no "due today" and never gives 0:
    - a deadline ahead counts the working days in (today, deadline], as on the working day before
      (no working time has passed since): Saturday before a Monday deadline gives 1;
    - a deadline behind counts minus the working days in [deadline, today), as on the working day
      after (the earliest anyone can act is already that late): Saturday after a Friday deadline
      gives -1, the same as the Monday after.
    So the sign always follows the dates, and 0 means exactly deadline == today.
    """

    days_left: int | None
    band: Band


def countdown(calendar: WorkCalendar, deadline: date | None, today: date, due_soon: int = 2) -> Countdown:
    """Where a deadline stands today. `due_soon`: how many working days ahead count as "due soon".

    With no deadline, or today outside the calendar, the count is unknown ("uncovered"), except
    that a deadline already behind today is overdue whatever the calendar says: lateness is
    judged on dates alone, so it is reported as "overdue" with days_left None.
    """
    if deadline is None:
        return Countdown(None, "uncovered")
    left = calendar.workdays_between(today, deadline)
    if left is None:
        return Countdown(None, "overdue" if deadline < today else "uncovered")
    # A deadline from elsewhere may fall on a non-working day; keep the sign faithful to the dates.
    if deadline > today:
        left = max(left, 1)
    elif deadline < today:
        left = min(left, -1)
    if left < 0:
        return Countdown(left, "overdue")
    if left == 0:
        return Countdown(0, "due_today")
    return Countdown(left, "due_soon" if left <= due_soon else "normal")


def timeliness(
    deadline: date | None, received_at: datetime | str | None
) -> Literal["on_time", "late"] | None:
    """On time when the UTC+8 local date of the platform's receipt is on or before the deadline.

    None when the deadline is unknown or nothing has been received yet. A timestamp without an
    offset is taken as local time (UTC+8), as the platform always sends one.
    """
    if deadline is None or received_at is None:
        return None
    ts = datetime.fromisoformat(received_at) if isinstance(received_at, str) else received_at
    return "on_time" if local_date(ts) <= deadline else "late"
