"""Logging to a rotating file in the user's log folder. Never log personal data or secrets."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from app.paths import log_dir

_configured: set[Path] = set()


def setup_logging(data: Path, level: int = logging.INFO) -> Path:
    path = log_dir(data) / "creditdesk.log"
    if path in _configured:
        return path
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    _configured.add(path)
    return path
