"""The main window: queue views with live counts, the lazy record table, filters, bulk actions and
the status bar. Import, sync, settings, login and the dashboard are separate modules found at run
time (see HOOKS); an action whose module is not installed is disabled rather than faked.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from pathlib import Path

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMainWindow,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import DBAPIError

from app import clock
from app.gc_pause import pause_gc, resume_gc
from app.queue import states as st
from app.store.state import read_state
from ui import tasks
from ui.queue_model import COL_DEADLINE, COLUMNS, DUE_SOON, OVERDUE, QueueFilter, QueueModel
from ui.record_form import RecordForm
from ui.widgets.banner import Banner
from ui.widgets.export import export_records
from ui.widgets.filter_bar import FilterBar
from ui.widgets.formatting import cn_datetime
from ui.widgets.sidebar import ViewList

log = logging.getLogger(__name__)

# Hook method -> module that provides a function of the same name taking (ctx, main_window).
HOOKS = {
    "open_import_wizard": "ui.import_wizard",
    "start_sync": "ui.sync_dialog",
    "open_settings": "ui.settings_dialog",
    "open_dashboard": "ui.dashboard",
    "open_login": "ui.login_dialog",
}
LAST_SYNC_KEY = "last_sync_at"  # written by app.platform.sync (read here without importing the HTTP stack)
WINDOW_STATE_FILE = "window.ini"
# Initial column widths: the widest usual content in the table's font, so they follow the scaling
# (the window state then restores the clerk's own widths).
COLUMN_SAMPLES = ("草稿（12 处错误）", "行政许可", "上饶市信州区某某商贸有限公司上饶分公司", "饶市监食许〔2026〕1234号",
                  "2026年12月31日", "2026年12月31日", "逾期 12 个工作日", "")


def hook_available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


class MainWindow(QMainWindow):
    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.online: bool | None = None  # unknown until a sync says (set_online)
        self.forms: list[RecordForm] = []
        self.running: tasks.Task | None = None
        self.counts: dict[str, int] = {}
        self._counting: tasks.Task | None = None
        self._count_again = False
        # Selection and scroll position to put back once a refresh's rows are in (see refresh()).
        self._keep_place: tuple[set[str], int] | None = None
        self.window_settings = QSettings(str(Path(ctx.data_dir) / WINDOW_STATE_FILE), QSettings.Format.IniFormat)
        self.setWindowTitle(self.tr("CreditDesk 信用信息报送客户端"))
        self.model = QueueModel(ctx, self, load=False)  # read once, after the saved sort and view are set
        self._build_central()
        self._build_actions()
        self._build_menus_and_toolbar()
        self.status_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.status_label, 1)
        self._day = clock.today()
        self._clock = QTimer(self, interval=60_000)  # a new day changes every countdown
        self._clock.timeout.connect(self._check_day)
        self._clock.start()
        self._restore_window_state()
        self.model.set_filter(self.current_filter())
        self.model.refresh()
        self.refresh_counts()

    # -- building ------------------------------------------------------------------------------------
    def _build_central(self) -> None:
        self.views = ViewList(self)
        self.views.view_chosen.connect(self._apply_filter)
        self.filters = FilterBar(self.ctx.catalogs.active(), self)
        self.filters.changed.connect(self._apply_filter)
        self.table = QTableView(self)
        self.table.setObjectName("queueTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        # Fixed row heights from the font: the view never measures rows, so it never reads them all.
        vh = self.table.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vh.setDefaultSectionSize(int(self.table.fontMetrics().lineSpacing() * 1.7))
        header = self.table.horizontalHeader()
        # A header that shares the table's selection asks QItemSelectionModel.isColumnSelected on
        # every paint, which visits every selected row through the Python model: with all 100,000
        # rows selected (Ctrl+A) each resize took over a second. The headers get a selection of their own.
        self._header_selection = QItemSelectionModel(self.model, self)
        header.setSelectionModel(self._header_selection)
        vh.setSelectionModel(self._header_selection)
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSortIndicator(COL_DEADLINE, Qt.SortOrder.AscendingOrder)
        fm = self.table.fontMetrics()
        pad = fm.horizontalAdvance("字") * 2  # cell margins and the sort arrow
        for col, sample in enumerate(COLUMN_SAMPLES[:-1]):
            header.resizeSection(col, max(fm.horizontalAdvance(sample), fm.horizontalAdvance(COLUMNS[col])) + pad)
        self.table.setSortingEnabled(True)
        self.table.doubleClicked.connect(lambda index: self.open_record(self.model.client_id(index.row())))
        # Shown while a large store is searched in the background; the previous rows stay meanwhile.
        self.search_status = QLabel(self)
        self.search_status.setObjectName("searchStatus")
        self.model.loading_changed.connect(self._show_loading)
        self.model.load_failed.connect(lambda message: self.show_notice(message, "error"))
        self.model.refreshed.connect(self._rows_in)
        self.notice = Banner(self)
        self.notice_close = QToolButton(self)
        self.notice_close.setText("×")
        self.notice_close.setToolTip(self.tr("关闭提示"))
        self.notice_close.setAutoRaise(True)
        self.notice_close.clicked.connect(self.clear_notice)
        self.notice_close.hide()
        notice_row = QHBoxLayout()
        notice_row.addWidget(self.notice, 1)
        notice_row.addWidget(self.notice_close, 0, Qt.AlignmentFlag.AlignTop)
        left = QWidget(self)
        side = QVBoxLayout(left)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.views)
        side.addWidget(self.filters)
        side.addStretch(1)
        right = QWidget(self)
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        search_row = QHBoxLayout()
        search_row.addWidget(self.filters.search, 1)
        search_row.addWidget(self.search_status, 0)
        column.addLayout(search_row)
        column.addLayout(notice_row)
        column.addWidget(self.table, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.setCentralWidget(self.splitter)

    def _action(self, name: str, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)  # shortcuts work wherever the focus is in the window
        return action

    def _build_actions(self) -> None:
        tr = self.tr
        self.act_new = self._action("new", tr("新建记录"), self.new_record, QKeySequence.StandardKey.New,
                                    tr("录入一条新记录（Ctrl+N）"))
        self.act_import = self._action("import", tr("导入 Excel…"), self.open_import_wizard, "Ctrl+I",
                                       tr("从本单位的 Excel/WPS 表格导入记录（Ctrl+I）"))
        self.act_sync = self._action("sync", tr("一键报送"), self.start_sync, "F5",
                                     tr("把待报送的记录报送到平台，并取回平台反馈（F5）"))
        self.act_open = self._action("open", tr("打开记录"), self.open_current, None, tr("打开所选记录（Enter）"))
        open_key = QAction(self)
        open_key.setShortcuts([QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)])
        open_key.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # Enter in the table only
        open_key.triggered.connect(self.open_current)
        self.table.addAction(open_key)
        self.act_check = self._action("check", tr("检查错误"), self.check_selected, "Ctrl+K",
                                      tr("用当前数据目录重新检查所选的记录（Ctrl+K）"))
        self.act_promote = self._action("promote", tr("全部有效草稿加入待报送"), self.promote_valid_drafts, None,
                                        tr("把所有没有错误的草稿加入待报送"))
        self.act_export = self._action("export", tr("导出所选…"), self.export_selection, "Ctrl+E",
                                       tr("把所选记录导出为 Excel 文件（证件号码已遮蔽）（Ctrl+E）"))
        self.act_refresh = self._action("refresh", tr("刷新"), self.refresh, QKeySequence.StandardKey.Refresh)
        self.act_find = self._action("find", tr("搜索"), self.focus_search, QKeySequence.StandardKey.Find)
        self.act_dashboard = self._action("dashboard", tr("本月统计"), self.open_dashboard, "Ctrl+D",
                                          tr("本月按时、迟报、退回和未报的情况"))
        self.act_settings = self._action("settings", tr("设置…"), self.open_settings, "Ctrl+,")
        self.act_login = self._action("login", tr("登录平台…"), self.open_login, None)
        self.act_quit = self._action("quit", tr("退出"), self.close, QKeySequence.StandardKey.Quit)
        for name, module in HOOKS.items():
            action = {"open_import_wizard": self.act_import, "start_sync": self.act_sync,
                      "open_settings": self.act_settings, "open_dashboard": self.act_dashboard,
                      "open_login": self.act_login}[name]
            if not hook_available(module):
                action.setEnabled(False)
                action.setToolTip(self.tr("此功能尚未安装"))

    def _build_menus_and_toolbar(self) -> None:
        bar = self.menuBar()
        m = bar.addMenu(self.tr("文件(&F)"))
        m.addActions([self.act_new, self.act_import, self.act_export])
        m.addSeparator()
        m.addAction(self.act_quit)
        m = bar.addMenu(self.tr("记录(&R)"))
        m.addActions([self.act_open, self.act_check, self.act_promote])
        m.addSeparator()
        m.addActions([self.act_find, self.act_refresh])
        m = bar.addMenu(self.tr("报送(&P)"))
        m.addActions([self.act_sync, self.act_login])
        m = bar.addMenu(self.tr("统计(&S)"))
        m.addAction(self.act_dashboard)
        m = bar.addMenu(self.tr("工具(&T)"))
        m.addAction(self.act_settings)
        tools = self.addToolBar(self.tr("常用"))
        tools.setObjectName("mainToolBar")
        tools.setMovable(False)
        tools.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        tools.addActions([self.act_new, self.act_import, self.act_sync])
        tools.addSeparator()
        tools.addActions([self.act_check, self.act_promote, self.act_export])
        tools.addSeparator()
        tools.addActions([self.act_dashboard, self.act_settings])

    # -- what the other windows call -----------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the counts and the visible rows; call after any change to the records."""
        # On a large store the rows arrive later (_rows_in); the place is put back then.
        self._keep_place = (self._selected_on_screen(), self.table.verticalScrollBar().value())
        self.model.refresh()
        self.refresh_counts()

    def _rows_in(self, same_view: bool) -> None:
        place, self._keep_place = self._keep_place, None
        if not same_view:
            # Another view starts at its top. Left where the old rows were scrolled to, the table
            # would read a page from deep inside the new view on the GUI thread: for a search over
            # 1,000,000 records a scan of a tenth of a second and more.
            self.table.scrollToTop()
        elif place is not None:
            selected, scroll = place
            self.table.verticalScrollBar().setValue(scroll)
            self._reselect(selected)

    def _show_loading(self, loading: bool) -> None:
        self.search_status.setText(self.tr("正在查找…") if loading else "")

    def refresh_counts(self) -> None:
        """The counts of the views; on a large store (QueueModel.BACKGROUND_FROM) in the background,
        where they take about half a second at 1,000,000 records."""
        reader = self.model.reader
        if not self.model.in_background():
            try:
                counts = reader.view_counts()
            except DBAPIError as exc:  # a damaged file: the table says so (QueueModel.load_failed)
                log.warning("counting the views failed: %s", exc.orig)
                return
            self._set_counts(counts)
            return
        if self._counting is not None and not self._counting.finished:
            self._count_again = True  # one more count once this one is in
            return
        self._count_again = False
        self._counting = tasks.run_task(lambda _task: reader.view_counts(), on_done=self._counted,
                                        pool=self.model.pool)

    def _counted(self, counts: dict[str, int]) -> None:
        self._set_counts(counts)
        if self._count_again:
            self.refresh_counts()

    def _set_counts(self, counts: dict[str, int]) -> None:
        self.views.set_counts(counts)
        self.counts = counts
        self._show_status()

    def set_online(self, online: bool | None) -> None:
        """Called by the sync: True after the platform answered, False when it could not be reached."""
        self.online = online
        self._show_status()

    def show_notice(self, text: str, kind: str = "info") -> None:
        self.notice.show_message(text, kind)
        self.notice_close.setVisible(bool(text))

    def clear_notice(self) -> None:
        self.notice.clear_message()
        self.notice_close.hide()

    def selected_client_ids(self) -> list[str]:
        ranges = sorted({(r.top(), r.bottom()) for r in self.table.selectionModel().selection()})
        return self.model.client_ids(ranges) if ranges else []

    # -- hooks for the other windows -----------------------------------------------------------------
    def open_import_wizard(self):
        return self._call_hook("open_import_wizard")

    def start_sync(self):
        return self._call_hook("start_sync")

    def open_settings(self):
        return self._call_hook("open_settings")

    def open_dashboard(self):
        return self._call_hook("open_dashboard")

    def open_login(self):
        return self._call_hook("open_login")

    def _call_hook(self, name: str):
        module = HOOKS[name]
        if not hook_available(module):
            return None
        fn = getattr(importlib.import_module(module), name, None)
        if fn is None:
            log.error("%s has no function %s", module, name)
            self.show_notice(self.tr("此功能暂不可用（程序文件不完整），请联系技术支持。"), "error")
            return None
        return fn(self.ctx, self)

    # -- records -------------------------------------------------------------------------------------
    def new_record(self, kind: str | None = None) -> RecordForm | None:
        catalog = self.ctx.catalogs.active()
        allowed = [k for k in (self.ctx.settings.allowed_kinds or catalog.kinds) if k in catalog.kinds]
        if kind is None:
            if len(allowed) == 1:
                kind = allowed[0]
            else:
                labels = [catalog.kinds[k].label for k in allowed]
                label, ok = QInputDialog.getItem(self, self.tr("新建记录"), self.tr("记录类别："), labels, 0, False)
                if not ok:
                    return None
                kind = allowed[labels.index(label)]
        return self._show_form(RecordForm(self.ctx, kind_id=kind, parent=self))

    def open_record(self, client_id: str | None) -> RecordForm | None:
        if not client_id:
            return None
        return self._show_form(RecordForm(self.ctx, client_id=client_id, parent=self))

    def open_current(self) -> RecordForm | None:
        index = self.table.currentIndex()
        return self.open_record(self.model.client_id(index.row())) if index.isValid() else None

    def _show_form(self, form: RecordForm) -> RecordForm:
        form.restore_size(self.window_settings)
        # Qt deletes the closed form itself; a deleteLater() from a slot holding the last Python
        # reference to the form crashed PySide in the dialogs' tests.
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        form.saved.connect(lambda _cid: self.refresh())
        form.finished.connect(lambda _result, f=form: self._form_closed(f))
        self.forms.append(form)
        form.open()  # window-modal, without a nested event loop
        return form

    def _form_closed(self, form: RecordForm) -> None:
        form.save_size(self.window_settings)
        if form in self.forms:
            self.forms.remove(form)

    # -- bulk actions (in the background) ------------------------------------------------------------
    def _start(self, what: str, fn, on_done) -> tasks.Task | None:
        if self.running is not None and not self.running.finished:
            self.show_notice(self.tr("上一项操作还在进行，请稍候。"), "warning")
            return None
        for action in (self.act_check, self.act_promote, self.act_export):
            action.setEnabled(False)
        self.statusBar().showMessage(what)
        pause_gc()

        def finish() -> None:
            resume_gc()
            self.running = None
            for action in (self.act_check, self.act_promote, self.act_export):
                action.setEnabled(True)
            self.statusBar().clearMessage()

        def done(result) -> None:
            finish()
            on_done(result)

        def failed(_code: str, message: str) -> None:
            finish()
            self.show_notice(message, "error")

        self.running = tasks.run_task(fn, on_done=done, on_error=failed)
        return self.running

    def check_selected(self) -> tasks.Task | None:
        ids = self.selected_client_ids()
        if not ids:
            self.show_notice(self.tr("请先在表格中选择要检查的记录（Ctrl+A 全选）。"), "warning")
            return None
        queue = self.ctx.queue

        def work(_task):
            return queue.revalidate(ids), self._error_count(ids)

        def done(result) -> None:
            counts, with_errors = result
            self.refresh()
            checked = counts.get("checked", 0)
            skipped = len(ids) - checked
            text = self.tr("检查了 %d 条记录：%d 条有错误，%d 条没有错误。") % (checked, with_errors, checked - with_errors)
            if skipped:
                text += self.tr("另有 %d 条已在报送或已报送、已撤销，未检查。") % skipped
            self.show_notice(text, "warning" if with_errors else "info")

        return self._start(self.tr("正在检查 %d 条记录…") % len(ids), work, done)

    def _error_count(self, ids: list[str]) -> int:
        from sqlalchemy import func, select

        from app.store.models import Record

        total = 0
        with self.ctx.store.read() as s:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                total += s.execute(select(func.count()).select_from(Record).where(
                    Record.client_id.in_(chunk), Record.state.in_((st.DRAFT, st.READY, st.RETURNED)),
                    Record.error_count > 0)).scalar_one()
        return total

    def promote_valid_drafts(self) -> tasks.Task | None:
        queue = self.ctx.queue

        def work(_task):
            ids = [r.client_id for r in queue.list(state=st.DRAFT)]
            return len(ids), (queue.revalidate(ids, promote=True) if ids else {})

        def done(result) -> None:
            drafts, counts = result
            self.refresh()
            if not drafts:
                self.show_notice(self.tr("没有草稿。"), "info")
                return
            ready = counts.get(st.READY, 0)
            left = counts.get(st.DRAFT, 0)
            text = self.tr("%d 条草稿中，%d 条没有错误，已加入待报送；%d 条仍有错误，留在草稿中。") % (drafts, ready, left)
            if left:
                text += self.tr("点左侧“草稿”查看并修改。")
            self.show_notice(text, "warning" if left else "info")

        return self._start(self.tr("正在检查草稿…"), work, done)

    def export_selection(self, path: str | None = None) -> tasks.Task | None:
        ids = self.selected_client_ids()
        if not ids:
            self.show_notice(self.tr("请先在表格中选择要导出的记录（Ctrl+A 全选）。"), "warning")
            return None
        if path is None:
            default = str(Path.home() / (self.tr("信用信息导出_%s.xlsx") % clock.today().strftime("%Y%m%d")))
            path, _ = QFileDialog.getSaveFileName(self, self.tr("导出所选记录"), default, self.tr("Excel 工作簿 (*.xlsx)"))
            if not path:
                return None
            if not path.lower().endswith(".xlsx"):
                path += ".xlsx"
        ctx = self.ctx

        def done(count: int) -> None:
            self.show_notice(self.tr("已导出 %d 条记录到 %s（证件号码已遮蔽）。") % (count, path), "info")

        return self._start(self.tr("正在导出 %d 条记录…") % len(ids),
                           lambda _task: export_records(ctx, ids, Path(path)), done)

    # -- filters and status --------------------------------------------------------------------------
    def current_filter(self) -> QueueFilter:
        return QueueFilter(view=self.views.current_view(), **self.filters.values())

    def _apply_filter(self, *_args) -> None:
        self._keep_place = None  # another view: its rows start at the top
        self.model.set_filter(self.current_filter())

    def focus_search(self) -> None:
        self.filters.search.setFocus()
        self.filters.search.selectAll()

    def _show_status(self) -> None:
        c = getattr(self, "counts", {})
        online = {True: self.tr("在线"), False: self.tr("离线")}.get(self.online, self.tr("离线"))
        last = read_state(self.ctx.store, LAST_SYNC_KEY)
        parts = [online, self.tr("上次同步 %s") % cn_datetime(last) if last else self.tr("尚未同步"),
                 self.tr("%d 条待报送") % c.get(st.READY, 0), self.tr("%d 条被退回") % c.get(st.RETURNED, 0),
                 self.tr("%d 条即将到期") % c.get(DUE_SOON, 0)]
        if c.get(OVERDUE):
            parts.append(self.tr("%d 条已逾期") % c[OVERDUE])
        self.status_label.setText(" · ".join(parts))

    def _check_day(self) -> None:
        if clock.today() != self._day:
            self._day = clock.today()
            self.refresh()

    def _selected_on_screen(self) -> set[str]:
        """Selected records among the rows already loaded (no SQL: a refresh keeps what it can)."""
        ids: set[str] = set()
        for r in self.table.selectionModel().selection():
            for n in range(r.top(), min(r.bottom(), r.top() + 500) + 1):
                cid = self.model.cached_client_id(n)
                if cid:
                    ids.add(cid)
        return ids

    def _reselect(self, client_ids: set[str]) -> None:
        if not client_ids:
            return
        selection = QItemSelection()
        for cid in client_ids:
            row = self.model.row_of(cid)
            if row is not None:
                selection.select(self.model.index(row, 0), self.model.index(row, len(COLUMNS) - 1))
        self.table.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    # -- window state --------------------------------------------------------------------------------
    def _restore_window_state(self) -> None:
        s = self.window_settings
        geometry = s.value("main/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            screen = self.screen().availableGeometry() if self.screen() else None
            if screen is not None:
                self.resize(int(screen.width() * 0.8), int(screen.height() * 0.8))
        for key, restore in (("main/state", self.restoreState), ("main/splitter", self.splitter.restoreState),
                             ("main/header", self.table.horizontalHeader().restoreState)):
            value = s.value(key)
            if value is not None:
                restore(value)
        view = s.value("main/view")
        if view:
            self.views.set_view(str(view))

    def save_window_state(self) -> None:
        s = self.window_settings
        s.setValue("main/geometry", self.saveGeometry())
        s.setValue("main/state", self.saveState())
        s.setValue("main/splitter", self.splitter.saveState())
        s.setValue("main/header", self.table.horizontalHeader().saveState())
        s.setValue("main/view", self.views.current_view())
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_window_state()
        self._clock.stop()
        self.model.close()
        super().closeEvent(event)
