"""The main window: the local queue with its counts.

This is the first cut of the window described in issue 6 (views per state, lazy model, forms,
import wizard and sync come there); it already shows the real queue from the store.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import QLabel, QMainWindow, QTableView, QVBoxLayout, QWidget

from app.queue import states as st

COLUMNS = ("状态", "类别", "行政相对人名称", "文书号", "决定日期", "报送截止日", "错误")


class QueueModel(QAbstractTableModel):
    def __init__(self, rows: list[tuple]):
        super().__init__()
        self.rows = rows

    def rowCount(self, parent: QModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | None = None) -> int:
        return len(COLUMNS)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and index.isValid():
            value = self.rows[index.row()][index.column()]
            return "" if value is None else str(value)
        return None

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section]
        return None


class MainWindow(QMainWindow):
    def __init__(self, ctx):
        super().__init__()
        self.ctx = ctx
        self.setWindowTitle(self.tr("CreditDesk 信用信息报送客户端"))
        self.resize(1100, 680)
        central = QWidget(self)
        layout = QVBoxLayout(central)
        self.summary = QLabel(central)
        self.table = QTableView(central)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        self.setCentralWidget(central)
        self.refresh()

    def refresh(self) -> None:
        kinds = self.ctx.catalogs.active().kinds
        records = self.ctx.queue.list()
        rows = [(st.LABELS[r.state], kinds[r.kind].label if r.kind in kinds else r.kind, r.subject_name,
                 r.doc_number, r.decision_date, r.deadline or "未知", r.error_count or "") for r in records]
        self.table.setModel(QueueModel(rows))
        counts = {s: 0 for s in st.STATES}
        for r in records:
            counts[r.state] += 1
        self.summary.setText(self.tr("共 %n 条记录", "", len(records)) + "　" + "　".join(
            f"{st.LABELS[s]} {counts[s]}" for s in st.STATES))
