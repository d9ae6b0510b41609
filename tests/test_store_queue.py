"""The SQLite store (durable settings, migrations, crash safety) and the queue service."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.errors import UserError
from app.queue import states as st
from app.store.db import DB_FILENAME
from tests import factories

ROOT = Path(__file__).resolve().parent.parent


def test_store_settings_and_migrations(ctx):
    with ctx.store.engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("synchronous") == 2  # FULL
        assert pragma("page_size") == 16384  # a new store
        assert pragma("temp_store") == 2  # MEMORY
        from app.store.migrate import current_revision, head_revision

        assert current_revision(ctx.store.engine) == head_revision(ctx.store.engine)
    if os.name == "posix":
        assert (ctx.data_dir / DB_FILENAME).stat().st_mode & 0o077 == 0


def test_a_store_made_with_smaller_pages_keeps_them_and_its_records(tmp_path):
    """Stores created before 16 KiB pages keep their 4 KiB pages: SQLite only sets the size of an
    empty database, and nothing is rewritten behind the clerk's back."""
    from app.context import AppContext

    path = tmp_path / DB_FILENAME
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA page_size=4096")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE older (x)")  # the file now has its page size
    ctx = AppContext(tmp_path)
    try:
        ctx.queue.add([("penalty", factories.penalty(random.Random(2)))])
        with ctx.store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA page_size").scalar() == 4096
        assert len(ctx.queue.list()) == 1
    finally:
        ctx.close()


def test_reopening_an_upgraded_store_changes_nothing(ctx, data_dir):
    ctx.queue.add([("penalty", factories.penalty(random.Random(1)))])
    ctx.close()
    from app.context import AppContext

    again = AppContext(data_dir)
    assert len(again.queue.list()) == 1
    again.close()


def test_add_sets_state_deadline_and_audit(ctx):
    rng = random.Random(2)
    good = factories.penalty(rng, 1)
    bad = factories.penalty(rng, 2, CF_JDRQ="2026-13-01")
    results = ctx.queue.add([("penalty", good), ("penalty", bad)], actor="clerk")
    assert [r.state for r in results] == [st.READY, st.DRAFT]
    rec = ctx.queue.get(results[0].client_id)
    assert rec.deadline == "2026-12-01" and rec.decision_date == "2026-11-20"
    assert rec.revision == 1 and rec.catalog_version == ctx.catalogs.active().version
    draft = ctx.queue.get(results[1].client_id)
    assert draft.error_count == 1 and draft.findings[0]["rule"] == "date_invalid" and draft.deadline is None
    events = ctx.queue.history(results[0].client_id)
    assert [(e.action, e.actor, e.old_state, e.new_state) for e in events] == [("create", "clerk", None, "ready")]


def test_unknown_kinds_are_never_stored(ctx):
    results = ctx.queue.add([("nope", {"X": "1"})])
    assert results[0].client_id is None and ctx.queue.list() == []


def test_edit_fixes_a_draft_and_keeps_an_audit_trail_without_id_numbers(ctx):
    rng = random.Random(3)
    person = {"CF_XDR_MC": "王小明", "CF_XDR_LB": "自然人", "CF_XDR_SHXYM": None, "CF_FRDB": None,
              "CF_XDR_ZJLX": "身份证", "CF_XDR_ZJHM": "36042619910102009X"}
    fields = factories.penalty(rng, 1, **person)
    [res] = ctx.queue.add([("penalty", fields)])
    assert res.state == st.DRAFT
    fields["CF_XDR_ZJHM"] = "360426199101010071"
    result = ctx.queue.edit(res.client_id, fields, actor="clerk")
    assert result.ok
    rec = ctx.queue.get(res.client_id)
    assert rec.state == st.READY and rec.error_count == 0 and rec.revision == 1
    edit = ctx.queue.history(res.client_id)[-1]
    assert (edit.action, edit.old_state, edit.new_state) == ("edit", "draft", "ready")
    assert edit.detail["fields"]["CF_XDR_ZJHM"] == ["360426********009X", "360426********0071"]
    assert "360426199101010071" not in json.dumps(edit.detail)


def test_edit_as_draft_and_edit_that_breaks_a_ready_record(ctx):
    fields = factories.penalty(random.Random(4), 1)
    [res] = ctx.queue.add([("penalty", fields)])
    ctx.queue.edit(res.client_id, fields, ready=False)
    assert ctx.queue.get(res.client_id).state == st.DRAFT
    ctx.queue.mark_ready([res.client_id])
    assert ctx.queue.get(res.client_id).state == st.READY
    ctx.queue.edit(res.client_id, dict(fields, CF_NR_FK="abc"))
    assert ctx.queue.get(res.client_id).state == st.DRAFT


