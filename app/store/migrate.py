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


def current_heads(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())


def head_revision(engine: Engine) -> str | None:
    heads = ScriptDirectory.from_config(_config(engine)).get_heads()
    return heads[0] if len(heads) == 1 else None


def upgrade_to_head(engine: Engine) -> None:
    cfg = _config(engine)
    heads = set(ScriptDirectory.from_config(cfg).get_heads())
    current = current_heads(engine)
    if current == heads:
        return  # the common start-up: nothing to do, and no migration code is loaded
    log.info("upgrading the store from %s to %s", sorted(current), sorted(heads))
    command.upgrade(cfg, "heads")
