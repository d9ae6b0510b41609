"""Reads of the queue table off the GUI thread on a large store (issue 8: 1,000,000 records).

The store here is small; QueueModel.BACKGROUND_FROM is lowered so that it counts as large, which
takes the same path as a store of a million records. Real SQLite files throughout; the failing
database is a real damaged file."""

from __future__ import annotations

import random
import threading
from datetime import date

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import event, text

from app.queue import states as st
from tests import factories
from tests.ui.test_queue_model import add, add_many, simulate_platform
from ui.main_window import MainWindow
from ui.queue_model import (
    COL_DEADLINE,
    COL_DECIDED,
    COL_NAME,
    DUE_SOON,
    OVERDUE,
    READ_FAILED,
    QueryStop,
    QueueFilter,
    QueueModel,
    QueueReader,
)

SHOPS = ("上饶市信州区晨光文具有限公司", "上饶市广丰区晨曦百货商店", "上饶市广信区远航物流有限公司")


@pytest.fixture
def large(monkeypatch):
    monkeypatch.setattr(QueueModel, "BACKGROUND_FROM", 1)


def open_window(qtbot, ctx) -> MainWindow:
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: not w.model.loading and bool(w.counts), timeout=10_000)
    return w


def names(w: MainWindow) -> list[str]:
    return [w.model.index(r, COL_NAME).data() for r in range(w.model.rowCount())]


def search(w: MainWindow, words: str) -> None:
    w.filters.search.setText(words)
    w.filters.apply_now()


def fill(ctx) -> None:
    for n, name in enumerate(SHOPS, start=1):
        add(ctx, "penalty", n, CF_XDR_MC=name)
    add_many(ctx, 20, seed=3)


def test_a_search_runs_on_a_worker_thread_and_keeps_the_old_rows_meanwhile(qtbot, ctx, large):
    fill(ctx)
    w = open_window(qtbot, ctx)
    assert w.model.rowCount() == 23 and w.search_status.text() == ""
    searched_on: list[bool] = []
    event.listen(w.model.reader.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, params, context, many: searched_on.append(
                     threading.current_thread() is threading.main_thread()) if " LIKE " in sql else None)
    before = names(w)
    search(w, "晨光")
    # The query is under way: the clerk still sees the rows of before and is told it is searching.
    assert w.model.loading and w.search_status.text() == "正在查找…"
    assert names(w) == before
    with qtbot.waitSignal(w.model.refreshed, timeout=10_000):
        pass
    assert names(w) == ["上饶市信州区晨光文具有限公司"]
    assert w.search_status.text() == "" and not w.model.loading
    assert searched_on and not any(searched_on)  # never on the GUI thread


def test_a_second_search_supersedes_the_first(qtbot, ctx, large):
    fill(ctx)
    w = open_window(qtbot, ctx)
    shown: list[int] = []
    w.model.refreshed.connect(lambda _same: shown.append(w.model.rowCount()))
    search(w, "上饶市")  # matches everything
    first = w.model._stop
    search(w, "晨曦")  # typed on before the first answer arrived
    assert first.stopped  # the first query was told to stop (interrupted if it was running)
    assert w.model.loading and w.search_status.text() == "正在查找…"
    qtbot.waitUntil(lambda: not w.model.loading, timeout=10_000)
    qtbot.wait(100)  # time for a late answer to the first search to arrive (it must be dropped)
    assert names(w) == ["上饶市广丰区晨曦百货商店"]
    assert shown == [1]  # the table never showed the first search's rows
    assert w.model.filter.search == "晨曦"


def test_the_clerk_can_go_back_to_the_view_on_screen_while_another_is_read(qtbot, ctx, large):
    fill(ctx)
    w = open_window(qtbot, ctx)
    search(w, "晨曦")
    search(w, "")  # back to what is still on screen: the pending search must not win
    qtbot.waitUntil(lambda: not w.model.loading, timeout=10_000)
    qtbot.wait(100)
    assert w.model.rowCount() == 23


