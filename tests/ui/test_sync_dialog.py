"""一键报送 against the reference platform: phases, the summary, cancel, and a credentials failure
that opens the login dialog, whose password ends in the keyring, then a second sync."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.platform.credentials import load_password
from app.queue import states as st
from tests.sync_helpers import add, log_in
from ui import sync_dialog
from ui.login_dialog import LoginDialog
from ui.main_window import MainWindow
from ui.sync_dialog import SyncDialog, start_sync

WAIT = 30_000


@pytest.fixture
def window(qtbot, ctx):
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    yield w
    if sync_dialog._current is not None:
        sync_dialog._current.task = None
        sync_dialog._current.done(0)
        sync_dialog._current = None


def finish(qtbot, d: SyncDialog) -> None:
    qtbot.waitUntil(lambda: not d.running, timeout=WAIT)


def counts(d: SyncDialog) -> dict[str, str]:
    out = {}
    for form in (d.counts, d.pulled):
        for row in range(form.rowCount()):
            label = form.itemAt(row, form.ItemRole.LabelRole).widget().text()
            value = form.itemAt(row, form.ItemRole.FieldRole).widget().text()
            out[label.rstrip("：")] = value
    return out


def test_sync_sends_the_queue_and_shows_a_summary(qtbot, ctx, platform, window):
    log_in(ctx, platform)
    add(ctx, "penalty", 3)
    window.refresh()
    assert window.counts[st.READY] == 3
    d = start_sync(ctx, window)  # a child of the window: deleted with it, or by Qt when closed
    assert d.isVisible() and d.running and d.stack.currentIndex() == 0
    assert [row.name.text() for row in d.phases.values()] == ["登录平台", "数据目录", "工作日历", "严重失信主体名单",
                                                              "报送记录", "平台反馈"]
    assert start_sync(ctx, window) is d  # F5 again during the sync: the same one, brought forward
    finish(qtbot, d)
    assert d.summary.ok and d.stack.currentIndex() == 1
    assert d.result_title.text() == "同步完成" and not d.error_banner.isVisible()
    shown = counts(d)
    assert shown["本次报送"] == "3 条" and shown["平台已接收"] == "3 条" and shown["报送时被退回"] == "0 条"
    assert shown["工作日历"].startswith("2023、") and shown["严重失信主体名单"] == "0 条"
    assert "结束，用时" in d.when.text()
    assert all(row.state == "done" for row in d.phases.values())
    assert window.online is True and window.counts[st.ACCEPTED] == 3  # the window was told and refreshed
    assert window.status_label.text().startswith("在线 · 上次同步")
    d.close_button.click()
    assert not d.isVisible()


def test_returned_records_can_be_shown_from_the_summary(qtbot, ctx, platform, window):
    log_in(ctx, platform)
    ids = add(ctx, "license", 2)
    d = start_sync(ctx, window)  # a child of the window: deleted with it, or by Qt when closed
    finish(qtbot, d)
    platform.return_record(ids[0], "许可证编号与证照库不一致", fields=["XK_XKBH"])
    d.again_button.click()
    finish(qtbot, d)
    assert counts(d)["审核后被退回"] == "1 条"
    assert d.show_returned_button.isVisible()
    d.show_returned_button.click()
    assert window.views.current_view() == st.RETURNED and window.model.rowCount() == 1


def test_a_wrong_password_opens_the_login_dialog_and_the_new_one_goes_to_the_keyring(
        qtbot, ctx, platform, window, memory_keyring):
    log_in(ctx, platform, password="旧密码-已失效")
    add(ctx, "inspection", 2)
    d = start_sync(ctx, window)  # a child of the window: deleted with it, or by Qt when closed
    finish(qtbot, d)
    assert not d.summary.ok and d.summary.error_code == "credentials"
    assert d.result_title.text() == "同步没有完成" and "用户名或密码不正确" in d.error_banner.text()
    login = d.login
    assert isinstance(login, LoginDialog) and login.isVisible()
    assert "用户名或密码不正确" in login.banner.text()
    assert login.url.text() == platform.base_url and login.username.text() == platform.username
    assert login.focusWidget() is login.password  # url and username are known: only the password is asked
    qtbot.keyClicks(login.password, platform.password)
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: d.login is None, timeout=WAIT)
    assert load_password(platform.base_url, platform.username) == platform.password
    assert "旧密码-已失效" not in memory_keyring.store.values()
    assert d.result_title.text() == "已重新登录" and "再次报送" in d.error_banner.text()
    assert d.again_button.isDefault() and not d.relogin_button.isVisible()
    assert ctx.settings.department_name == "上饶市发展和改革委员会"
    d.again_button.click()
    finish(qtbot, d)
    assert d.summary.ok and counts(d)["本次报送"] == "2 条"


def test_a_sync_without_an_account_asks_for_one(qtbot, ctx, platform, window, memory_keyring):
    d = start_sync(ctx, window)  # a child of the window: deleted with it, or by Qt when closed
    finish(qtbot, d)
    assert d.summary.error_code == "not_logged_in"
    login = d.login
    assert login is not None and login.focusWidget() is login.url
    login.url.setText(platform.base_url)
    login.username.setText(platform.username)
    login.password.setText("错误的密码")
    login.login_button.click()
    qtbot.waitUntil(lambda: login.login_button.isEnabled(), timeout=WAIT)
    assert "用户名或密码不正确" in login.banner.text() and d.login is login
    assert memory_keyring.store == {}
    login.password.setText(platform.password)
    login.login_button.click()
    qtbot.waitUntil(lambda: d.login is None, timeout=WAIT)
    assert ctx.settings.platform_url == platform.base_url and ctx.settings.username == platform.username
    assert load_password(platform.base_url, platform.username) == platform.password


def test_cancel_stops_the_sync_and_says_so(qtbot, ctx, platform, window):
    log_in(ctx, platform)
    add(ctx, "penalty", 2)
    platform.inject("delay", "GET", "/catalog", seconds=1.0)
    d = start_sync(ctx, window)  # a child of the window: deleted with it, or by Qt when closed
    qtbot.waitUntil(lambda: d.phases["catalog"].state == "running", timeout=WAIT)
    d.reject()  # Esc during a sync asks to stop; the dialog stays for the outcome
    assert d.isVisible() and not d.cancel_button.isEnabled() and d.cancel_button.text() == "正在取消…"
    finish(qtbot, d)
    assert d.result_title.text() == "同步已取消" and "已取消" in d.error_banner.text()
    assert d.phases["push"].state == "waiting"
    assert ctx.queue.list(state=st.READY) and not ctx.queue.list(state=st.ACCEPTED)
