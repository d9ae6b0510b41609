"""One field of the record form: its label (with the required mark), its editor, and below the
editor the validator's findings and the platform's reasons for that field."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.catalog.model import Field
from app.validation.findings import ERROR, Finding
from ui.style import SEVERITY_COLORS, box_css

LABEL_WIDTH_EM = 12  # long Chinese labels wrap at about this many characters (the font's, so it scales)


class FieldRow:
    def __init__(self, f: Field, editor: QWidget, parent: QWidget):
        self.field = f
        self.editor = editor
        self.label = QLabel(parent)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setBuddy(editor)
        tip = f.help or ""
        self.label.setToolTip(tip)
        editor.setToolTip(tip)
        self.box = QWidget(parent)
        layout = QVBoxLayout(self.box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(editor)
        self.message = QLabel(self.box)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.hide()
        layout.addWidget(self.message)
        self.platform = QLabel(self.box)
        self.platform.setWordWrap(True)
        self.platform.setTextFormat(Qt.TextFormat.PlainText)
        self.platform.setStyleSheet(box_css("platform"))
        self.platform.hide()
        layout.addWidget(self.platform)
        self.findings: list[Finding] = []
        self.required = None
        self.set_required(f.required)

    def set_required(self, required: bool) -> None:
        if required == self.required:
            return
        self.required = required
        text = html.escape(self.field.label)
        if required:
            color = SEVERITY_COLORS["error"][0]
            text += f' <span style="color:{color}">*</span>'
        self.label.setText(text)

    def show_findings(self, findings: list[Finding]) -> None:
        self.findings = findings
        if not findings:
            self.message.hide()
            self.message.setText("")
            return
        worst = ERROR if any(f.severity == ERROR for f in findings) else "warning"
        marks = {ERROR: "✖", "warning": "⚠"}
        self.message.setText("\n".join(f"{marks.get(f.severity, '•')} {f.message}" for f in findings))
        self.message.setStyleSheet(box_css(worst))
        self.message.show()

    def show_platform(self, reasons: list[str]) -> None:
        self.platform.setVisible(bool(reasons))
        self.platform.setText("\n".join(self.platform.tr("平台意见：%s") % r for r in reasons))

    @property
    def worst(self) -> str | None:
        if not self.findings:
            return None
        return ERROR if any(f.severity == ERROR for f in self.findings) else "warning"
