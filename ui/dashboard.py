"""本月统计: the month's monitoring figures per kind and in total (app.reports.monthly_figures), a
12-month chart (app.reports.twelve_months) and 导出月报 (app.reports.workbook.write_report).

Every figure is the core's; this module only lays them out. Loading and exporting run in the
background: a year of figures is a few grouped queries, but a large queue still takes a moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.reports import Figures, MonthFigures, monthly_figures, twelve_months
from app.reports.figures import ERROR_RATE_FORMULA, LATE_RATE_FORMULA
from ui import style, tasks
from ui.chart import BarChart, Series
from ui.widgets.banner import Banner
from ui.widgets.live_dialog import LiveDialog

# (Figures attribute, row label) of the table; rates are properties of Figures.
ROWS: tuple[tuple[str, str], ...] = (
    ("decisions", "决定数"),
    ("submitted", "已报送"),
    ("accepted_on_time", "按时报送"),
    ("accepted_late", "迟报"),
    ("unjudged", "未判定（日历未覆盖）"),
    ("returned", "被退回（含已改正）"),
    ("returned_open", "其中仍待修改"),
    ("outstanding", "未报送"),
    ("outstanding_overdue", "其中已逾期"),
    ("outstanding_due_soon", "其中即将到期"),
    ("possible_omissions", "可能漏报"),
    ("late_rate", "迟报率"),
    ("error_rate", "差错率"),
)
RATES = ("late_rate", "error_rate")
# Headline tiles: (attribute, label, severity when not zero).
TILES: tuple[tuple[str, str, str], ...] = (
    ("decisions", "本月决定", "info"),
    ("accepted_on_time", "按时报送", "info"),
    ("accepted_late", "迟报", "error"),
    ("returned", "被退回", "error"),
    ("outstanding", "未报送", "warning"),
    ("outstanding_overdue", "其中已逾期", "error"),
    ("possible_omissions", "可能漏报", "warning"),
    ("late_rate", "迟报率", "error"),
    ("error_rate", "差错率", "error"),
)
CHART_SERIES = (("accepted_on_time", "按时报送", style.BAND_COLORS["on_time"][0]),
                ("accepted_late", "迟报", style.BAND_COLORS["late"][0]),
                ("unjudged", "未判定", "#8c8c8c"),
                ("outstanding", "未报送", "#d9a400"))
MONTHS_OFFERED = 24


def value_text(fig: Figures, attr: str) -> str:
    value = getattr(fig, attr)
    if attr in RATES:
        return "—" if value is None else f"{value * 100:.1f}%"
    return str(value)


def month_label(month: str, with_year: bool = True) -> str:
    year, mon = month.split("-")
    return f"{year}年{int(mon)}月" if with_year else f"{int(mon)}月"


def chart_label(month: str, first: bool) -> str:
    """The month under its bar, with the year on a second line where the year starts (and first)."""
    year, mon = month.split("-")
    return f"{int(mon)}月\n{year}年" if first or mon == "01" else f"{int(mon)}月"


def months_back(end: str, count: int) -> list[str]:
    """`count` months ending with `end` ('YYYY-MM'), newest first (for the month chooser)."""
    year, mon = (int(p) for p in end.split("-"))
    index = year * 12 + mon - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index, index - count, -1)]


@dataclass
class Loaded:
    month: MonthFigures
    series: list[MonthFigures]


class Tile(QFrame):
    """A large number with its name under it."""

    def __init__(self, label: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.value = QLabel("—", self)
        font = QFont(self.value.font())
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.value.setFont(font)
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name = QLabel(label, self)
        self.name.setAlignment(Qt.AlignmentFlag.AlignCenter)
        v = QVBoxLayout(self)
        v.addWidget(self.value)
        v.addWidget(self.name)

    def set_value(self, text: str, severity: str | None) -> None:
        self.value.setText(text)
        color = style.SEVERITY_COLORS[severity][0] if severity else ""
        self.value.setStyleSheet(f"color: {color};" if color else "")


class Dashboard(LiveDialog):
    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.task: tasks.Task | None = None
        self.export_task: tasks.Task | None = None
        self.figures: MonthFigures | None = None
        self.series: list[MonthFigures] = []
        self.generation = 0  # of the load asked for last
        self.setWindowTitle(self.tr("本月统计"))
        self.month = QComboBox(self)
        this_month = clock.today().strftime("%Y-%m")
        for m in months_back(this_month, MONTHS_OFFERED):
            self.month.addItem(month_label(m), m)
        self.month.currentIndexChanged.connect(lambda _i: self.load())
        month_name = QLabel(self.tr("月份(&M)："), self)
        month_name.setBuddy(self.month)
        self.export_button = QPushButton(self.tr("导出月报(&E)…"), self)
        self.export_button.setToolTip(self.tr("把所选月份的统计和迟报、退回、逾期、可能漏报清单导出为 Excel 文件"))
        self.export_button.clicked.connect(lambda: self.export())
        self.close_button = QPushButton(self.tr("关闭"), self)
        self.close_button.clicked.connect(self.accept)
        top = QHBoxLayout()
        top.addWidget(month_name)
        top.addWidget(self.month)
        top.addStretch(1)
        top.addWidget(self.export_button)
        self.banner = Banner(self)
        self.tiles: dict[str, Tile] = {}
        tiles = QGridLayout()
        per_row = (len(TILES) + 1) // 2
        for i, (attr, label, _sev) in enumerate(TILES):
            tile = Tile(self.tr(label), self)
            self.tiles[attr] = tile
            tiles.addWidget(tile, i // per_row, i % per_row)
        self.chart_title = QLabel(self)
        self.chart = BarChart(self)
        self.chart.setAccessibleName(self.tr("近 12 个月报送情况"))
        chart_box = QWidget(self)
        cv = QVBoxLayout(chart_box)
        cv.setContentsMargins(0, 0, 0, 0)
        cv.addWidget(self.chart_title)
        cv.addWidget(self.chart, 1)
        self.table = QTableWidget(len(ROWS), 0, self)
        self.table.setVerticalHeaderLabels([self.tr(label) for _attr, label in ROWS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ContiguousSelection)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.formulas = QLabel(f"{LATE_RATE_FORMULA}；{ERROR_RATE_FORMULA}。", self)
        self.formulas.setWordWrap(True)
        self.omissions = QLabel(self)
        self.omissions.setWordWrap(True)
        self.omissions.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        table_box = QWidget(self)
        tv = QVBoxLayout(table_box)
        tv.setContentsMargins(0, 0, 0, 0)
        tv.addWidget(self.table)
        tv.addWidget(self.formulas)
        tv.addWidget(self.omissions)
        tv.addStretch(1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(chart_box)
        self.splitter.addWidget(table_box)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addLayout(tiles)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(bottom)
        em = self.fontMetrics().horizontalAdvance("字")
        self.resize(em * 80, self.fontMetrics().height() * 42)
        self.setTabOrder(self.month, self.export_button)
        self.setTabOrder(self.export_button, self.chart)
        self.setTabOrder(self.chart, self.table)
        self.setTabOrder(self.table, self.close_button)

    @property
    def selected_month(self) -> str:
        return self.month.currentData()

    # -- loading -------------------------------------------------------------------------------------
    def load(self) -> tasks.Task:
        if self.task is not None:
            self.task.cancel()  # a newer month was chosen; the older answer is ignored below
        ctx, month = self.ctx, self.selected_month
        days = ctx.settings.due_soon_days

        def work(_task: tasks.Task) -> Loaded:
            return Loaded(monthly_figures(ctx, month, due_soon_days=days, listings=False),
                          twelve_months(ctx, month, due_soon_days=days))

        self.banner.show_message(self.tr("正在统计…"), "info")
        self.export_button.setEnabled(False)
        self.generation += 1
        generation = self.generation
        self.task = tasks.run_task(work, on_done=lambda loaded: self._loaded(generation, loaded),
                                   on_error=lambda _code, message: self._failed(generation, message))
        return self.task

    def _loaded(self, generation: int, loaded: Loaded) -> None:
        if generation != self.generation or not self._alive:
            return  # an answer for a month no longer chosen
        self.task = None
        self.banner.clear_message()
        self.export_button.setEnabled(self.export_task is None)
        self.show_figures(loaded.month, loaded.series)

    def _failed(self, generation: int, message: str) -> None:
        if generation != self.generation:
            return
        self.task = None
        if self._alive:
            self.banner.show_message(message, "error")

    def show_figures(self, figures: MonthFigures, series: list[MonthFigures]) -> None:
        self.figures, self.series = figures, series
        total = figures.total
        for attr, _label, severity in TILES:
            value = getattr(total, attr)
            self.tiles[attr].set_value(value_text(total, attr), severity if value else None)
        columns = [*figures.kinds, total]
        self.table.setColumnCount(len(columns))
        self.table.setHorizontalHeaderLabels([f.label for f in columns])
        for c, fig in enumerate(columns):
            for r, (attr, _label) in enumerate(ROWS):
                item = QTableWidgetItem(value_text(fig, attr))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if fig is total:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                if attr in RATES and getattr(fig, attr) is None:
                    item.setToolTip(self.tr("没有可计算的数据"))
                self.table.setItem(r, c, item)
        # As tall as its rows: no empty white box under them.
        frame = 2 * self.table.frameWidth()
        self.table.setFixedHeight(self.table.verticalHeader().length() + self.table.horizontalHeader().height() + frame)
        if figures.omissions:
            shown = "、".join(g.describe() for g in figures.omissions[:5])
            more = self.tr(" 等 %d 处") % len(figures.omissions) if len(figures.omissions) > 5 else ""
            self.omissions.setText(self.tr("可能漏报（按文书号连续性推测，仅供核对）：%s%s") % (shown, more))
        else:
            self.omissions.setText(self.tr("没有发现文书号不连续的情况。"))
        if series:
            self.chart_title.setText(self.tr("近 12 个月（%s 至 %s），按决定日期所在月份") % (
                month_label(series[0].month), month_label(series[-1].month)))
        categories = [chart_label(m.month, i == 0) for i, m in enumerate(series)]
        data = [Series(self.tr(label), color, tuple(getattr(m.total, attr) for m in series))
                for attr, label, color in CHART_SERIES]
        # A series that is zero all year (usually 未判定) would only add a legend entry.
        self.chart.set_data(categories, [s for s in data if any(s.values)] or data[:1])

    # -- export --------------------------------------------------------------------------------------
    def export(self, path: str | None = None) -> tasks.Task | None:
        month = self.selected_month
        if path is None:
            default = str(Path.home() / (self.tr("信用信息报送月报_%s.xlsx") % month))
            path, _ = QFileDialog.getSaveFileName(self, self.tr("导出月报"), default, self.tr("Excel 工作簿 (*.xlsx)"))
            if not path:
                return None
            if not path.lower().endswith(".xlsx"):
                path += ".xlsx"
        ctx, days, target = self.ctx, self.ctx.settings.due_soon_days, Path(path)

        def work(_task: tasks.Task) -> Path:
            from app.reports.workbook import write_report  # openpyxl only when exporting

            return write_report(monthly_figures(ctx, month, due_soon_days=days, listings=True), target)

        def done(written: Path) -> None:
            self.export_task = None
            if self._alive:
                self.export_button.setEnabled(self.task is None)
                self.banner.show_message(self.tr("月报已导出到 %s（证件号码已遮蔽）。") % written, "info")

        def failed(_code: str, message: str) -> None:
            self.export_task = None
            if self._alive:
                self.export_button.setEnabled(self.task is None)
                self.banner.show_message(message, "error")

        self.export_button.setEnabled(False)
        self.banner.show_message(self.tr("正在导出 %s 的月报…") % month_label(month), "info")
        self.export_task = tasks.run_task(work, on_done=done, on_error=failed)
        return self.export_task



def open_dashboard(ctx, main_window) -> Dashboard:
    """The hook of 本月统计 (Ctrl+D); not modal, so the clerk can look at records beside it."""
    dialog = Dashboard(ctx, main_window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    dialog.load()
    return dialog