def test_editing_never_conflicts_with_itself(ctx):
    fields = factories.penalty(random.Random(5), 1)
    [res] = ctx.queue.add([("penalty", fields)])
    assert ctx.queue.edit(res.client_id, fields).ok


def test_duplicates_against_the_queue_ignore_withdrawn_records(ctx):
    fields = factories.penalty(random.Random(6), 1)
    [first] = ctx.queue.add([("penalty", fields)])
    [second] = ctx.queue.add([("penalty", fields)])
    assert second.state == st.DRAFT and second.findings[-1].rule == "duplicate_record"
    ctx.queue.withdraw(first.client_id, "录入重复")
    assert ctx.queue.get(first.client_id).state == st.WITHDRAWN
    ctx.queue.revalidate([second.client_id], promote=True)
    assert ctx.queue.get(second.client_id).state == st.READY


@pytest.mark.parametrize("batch", [1, 40], ids=["looked-up", "all-read"])
def test_duplicates_against_a_larger_queue_or_a_larger_batch(ctx, batch):
    """A batch smaller than the queue looks its document numbers up; a larger one reads every
    numbered record. Both find the same: same number and subject, other subject, bracket variants,
    withdrawn records left out."""
    rng = random.Random(8)
    stored = [factories.penalty(rng, i) for i in range(1, 21)]
    results = ctx.queue.add([("penalty", f) for f in stored])
    ctx.queue.withdraw(results[2].client_id, "录入重复")
    same = dict(stored[0])
    other_subject = dict(factories.penalty(rng, 90), CF_WSH=stored[1]["CF_WSH"].replace("〔", "[").replace("〕", "]"))
    withdrawn = dict(stored[2])
    fresh = [factories.penalty(rng, 100 + i) for i in range(max(batch - 3, 0))]
    items = [("penalty", f) for f in [same, other_subject, withdrawn, *fresh][:max(batch, 3)]]
    rules = [[f.rule for f in r.findings if f.rule.startswith("duplicate")] for r in ctx.queue.add(items)]
    assert rules[:3] == [["duplicate_record"], ["duplicate_doc_number"], []]
    assert all(r == [] for r in rules[3:])


def test_withdraw_needs_a_reason_and_withdrawn_records_are_final(ctx):
    [res] = ctx.queue.add([("penalty", factories.penalty(random.Random(7), 1))])
    with pytest.raises(UserError, match="撤销原因"):
        ctx.queue.withdraw(res.client_id, "  ")
    ctx.queue.withdraw(res.client_id, "决定已撤销")
    with pytest.raises(UserError, match="不能修改"):
        ctx.queue.edit(res.client_id, {})


def test_revalidate_after_a_new_catalog_sends_failing_records_back_to_drafts(ctx):
    import copy

    [res] = ctx.queue.add([("penalty", factories.penalty(random.Random(8), 1))])
    doc = copy.deepcopy(ctx.catalogs.active().document)
    doc["version"] = "2026.9"
    for f in doc["kinds"][1]["fields"]:
        if f["code"] == "CF_WSH":
            f["length"] = 5
    ctx.catalogs.install(doc, "platform")
    counts = ctx.queue.revalidate()
    rec = ctx.queue.get(res.client_id)
    assert counts["draft"] == 1 and rec.state == st.DRAFT and rec.catalog_version == "2026.9"
    assert rec.findings[0]["rule"] == "length"


def test_deadlines_are_recomputed_when_a_new_calendar_year_arrives(ctx, tmp_path):
    [res] = ctx.queue.add([("penalty", factories.penalty(random.Random(9), 1, decided=__import__("datetime").date(
        2026, 11, 26)))])
    late_year = factories.penalty(random.Random(10), 2)
    late_year.update(CF_JDRQ="2026-12-24", CF_YXQ="2027-12-24", CF_GSJZQ="2027-12-24")
    [res2] = ctx.queue.add([("penalty", late_year)])
    assert ctx.queue.get(res.client_id).deadline == "2026-12-07"
    assert ctx.queue.get(res2.client_id).deadline is None  # runs into 2027, not yet covered
    doc = {"year": 2027, "holidays": ["2027-01-01"], "workdays": [], "source": "测试", "published_at": "2026-11-01"}
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    from app.workdays.sources import import_calendar_file

    import_calendar_file(ctx.store, path)
    ctx.reload_calendar()
    assert ctx.queue.recompute_deadlines() == 1
    # 12-25 Fri, 12-28 … 12-31, (01-01 holiday), 01-04, 01-05: the 7th working day.
    assert ctx.queue.get(res2.client_id).deadline == "2027-01-05"


