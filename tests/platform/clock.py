"""A clock the tests can set: real time in UTC+8 by default, or shifted, or frozen."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from app.clock import CHINA_TZ


def parse_time(value: datetime | str) -> datetime:
    """An aware datetime from a datetime or ISO 8601 text; a naive one is taken as UTC+8."""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    if when.tzinfo is None:
        when = when.replace(tzinfo=CHINA_TZ)
    return when.astimezone(CHINA_TZ)


def iso(when: datetime) -> str:
    """`2026-11-26T10:15:00+08:00`: seconds, with the offset."""
    return when.astimezone(CHINA_TZ).isoformat(timespec="seconds")


class SettableClock:
    """`now()` is real time plus an offset, or a frozen instant. Thread-safe."""

    def __init__(self, start: datetime | str | None = None, frozen: bool = False):
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        self._frozen: datetime | None = None
        if start is not None:
            self.set(start, frozen=frozen)

    def now(self) -> datetime:
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return datetime.now(CHINA_TZ) + self._offset

    def set(self, when: datetime | str, frozen: bool = False) -> datetime:
        """From now on the clock reads `when` and runs on from there (or stays there if frozen)."""
        target = parse_time(when)
        with self._lock:
            if frozen:
                self._frozen = target
            else:
                self._frozen = None
                self._offset = target - datetime.now(CHINA_TZ)
        return target

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            step = timedelta(seconds=seconds)
            if self._frozen is not None:
                self._frozen += step
            else:
                self._offset += step
        return self.now()

    def real(self) -> None:
        """Back to real time."""
        with self._lock:
            self._frozen = None
            self._offset = timedelta(0)