def test_views_filters_sorting_and_refresh_in_the_background(qtbot, ctx, large):
    ids = add_many(ctx, 40, spread_days=25)
    simulate_platform(ctx, ids[0], st.RETURNED, [{"field": None, "code": "review", "message": "请核实"}])
    w = open_window(qtbot, ctx)
    counts = w.model.reader.view_counts()
    for view in (OVERDUE, DUE_SOON, st.RETURNED, "all"):
        w.views.set_view(view)
        qtbot.waitUntil(lambda: not w.model.loading, timeout=10_000)
        assert w.model.rowCount() == counts[view]
    w.filters.kind.setCurrentIndex(w.filters.kind.findData("license"))
    qtbot.waitUntil(lambda: not w.model.loading, timeout=10_000)
    assert w.model.rowCount() == 10
    assert {w.model.row(r).kind for r in range(10)} == {"license"}
    w.filters.reset()
    qtbot.waitUntil(lambda: not w.model.loading, timeout=10_000)
    w.table.sortByColumn(COL_NAME, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: not w.model.loading, timeout=10_000)
    shown = names(w)
    assert len(shown) == 40 and shown == sorted(shown, reverse=True)
    # A refresh after a change keeps the selected record selected once the new rows are in.
    w.table.selectRow(3)
    kept = w.model.client_id(3)
    ctx.queue.withdraw(ids[5], "录入错误")
    w.refresh()
    qtbot.waitUntil(lambda: not w.model.loading and w.counts.get(st.WITHDRAWN) == 1, timeout=10_000)
    assert w.selected_client_ids() == [kept]


def damage_records_table(ctx) -> None:
    """Overwrite the first leaf page of the records table, as a failing disk would: a search (which
    reads every row) fails, while the last rows (QueueReader.size_hint) can still be read."""
    with ctx.store.engine.connect() as c:
        c.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        page = c.execute(text("SELECT rootpage FROM sqlite_master WHERE name = 'records'")).scalar_one()
        size = c.execute(text("PRAGMA page_size")).scalar_one()
    with open(ctx.store.path, "r+b") as f:
        while True:  # down the b-tree along the leftmost child pointers (SQLite's file format)
            start = (page - 1) * size
            f.seek(start)
            head = f.read(14)  # a 12-byte page header, then the cell pointer array
            if head[0] != 0x05:  # not an interior table page: the leaf
                break
            first_cell = int.from_bytes(head[12:14], "big")
            f.seek(start + first_cell)
            page = int.from_bytes(f.read(4), "big")  # the cell's left child
        f.seek((page - 1) * size)
        f.write(b"\xff" * size)


@pytest.mark.parametrize("background", [True, False], ids=["large store", "small store"])
def test_a_failing_read_shows_a_chinese_message_and_keeps_the_rows(qtbot, ctx, monkeypatch, background):
    if background:
        monkeypatch.setattr(QueueModel, "BACKGROUND_FROM", 1)
    fill(ctx)
    w = open_window(qtbot, ctx)
    before = names(w)
    damage_records_table(ctx)
    assert w.model.in_background() == background
    # An ID number typed into the search box must not reach the log with the failing statement
    # (the suite's privacy scan reads every log).
    search(w, factories.id_number(random.Random(8)))
    qtbot.waitUntil(lambda: not w.model.loading, timeout=10_000)
    assert not w.notice.isHidden() and w.notice.kind == "error"
    assert w.notice.text() == READ_FAILED and "读取记录时出错" in READ_FAILED
    assert w.search_status.text() == ""
    assert names(w) == before  # the rows of before stay (from the pages already read)
    search(w, "")  # the window goes on working
    qtbot.waitUntil(lambda: not w.model.loading, timeout=10_000)


