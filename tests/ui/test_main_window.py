"""The main window: views and counts, filters, status bar, shortcuts, hooks, forms, bulk actions,
export and the window state."""

from __future__ import annotations

import importlib.machinery
import random
import sys
import types
from datetime import date

import openpyxl
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QInputDialog

from app.queue import states as st
from tests import factories
from tests.ui.test_queue_model import add, add_many, simulate_platform
from ui.main_window import HOOKS, MainWindow
from ui.queue_model import COL_NAME, DUE_SOON, OVERDUE, QueueModel
from ui.record_form import RecordForm


@pytest.fixture
def window(qtbot, ctx):
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    return w


def open_window(qtbot, ctx) -> MainWindow:
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    return w


def wait_for_task(qtbot, w: MainWindow) -> None:
    qtbot.waitUntil(lambda: w.running is None, timeout=20_000)


def names(w: MainWindow) -> list[str]:
    return [w.model.index(r, COL_NAME).data() for r in range(w.model.rowCount())]


def test_views_have_live_counts_and_the_status_bar_sums_up(qtbot, ctx):
    ids = add_many(ctx, 30, spread_days=20)
    simulate_platform(ctx, ids[0], st.RETURNED, [{"field": None, "code": "review", "message": "请核实"}])
    w = open_window(qtbot, ctx)
    counts = w.counts
    assert counts["all"] == 30 and counts[st.RETURNED] == 1
    texts = {w.views.item(i).data(Qt.ItemDataRole.UserRole): w.views.item(i).text() for i in range(w.views.count())}
    assert texts["all"] == "全部　30" and texts[st.RETURNED] == "被退回　1"
    assert set(texts) == {"all", *st.STATES, DUE_SOON, OVERDUE}
    status = w.status_label.text()
    assert status.startswith("离线 · 尚未同步 · ")
    assert f"{counts[st.READY]} 条待报送 · 1 条被退回 · {counts[DUE_SOON]} 条即将到期" in status
    w.set_online(True)
    assert w.status_label.text().startswith("在线")
    ctx.queue.withdraw(ids[1], "录入错误")
    w.refresh()
    assert w.views.counts[st.WITHDRAWN] == 1 and w.model.rowCount() == 30


def test_sidebar_search_and_filters_drive_the_table(qtbot, ctx):
    add(ctx, "penalty", 1, CF_XDR_MC="上饶市信州区晨光文具有限公司")
    add(ctx, "license", 2)
    add(ctx, "inspection", 3, JC_WSH=None)  # a draft
    w = open_window(qtbot, ctx)
    assert w.model.rowCount() == 3
    w.views.set_view(st.DRAFT)
    assert w.model.rowCount() == 1
    w.views.set_view("all")
    w.filters.search.setText("晨光")
    qtbot.waitUntil(lambda: w.model.rowCount() == 1, timeout=2000)
    assert names(w) == ["上饶市信州区晨光文具有限公司"]
    w.filters.reset()
    assert w.model.rowCount() == 3
    w.filters.kind.setCurrentIndex(w.filters.kind.findData("license"))
    assert w.model.rowCount() == 1
    w.filters.state.setCurrentIndex(w.filters.state.findData(st.DRAFT))
    assert w.model.rowCount() == 0
    w.filters.reset()
    w.filters.date_from.set_value("2026-11-21")
    assert w.model.rowCount() == 0
    w.filters.date_from.set_value("2026-11-20")
    assert w.model.rowCount() == 3


def test_keyboard_shortcuts(window):
    shortcut = {a.objectName(): a.shortcut() for a in window.actions()}
    assert shortcut["new"] == QKeySequence("Ctrl+N")
    assert shortcut["import"] == QKeySequence("Ctrl+I")
    assert shortcut["sync"] == QKeySequence("F5")
    assert shortcut["find"] == QKeySequence(QKeySequence.StandardKey.Find)
    form = window.new_record("penalty")
    assert form.save_action.shortcut() == QKeySequence("Ctrl+S")
    form.dirty = False
    form.reject()