KILL_CHILD = textwrap.dedent("""
    import random, sys
    from app.context import AppContext
    from tests import factories
    ctx = AppContext(__import__("pathlib").Path(sys.argv[1]))
    rng = random.Random(1)
    n = 0
    while True:
        batch = [("penalty", factories.penalty(rng, n + i + 1)) for i in range(50)]
        ctx.queue.add(batch)
        n += 50
        print(n, flush=True)
""")


def test_sigkill_in_the_middle_of_writes_loses_no_committed_record(data_dir):
    proc = subprocess.Popen([sys.executable, "-c", KILL_CHILD, str(data_dir)], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True)
    committed = 0
    try:
        for line in proc.stdout:
            committed = int(line)
            if committed >= 600:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    conn = sqlite3.connect(data_dir / DB_FILENAME)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count = conn.execute("SELECT count(*) FROM records").fetchone()[0]
        audits = conn.execute("SELECT count(*) FROM audit_events").fetchone()[0]
    finally:
        conn.close()
    assert count >= committed and count % 50 == 0  # every committed batch, and no half batch
    assert audits == count
    from app.context import AppContext

    after = AppContext(data_dir)
    assert len(after.queue.list()) == count
    after.close()


def test_calendar_import_command_recomputes_deadlines(tmp_path, data_dir, capsys, monkeypatch):
    from app.cli import main
    from app.context import AppContext

    monkeypatch.setenv("CREDITDESK_TODAY", "2026-12-28")
    ctx = AppContext(data_dir)
    fields = factories.inspection(random.Random(3), 1, JC_RQ="2026-12-24")
    [res] = ctx.queue.add([("inspection", fields)])
    assert ctx.queue.get(res.client_id).deadline is None
    ctx.close()
    path = tmp_path / "2027.json"
    path.write_text(json.dumps({"year": 2027, "holidays": ["2027-01-01"], "workdays": [], "source": "测试",
                                "published_at": "2026-11-01"}), encoding="utf-8")
    assert main(["--data-dir", str(data_dir), "calendar", "import", str(path)]) == 0
    assert "已重新计算 1 条记录" in capsys.readouterr().out
    ctx = AppContext(data_dir)
    assert ctx.queue.get(res.client_id).deadline == "2027-01-05"
    ctx.close()


