"""The list of queue views on the left, each with its live count."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from ui.queue_model import ALL, DUE_SOON, OVERDUE, VIEWS
from ui.style import BAND_COLORS, fg


class ViewList(QListWidget):
    view_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.counts: dict[str, int] = {}
        for view, label in VIEWS:
            item = QListWidgetItem(self.tr(label), self)
            item.setData(Qt.ItemDataRole.UserRole, view)
            item.setData(Qt.ItemDataRole.UserRole + 1, self.tr(label))
            if view == OVERDUE:
                item.setForeground(fg(BAND_COLORS["overdue"]))
            elif view == DUE_SOON:
                item.setForeground(fg(BAND_COLORS["due_soon"]))
        self.setCurrentRow(0)
        # Exactly as tall as its rows (measured, so it follows the font and the scaling).
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFixedHeight(self.sizeHintForRow(0) * self.count() + 2 * self.frameWidth())
        self.currentItemChanged.connect(self._changed)
        # Wide enough for the longest label and a six-digit count, in characters of the font.
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("即将到期　000,000") + 4 * self.frameWidth()
                             + self.fontMetrics().horizontalAdvance("字"))

    def _changed(self, current: QListWidgetItem | None, _previous) -> None:
        if current is not None:
            self.view_chosen.emit(current.data(Qt.ItemDataRole.UserRole))

    def current_view(self) -> str:
        item = self.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else ALL

    def set_view(self, view: str) -> None:
        for row in range(self.count()):
            if self.item(row).data(Qt.ItemDataRole.UserRole) == view:
                self.setCurrentRow(row)
                return

    def set_counts(self, counts: dict[str, int]) -> None:
        self.counts = dict(counts)
        for row in range(self.count()):
            item = self.item(row)
            view = item.data(Qt.ItemDataRole.UserRole)
            label = item.data(Qt.ItemDataRole.UserRole + 1)
            item.setText(f"{label}　{counts.get(view, 0):,}")
