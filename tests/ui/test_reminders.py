"""Reminders: at start-up and on the interval, records due within the threshold or overdue; a tray
notification where the desktop has a tray, otherwise a notice in the main window."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QSystemTrayIcon

from tests.ui.test_queue_model import add
from ui import reminders as reminders_module
from ui.main_window import MainWindow
from ui.queue_model import DUE_SOON, OVERDUE
from ui.reminders import Reminders, count_due, install_reminders

WAIT = 10_000


def fill(ctx) -> None:
    add(ctx, "penalty", 1, decided=date(2026, 11, 5))  # deadline 11-16: overdue on 11-26
    add(ctx, "penalty", 2, decided=date(2026, 11, 18))  # deadline 11-27: one working day left
    add(ctx, "license", 3, decided=date(2026, 11, 24))  # deadline 12-03: not yet
    add(ctx, "inspection", 4, decided=date(2026, 11, 6), JC_WSH=None)  # a draft, overdue too


@pytest.fixture
def window(qtbot, ctx):
    w = MainWindow(ctx)
    qtbot.addWidget(w)
    return w


def test_the_count_is_what_the_queue_views_show(ctx, qtbot, window):
    fill(ctx)
    window.refresh()
    due = count_due(ctx)
    assert (due.due_soon, due.overdue) == (window.counts[DUE_SOON], window.counts[OVERDUE]) == (1, 2)
    assert due.days == ctx.settings.due_soon_days


def test_without_a_tray_the_reminder_is_a_notice_in_the_window(qtbot, ctx, window, monkeypatch):
    fill(ctx)
    monkeypatch.setattr(reminders_module, "FIRST_DELAY_MS", 10)
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: False))
    r = install_reminders(ctx, window)
    assert install_reminders(ctx, window) is r and window.reminders is r
    assert r.timer.isActive() and r.timer.interval() == 60 * 60_000  # hourly by default
    qtbot.waitUntil(lambda: r.last is not None, timeout=WAIT)  # the start-up check
    text = window.notice.text()
    assert not window.notice.isHidden() and window.notice.kind == "error"
    assert "2 条记录已超过报送截止日" in text and "1 条记录将在 2 个工作日内到期" in text
    r.stop()


def test_with_a_tray_the_reminder_is_a_notification_that_leads_to_the_records(qtbot, ctx, window, monkeypatch):
    fill(ctx)
    shown = []
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    monkeypatch.setattr(QSystemTrayIcon, "supportsMessages", staticmethod(lambda: True))
    monkeypatch.setattr(QSystemTrayIcon, "showMessage", lambda self, *args: shown.append(args))
    r = Reminders(ctx, window)
    r.check()
    qtbot.waitUntil(lambda: r.task is None and r.last is not None, timeout=WAIT)
    [(title, text, _icon, _ms)] = shown
    assert title == "信用信息报送提醒" and "2 条记录已超过报送截止日" in text
    assert window.notice.isHidden()
    r.tray.messageClicked.emit()
    assert window.views.current_view() == OVERDUE
    r.stop()


def test_nothing_due_means_no_reminder(qtbot, ctx, window):
    add(ctx, "license", 3, decided=date(2026, 11, 24))
    r = Reminders(ctx, window)
    r.check()
    qtbot.waitUntil(lambda: r.task is None and r.last is not None, timeout=WAIT)
    assert not r.last.any and window.notice.isHidden() and r.tray is None
    r.stop()


def test_the_interval_follows_the_settings(qtbot, ctx, window):
    r = Reminders(ctx, window)
    ctx.settings.reminder_interval_minutes = 15
    r.reschedule()
    assert r.timer.interval() == 15 * 60_000
    r.stop()
    assert not r.timer.isActive()
