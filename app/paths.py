"""Where CreditDesk finds its bundled resources and keeps the user's data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "CreditDesk"
ENV_HOME = "CREDITDESK_HOME"


def resources_dir() -> Path:
    """The bundled `resources/` folder, in a source tree and in a frozen (PyInstaller) build."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The user data folder: --data-dir, else $CREDITDESK_HOME, else a `data` folder beside a
    frozen executable that has a `portable` marker, else the platform's user data directory."""
    if override:
        path = Path(override)
    elif os.environ.get(ENV_HOME):
        path = Path(os.environ[ENV_HOME])
    elif getattr(sys, "frozen", False) and (Path(sys.executable).parent / "portable").exists():
        path = Path(sys.executable).parent / "data"
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir(APP_NAME, appauthor=False))
    path = path.expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def log_dir(base: Path) -> Path:
    path = base / "logs"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
