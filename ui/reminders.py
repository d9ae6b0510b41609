"""Reminders of records due soon or overdue: shortly after start-up and every
`settings.reminder_interval_minutes`, as a system tray notification where the desktop has a tray,
otherwise as a notice in the main window.

Which records count is the queue view's definition (ui.queue_model.QueueReader.view_counts, over
app.workdays.deadline.countdown): the reminder says exactly what the 即将到期 and 已逾期 views show.
The count runs in the background on its own read connection.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon
from shiboken6 import isValid

from ui import tasks
from ui.queue_model import DUE_SOON, OVERDUE, QueueReader

FIRST_DELAY_MS = 3_000  # after start-up, once the window is on screen and idle
ICON = Path(__file__).resolve().parent.parent / "resources" / "icons" / "creditdesk.png"


@dataclass(frozen=True)
class Due:
    due_soon: int
    overdue: int
    days: int  # the threshold the count used

    @property
    def any(self) -> bool:
        return bool(self.due_soon or self.overdue)


def count_due(ctx) -> Due:
    """How many open records are due within the threshold and how many are overdue (any thread)."""
    days = ctx.settings.due_soon_days
    reader = QueueReader(ctx.store.path, ctx.calendar, days)
    try:
        counts = reader.view_counts()
    finally:
        reader.close()
    return Due(counts.get(DUE_SOON, 0), counts.get(OVERDUE, 0), days)


class Reminders(QObject):
    def __init__(self, ctx, main_window):
        super().__init__(main_window)
        self.ctx = ctx
        self.window = main_window
        self.task: tasks.Task | None = None
        self.last: Due | None = None
        self.tray: QSystemTrayIcon | None = None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        # A child timer rather than QTimer.singleShot(ms, callable): it dies with the window, so a
        # window closed within the delay is never called back.
        self.first = QTimer(self)
        self.first.setSingleShot(True)
        self.first.timeout.connect(self.check)
        self.reschedule()

    def reschedule(self) -> None:
        """Apply the interval from the settings (after the settings dialog saved them)."""
        minutes = max(int(self.ctx.settings.reminder_interval_minutes), 1)
        self.timer.start(minutes * 60_000)

    def check(self) -> tasks.Task | None:
        if self.task is not None:
            return self.task
        ctx = self.ctx
        self.task = tasks.run_task(lambda _task: count_due(ctx), on_done=self._counted, on_error=self._failed)
        return self.task

    def _failed(self, _code: str, _message: str) -> None:
        self.task = None  # a reminder that cannot count stays silent; the views still show the numbers

    def _counted(self, due: Due) -> None:
        self.task = None
        if not isValid(self):
            return  # the window closed while counting
        self.last = due
        if due.any:
            self.notify(due)

    def text(self, due: Due) -> str:
        parts = []
        if due.overdue:
            parts.append(self.tr("%d 条记录已超过报送截止日") % due.overdue)
        if due.due_soon:
            parts.append(self.tr("%d 条记录将在 %d 个工作日内到期") % (due.due_soon, due.days))
        return "，".join(parts) + self.tr("。请尽快检查并报送（左侧“已逾期”“即将到期”）。")

    def notify(self, due: Due) -> None:
        text = self.text(due)
        if QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages():
            tray = self._tray()
            icon = QSystemTrayIcon.MessageIcon.Warning if due.overdue else QSystemTrayIcon.MessageIcon.Information
            tray.showMessage(self.tr("信用信息报送提醒"), text, icon, 15_000)
        else:
            self.window.show_notice(text, "error" if due.overdue else "warning")

    def _tray(self) -> QSystemTrayIcon:
        if self.tray is None:
            icon = QIcon(str(ICON)) if ICON.exists() else self.window.windowIcon()
            self.tray = QSystemTrayIcon(icon, self)
            self.tray.setToolTip(self.tr("CreditDesk 信用信息报送客户端"))
            self.tray.messageClicked.connect(self.show_due)
            self.tray.activated.connect(lambda _reason: self.show_due())
            self.tray.show()
        return self.tray

    def show_due(self) -> None:
        """Bring the window forward on the view the reminder was about."""
        w = self.window
        if w.isMinimized():
            w.showNormal()
        else:
            w.show()
        w.raise_()
        w.activateWindow()
        views = getattr(w, "views", None)
        if views is not None and self.last is not None:
            views.set_view(OVERDUE if self.last.overdue else DUE_SOON)

    def stop(self) -> None:
        self.timer.stop()
        self.first.stop()
        if self.tray is not None:
            self.tray.hide()


def install_reminders(ctx, main_window) -> Reminders:
    """For the main window to call once it is built; checks shortly after and then on the interval."""
    reminders = getattr(main_window, "reminders", None)
    if isinstance(reminders, Reminders):
        return reminders
    reminders = Reminders(ctx, main_window)
    main_window.reminders = reminders  # the settings dialog reschedules through it
    reminders.first.start(FIRST_DELAY_MS)
    return reminders
