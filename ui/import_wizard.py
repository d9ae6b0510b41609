"""导入 Excel: a wizard over the core import (app.excel.import_file).

  选择文件 → 列的对应 (detected kind, header row, each column's field, preselected from its header
  and changeable by hand, 不导入 included) → 检查结果 (a dry run: findings grouped by problem, with rows and columns) → 导入
  (progress, 取消; a file imported before asks first) → summary, with the error report to save.

Every read, check and import runs in the background (ui.tasks) and can be stopped; the wizard only
turns the core's results into widgets. The detection is itself a dry run: its result is reused by
the findings page unless the clerk changed a column.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)
from shiboken6 import isValid

from app.excel import ImportOptions, ImportResult, import_file
from app.excel.cells import column_letter
from app.excel.headers import header_texts
from app.excel.history import PastImport, file_sha256, last_import
from app.excel.importer import REPORT_COLUMN, ROW_COLUMN
from app.excel.issues import Issue
from app.gc_pause import pause_gc, resume_gc
from app.validation.findings import ERROR
from ui import style, tasks
from ui.widgets.banner import Banner

SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".et", ".ods", ".csv")
CHILDREN_SHOWN = 300  # findings listed per group; the error report has them all
# Why a column is not imported, by the core's finding about it.
COLUMN_STATES = {"column_unknown": "未识别", "column_not_imported": "旧格式或平台附加的列",
                 "column_ambiguous": "有歧义，请指定", "column_duplicate": "与其他列重复"}
UNITS = ("元", "万元")


@dataclass
class Plan:
    """What the clerk chose: the file, the kind, hand-made column mappings and amount units."""

    path: Path
    kind: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    sheet: str | None = None  # None: the first sheet with a header
    sheets: list[str] = field(default_factory=list)  # the file's sheets with a header, once read

    def options(self, **kw) -> ImportOptions:
        return ImportOptions(kind=self.kind, mapping=dict(self.mapping), units=dict(self.units), keep_rows=True,
                             sheet=self.sheet, **kw)

    def key(self) -> tuple:
        try:
            stat = self.path.stat()
            stamp: tuple = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = ()
        return (str(self.path), stamp, self.kind, self.sheet, tuple(sorted(self.mapping.items())),
                tuple(sorted(self.units.items())))


class Working(QWidget):
    """A progress line with a 停止 button, shown while a background step runs."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setTextVisible(False)
        self.stop_button = QPushButton(self.tr("停止"), self)
        self.stop_button.clicked.connect(self.stop)
        self.on_stop: Callable[[], None] | None = None
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bar, 1)
        row.addWidget(self.stop_button)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        v.addWidget(self.label)
        v.addLayout(row)
        self.hide()

    def start(self, text: str) -> None:
        self.label.setText(text)
        self.bar.setRange(0, 0)
        self.stop_button.setEnabled(True)
        self.show()

    def progress(self, done: int, total: int) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(done)

    def stop(self) -> None:
        if self.on_stop is not None:
            self.on_stop()
        self.stop_button.setEnabled(False)
        self.label.setText(self.tr("正在停止…"))


def result_line(r: ImportResult, catalog) -> str:
    kind = catalog.kinds[r.kind].label if r.kind in catalog.kinds else r.kind
    return QCoreApplication.translate("ImportWizard", "工作表「{sheet}」，表头在第 {row} 行，识别为「{kind}」，共 {rows} 行数据。").format(
        sheet=r.sheet, row=r.header_row, kind=kind, rows=r.rows)


