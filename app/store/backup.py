"""Backups of the SQLite store: SQLite's online backup (consistent while the program runs), one
automatic backup a day with rotation, manual backups, and a restore that checks the file first."""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

from app.clock import now
from app.errors import UserError
from app.store.db import DB_FILENAME

log = logging.getLogger(__name__)

KEEP_DAILY = 14
PREFIX = "creditdesk-"


def backup_dir(data_dir: Path) -> Path:
    path = data_dir / "backups"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _copy(source: Path, target: Path) -> None:
    tmp = target.with_name(target.name + ".part")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        os.close(fd)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")  # a backup is one self-contained file
        finally:
            dst.close()
    finally:
        src.close()
    os.replace(tmp, target)


def make_backup(data_dir: Path, target: Path | None = None, label: str = "manual") -> Path:
    """Copy the live database (consistent even while it is being written) to `target` or into the
    backups folder. Raises UserError with a Chinese message when the copy cannot be written."""
    source = data_dir / DB_FILENAME
    if not source.exists():
        raise UserError("还没有数据库，无需备份。", "no_database")
    if target is None:
        target = backup_dir(data_dir) / f"{PREFIX}{label}-{now().strftime('%Y%m%d-%H%M%S')}.sqlite3"
    try:
        _copy(source, Path(target))
    except (OSError, sqlite3.Error) as exc:
        raise UserError(f"备份失败：无法写入 {Path(target).parent}（{exc.__class__.__name__}），请检查磁盘空间和权限。",
                        "backup_failed") from None
    log.info("backup written (%s)", label)
    return Path(target)


def daily_backup(data_dir: Path, keep: int = KEEP_DAILY, today: datetime | None = None) -> Path | None:
    """At most one automatic backup per day; the oldest beyond `keep` are removed."""
    folder = backup_dir(data_dir)
    stamp = (today or now()).strftime("%Y%m%d")
    if any(folder.glob(f"{PREFIX}daily-{stamp}-*.sqlite3")) or not (data_dir / DB_FILENAME).exists():
        return None
    path = make_backup(data_dir, folder / f"{PREFIX}daily-{stamp}-{(today or now()).strftime('%H%M%S')}.sqlite3")
    dailies = sorted(folder.glob(f"{PREFIX}daily-*.sqlite3"))
    for old in dailies[:-keep]:
        old.unlink(missing_ok=True)
    return path


def check_backup(path: Path) -> int:
    """Integrity check of a backup file; returns its record count. UserError when it is not usable."""
    if not Path(path).is_file():
        raise UserError(f"找不到备份文件：{path}", "not_found")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if result != "ok":
                raise UserError("备份文件已损坏（完整性检查未通过），不能用于恢复。", "backup_corrupt")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "records" not in tables or "alembic_version" not in tables:
                raise UserError("这不是 CreditDesk 的备份文件。", "not_a_backup")
            return conn.execute("SELECT count(*) FROM records").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        raise UserError("这不是有效的数据库备份文件（文件已损坏或格式不对）。", "backup_corrupt") from None


def restore(data_dir: Path, path: Path) -> tuple[int, Path | None]:
    """Replace the database with a checked backup. The current database is kept as a backup first,
    so a restore can itself be undone. Returns (records restored, safety copy of the old database)."""
    count = check_backup(path)
    current = data_dir / DB_FILENAME
    safety = make_backup(data_dir, label="before-restore") if current.exists() else None
    tmp = current.with_name(current.name + ".restore")
    shutil.copyfile(path, tmp)
    os.chmod(tmp, 0o600)
    for suffix in ("-wal", "-shm"):
        Path(str(current) + suffix).unlink(missing_ok=True)
    os.replace(tmp, current)
    return count, safety