def test_the_migrations_build_exactly_the_models(ctx):
    """A model change without its migration (or the reverse) fails here, not on a clerk's PC."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from app.store.models import Base

    with ctx.store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_add_as_draft_keeps_a_valid_record_a_draft(ctx):
    [res] = ctx.queue.add([("penalty", factories.penalty(random.Random(1), 1))], ready=False)
    assert res.state == st.DRAFT and [e.action for e in ctx.queue.history(res.client_id)] == ["create"]


# -- large batches: written by a helper thread, 2,000 rows a statement (app/store/bulk.py) -----------
def _penalties(n: int, seed: int = 5) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    return [("penalty", factories.penalty(rng, i + 1)) for i in range(n)]


def test_a_large_batch_is_stored_in_order_with_an_audit_event_each(ctx):
    from app.queue.service import _CHUNK

    items = _penalties(2 * _CHUNK + 17)
    results = ctx.queue.add(items, actor="clerk", source="excel:x.xlsx")
    with ctx.store.engine.connect() as conn:
        ids = [r[0] for r in conn.exec_driver_sql("SELECT client_id FROM records ORDER BY id")]
        events = conn.exec_driver_sql(
            "SELECT client_id, actor, action, old_state, new_state, detail, at FROM audit_events ORDER BY id").all()
        created = conn.exec_driver_sql("SELECT created_at, updated_at FROM records LIMIT 1").one()
        temp = conn.exec_driver_sql("SELECT count(*) FROM temp.sqlite_schema").scalar()
        types = conn.exec_driver_sql("SELECT DISTINCT typeof(fields), typeof(findings), typeof(platform_message), "
                                     "typeof(revision), typeof(catalog_version) FROM records").all()
    assert types == [("text", "text", "text", "integer", "text")]  # JSON as text, never as a blob
    assert ids == [r.client_id for r in results] and len(set(ids)) == len(items)
    assert [e[0] for e in events] == ids
    assert {e[1:6] for e in events} == {("clerk", "create", None, "ready", '{"source":"excel:x.xlsx"}')}
    assert events[0][6] == created[0] == created[1]
    assert temp == 0  # no temporary table left behind
    # The ORM reads the rows back as it wrote them: times in SQLAlchemy's own text format.
    rec = ctx.queue.get(ids[-1])
    assert rec.state == "ready" and rec.fields["CF_WSH"] == items[-1][1]["CF_WSH"]
    # A second batch after the first: each of its chunks again gets exactly its own records' events.
    more = [(k, {**raw, "CF_WSH": raw["CF_WSH"] + "补"}) for k, raw in items]
    second = ctx.queue.add(more, actor="clerk2", source="excel:y.xlsx")
    with ctx.store.engine.connect() as conn:
        later = conn.exec_driver_sql("SELECT client_id, actor FROM audit_events WHERE id > ? ORDER BY id",
                                     (len(events),)).all()
    assert later == [(r.client_id, "clerk2") for r in second]
    with ctx.store.session() as s:
        from app.store.models import Record

        r = s.get(Record, 1)
        r.updated_at = r.created_at  # written again by the ORM
    with ctx.store.engine.connect() as conn:
        again = conn.exec_driver_sql("SELECT created_at, updated_at FROM records WHERE id = 1").one()
    assert again[0] == again[1]


def test_a_batch_cancelled_after_chunks_were_written_stores_nothing(ctx):
    from app.queue.service import _CHUNK, Cancelled

    calls = []

    def progress(done, total):
        calls.append(done)
        return done < 2 * _CHUNK + 100  # stop once two chunks have gone to the helper

    with pytest.raises(Cancelled):
        ctx.queue.add(_penalties(3 * _CHUNK), progress=progress)
    assert max(calls) >= 2 * _CHUNK
    with ctx.store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM records").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM audit_events").scalar() == 0
    assert len(ctx.queue.add(_penalties(3, seed=9))) == 3  # the store works on


def test_a_failure_inside_the_helper_thread_rolls_back_the_whole_batch(ctx):
    """A write the helper cannot make (the disk fills up, at the SQLite level, while the second
    chunk goes in) reaches the caller as the store's message, and nothing of the batch stays."""
    from sqlalchemy import event

    from app.queue.service import _CHUNK
    from app.store.db import StoreError

    ctx.queue.add(_penalties(1, seed=3))
    with ctx.store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
        size = conn.exec_driver_sql("PRAGMA page_size").scalar()
    cap = pages + _CHUNK * 3000 // size  # room for the first chunk (about 2 KB a record), not the second
    event.listen(ctx.store.engine, "connect", lambda c, _r: c.execute(f"PRAGMA max_page_count={cap}"))
    ctx.store.engine.dispose()
    chunks = []
    with pytest.raises(StoreError) as caught:
        ctx.queue.add(_penalties(3 * _CHUNK, seed=4), progress=lambda done, total: chunks.append(done))
    assert caught.value.code == "disk_full" and "磁盘空间已满" in str(caught.value)
    assert max(chunks) > _CHUNK  # it failed after the first chunk had been written
    with ctx.store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM records").scalar() == 1
        assert conn.exec_driver_sql("SELECT count(*) FROM audit_events").scalar() == 1
    assert len(ctx.queue.add(_penalties(2, seed=11))) == 2


def test_new_record_ids_are_version_7_uuids_in_the_order_made():
    """Time-ordered ids (RFC 9562) keep the client_id indexes growing at their end; unique all the same."""
    import time
    import uuid

    from app.queue.service import client_ids

    before = time.time_ns() // 1_000_000
    ids = client_ids(300_000)  # the part before the 4th group changes every 16,384 ids
    after = time.time_ns() // 1_000_000
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for text in ids[:1000] + ids[262_000:263_000] + ids[-1000:]:
        u = uuid.UUID(text)
        assert str(u) == text and u.version == 7 and u.variant == uuid.RFC_4122
        assert before <= u.int >> 80 <= after
    # The 26-bit counter (12 bits after the version, 14 after the variant) counts up by one, also
    # where the 3rd group changes.
    for part in (ids[:1000], ids[16_000:50_000], ids[-1000:]):
        counters = [((u >> 64) & 0xFFF) << 14 | ((u >> 48) & 0x3FFF) for u in (uuid.UUID(t).int for t in part)]
        assert counters == list(range(counters[0], counters[0] + len(part)))
    assert client_ids(0) == [] and not set(client_ids(1000)) & set(ids)