class ImportWizard(QWizard):
    PAGE_FILE, PAGE_COLUMNS, PAGE_FINDINGS, PAGE_IMPORT = range(4)
    imported = Signal(object)  # ImportResult of a real import

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.catalog = ctx.catalogs.active()
        self.task: tasks.Task | None = None
        self.plan: Plan | None = None
        self.detected: ImportResult | None = None  # dry run without hand-made mappings
        self.detected_key: tuple | None = None
        self.checked: ImportResult | None = None  # dry run of the current plan
        self.checked_key: tuple | None = None
        self.result: ImportResult | None = None  # the import itself
        self._open = True
        self.setWindowTitle(self.tr("导入 Excel"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)  # the same look on every desktop
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("< 上一步(&B)"))
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("下一步(&N) >"))
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("导入(&I)"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("关闭"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("取消"))
        self.file_page = FilePage(self)
        self.columns_page = ColumnsPage(self)
        self.findings_page = FindingsPage(self)
        self.import_page = ImportPage(self)
        for pid, page in ((self.PAGE_FILE, self.file_page), (self.PAGE_COLUMNS, self.columns_page),
                          (self.PAGE_FINDINGS, self.findings_page), (self.PAGE_IMPORT, self.import_page)):
            self.setPage(pid, page)
        em, line = self.fontMetrics().horizontalAdvance("字"), self.fontMetrics().height()
        self.setMinimumSize(em * 56, line * 30)
        self.resize(em * 78, line * 42)

    # -- running the core ----------------------------------------------------------------------------
    def run(self, work: Callable[[tasks.Task], object], working: Working, text: str,
            on_done: Callable[[object], None], on_error: Callable[[str, str], None]) -> tasks.Task:
        """Run `work` in the background with `working` showing progress; a result that arrives after
        the wizard closed, or after a newer step started, is dropped."""
        if self.task is not None:
            self.task.cancel()
        pause_gc()  # as the main window does: no collector pass on the GUI thread during a batch

        def finish(task: tasks.Task) -> bool:
            resume_gc()
            if task is not self.task or not self._alive:
                return False
            self.task = None
            working.hide()
            return True

        current: list[tasks.Task] = []  # filled below, before any callback can arrive (queued signals)

        def done(value: object) -> None:
            if finish(current[0]):
                on_done(value)

        def failed(code: str, message: str) -> None:
            if finish(current[0]):
                on_error(code, message)

        working.start(text)
        task = tasks.run_task(work, on_done=done, on_error=failed, on_progress=working.progress)
        current.append(task)
        working.on_stop = task.cancel
        self.task = task
        return task

    def import_work(self, options: ImportOptions, check_history: bool = False):
        ctx, path = self.ctx, self.plan.path

        def work(task: tasks.Task):
            if check_history:
                past = last_import(ctx.store, file_sha256(path))
                if past is not None:
                    return past

            def progress(done: int, total: int) -> bool:
                task.progress(done, total)
                return not task.cancelled

            return import_file(ctx, path, options, progress=progress)

        return work

    def save_report(self, result: ImportResult, path: str | None = None,
                    on_done: Callable[[str], None] | None = None) -> tasks.Task | None:
        """Write the error report (.xlsx) in the background; asks for the file name unless given."""
        if path is None:
            source = self.plan.path if self.plan else Path.home() / "导入"
            default = str(source.with_name(self.tr("%s_错误报告.xlsx") % source.stem))
            path, _ = QFileDialog.getSaveFileName(self, self.tr("保存错误报告"), default,
                                                  self.tr("Excel 工作簿 (*.xlsx)"))
            if not path:
                return None
            if not path.lower().endswith(".xlsx"):
                path += ".xlsx"
        target = path

        def work(_task: tasks.Task) -> str:
            from app.excel.report import write_error_report

            write_error_report(result, target)
            return target

        return tasks.run_task(work, on_done=lambda p: on_done(p) if on_done and self._alive else None,
                              on_error=lambda _c, m: self._report_failed(m))

    def _report_failed(self, message: str) -> None:
        if self._alive:
            page = self.currentPage()
            banner = getattr(page, "banner", None)
            if banner is not None:
                banner.show_message(message, "error")

    @property
    def _alive(self) -> bool:
        """Still on screen: not closed, and not deleted with its parent (results may come later)."""
        return self._open and isValid(self)

    def done(self, result: int) -> None:
        if self.task is not None:
            self.task.cancel()  # an import stops at its next step and stores nothing
        self._open = False
        super().done(result)


# -- pages ---------------------------------------------------------------------------------------------
class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__(wizard)
        self.w = wizard
        self.setTitle(self.tr("选择要导入的表格"))
        self.setSubTitle(self.tr("本单位的 Excel、WPS 表格（.xlsx、.xls、.et）、ODS 或 CSV 文件。表头上方可以有标题行，"
                                 "程序会自动找到表头并判断记录类别。"))
        self.path = QLineEdit(self)
        self.path.setPlaceholderText(self.tr("点“浏览…”选择文件，或粘贴文件路径"))
        self.path.setClearButtonEnabled(True)
        self.path.textChanged.connect(self.completeChanged)
        self.browse = QPushButton(self.tr("浏览(&R)…"), self)
        self.browse.clicked.connect(self.choose)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        self.kind = QComboBox(self)
        self.kind.addItem(self.tr("自动识别"), None)
        for k in wizard.catalog.kinds.values():
            self.kind.addItem(k.label, k.id)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow(self.tr("文件(&F)："), row)
        form.addRow(self.tr("记录类别(&K)："), self.kind)
        form.addRow("", self.hint)
        self.path.setFocus()

    def choose(self) -> None:
        start = os.path.dirname(self.path.text()) or str(Path.home())
        pattern = " ".join(f"*{s}" for s in SUFFIXES)
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择表格文件"), start,
                                              self.tr("表格文件 (%s);;所有文件 (*)") % pattern)
        if path:
            self.path.setText(path)

    def set_file(self, path: str | Path, kind: str | None = None) -> None:
        self.path.setText(str(path))
        self.kind.setCurrentIndex(max(self.kind.findData(kind), 0))

    def chosen(self) -> Path | None:
        text = self.path.text().strip().strip('"')
        return Path(text) if text else None

    def isComplete(self) -> bool:
        path = self.chosen()
        ok = path is not None and path.is_file() and path.suffix.lower() in SUFFIXES
        if path is not None and not ok:
            self.hint.setText(self.tr("找不到这个文件。") if not path.is_file()
                              else self.tr("只能导入 %s 文件。") % "、".join(SUFFIXES))
        else:
            self.hint.setText("")
        return ok

    def validatePage(self) -> bool:
        path, kind = self.chosen(), self.kind.currentData()
        plan = self.w.plan
        if plan is None or plan.path != path or plan.kind != kind:
            self.w.plan = Plan(path, kind)  # a new file or kind: hand-made mappings start over
        return True


class ColumnsPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__(wizard)
        self.w = wizard
        self.setTitle(self.tr("列的对应"))
        self.setSubTitle(self.tr("核对每一列导入为哪个数据项。程序不认识的列可以在“导入为”中指定，"
                                 "或保持“不导入”。"))
        self.working = Working(self)
        self.banner = Banner(self)
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        # Shown when the file has more than one sheet with a header (11月, 12月 …): one is imported at a time.
        self.sheet = QComboBox(self)
        self.sheet.activated.connect(self._sheet_chosen)
        self.sheet_label = QLabel(self.tr("工作表(&S)："), self)
        self.sheet_label.setBuddy(self.sheet)
        sheet_row = QHBoxLayout()
        sheet_row.addWidget(self.sheet_label)
        sheet_row.addWidget(self.sheet)
        sheet_row.addStretch(1)
        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels([self.tr("列"), self.tr("表头"), self.tr("导入为"), self.tr("说明")])
        self.table.verticalHeader().hide()
        self.table.setTabKeyNavigation(False)  # Tab goes from one 导入为 choice to the next
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.unknown = QLabel(self)
        self.unknown.setWordWrap(True)
        self.combos: dict[int, tuple[str, QComboBox]] = {}  # column index -> (header, combo) of unknown columns
        self.unit_combos: dict[str, QComboBox] = {}  # field code -> 元/万元
        v = QVBoxLayout(self)
        v.addWidget(self.working)
        v.addWidget(self.banner)
        v.addLayout(sheet_row)
        v.addWidget(self.info)
        v.addWidget(self.table, 1)
        v.addWidget(self.unknown)
        self._shown_sheet: str | None = None  # the sheet the page shows
        self._show_sheets([])

    def initializePage(self) -> None:
        w = self.w
        key = Plan(w.plan.path, w.plan.kind, sheet=w.plan.sheet).key()
        if w.detected is not None and w.detected_key == key:
            self.show_result(w.detected)
            return
        w.detected = None
        self.table.setRowCount(0)
        self.info.clear()
        self.unknown.clear()
        self.banner.clear_message()
        plan = Plan(w.plan.path, w.plan.kind, sheet=w.plan.sheet)
        w.run(w.import_work(plan.options(dry_run=True)), self.working, self.tr("正在读取并检查“%s”…") % plan.path.name,
              lambda r: self._detected(r, key), self._refused)
        self.completeChanged.emit()

    def _detected(self, result: ImportResult, key: tuple) -> None:
        w = self.w
        w.detected, w.detected_key = result, key
        if not w.plan.mapping and not w.plan.units:
            w.checked, w.checked_key = result, w.plan.key()
        self.show_result(result)
        self.completeChanged.emit()

    def _refused(self, _code: str, message: str) -> None:
        self.banner.show_message(message + self.tr("\n没有保存任何记录。请修改文件，或返回上一步指定记录类别。"), "error")
        self.completeChanged.emit()

    def _show_sheets(self, names: list[str], current: str | None = None) -> None:
        self.sheet.clear()
        for name in names:
            self.sheet.addItem(name, name)
        self.sheet.setCurrentIndex(max(self.sheet.findData(current), 0))
        for widget in (self.sheet, self.sheet_label):
            widget.setVisible(len(names) > 1)

    def _sheet_chosen(self, _index: int) -> None:
        """Another sheet of the same file: read and checked anew; the column choices are kept (by header)."""
        name = self.sheet.currentData()
        if name is None or name == self._shown_sheet:
            return
        self.w.plan.sheet = name
        self.initializePage()

    def show_result(self, r: ImportResult) -> None:
        catalog = self.w.catalog
        if len(r.sheets) > 1 or not self.w.plan.sheets:
            self.w.plan.sheets = list(r.sheets)  # as found when the sheet was chosen automatically
        self._shown_sheet = r.sheet
        self._show_sheets(self.w.plan.sheets, r.sheet)
        self.info.setText(result_line(r, catalog))
        matched = {c.index: c for c in r.columns}
        texts = [(i, t) for i, t in header_texts(r.header, r.col0) if t.strip() not in (REPORT_COLUMN, ROW_COLUMN)]
        # What needs the clerk comes first (unknown columns, amounts without a unit), then the rest
        # in the sheet's order.
        def needs_attention(it: tuple[int, str]) -> bool:
            c = matched.get(it[0])
            return c is None or (c.alias is not None and c.alias.confirm_unit)
        texts.sort(key=lambda it: (not needs_attention(it), it[0]))
        self.table.setRowCount(len(texts))
        self.combos.clear()
        self.unit_combos.clear()
        why = {i.column: i for i in r.issues if i.rule in COLUMN_STATES and i.column}
        unknown = []
        for row, (index, text) in enumerate(texts):
            letter = column_letter(index)
            self.table.setItem(row, 0, QTableWidgetItem(letter))
            self.table.setItem(row, 1, QTableWidgetItem(text.strip()))
            column = matched.get(index)
            if column is not None:
                self._recognised(row, column, catalog.kinds[r.kind])
            else:
                self._unknown(row, index, text, catalog.kinds[r.kind], why.get(letter))
                unknown.append(f"{letter}「{text.strip()}」")
        self.unknown.setText(self.tr("不认识的列（默认不导入）：%s。") % "、".join(unknown) if unknown
                             else self.tr("所有列都已识别。"))

    def _recognised(self, row: int, column, kind) -> None:
        """A column the core matched by its header: preselected, and the clerk may still choose another
        field or 不导入 (the choice is kept by header text, as for unknown columns)."""
        f = column.field
        combo = self._field_combo(kind, column.index, column.header, default=f.code)
        combo.setToolTip(self.tr("已按表头自动识别，可改选其他数据项或“不导入”。"))
        self.table.setCellWidget(row, 2, combo)
        self.table.setItem(row, 3, QTableWidgetItem(self.tr("已识别")))
        if column.alias is not None and column.alias.confirm_unit:
            self._unit_choice(row, f.code)

    def _field_combo(self, kind, index: int, text: str, default: str) -> QComboBox:
        combo = QComboBox(self.table)
        combo.addItem(self.tr("不导入"), "")
        for f in kind.fields:
            combo.addItem(f"{f.label}（{f.code}）", f.code)
        chosen = self.w.plan.mapping.get(text, default)
        combo.setCurrentIndex(max(combo.findData(chosen), 0) if chosen else 0)
        # By key, not by the combo itself: a connection must not hold its own sender.
        combo.currentIndexChanged.connect(lambda _i, n=index: self._mapped(n))
        self.combos[index] = (text, combo, default)
        return combo

    def _unknown(self, row: int, index: int, text: str, kind, issue: Issue | None) -> None:
        self.table.setCellWidget(row, 2, self._field_combo(kind, index, text, default=""))
        state = COLUMN_STATES.get(issue.rule, "") if issue else "未识别"
        note = QTableWidgetItem(self.tr(state) + self.tr("，可选择对应的数据项"))
        note.setForeground(QBrush(style.fg(style.SEVERITY_COLORS["warning"])))
        if issue is not None:
            note.setToolTip(issue.message)
        self.table.setItem(row, 3, note)

    def _unit_choice(self, row: int, code: str) -> None:
        """An amount column whose header names no unit: the clerk says 元 or 万元 (ImportOptions.units)."""
        combo = QComboBox(self.table)
        combo.addItem(self.tr("没有写单位，请选择"), "")
        for unit in UNITS:
            combo.addItem(self.tr("按%s填写") % unit, unit)
        combo.setCurrentIndex(max(combo.findData(self.w.plan.units.get(code, "")), 0))
        combo.currentIndexChanged.connect(lambda _i, c=code: self._unit(c))
        self.table.setCellWidget(row, 3, combo)
        self.unit_combos[code] = combo

    def _mapped(self, index: int) -> None:
        header, combo, default = self.combos[index]
        code = combo.currentData() or ""
        if code != default:
            self.w.plan.mapping[header] = code  # "" = 不导入
        else:
            self.w.plan.mapping.pop(header, None)

    def _unit(self, code: str) -> None:
        unit = self.unit_combos[code].currentData()
        if unit:
            self.w.plan.units[code] = unit
        else:
            self.w.plan.units.pop(code, None)

    def map_column(self, header: str, code: str) -> None:
        """Choose the field of an unknown column by its header text (keyboard users and tests)."""
        for text, combo, _default in self.combos.values():
            if text.strip() == header.strip():
                combo.setCurrentIndex(combo.findData(code))
                return
        raise KeyError(header)

    def isComplete(self) -> bool:
        return self.w.detected is not None and self.w.task is None


class FindingsPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__(wizard)
        self.w = wizard
        self.setTitle(self.tr("检查结果"))
        self.setSubTitle(self.tr("这是试导入：还没有保存任何记录。按问题归类，展开可看到每一处所在的行和列。"))
        self.setCommitPage(True)
        self.working = Working(self)
        self.banner = Banner(self)
        self.counts = QLabel(self)
        self.counts.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels([self.tr("问题 / 位置"), self.tr("说明")])
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.skip_invalid = QCheckBox(self.tr("有错误的行不导入(&S)（不勾选时作为草稿导入，之后在程序中修改）"), self)
        self.report_button = QPushButton(self.tr("保存错误报告(&E)…"), self)
        self.report_button.setToolTip(self.tr("把有错误的行连同问题说明保存为 Excel 文件；改正后可直接再导入"))
        self.report_button.clicked.connect(lambda: self.save_report())
        # The whole message of the selected line: a tree row shows one line only.
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tree.currentItemChanged.connect(self._show_detail)
        bottom = QHBoxLayout()
        bottom.addWidget(self.skip_invalid, 1)
        bottom.addWidget(self.report_button)
        v = QVBoxLayout(self)
        v.addWidget(self.working)
        v.addWidget(self.banner)
        v.addWidget(self.counts)
        v.addWidget(self.tree, 1)
        v.addWidget(self.detail)
        v.addLayout(bottom)

    def initializePage(self) -> None:
        w = self.w
        self.tree.clear()
        self.detail.clear()
        self.counts.clear()
        self.banner.clear_message()
        self.report_button.setEnabled(False)
        if w.checked is not None and w.checked_key == w.plan.key():
            self.show_result(w.checked)
            return
        w.checked = None
        key = w.plan.key()

        def checked(result: ImportResult) -> None:
            w.checked, w.checked_key = result, key
            self.show_result(result)
            self.completeChanged.emit()

        def refused(_code: str, message: str) -> None:
            self.banner.show_message(message, "error")
            self.completeChanged.emit()

        w.run(w.import_work(w.plan.options(dry_run=True)), self.working, self.tr("正在按调整后的列重新检查…"),
              checked, refused)
        self.completeChanged.emit()

    def show_result(self, r: ImportResult) -> None:
        self.counts.setText(self.tr("共 %d 行数据：%d 行通过检查，%d 行有错误。") % (r.rows, r.valid, r.invalid)
                            + (self.tr("有错误的行默认作为草稿导入。") if r.invalid and not r.refused else ""))
        if r.refused:
            self.banner.show_message(self.tr("文件有必须先改正的问题（标为“整个文件”），现在不能导入。请修改文件后重新选择，"
                                             "或返回上一步调整列的对应。"), "error")
        elif not r.issues:
            self.banner.show_message(self.tr("没有发现问题，可以导入。"), "info")
        fill_findings(self.tree, r, self.w.catalog)
        first = self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first.child(0) if first.childCount() else first)
        self.report_button.setEnabled(bool(r.invalid))
        self.skip_invalid.setEnabled(bool(r.invalid))

    def _show_detail(self, item: QTreeWidgetItem | None, _previous=None) -> None:
        if item is None:
            self.detail.clear()
        elif item.parent() is None:
            self.detail.setText(f"{item.text(0)}　{item.text(1)}")
        else:
            self.detail.setText(f"{item.text(0)}：{item.text(1)}")

    def save_report(self, path: str | None = None) -> tasks.Task | None:
        if self.w.checked is None:
            return None
        return self.w.save_report(self.w.checked, path, lambda p: self.banner.show_message(
            self.tr("错误报告已保存到 %s。") % p, "info"))

    def isComplete(self) -> bool:
        r = self.w.checked
        return r is not None and not r.refused and r.rows > 0 and self.w.task is None


class ImportPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__(wizard)
        self.w = wizard
        self.setTitle(self.tr("导入"))
        self.finished_ok = False
        self.working = Working(self)
        self.banner = Banner(self)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.again_button = QPushButton(self.tr("仍然导入(&A)"), self)
        self.again_button.clicked.connect(lambda: self.start(force=True))
        self.report_button = QPushButton(self.tr("保存错误报告(&E)…"), self)
        self.report_button.clicked.connect(lambda: self.save_report())
        buttons = QHBoxLayout()
        buttons.addWidget(self.again_button)
        buttons.addStretch(1)
        buttons.addWidget(self.report_button)
        v = QVBoxLayout(self)
        v.addWidget(self.working)
        v.addWidget(self.banner)
        v.addWidget(self.summary)
        v.addStretch(1)
        v.addLayout(buttons)

    def initializePage(self) -> None:
        self.start(force=False)

    def start(self, force: bool) -> tasks.Task:
        w = self.w
        self.finished_ok = False
        self.banner.clear_message()
        self.summary.clear()
        self.again_button.hide()
        self.report_button.hide()
        options = w.plan.options(skip_invalid=w.findings_page.skip_invalid.isChecked(), force=force)
        task = w.run(w.import_work(options, check_history=not force), self.working,
                     self.tr("正在导入“%s”…") % w.plan.path.name, self._done, self._failed)
        self.completeChanged.emit()
        return task

    def _done(self, value: object) -> None:
        if isinstance(value, PastImport):
            self.banner.show_message(
                self.tr("文件「%s」的内容已于 %s 导入过（保存了 %d 条记录）。再次导入会产生重复记录。\n"
                        "确需再次导入，请点“仍然导入”；否则请点“关闭”，不会导入。") % (
                    self.w.plan.path.name, value.when, value.imported),
                "warning")
            self.finished_ok = True  # closing now is a valid answer: nothing is imported
            self.again_button.show()
            self.again_button.setFocus()
            self.completeChanged.emit()
            return
        r: ImportResult = value  # type: ignore[assignment]
        self.w.result = r
        self.finished_ok = True
        ready = min(r.valid, r.imported)
        drafts = r.imported - ready
        text = self.tr("已保存 %d 条记录：%d 条待报送，%d 条草稿。") % (r.imported, ready, drafts)
        if r.skipped:
            text += self.tr("%d 行有错误，没有导入。") % r.skipped
        if drafts:
            text += self.tr("\n草稿中的错误请在主窗口左侧“草稿”中逐条修改，改好后即可加入待报送。")
        self.banner.show_message(self.tr("导入完成。"), "info")
        self.summary.setText(text)
        self.report_button.setVisible(bool(r.invalid))
        self.w.imported.emit(r)
        self.completeChanged.emit()

    def _failed(self, code: str, message: str) -> None:
        self.banner.show_message(message + ("" if code == "cancelled" else self.tr("\n没有保存任何记录。")),
                                 "warning" if code == "cancelled" else "error")
        self.finished_ok = True  # nothing more to do here: the wizard can be closed
        self.completeChanged.emit()

    def save_report(self, path: str | None = None) -> tasks.Task | None:
        if self.w.result is None:
            return None
        return self.w.save_report(self.w.result, path, lambda p: self.summary.setText(
            self.summary.text() + "\n" + self.tr("错误报告已保存到 %s。") % p))

    def isComplete(self) -> bool:
        return self.finished_ok and self.w.task is None


