"""Working days: the calendar per year, its sources, the 7-working-day deadline and countdowns."""

from app.workdays.calendar import WorkCalendar, YearTable
from app.workdays.deadline import Countdown, countdown, deadline_for, deadlines_for, timeliness

__all__ = [
    "Countdown",
    "WorkCalendar",
    "YearTable",
    "countdown",
    "deadline_for",
    "deadlines_for",
    "timeliness",
]
