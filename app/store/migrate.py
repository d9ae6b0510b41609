"""Alembic migrations, applied automatically when the store is opened."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(_config(engine)).get_current_head()


def upgrade_to_head(engine: Engine) -> None:
    cfg = _config(engine)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    current = current_revision(engine)
    if current == head:
        return
    log.info("upgrading the store from %s to %s", current, head)
    command.upgrade(cfg, "head")