# -- findings, grouped ------------------------------------------------------------------------------------
def fill_findings(tree: QTreeWidget, r: ImportResult, catalog) -> None:
    """One top-level item per problem (severity, rule, field), errors first and the most frequent
    first; under it the places (row and column) with the core's message."""
    tree.clear()
    kind = catalog.kinds.get(r.kind) if r.kind else None
    groups: dict[tuple[str, str, str], list[Issue]] = {}
    for i in r.issues:
        groups.setdefault((i.severity, i.rule, i.field or ""), []).append(i)
    order = sorted(groups.items(), key=lambda kv: (kv[0][0] != ERROR, -len(kv[1]), kv[0][1]))
    bold = QFont(tree.font())
    bold.setBold(True)
    for (severity, _rule, code), issues in order:
        rows = {i.row for i in issues if i.row is not None and i.row in r.row_ok}
        tag = tree.tr("错误") if severity == ERROR else tree.tr("提示")
        count = tree.tr("%s：%d 行") % (tag, len(rows)) if rows else tree.tr("%s：整个文件") % tag
        label = kind.label_of(code) if kind is not None and code else ""
        title = f"{label}｜{issues[0].message}" if label and label not in issues[0].message else issues[0].message
        top = QTreeWidgetItem([count, title])
        color = style.fg(style.SEVERITY_COLORS["error" if severity == ERROR else "warning"])
        top.setForeground(0, QBrush(color))
        top.setFont(0, bold)
        top.setToolTip(1, issues[0].message)
        for i in issues[:CHILDREN_SHOWN]:
            child = QTreeWidgetItem([i.where, i.message])
            child.setToolTip(1, i.message)
            top.addChild(child)
        if len(issues) > CHILDREN_SHOWN:
            top.addChild(QTreeWidgetItem(["…", tree.tr("另有 %d 处，请保存错误报告查看全部。") % (len(issues) - CHILDREN_SHOWN)]))
        tree.addTopLevelItem(top)
    for n in range(min(tree.topLevelItemCount(), 3)):
        tree.topLevelItem(n).setExpanded(True)


def open_import_wizard(ctx, main_window) -> ImportWizard:
    """The hook of 导入 Excel… (Ctrl+I): window-modal, without a nested event loop."""
    wizard = ImportWizard(ctx, main_window)
    wizard.setWindowModality(Qt.WindowModality.WindowModal)
    # Deleted by Qt when closed; no closure connected to the wizard's own signals may hold it.
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def imported(result: ImportResult) -> None:
        main_window.refresh()
        main_window.show_notice(QCoreApplication.translate("ImportWizard", "已从“%s”导入 %d 条记录。")
                                % (result.file, result.imported), "info")

    wizard.imported.connect(imported)
    wizard.open()
    return wizard
