"""The audit trail of one record as a read-only table (time, who, what, state change, details)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from app.catalog.model import Kind
from app.queue import states as st
from ui.widgets.formatting import cn_datetime

ACTIONS = {
    "create": "新建", "edit": "修改", "revalidate": "重新检查", "withdraw": "撤销", "send": "开始报送",
    "send_refused": "整批被拒，回到待报送", "platform_accepted": "平台已接收", "platform_duplicate": "平台已有此记录",
    "platform_conflict": "平台版本冲突，将以更正重新报送", "platform_rejected": "平台退回",
    "platform_withdrawn": "平台已撤销", "reconcile": "核对报送结果", "feedback_returned": "平台审核退回",
}
SOURCES = {"form": "表单录入", "json": "JSON 文件", "excel": "Excel 导入", "import": "Excel 导入"}


def _tr(text: str) -> str:
    return QCoreApplication.translate("History", text)


def action_label(action: str) -> str:
    if action in ACTIONS:
        return _tr(ACTIONS[action])
    if action.startswith("feedback_"):
        return _tr("平台反馈：%s") % action.removeprefix("feedback_")
    return action


def detail_text(kind: Kind | None, detail: dict | None) -> str:
    """What changed, in words; ID numbers in the trail are already masked by the core."""
    if not detail:
        return ""
    parts = []
    for code, (old, new) in (detail.get("fields") or {}).items():
        label = kind.label_of(code) if kind else code
        parts.append(_tr("%s：%s → %s") % (label, old or _tr("（空）"), new or _tr("（空）")))
    if detail.get("reason"):
        parts.append(_tr("原因：%s") % detail["reason"])
    if detail.get("source"):
        parts.append(_tr("来源：%s") % _tr(SOURCES.get(detail["source"], detail["source"])))
    if detail.get("revision"):
        parts.append(_tr("版本 %s") % detail["revision"])
    return "；".join(parts)


class HistoryTable(QTableWidget):
    HEADERS = ("时间", "操作人", "操作", "状态", "说明")

    def __init__(self, parent: QWidget | None = None):
        super().__init__(0, len(self.HEADERS), parent)
        self.setHorizontalHeaderLabels([_tr(h) for h in self.HEADERS])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setWordWrap(True)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        for col in range(len(self.HEADERS) - 1):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

    def set_events(self, kind: Kind | None, events: list) -> None:
        self.setRowCount(len(events))
        for row, e in enumerate(events):
            change = st.LABELS.get(e.new_state or "", e.new_state or "")
            if e.old_state and e.old_state != e.new_state:
                change = f"{st.LABELS.get(e.old_state, e.old_state)} → {change}"
            values = (cn_datetime(e.at), e.actor, action_label(e.action), _tr(change) if change else "",
                      detail_text(kind, e.detail))
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.setItem(row, col, item)
        self.resizeRowsToContents()
