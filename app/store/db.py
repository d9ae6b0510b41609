"""The SQLite file: engine with durable settings, migrations at start-up, sessions."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
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
PAGE_SIZE = 16384


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # 16 KiB pages, which SQLite applies only to a database that has no tables yet (an existing one
    # keeps its own). A record with its JSON fields is about 2 KB: with four times fewer pages an
    # import of 100,000 rows writes a quarter of the b-tree pages and WAL frames (0.36 s less of 7 s;
    # a sync of 10,000 records 15 % faster; reports and the queue's searches unchanged).
    cur.execute(f"PRAGMA page_size={PAGE_SIZE}")
    # WAL: readers never block the writer; synchronous=FULL: a commit survives power loss.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    # Temporary tables and sorts in memory: a bulk insert stages each chunk of 4,000 records (about
    # 5 MB) in a temp table (app/store/bulk.py), which need never touch a temporary file.
    cur.execute("PRAGMA temp_store=MEMORY")
    # Checkpoints (copying the WAL into the database file) run on a helper thread after a commit
    # (Store._checkpoint_soon), not inside the commit: an import of 100,000 records would otherwise
    # wait another half second for the 200 MB copy before the clerk sees the result.
    cur.execute("PRAGMA wal_autocheckpoint=0")
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


CHECKPOINT_FROM = 4 * 1024 * 1024  # bytes of WAL: SQLite's own automatic checkpoint starts at 1,000 pages


class Store:
    """One SQLite database file and the sessions over it."""

    def __init__(self, path: Path, engine: Engine):
        self.path = path
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._checkpoint_lock = threading.Lock()
        self._checkpointer: threading.Thread | None = None

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
        self._checkpoint_soon()

    def read(self) -> Session:
        return self._sessions()

    def _checkpoint_soon(self) -> None:
        """Copy the WAL into the database on a helper thread once it has grown. A PASSIVE checkpoint
        never blocks readers or writers; SQLite releases the GIL while it works."""
        wal = self.path.with_name(self.path.name + "-wal")
        try:
            if wal.stat().st_size < CHECKPOINT_FROM:
                return
        except OSError:
            return
        with self._checkpoint_lock:
            if self._checkpointer is not None and self._checkpointer.is_alive():
                return  # the running one copies what is there by the time it starts
            self._checkpointer = threading.Thread(target=self._checkpoint, name="creditdesk-checkpoint", daemon=True)
            self._checkpointer.start()

    def _checkpoint(self) -> None:
        try:
            conn = sqlite3.connect(self.path, timeout=10)
            try:
                conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
            finally:
                conn.close()
        except sqlite3.Error as exc:  # the WAL stays and is copied next time; nothing is lost
            log.warning("checkpoint failed: %s", str(exc)[:120])

    def wait_for_checkpoint(self) -> None:
        with self._checkpoint_lock:
            running = self._checkpointer
        if running is not None:
            running.join()

    def close(self) -> None:
        self.wait_for_checkpoint()
        self.engine.dispose()


def open_store(data_dir: Path, migrate: bool = True) -> Store:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DB_FILENAME
    new = not path.exists()
    if new:
        # Create the file readable by the user only before SQLite opens it.
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
    # check_same_thread off: a bulk insert's helper thread uses the connection of the caller's
    # transaction while the caller waits (app/store/bulk.py); never two threads at once.
    engine = create_engine(f"sqlite:///{path}", future=True, connect_args={"check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        from app.store.migrate import upgrade_to_head

        upgrade_to_head(engine)
    return Store(path, engine)
