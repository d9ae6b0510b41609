"""Typed settings with defaults, in one JSON file in the data folder. Never secrets: passwords live in
the OS keyring, tokens only in memory. Window geometry is kept apart by the UI (QSettings)."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from app.files import write_atomic

log = logging.getLogger(__name__)

FILENAME = "settings.json"
VERSION = 1


@dataclass
class Settings:
    platform_url: str = ""
    username: str = ""
    ca_bundle: str = ""  # a PEM file for a government network's internal CA; empty: the system's
    proxy: str = ""  # empty: the system's proxy settings
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    department_name: str = ""
    department_uscc: str = ""
    allowed_kinds: list[str] = field(default_factory=list)
    due_soon_days: int = 2
    mask_keep_head: int = 6
    mask_keep_tail: int = 4
    blacklist_max_age_days: int = 7
    reminder_interval_minutes: int = 60
    version: int = VERSION

    @classmethod
    def load(cls, data_dir: Path) -> Settings:
        path = data_dir / FILENAME
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError):
            log.warning("settings file unreadable; defaults used")
            return cls()
        known = {f.name: f for f in fields(cls)}
        values = {}
        for name, value in raw.items() if isinstance(raw, dict) else ():
            f = known.get(name)
            default = getattr(cls(), name, None) if f else None
            # A value of the wrong type (hand-edited file) falls back to the default, not a crash.
            if f is not None and (default is None or isinstance(value, type(default))
                                  or (isinstance(default, float) and isinstance(value, int))):
                values[name] = value
        return cls(**values)

    def save(self, data_dir: Path) -> None:
        write_atomic(data_dir / FILENAME, json.dumps(asdict(self), ensure_ascii=False, indent=1).encode("utf-8"))
