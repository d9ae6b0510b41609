"""设置: values saved through the settings file, the 统一社会信用代码 checked with the core's check
digit, login and logout with the keyring, and the main window following the new threshold."""

from __future__ import annotations

from app.platform.credentials import load_password
from app.settings import Settings
from tests.factories import AUTHORITY_USCC
from tests.sync_helpers import log_in
from ui.main_window import MainWindow
from ui.reminders import install_reminders
from ui.settings_dialog import SettingsDialog, open_settings, uscc_message

WAIT = 20_000


def test_settings_are_saved_to_the_settings_file(qtbot, ctx, data_dir, tmp_path):
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    reminders = install_reminders(ctx, window)
    d = open_settings(ctx, window)  # a child of the window: deleted with it, or by Qt when closed
    assert d.account_label.text() == "尚未登录" and not d.logout_button.isEnabled()
    pem = tmp_path / "内部CA.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    d.ca_bundle.setText(str(pem))
    d.proxy.setText(" http://10.1.1.1:8080 ")
    d.department_name.setText("上饶市市场监督管理局")
    d.department_uscc.setText(AUTHORITY_USCC.lower())  # typed in lower case: stored normalised
    d.due_soon.setValue(3)
    d.interval.setValue(30)
    d.keep_head.setValue(3)
    d.keep_tail.setValue(2)
    assert d.mask_example.text() == "361" + "*" * 13 + "34"
    d.ok_button.click()
    assert not d.isVisible()
    saved = Settings.load(data_dir)
    assert (saved.ca_bundle, saved.proxy) == (str(pem), "http://10.1.1.1:8080")
    assert (saved.department_name, saved.department_uscc) == ("上饶市市场监督管理局", AUTHORITY_USCC)
    assert (saved.due_soon_days, saved.reminder_interval_minutes) == (3, 30)
    assert (saved.mask_keep_head, saved.mask_keep_tail) == (3, 2)
    assert window.model.reader.due_soon_days == 3  # the window refreshed with the new threshold
    assert reminders.timer.interval() == 30 * 60_000  # and the reminders follow the new interval


def test_a_wrong_uscc_is_explained_and_blocks_saving(qtbot, ctx, data_dir):
    d = SettingsDialog(ctx)
    qtbot.addWidget(d)
    d.show()
    d.tabs.setCurrentIndex(1)
    d.department_uscc.setText(AUTHORITY_USCC[:-1] + ("0" if AUTHORITY_USCC[-1] != "0" else "1"))
    assert "校验位" in d.uscc_banner.text() and d.uscc_banner.isVisible()
    assert not d.ok_button.isEnabled()
    d.department_uscc.setText(AUTHORITY_USCC[:10])
    assert "应为 18 位，现为 10 位" in d.uscc_banner.text()
    d.department_uscc.setText("")
    assert not d.uscc_banner.isVisible() and d.ok_button.isEnabled()
    d.reject()
    assert not (data_dir / "settings.json").exists()  # cancelled: nothing written


def test_uscc_messages_follow_the_core_check():
    assert uscc_message("") == ""
    assert uscc_message(AUTHORITY_USCC) == ""
    assert "第 3 至 8 位" in uscc_message("11AB1100MB0123456X")
    assert "不是统一社会信用代码使用的字符" in uscc_message("11361100MB01234I6X")


def test_login_and_logout_from_the_settings(qtbot, ctx, platform, memory_keyring):
    d = SettingsDialog(ctx)
    qtbot.addWidget(d)
    d.show()
    login = d.open_login()
    login.url.setText(platform.base_url + "/")
    login.username.setText(platform.username)
    login.password.setText(platform.password)
    login.proxy.setText("")
    login.login_button.click()
    qtbot.waitUntil(lambda: d.login is None, timeout=WAIT)
    assert load_password(platform.base_url, platform.username) == platform.password
    assert ctx.settings.platform_url == platform.base_url  # without the trailing slash
    assert d.url_label.text() == platform.base_url
    assert d.account_label.text() == f"已登录：{platform.username}（上饶市发展和改革委员会）"
    assert d.department_uscc.text() == "113611000145004524" and d.uscc_banner.isHidden()
    assert d.logout_button.isEnabled()
    d.logout_button.click()
    assert load_password(platform.base_url, platform.username) is None and memory_keyring.store == {}
    assert "已退出" in d.account_label.text() and not d.logout_button.isEnabled()


def test_the_account_shown_is_the_one_in_the_keyring(qtbot, ctx, platform):
    log_in(ctx, platform)
    d = SettingsDialog(ctx)
    qtbot.addWidget(d)
    assert d.account_label.text().startswith(f"已登录：{platform.username}")
