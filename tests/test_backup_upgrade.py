"""Backups, restore, and upgrading a database written by the first released schema."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from app.cli import main
from app.context import AppContext
from app.errors import UserError
from app.store.backup import check_backup, daily_backup, make_backup, restore
from app.store.db import DB_FILENAME
from tests import factories

OLD = Path(__file__).resolve().parent / "data" / "store-0001.sqlite3"


def _rows(path: Path) -> dict[str, tuple]:
    conn = sqlite3.connect(path)
    try:
        return {r[0]: r[1:] for r in conn.execute("SELECT client_id, kind, state, fields, platform_id FROM records")}
    finally:
        conn.close()


def test_a_first_schema_database_is_upgraded_and_every_record_survives(data_dir, monkeypatch):
    monkeypatch.setenv("CREDITDESK_TODAY", "2026-11-26")
    shutil.copyfile(OLD, data_dir / DB_FILENAME)
    before = _rows(data_dir / DB_FILENAME)
    assert len(before) == 12
    ctx = AppContext(data_dir)
    try:
        from app.store.migrate import current_revision, head_revision

        assert current_revision(ctx.store.engine) == head_revision(ctx.store.engine)
        records = {r.client_id: r for r in ctx.queue.list()}
        assert set(records) == set(before)
        for cid, (kind, state, fields, platform_id) in before.items():
            rec = records[cid]
            assert (rec.kind, rec.state, rec.fields, rec.platform_id) == (kind, state, json.loads(fields), platform_id)
            assert rec.batch_key is None
            assert [e.action for e in ctx.queue.history(cid)] == ["create"]
        # The upgraded store works as a new one does.
        [res] = ctx.queue.add([("penalty", factories.penalty(random.Random(99), 99))])
        assert res.state == "ready"
        ctx.queue.recompute_deadlines()
    finally:
        ctx.close()
    conn = sqlite3.connect(data_dir / DB_FILENAME)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_backup_restore_round_trip(ctx, tmp_path):
    ctx.queue.add([("penalty", factories.penalty(random.Random(1), i)) for i in range(1, 6)])
    backup = make_backup(ctx.data_dir)
    assert backup.parent.name == "backups" and check_backup(backup) == 5
    ctx.queue.add([("penalty", factories.penalty(random.Random(2), i)) for i in range(10, 13)])
    assert len(ctx.queue.list()) == 8
    ctx.close()
    count, safety = restore(ctx.data_dir, backup)
    assert count == 5 and safety is not None and check_backup(safety) == 8
    again = AppContext(ctx.data_dir)
    assert len(again.queue.list()) == 5
    again.close()


def test_backup_while_writing_is_consistent(ctx):
    ctx.queue.add([("penalty", factories.penalty(random.Random(1), i)) for i in range(1, 50)])
    path = make_backup(ctx.data_dir)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()
    if hasattr(path, "stat"):
        assert path.stat().st_mode & 0o077 == 0


def test_daily_backup_once_a_day_with_rotation(ctx):
    ctx.queue.add([("penalty", factories.penalty(random.Random(1), 1))])
    first = daily_backup(ctx.data_dir, keep=3, today=datetime(2026, 11, 20, 9))
    assert first is not None
    assert daily_backup(ctx.data_dir, keep=3, today=datetime(2026, 11, 20, 15)) is None
    for day in range(21, 26):
        daily_backup(ctx.data_dir, keep=3, today=datetime(2026, 11, day, 9))
    names = sorted(p.name for p in (ctx.data_dir / "backups").glob("creditdesk-daily-*"))
    assert [n[17:25] for n in names] == ["20261123", "20261124", "20261125"]


@pytest.mark.parametrize("content", [b"", b"not a database at all", b"SQLite format 3\x00" + b"\x00" * 200])
def test_restore_refuses_a_broken_backup_and_changes_nothing(ctx, tmp_path, content):
    ctx.queue.add([("penalty", factories.penalty(random.Random(1), 1))])
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(content)
    before = _rows(ctx.data_dir / DB_FILENAME)
    with pytest.raises(UserError):
        restore(ctx.data_dir, bad)
    assert _rows(ctx.data_dir / DB_FILENAME) == before


def test_restore_refuses_a_foreign_database(ctx, tmp_path):
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(UserError, match="不是 CreditDesk"):
        check_backup(other)


def test_backup_and_restore_commands(data_dir, tmp_path, capsys):
    target = tmp_path / "copy.sqlite3"
    assert main(["--data-dir", str(data_dir), "backup", str(target)]) == 0
    assert target.exists()
    assert main(["--data-dir", str(data_dir), "restore", str(target)]) == 0
    assert "已从备份恢复 0 条记录" in capsys.readouterr().out
    assert main(["--data-dir", str(data_dir), "restore", str(tmp_path / "none.sqlite3")]) == 2
    assert "找不到备份文件" in capsys.readouterr().err


def test_an_old_backup_is_upgraded_when_restored(data_dir, capsys):
    assert main(["--data-dir", str(data_dir), "restore", str(OLD)]) == 0
    ctx = AppContext(data_dir)
    assert len(ctx.queue.list()) == 12
    ctx.close()
