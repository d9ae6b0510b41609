"""The lazy queue model: pages from SQL, counts, views, search, filters, sorting, masking.

Real SQLite in a temporary folder, records through QueueService.add; "today" is 2026-11-26.
Where a record must be in a state only the platform can put it in (accepted, returned), the test
writes that state through the store session, clearly as a stand-in for the platform.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView
from sqlalchemy import event, select

from app.queue import states as st
from app.store.models import Record
from app.workdays.deadline import countdown
from tests import factories
from ui.queue_model import (
    COL_DEADLINE,
    COL_DOC,
    COL_LEFT,
    COL_NAME,
    COL_PLATFORM,
    COL_STATE,
    DUE_SOON,
    OVERDUE,
    QueueFilter,
    QueueModel,
)

TODAY = date(2026, 11, 26)
PREFIX = {"penalty": "CF", "license": "XK", "enforcement": "QZ", "inspection": "JC"}


def add(ctx, kind: str, n: int = 1, **over) -> str:
    """One record through the queue; returns its client_id."""
    fields = factories.record(kind, random.Random(n), n, **over)
    return ctx.queue.add([(kind, fields)], source="form")[0].client_id


def add_many(ctx, count: int, seed: int = 7, spread_days: int = 40) -> list[str]:
    rng = random.Random(seed)
    items = []
    for n in range(1, count + 1):
        kind = ("penalty", "license", "enforcement", "inspection")[n % 4]
        decided = TODAY - timedelta(days=rng.randrange(spread_days))
        items.append((kind, factories.record(kind, rng, n, decided=decided)))
    ids = []
    for start in range(0, len(items), 10_000):
        ids += [r.client_id for r in ctx.queue.add(items[start:start + 10_000], source="test", today_=TODAY)]
    return ids


def simulate_platform(ctx, client_id: str, state: str, message: list | None = None,
                      received: str | None = None) -> None:
    """Stand-in for the platform's answer (only the sync engine writes these in the program)."""
    with ctx.store.session() as s:
        rec = s.scalars(select(Record).where(Record.client_id == client_id)).one()
        rec.state = state
        if state == st.ACCEPTED or received:
            rec.accepted_revision = rec.revision
            rec.first_received_at = received or "2026-11-20T10:00:00+08:00"
        rec.platform_message = message


def texts(model: QueueModel, column: int) -> list[str]:
    return [model.index(r, column).data() for r in range(model.rowCount())]


@pytest.fixture
def model(qtbot, ctx):
    m = QueueModel(ctx)
    yield m
    m.close()


def test_only_a_page_is_read_from_sql_with_5000_records(qtbot, ctx):
    add_many(ctx, 5000)
    m = QueueModel(ctx)
    statements: list[str] = []
    event.listen(m.reader.engine, "before_cursor_execute",
                 lambda conn, cursor, sql, params, context, many: statements.append(sql))
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(m)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    assert m.rowCount() == 5000
    assert m.rows_fetched <= m.PAGE_SIZE
    view.scrollToBottom()
    qtbot.wait(50)
    assert m.index(4999, COL_NAME).data()
    assert m.rows_fetched <= 3 * m.PAGE_SIZE  # the first page, the last one, perhaps the one before
    assert m.loaded_rows() <= m.MAX_PAGES * m.PAGE_SIZE
    # Every statement that reads record rows is bounded; the rest are counts.
    reads = [s for s in statements if "FROM records" in s and "count(" not in s.lower()]
    assert reads and all("LIMIT" in s for s in reads if "records.id IN" not in s)
    # A search counts its matches in the same pass that reads its first page.
    m.set_filter(QueueFilter(search="上饶市"))
    assert m.rowCount() == 5000 and m.loaded_rows() == m.PAGE_SIZE
    m.set_filter(QueueFilter(search="商贸 〔2026〕12"))  # 12, 120-129, 1200-1299
    assert m.rowCount() == 111 and m.client_id(110)
    m.close()


def test_pages_read_from_either_end_give_one_order(ctx, model):
    add_many(ctx, 250)
    for column in (COL_NAME, COL_DEADLINE, COL_STATE):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            model.sort(column, order)
            shown = [model.client_id(r) for r in range(model.rowCount())]  # pages 2 and 3 come from the end
            whole = [r.client_id for r, _f in model.reader.page(model.filter, model.sort_key, 0, 1000)]
            assert shown == whole and len(set(shown)) == 250


def test_counts_per_view_match_the_core_countdown(ctx, model):
    ids = add_many(ctx, 120, spread_days=25)
    simulate_platform(ctx, ids[0], st.ACCEPTED)
    simulate_platform(ctx, ids[1], st.RETURNED, [{"field": None, "code": "rejected", "message": "请核实"}])
    ctx.queue.withdraw(ids[2], "重复录入")
    model.refresh()
    counts = model.reader.view_counts()
    with ctx.store.read() as s:
        rows = s.execute(select(Record.state, Record.deadline, Record.accepted_revision,
                                Record.first_received_at)).all()
    expected_overdue = expected_soon = 0
    for state, deadline, accepted, received in rows:
        if accepted or received or state == st.WITHDRAWN:
            continue
        band = countdown(ctx.calendar, date.fromisoformat(deadline), TODAY, ctx.settings.due_soon_days).band
        expected_overdue += band == "overdue"
        expected_soon += band in ("due_soon", "due_today")
    assert counts["all"] == 120
    assert counts[st.ACCEPTED] == 1 and counts[st.RETURNED] == 1 and counts[st.WITHDRAWN] == 1
    assert counts[OVERDUE] == expected_overdue > 0
    assert counts[DUE_SOON] == expected_soon > 0
    for view in (OVERDUE, DUE_SOON, st.READY, st.RETURNED):
        model.set_filter(QueueFilter(view=view))
        assert model.rowCount() == counts[view]