def test_ctrl_n_asks_for_the_kind_and_opens_a_form(qtbot, window, monkeypatch):
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("行政检查", True))
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    qtbot.keyClick(window.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.forms and window.forms[-1].kind.id == "inspection"
    window.forms[-1].reject()


def test_hooks_are_disabled_until_their_module_exists(qtbot, ctx, monkeypatch):
    w = open_window(qtbot, ctx)
    for name in HOOKS:
        if importlib.util.find_spec(HOOKS[name]) is None:
            action = {"open_import_wizard": w.act_import, "start_sync": w.act_sync, "open_settings": w.act_settings,
                      "open_dashboard": w.act_dashboard, "open_login": w.act_login}[name]
            assert not action.isEnabled() and w.__getattribute__(name)() is None
    # A module that provides the function: the action is enabled and calls it with (ctx, window).
    calls = []
    fake = types.ModuleType("ui.import_wizard")
    fake.__spec__ = importlib.machinery.ModuleSpec("ui.import_wizard", None)
    fake.open_import_wizard = lambda c, win: calls.append((c, win)) or "wizard"
    monkeypatch.setitem(sys.modules, "ui.import_wizard", fake)
    w2 = open_window(qtbot, ctx)
    assert w2.act_import.isEnabled()
    w2.act_import.trigger()
    assert calls == [(ctx, w2)]


def test_double_click_opens_the_record_and_saving_refreshes(qtbot, ctx):
    cid = add(ctx, "penalty", 4, CF_WSH=None)
    w = open_window(qtbot, ctx)
    w.show()
    qtbot.waitExposed(w)
    rect = w.table.visualRect(w.model.index(0, COL_NAME))
    # Qt 6's test double click needs the press of a first click, as a real mouse gives.
    qtbot.mouseClick(w.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(w.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    form = w.forms[-1]
    assert isinstance(form, RecordForm) and form.client_id == cid
    form.reject()
    with qtbot.waitActive(w):
        w.activateWindow()
    w.table.setFocus()
    qtbot.keyClick(w.table, Qt.Key.Key_Return)  # Enter opens the current record too
    form = w.forms[-1]
    assert form.client_id == cid
    form.rows["CF_WSH"].editor.set_value("饶市监罚〔2026〕4号")
    assert form.save(ready=True)
    assert w.views.counts[st.READY] == 1 and w.views.counts[st.DRAFT] == 0


def test_check_errors_and_promote_valid_drafts(qtbot, ctx):
    broken = add(ctx, "penalty", 5, CF_WSH=None)
    fixable = add(ctx, "license", 6, XK_WSH=None)
    # Fixed outside the form, saved as a draft: valid but not yet ready.
    ctx.queue.edit(fixable, dict(ctx.queue.get(fixable).fields, XK_WSH="饶市监食许〔2026〕6号"), ready=False)
    add(ctx, "inspection", 7)
    w = open_window(qtbot, ctx)
    w.table.selectAll()
    assert len(w.selected_client_ids()) == 3
    w.check_selected()
    wait_for_task(qtbot, w)
    assert "检查了 3 条记录：1 条有错误，2 条没有错误。" in w.notice.text()
    w.promote_valid_drafts()
    wait_for_task(qtbot, w)
    assert "2 条草稿中，1 条没有错误，已加入待报送；1 条仍有错误" in w.notice.text()
    assert ctx.queue.get(fixable).state == st.READY and ctx.queue.get(broken).state == st.DRAFT
    assert w.views.counts[st.READY] == 2


def test_export_masks_id_numbers_and_never_writes_formulas(qtbot, ctx, tmp_path):
    person = factories.subject("CF", random.Random(5), "自然人")
    fields = factories.record("penalty", random.Random(5), 5, CF_XDR_SHXYM=None, CF_FRDB=None)
    fields.update(person, CF_XDR_MC="=HYPERLINK(\"http://x\",\"点我\")", CF_NR="-1+2 @SUM")
    ctx.queue.add([("penalty", fields)])
    add(ctx, "license", 8)
    w = open_window(qtbot, ctx)
    w.table.selectAll()
    target = tmp_path / "导出.xlsx"
    w.export_selection(str(target))
    wait_for_task(qtbot, w)
    assert "已导出 2 条记录" in w.notice.text()
    assert not list(tmp_path.glob(".*"))  # the temporary file was renamed, not left behind
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames[0] == "汇总" and {"行政处罚", "行政许可"} <= set(wb.sheetnames)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    number = person["CF_XDR_ZJHM"]
    assert not any(number in str(c.value) for c in cells)
    assert any(str(c.value) == number[:6] + "********" + number[-4:] for c in cells)
    risky = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert risky and all(c.data_type == "s" and c.quotePrefix for c in risky)


def test_window_state_is_restored(qtbot, ctx):
    add(ctx, "penalty", 9)
    w = open_window(qtbot, ctx)
    w.show()
    qtbot.waitExposed(w)
    w.resize(700, 500)
    w.table.horizontalHeader().resizeSection(COL_NAME, 321)
    w.splitter.setSizes([250, 450])
    w.views.set_view(st.READY)
    w.close()
    assert (ctx.data_dir / "window.ini").exists() and not (ctx.data_dir / "settings.json").exists()
    again = open_window(qtbot, ctx)
    again.show()
    qtbot.waitExposed(again)
    assert again.size().width() == 700 and again.size().height() == 500
    assert again.table.horizontalHeader().sectionSize(COL_NAME) == 321
    assert again.views.current_view() == st.READY and again.model.filter.view == st.READY
    assert again.splitter.sizes()[0] == 250


def test_dates_are_shown_in_chinese(qtbot, ctx):
    add(ctx, "penalty", 10, decided=date(2026, 11, 2))
    w = open_window(qtbot, ctx)
    assert w.model.index(0, 4).data() == "2026年11月2日"


def test_counts_of_a_large_queue_are_taken_in_the_background(qtbot, ctx, monkeypatch):
    import random

    from tests import factories
    from ui.main_window import MainWindow

    ctx.queue.add([("penalty", factories.penalty(random.Random(i), i)) for i in range(1, 6)])
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    assert w.counts["all"] == 5
    monkeypatch.setattr(QueueModel, "BACKGROUND_FROM", 1)  # as if the queue were large
    ctx.queue.add([("penalty", factories.penalty(random.Random(9), 9))])
    w.refresh()
    assert w._counting is not None  # the GUI thread did not count
    qtbot.waitUntil(lambda: w.counts["all"] == 6, timeout=10_000)
    assert w.views.counts["all"] == 6
