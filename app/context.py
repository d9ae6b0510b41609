"""One object that opens the parts of the core for a data folder, each on first use.

The command line, the windows and the tests all reach the core through it, so they share
the same store, catalog, calendar and queue.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from app.paths import data_dir


class AppContext:
    def __init__(self, data: Path):
        self.data_dir = data

    @classmethod
    def open(cls, override: str | None = None) -> AppContext:
        return cls(data_dir(override))

    @cached_property
    def store(self):
        from app.store import open_store

        return open_store(self.data_dir)

    @cached_property
    def catalogs(self):
        from app.catalog.registry import CatalogRegistry

        return CatalogRegistry(self.store)

    @property
    def calendar(self):
        """The working-day calendar from every source (reloaded after an import or a sync)."""
        if self._calendar is None:
            from app.workdays.sources import load_calendar

            self._calendar = load_calendar(self.store)
        return self._calendar

    _calendar = None

    def reload_calendar(self):
        self._calendar = None
        return self.calendar

    _blacklist = None

    @property
    def blacklist(self):
        """The local copy of the serious-dishonesty list, as the validator compares with it."""
        if self._blacklist is None:
            from app.platform.blacklist import load_index

            self._blacklist = load_index(self.store, self.settings.blacklist_max_age_days)
        return self._blacklist

    def reload_blacklist(self):
        self._blacklist = None
        return self.blacklist

    @cached_property
    def settings(self):
        from app.settings import Settings

        return Settings.load(self.data_dir)

    def save_settings(self) -> None:
        self.settings.save(self.data_dir)

    @cached_property
    def queue(self):
        from app.queue.service import QueueService

        return QueueService(self)

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.close()