def test_a_query_stopped_from_another_thread_is_interrupted(ctx):
    """QueryStop.stop() from the GUI thread interrupts the statement a worker runs, and a stopped
    request reads nothing."""
    reader = QueueReader(ctx.store.path, ctx.calendar)
    try:
        stop = QueryStop()
        stop.stop()
        assert reader.first(QueueFilter(search="上饶"), (COL_DEADLINE, False), 100, stop) is None
        stop = QueryStop()
        outcome: list[str] = []
        started = threading.Event()

        def endless() -> None:
            with reader.engine.connect() as c, stop.running_on(c.connection.dbapi_connection):
                started.set()
                try:
                    c.exec_driver_sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) "
                                      "SELECT count(*) FROM n").all()
                except Exception as exc:  # noqa: BLE001 - the interruption is what is looked for
                    outcome.append(str(exc.orig if hasattr(exc, "orig") else exc))

        worker = threading.Thread(target=endless)
        worker.start()
        assert started.wait(5)
        threading.Event().wait(0.05)  # the statement is running
        stop.stop()
        worker.join(5)
        assert not worker.is_alive() and outcome == ["interrupted"]
    finally:
        reader.close()


@pytest.mark.parametrize("probe", [(5, 10), (10, 60), (2_000, 100_000)])
def test_the_first_page_is_the_same_whichever_plan_reads_it(ctx, monkeypatch, probe):
    """QueueReader.first tries its plans in turn (a look at the first rows in sort order, then the
    filter's index and a sort); whichever answers must give the page the plain query gives."""
    monkeypatch.setattr(QueueReader, "PROBE_SHORT", probe[0])
    monkeypatch.setattr(QueueReader, "PROBE_ROWS", probe[1])
    rng = random.Random(5)
    ids = add_many(ctx, 120, spread_days=60)
    for cid in rng.sample(ids, 30):
        simulate_platform(ctx, cid, st.ACCEPTED)
    add(ctx, "license", 999, decided=date(2026, 11, 25))
    reader = QueueReader(ctx.store.path, ctx.calendar)
    try:
        filters = [QueueFilter(kind="license"), QueueFilter(view=OVERDUE), QueueFilter(view=DUE_SOON),
                   QueueFilter(view=st.ACCEPTED), QueueFilter(view=st.READY, kind="penalty"),
                   QueueFilter(date_from="2026-11-20"), QueueFilter(date_to="2026-10-10", kind="inspection"),
                   QueueFilter(kind="no-such-kind")]
        for f in filters:
            for sort in ((COL_DEADLINE, False), (COL_DEADLINE, True), (COL_DECIDED, False), (COL_NAME, True)):
                for limit in (5, 100):
                    rows, count, _ids = reader.first(f, sort, limit)
                    plain = reader.page(f, sort, 0, limit)
                    assert [r.id for r, _f in rows] == [r.id for r, _f in plain], (f, sort, limit)
                    assert count == reader.count(f)
    finally:
        reader.close()


def test_the_pages_of_a_search_are_read_by_id_without_searching_again(qtbot, ctx, large, monkeypatch):
    """A search over a million records scans the whole table; scrolling through its results reads
    the later pages by the ids the search kept, on the GUI thread but without scanning again. Past
    KEEP_IDS results the pages are searched for as before."""
    add_many(ctx, 260, seed=4)
    w = open_window(qtbot, ctx)
    likes: list[str] = []
    event.listen(w.model.reader.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, params, context, many: likes.append(sql) if " LIKE " in sql else None)
    with qtbot.waitSignal(w.model.refreshed, timeout=10_000):
        search(w, "上饶")
    total = w.model.rowCount()
    assert total > 2 * QueueModel.PAGE_SIZE and len(likes) == 1
    shown = [w.model.client_id(r) for r in range(total)]  # every page, read by id
    assert len(likes) == 1 and len(set(shown)) == total
    expected = w.model.reader.client_ids(QueueFilter(search="上饶"), w.model.sort_key, [(0, total - 1)])
    assert shown == expected  # the same rows in the same order as searching page by page
    assert w.model.client_ids([(5, 7), (250, 251)]) == expected[5:8] + expected[250:252]
    assert len(likes) == 2  # the reference above searched; the selection did not

    monkeypatch.setattr(QueueReader, "KEEP_IDS", 150)  # more results than kept: searched page by page
    with qtbot.waitSignal(w.model.refreshed, timeout=10_000):
        w.model.refresh()
    assert [w.model.client_id(r) for r in range(total)] == expected