def test_views_show_countdowns_and_on_time_or_late(ctx, model):
    soon = add(ctx, "penalty", 1, decided=date(2026, 11, 18))  # deadline 2026-11-27: one working day left
    late = add(ctx, "penalty", 2, decided=date(2026, 11, 2))
    on_time = add(ctx, "license", 3, decided=date(2026, 11, 2))
    simulate_platform(ctx, late, st.ACCEPTED, received="2026-11-20T09:00:00+08:00")
    simulate_platform(ctx, on_time, st.ACCEPTED, received="2026-11-05T09:00:00+08:00")
    model.refresh()
    by_id = {model.client_id(r): r for r in range(model.rowCount())}
    left = {cid: model.index(row, COL_LEFT).data() for cid, row in by_id.items()}
    assert left[soon] == "剩 1 个工作日"
    assert left[late] == "迟报" and left[on_time] == "按时"
    row = by_id[soon]
    assert model.index(row, COL_DEADLINE).data() == "2026年11月27日"
    assert model.index(row, COL_LEFT).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert model.index(row, COL_LEFT).data(Qt.ItemDataRole.ToolTipRole) == "即将到期"


def test_search_kind_state_and_date_filters(ctx, model):
    a = add(ctx, "penalty", 11, CF_XDR_MC="上饶市信州区晨光文具有限公司", decided=date(2026, 11, 20))
    b = add(ctx, "license", 12, XK_WSH="饶市监食许〔2026〕88号", decided=date(2026, 11, 10))
    c = add(ctx, "inspection", 13, decided=date(2026, 10, 30))
    uscc = ctx.queue.get(c).fields["JC_XDR_SHXYM"]
    simulate_platform(ctx, c, st.RETURNED, [{"field": "JC_JG", "code": "review", "message": "检查结果与记录不符"}])

    def ids(**f) -> set[str]:
        model.set_filter(QueueFilter(**f))
        return {model.client_id(r) for r in range(model.rowCount())}

    assert ids(search="晨光") == {a}
    assert ids(search="信州区 晨光") == {a}
    assert ids(search="晨光 不存在") == set()
    assert ids(search="饶市监食许[2026]88号") == {b}  # bracket variants find the same number
    assert ids(search=uscc[2:12]) == {c}
    assert ids(search="结果与记录") == {c}  # the platform's reasons are searched too
    assert ids(search="50%_") == set()  # LIKE wildcards are literal
    assert ids(kind="license") == {b}
    assert ids(state=st.RETURNED) == {c}
    assert ids(date_from="2026-11-01") == {a, b}
    assert ids(date_from="2026-11-01", date_to="2026-11-15") == {b}
    assert ids(view=st.READY, kind="penalty") == {a}


def test_sort_by_column_is_done_in_sql(ctx, model):
    for n, name in enumerate(("乙公司", "甲公司", "丙公司"), start=1):
        add(ctx, "penalty", n, CF_XDR_MC=f"上饶市{name}", decided=date(2026, 11, 10 + n))
    model.sort(COL_NAME, Qt.SortOrder.AscendingOrder)
    ascending = texts(model, COL_NAME)
    assert ascending == sorted(ascending)
    model.sort(COL_NAME, Qt.SortOrder.DescendingOrder)
    assert texts(model, COL_NAME) == ascending[::-1]
    model.sort(COL_DEADLINE, Qt.SortOrder.DescendingOrder)
    deadlines = texts(model, COL_DEADLINE)
    assert deadlines[0] == "2026年11月24日" and deadlines[-1] == "2026年11月20日"
    model.sort(COL_STATE, Qt.SortOrder.AscendingOrder)
    assert model.rowCount() == 3


def test_personal_id_numbers_are_never_shown(ctx, model):
    person = factories.subject("CF", random.Random(5), "自然人")
    number = person["CF_XDR_ZJHM"]
    fields = factories.record("penalty", random.Random(5), 5, CF_XDR_SHXYM=None, CF_FRDB=None)
    fields.update(person)
    cid = ctx.queue.add([("penalty", fields)])[0].client_id
    simulate_platform(ctx, cid, st.RETURNED,
                      [{"field": "CF_XDR_ZJHM", "code": "id", "message": f"证件号码 {number} 与姓名不符"}])
    model.refresh()
    shown = [model.index(0, col).data(role) for col in range(model.columnCount())
             for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)]
    assert not any(number in (s or "") for s in shown)
    platform = model.index(0, COL_PLATFORM).data()
    assert "证件号码：" in platform and number[:6] + "********" + number[-4:] in platform


def test_state_column_names_the_errors(ctx, model):
    add(ctx, "penalty", 1, CF_WSH=None)  # missing document number: a draft with an error
    model.refresh()
    assert model.index(0, COL_STATE).data() == "草稿（1 处错误）"
    assert model.index(0, COL_DOC).data() == ""
