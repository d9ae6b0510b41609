"""The bureau's local date and time (UTC+8), one place for "today" so tests can fix it."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
# Tests and demonstrations may pin "today" (YYYY-MM-DD); never set in production.
ENV_TODAY = "CREDITDESK_TODAY"


def now() -> datetime:
    return datetime.now(CHINA_TZ)


def today() -> date:
    pinned = os.environ.get(ENV_TODAY)
    if pinned:
        return date.fromisoformat(pinned)
    return now().date()


def local_date(ts: datetime) -> date:
    """The UTC+8 calendar date of an aware timestamp (the platform's received_at)."""
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=CHINA_TZ)
    return ts.astimezone(CHINA_TZ).date()
