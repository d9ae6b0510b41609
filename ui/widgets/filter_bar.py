"""The search box above the queue table and the filter panel under the views: kind, state and
decision-date range. One object so the main window reads every filter from one place."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.catalog.model import Catalog
from app.queue import states as st
from ui.widgets.date_field import DateField

SEARCH_DELAY_MS = 250  # typing a word refreshes once, not once per character


class FilterBar(QWidget):
    """The filter panel; `search` is a separate widget the window puts above the table."""

    changed = Signal()

    def __init__(self, catalog: Catalog, parent: QWidget | None = None):
        super().__init__(parent)
        self.search = QLineEdit(parent)
        self.search.setPlaceholderText(self.tr("搜索：名称、文书号、统一社会信用代码、平台意见…（Ctrl+F）"))
        self.search.setClearButtonEnabled(True)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        title = QLabel(self.tr("筛选"), self)
        font = title.font()
        font.setBold(True)
        title.setFont(font)
        column.addWidget(title)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        column.addLayout(form)
        self.kind = QComboBox(self)
        self.kind.addItem(self.tr("全部类别"), None)
        for k in catalog.kinds.values():
            self.kind.addItem(k.label, k.id)
        form.addRow(self.tr("类别"), self.kind)
        self.state = QComboBox(self)
        self.state.addItem(self.tr("全部状态"), None)
        for s in st.STATES:
            self.state.addItem(self.tr(st.LABELS[s]), s)
        form.addRow(self.tr("状态"), self.state)
        self.date_from = DateField(self)
        self.date_from.setToolTip(self.tr("决定日期不早于这一天"))
        form.addRow(self.tr("决定日期从"), self.date_from)
        self.date_to = DateField(self)
        self.date_to.setToolTip(self.tr("决定日期不晚于这一天"))
        form.addRow(self.tr("至"), self.date_to)
        self.reset_button = QPushButton(self.tr("清除筛选"), self)
        column.addWidget(self.reset_button)
        self._timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.changed.emit)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self.apply_now)
        self.kind.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.state.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.date_from.changed.connect(self.changed.emit)
        self.date_to.changed.connect(self.changed.emit)
        self.reset_button.clicked.connect(self.reset)

    def apply_now(self) -> None:
        self._timer.stop()
        self.changed.emit()

    def values(self) -> dict:
        return {"kind": self.kind.currentData(), "state": self.state.currentData(),
                "date_from": self.date_from.value() or None, "date_to": self.date_to.value() or None,
                "search": self.search.text().strip()}

    def reset(self) -> None:
        self.blockSignals(True)
        self.search.clear()
        self.kind.setCurrentIndex(0)
        self.state.setCurrentIndex(0)
        self.date_from.set_value("")
        self.date_to.set_value("")
        self.blockSignals(False)
        self.apply_now()
