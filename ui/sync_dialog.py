"""一键报送: the core's sync (app.platform.sync.run_sync) in the background, a line per phase with its
progress, 取消, and a summary at the end. A credentials problem opens the login dialog and then
offers to sync again.

The dialog is not modal: the clerk may go on editing while records are sent (the core sends an
edited record back to the queue). Only one sync runs at a time.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.platform.sync import PHASES, SyncSummary, run_sync
from ui import style, tasks
from ui.login_dialog import CREDENTIAL_CODES, LoginDialog, open_login_over
from ui.widgets.banner import Banner
from ui.widgets.formatting import cn_datetime
from ui.widgets.live_dialog import LiveDialog

WAITING, RUNNING, DONE, FAILED = "waiting", "running", "done", "failed"
# Error codes after which the platform did answer (so the program is online) and did not.
ANSWERED = {"credentials", "account_locked", "server", "refused", "rate_limited", "catalog_outdated"}
UNREACHED = {"network"}

_current: SyncDialog | None = None


class PhaseRow:
    """One phase: its name, a state word and a detail ("12/40 条", "第 3 页")."""

    def __init__(self, grid: QGridLayout, row: int, name: str, parent: QWidget):
        self.state_label = QLabel(parent)
        self.name = QLabel(name, parent)
        self.detail = QLabel(parent)
        grid.addWidget(self.state_label, row, 0)
        grid.addWidget(self.name, row, 1)
        grid.addWidget(self.detail, row, 2)
        self.state = ""
        self.set_state(WAITING)

    def set_state(self, state: str) -> None:
        if state == self.state:
            return
        self.state = state
        text, kind = {WAITING: (self.name.tr("等待"), None), RUNNING: (self.name.tr("进行中"), "info"),
                      DONE: (self.name.tr("完成"), None), FAILED: (self.name.tr("未完成"), "error")}[state]
        self.state_label.setText(text)
        css = style.box_css(kind) if kind else ""
        if state == DONE:
            css = f"color: {style.STATE_COLORS['accepted'][0]};"
        self.state_label.setStyleSheet(css)
        font = QFont(self.name.font())
        font.setBold(state == RUNNING)
        self.name.setFont(font)


class SyncDialog(LiveDialog):
    sync_finished = Signal(object)  # SyncSummary

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.task: tasks.Task | None = None
        self.summary: SyncSummary | None = None
        self.login: LoginDialog | None = None
        self.started = 0.0
        self.setWindowTitle(self.tr("一键报送"))
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self._progress_page())
        self.stack.addWidget(self._summary_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.stack)
        em = self.fontMetrics().horizontalAdvance("字")
        self.setMinimumWidth(em * 34)

    # -- pages ---------------------------------------------------------------------------------------
    def _progress_page(self) -> QWidget:
        page = QWidget(self)
        self.heading = QLabel(self.tr("正在与信用信息平台同步并报送记录…"), page)
        self.heading.setWordWrap(True)
        grid = QGridLayout()
        grid.setColumnStretch(2, 1)
        grid.setHorizontalSpacing(self.fontMetrics().horizontalAdvance("字"))
        self.phases = {key: PhaseRow(grid, i, self.tr(name), page) for i, (key, name) in enumerate(PHASES.items())}
        self.bar = QProgressBar(page)
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton(self.tr("取消"), page)
        self.cancel_button.setToolTip(self.tr("停止同步；已完成的部分会保存，未发出的记录仍在队列中"))
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        v = QVBoxLayout(page)
        v.addWidget(self.heading)
        v.addLayout(grid)
        v.addWidget(self.bar)
        v.addStretch(1)
        v.addLayout(buttons)
        return page

    def _summary_page(self) -> QWidget:
        page = QWidget(self)
        self.result_title = QLabel(page)
        font = QFont(self.result_title.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.result_title.setFont(font)
        self.when = QLabel(page)
        self.error_banner = Banner(page)
        # Two boxes: what was reported, and what came from the platform.
        self.sent_box = QGroupBox(self.tr("报送"), page)
        self.counts = QFormLayout(self.sent_box)
        self.pulled_box = QGroupBox(self.tr("从平台更新"), page)
        self.pulled = QFormLayout(self.pulled_box)
        for form in (self.counts, self.pulled):
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        boxes = QHBoxLayout()
        boxes.addWidget(self.sent_box, 1)
        boxes.addWidget(self.pulled_box, 1)
        self.notes = QLabel(page)
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.PlainText)
        self.relogin_button = QPushButton(self.tr("重新登录…"), page)
        self.relogin_button.clicked.connect(lambda: self.open_login(self.summary.error if self.summary else ""))
        self.show_returned_button = QPushButton(self.tr("查看被退回的记录"), page)
        self.show_returned_button.clicked.connect(self._show_returned)
        self.again_button = QPushButton(self.tr("再次报送"), page)
        self.again_button.clicked.connect(self.start)
        self.close_button = QPushButton(self.tr("关闭"), page)
        self.close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.relogin_button)
        buttons.addWidget(self.show_returned_button)
        buttons.addStretch(1)
        buttons.addWidget(self.again_button)
        buttons.addWidget(self.close_button)
        v = QVBoxLayout(page)
        v.addWidget(self.result_title)
        v.addWidget(self.when)
        v.addWidget(self.error_banner)
        v.addLayout(boxes)
        v.addWidget(self.notes)
        v.addStretch(1)
        v.addLayout(buttons)
        return page

    # -- running -------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.task is not None

    def start(self) -> tasks.Task | None:
        if self.running:
            return self.task
        ctx = self.ctx
        for row in self.phases.values():
            row.set_state(WAITING)
            row.detail.clear()
        self.bar.setRange(0, 0)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText(self.tr("取消"))
        self.heading.setText(self.tr("正在与信用信息平台同步并报送记录…"))
        self.stack.setCurrentIndex(0)
        self.cancel_button.setFocus()

        def work(task: tasks.Task) -> SyncSummary:
            return run_sync(ctx, progress=task.progress, cancelled=lambda: task.cancelled)

        self.started = time.monotonic()
        self.task = tasks.run_task(work, on_done=self._finished, on_error=self._failed, on_progress=self._progress)
        return self.task

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.cancel_button.setText(self.tr("正在取消…"))
            self.heading.setText(self.tr("正在取消：等当前这一步完成后停止，已完成的部分会保存。"))

    def _progress(self, phase: str, done: int, total: int) -> None:
        if not self._alive or phase not in self.phases:
            return
        keys = list(self.phases)
        for key in keys[:keys.index(phase)]:
            self.phases[key].set_state(DONE)
        row = self.phases[phase]
        row.set_state(RUNNING)
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
            row.detail.setText(self.tr("%d / %d 条") % (done, total))
        else:
            self.bar.setRange(0, 0)
            row.detail.setText(self.tr("第 %d 页") % done if done else "")

    def _finished(self, summary: SyncSummary) -> None:
        self.task = None
        self.summary = summary
        if not self._alive:
            return
        for row in self.phases.values():
            if row.state == RUNNING:
                row.set_state(DONE if summary.ok else FAILED)
        self.show_summary(summary)
        self.sync_finished.emit(summary)
        if summary.error_code in CREDENTIAL_CODES:
            self.open_login(summary.error or "")

    def _failed(self, code: str, message: str) -> None:
        self._finished(SyncSummary(ok=False, error=message, error_code=code))

    # -- the summary ---------------------------------------------------------------------------------
    def show_summary(self, s: SyncSummary) -> None:
        self.stack.setCurrentIndex(1)
        if s.ok:
            self.result_title.setText(self.tr("同步完成"))
            self.error_banner.clear_message()
        else:
            cancelled = s.error_code == "cancelled"
            self.result_title.setText(self.tr("同步已取消") if cancelled else self.tr("同步没有完成"))
            self.error_banner.show_message(s.error or self.tr("同步没有完成。"), "warning" if cancelled else "error")
        for form in (self.counts, self.pulled):
            while form.rowCount():
                form.removeRow(0)
        seconds = max(time.monotonic() - self.started, 0) if self.started else 0
        took = self.tr("用时 %d 秒") % round(seconds) if seconds >= 1 else self.tr("用时不到 1 秒")
        self.when.setText(self.tr("%s 结束，%s") % (cn_datetime(clock.now()), took))
        n = self.tr("%d 条")
        rows = [(self.tr("本次报送："), n % s.sent),
                (self.tr("平台已接收："), n % (s.accepted + s.duplicate)),
                (self.tr("报送时被退回："), n % s.rejected)]
        if s.conflict:
            rows.append((self.tr("版本冲突："), n % s.conflict))
        if s.withdrawn:
            rows.append((self.tr("已撤销："), n % s.withdrawn))
        rows.append((self.tr("审核后被退回："), n % s.returned))
        years = "、".join(str(y) for y in s.calendar_years)
        pulled = [(self.tr("数据目录版本："), s.catalog_version or self.tr("未知")),
                  (self.tr("工作日历："), self.tr("%s 年") % years if years else self.tr("无")),
                  (self.tr("严重失信主体名单："), n % s.blacklist_entries)]
        for form, items in ((self.counts, rows), (self.pulled, pulled)):
            for label, value in items:
                field = QLabel(value, self)
                field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                form.addRow(label, field)
        self.notes.setText(self.tr("说明：") + "\n" + "\n".join(f"· {note}" for note in s.notes))
        self.notes.setVisible(bool(s.notes))
        self.relogin_button.setVisible(s.error_code in CREDENTIAL_CODES)
        self.show_returned_button.setVisible(bool(s.rejected or s.returned))
        self.again_button.setDefault(not s.ok)
        self.close_button.setDefault(s.ok)
        (self.close_button if s.ok else self.again_button).setFocus()

    def open_login(self, message: str = "") -> LoginDialog:
        """The login dialog over this one; after a successful login the summary offers to sync again."""
        if self.login is not None:
            self.login.raise_()
            return self.login
        self.login = open_login_over(self.ctx, self, self._logged_in, self._login_closed, message)
        return self.login

    def _login_closed(self, _result: int) -> None:
        self.login = None

    def _logged_in(self, account) -> None:
        self.result_title.setText(self.tr("已重新登录"))
        self.error_banner.show_message(
            self.tr("已登录为 %s（%s）。点“再次报送”继续报送。") % (account.username, account.department_name), "info")
        self.relogin_button.hide()
        self.again_button.setDefault(True)
        self.again_button.setFocus()

    def _show_returned(self) -> None:
        window = self.parent()
        views = getattr(window, "views", None)
        if views is not None:
            views.set_view("returned")
        self.accept()

    # -- closing ---------------------------------------------------------------------------------------
    def reject(self) -> None:
        # Esc or the title bar's × during a sync asks to stop; the dialog stays to show the outcome.
        if self.running:
            self.cancel()
            return
        super().reject()

    def closeEvent(self, event) -> None:
        if self.running:
            self.cancel()
            event.ignore()
            return
        super().closeEvent(event)



def _tell_window(main_window, summary: SyncSummary) -> None:
    if summary.ok or summary.error_code in ANSWERED:
        main_window.set_online(True)
    elif summary.error_code in UNREACHED:
        main_window.set_online(False)
    main_window.refresh()


def _forget(_result: int) -> None:
    global _current
    _current = None


def start_sync(ctx, main_window) -> SyncDialog:
    """The hook of 一键报送 (F5): shows the dialog and starts the sync; a second F5 during a sync
    brings the running one forward instead of starting another."""
    global _current
    if _current is not None and _current._alive:
        _current.show()
        _current.raise_()
        _current.activateWindow()
        if not _current.running and _current.stack.currentIndex() == 1:
            _current.start()
        return _current
    dialog = SyncDialog(ctx, main_window)
    # Deleted by Qt when closed; no closure connected to the dialog's own signals may hold it.
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.sync_finished.connect(lambda summary: _tell_window(main_window, summary))
    dialog.finished.connect(_forget)
    _current = dialog
    dialog.show()
    dialog.start()
    return dialog
