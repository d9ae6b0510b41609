"""A full disk and a read-only data folder: a clear message, and nothing already stored is lost."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import event

from app.store.db import StoreError
from tests import factories

ROOT = Path(__file__).resolve().parent.parent


def _limit_pages(ctx, pages: int) -> None:
    """Make SQLite report "database or disk is full" once the file would grow past `pages` pages."""
    engine = ctx.store.engine

    @event.listens_for(engine, "connect")
    def cap(dbapi_conn, _record):
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    engine.dispose()  # pooled connections reconnect with the cap


def test_disk_full_during_a_batch_keeps_every_stored_record(ctx):
    rng = random.Random(1)
    ctx.queue.add([("penalty", factories.penalty(rng, i)) for i in range(1, 21)])
    before = {r.client_id: r.fields for r in ctx.queue.list()}
    with ctx.store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
        page_size = conn.exec_driver_sql("PRAGMA page_size").scalar()
    _limit_pages(ctx, pages + 2)
    with pytest.raises(StoreError) as err:
        ctx.queue.add([("penalty", factories.penalty(rng, i)) for i in range(100, 2100)])
    assert err.value.code == "disk_full" and "磁盘空间已满" in err.value.message
    after = {r.client_id: r.fields for r in ctx.queue.list()}
    assert after == before  # the failed batch left nothing half-written
    cid = next(iter(before))
    with pytest.raises(StoreError):
        ctx.queue.edit(cid, dict(before[cid], BZ="备" * page_size))  # three pages of UTF-8: more than is left
    assert ctx.queue.get(cid).fields == before[cid]


def test_disk_full_from_the_command_line_is_one_chinese_line(tmp_path, data_dir):
    records = [{"kind": "penalty", "fields": factories.penalty(random.Random(2), i)} for i in range(1, 400)]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    code = ("import sys\n"
            "from sqlalchemy import event\n"
            "import app.store.db as db\n"
            "orig = db.create_engine\n"
            "def capped(*a, **k):\n"
            "    e = orig(*a, **k)\n"
            "    event.listen(e, 'connect', lambda c, r: c.execute('PRAGMA max_page_count=60'))\n"
            "    return e\n"
            "db.create_engine = capped\n"
            "from app.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    proc = subprocess.run([sys.executable, "-c", code, "--data-dir", str(data_dir), "queue", "add", str(path)],
                          cwd=ROOT, capture_output=True, text=True, encoding="utf-8")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("错误：磁盘空间已满") and proc.stderr.count("\n") == 1


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_data_folder_nonroot(ctx):
    ctx.queue.add([("penalty", factories.penalty(random.Random(1), 1))])
    os.chmod(ctx.store.path, 0o400)
    try:
        with pytest.raises(StoreError):
            ctx.queue.add([("penalty", factories.penalty(random.Random(2), 2))])
    finally:
        os.chmod(ctx.store.path, 0o600)


def test_read_only_database_is_reported(ctx):
    """Read-only as SQLite sees it (works as root too): the connection is opened with query_only."""
    ctx.queue.add([("penalty", factories.penalty(random.Random(1), 1))])
    engine = ctx.store.engine

    @event.listens_for(engine, "connect")
    def readonly(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA query_only=1")

    engine.dispose()
    with pytest.raises(StoreError) as err:
        ctx.queue.add([("penalty", factories.penalty(random.Random(2), 2))])
    assert err.value.code == "read_only"
    assert len(ctx.queue.list()) == 1
