"""The SQLite file: engine with durable settings, migrations at start-up, sessions."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.errors import UserError

log = logging.getLogger(__name__)

DB_FILENAME = "creditdesk.sqlite3"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL: readers never block the writer; synchronous=FULL: a commit survives power loss.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


class StoreError(UserError):
    code = "store"

    @classmethod
    def from_sqlite(cls, exc: OperationalError) -> StoreError:
        text = str(exc.orig if exc.orig is not None else exc).lower()
        log.warning("store write failed: %s", text[:120])
        if "full" in text:
            return cls("磁盘空间已满，这次的修改没有保存；已保存的记录不受影响。请清理磁盘空间后重试。", "disk_full")
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            return cls("数据目录不可写（只读或没有权限），这次的修改没有保存；已保存的记录不受影响。"
                       "请检查数据目录的权限。", "read_only")
        if "locked" in text or "busy" in text:
            return cls("数据库正被另一个程序占用，请稍后重试。", "locked")
        return cls("保存数据时出错，这次的修改没有保存；已保存的记录不受影响。详细信息已写入日志。", "store")


class Store:
    """One SQLite database file and the sessions over it."""

    def __init__(self, path: Path, engine: Engine):
        self.path = path
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed as one transaction on success, rolled back on any error.
        A full disk, a read-only folder or a locked file becomes a StoreError with a Chinese message;
        the rollback leaves every stored record as it was."""
        try:
            with self._sessions() as session, session.begin():
                yield session
        except OperationalError as exc:
            raise StoreError.from_sqlite(exc) from None

    def read(self) -> Session:
        return self._sessions()

    def close(self) -> None:
        self.engine.dispose()


def open_store(data_dir: Path, migrate: bool = True) -> Store:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DB_FILENAME
    new = not path.exists()
    if new:
        # Create the file readable by the user only before SQLite opens it.
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
    engine = create_engine(f"sqlite:///{path}", future=True)
    event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        from app.store.migrate import upgrade_to_head

        upgrade_to_head(engine)
    return Store(path, engine)
