"""One editor per catalog field type (S T D A E M U), all with the same small interface:
`value() -> str`, `set_value(str)`, `set_read_only(bool)` and a `changed` signal.

Editors hand back text as the clerk entered it; normalising and checking it is the core's job
(the validator and QueueService), so no rule lives here.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.catalog.model import Catalog, CodeList, Field
from app.validation.normalize import split_multi
from ui.widgets.date_field import DateField


class LineField(QLineEdit):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.textChanged.connect(lambda _t: self.changed.emit())

    def value(self) -> str:
        return self.text()

    def set_value(self, text: str | None) -> None:
        self.setText(text or "")

    def set_read_only(self, read_only: bool) -> None:
        self.setReadOnly(read_only)


class TextField(QPlainTextEdit):
    """Long text (type T): a few lines high, measured in lines of the current font so it scales."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, lines: int = 4):
        super().__init__(parent)
        self.setTabChangesFocus(True)  # Tab moves on to the next field, as everywhere else in the form
        fm = self.fontMetrics()
        margins = self.contentsMargins()
        self._height = int(fm.lineSpacing() * lines + margins.top() + margins.bottom()
                           + 2 * self.document().documentMargin())
        self.setMinimumHeight(self._height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.textChanged.connect(self.changed.emit)

    def sizeHint(self) -> QSize:
        # A scroll area's own hint is a fixed 192 pixels; a few lines of text is what the form wants.
        return QSize(super().sizeHint().width(), self._height)

    def value(self) -> str:
        return self.toPlainText()

    def set_value(self, text: str | None) -> None:
        self.setPlainText(text or "")

    def set_read_only(self, read_only: bool) -> None:
        self.setReadOnly(read_only)


class CodeCombo(QComboBox):
    """One code from a code list (type E). Lists with an `其他-` prefix are editable, so that
    "其他-名称" can be typed; an empty first entry lets a choice be taken back."""

    changed = Signal()

    def __init__(self, code_list: CodeList | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.code_list: CodeList | None = None
        self.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.editTextChanged.connect(lambda _t: self.changed.emit())
        self._set_list(code_list, "")

    def set_code_list(self, code_list: CodeList | None) -> None:
        """Offer another list (one chosen by another field); the current value is kept as text."""
        if code_list is not self.code_list:
            self._set_list(code_list, self.value())

    def _set_list(self, code_list: CodeList | None, current: str) -> None:
        self.code_list = code_list
        self.blockSignals(True)
        self.clear()
        editable = code_list is None or bool(code_list.other_prefix)
        self.setEditable(editable)
        self.addItem("", "")
        for code in code_list.codes if code_list else ():
            self.addItem(code_list.display(code), code)
        if editable and code_list and code_list.other_prefix:
            self.lineEdit().setPlaceholderText(self.tr("可选择，或输入“%s名称”") % code_list.other_prefix)
        self.set_value(current)
        self.blockSignals(False)

    def value(self) -> str:
        i = self.currentIndex()
        if i > 0 and self.currentText() == self.itemText(i):
            return self.itemData(i) or ""
        if self.isEditable():
            return self.currentText().strip()
        return (self.itemData(i) or "") if i >= 0 else ""

    def set_value(self, text: str | None) -> None:
        text = text or ""
        i = self.findData(text)
        if i < 0 and text:
            if self.isEditable():
                self.setCurrentIndex(0)
                self.setEditText(text)
                return
            # A value outside the list (an old code): shown as it is so the validator can name it.
            self.addItem(text, text)
            i = self.count() - 1
        self.setCurrentIndex(max(i, 0))
        if self.isEditable() and i <= 0:
            self.setEditText(text)

    def set_read_only(self, read_only: bool) -> None:
        # A combo box has no read-only mode: disabling is the only way to stop the pop-up.
        self.setEnabled(not read_only)


class MultiCodes(QWidget):
    """Several codes (type M): one check box per code, laid out in a grid, plus an entry for
    `其他-…` values. The value is the codes joined with ";", in list order, as the catalog says."""

    changed = Signal()
    COLUMNS = 3

    def __init__(self, code_list: CodeList | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.code_list: CodeList | None = None
        self.boxes: dict[str, QCheckBox] = {}
        self._read_only = False
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.grid = QGridLayout()
        outer.addLayout(self.grid)
        self.other = QLineEdit(self)
        self.other.textChanged.connect(lambda _t: self.changed.emit())
        outer.addWidget(self.other)
        self._set_list(code_list)

    def set_code_list(self, code_list: CodeList | None) -> None:
        """Offer another list (one chosen by another field); values not in it move to the 其他 entry."""
        if code_list is not self.code_list:
            self._set_list(code_list)

    def _set_list(self, code_list: CodeList | None) -> None:
        current = self.value()
        self.code_list = code_list
        for box in self.boxes.values():
            self.grid.removeWidget(box)
            box.deleteLater()
        self.boxes = {}
        for n, code in enumerate(code_list.codes if code_list else ()):
            box = QCheckBox(code_list.display(code), self)
            box.toggled.connect(lambda _on: self.changed.emit())
            box.setEnabled(not self._read_only)
            self.grid.addWidget(box, n // self.COLUMNS, n % self.COLUMNS)
            self.boxes[code] = box
        prefix = code_list.other_prefix if code_list else None
        self.other.setPlaceholderText(self.tr("其他，写作“%s名称”，多个用英文分号;分隔") % prefix if prefix
                                      else self.tr("不在上面列表中的值，多个用英文分号;分隔"))
        self._fill(current)

    def value(self) -> str:
        chosen = [code for code, box in self.boxes.items() if box.isChecked()]
        return ";".join(chosen + split_multi(self.other.text()))

    def set_value(self, text: str | None) -> None:
        if text != self.value():
            self._fill(text)
            self.changed.emit()

    def _fill(self, text: str | None) -> None:
        values = split_multi(text or "")
        self.blockSignals(True)
        for code, box in self.boxes.items():
            box.setChecked(code in values)
        self.other.setText(";".join(v for v in values if v not in self.boxes))
        self.blockSignals(False)

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        for box in self.boxes.values():
            box.setEnabled(not read_only)
        self.other.setReadOnly(read_only)


class AmountField(QWidget):
    """An amount in the field's unit (万元), with a helper that takes 元 and converts through the
    core's normaliser (the same conversion an import applies), so the unit rule stays in one place."""

    changed = Signal()

    def __init__(self, f: Field, convert: Callable[[str], str], parent: QWidget | None = None):
        super().__init__(parent)
        self.convert = convert
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = LineField(self)
        self.edit.changed.connect(self.changed.emit)
        layout.addWidget(self.edit, 1)
        self.unit = QLabel(f.amount_unit or "", self)
        layout.addWidget(self.unit)
        self.yuan_button = QToolButton(self)
        self.yuan_button.setText(self.tr("按元输入…"))
        self.yuan_button.setToolTip(self.tr("输入以元为单位的金额，自动换算为万元"))
        self.yuan_button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # Tab goes field to field
        self.yuan_button.clicked.connect(self._ask_yuan)
        self.yuan_button.setVisible(f.amount_unit == "万元")
        layout.addWidget(self.yuan_button)
        self.setFocusProxy(self.edit)

    def set_yuan(self, text: str) -> str:
        """Put an amount given in 元 into the field (in 万元); returns what was set."""
        value = self.convert(text.strip())
        self.edit.set_value(value)
        return value

    def _ask_yuan(self) -> None:
        text, ok = QInputDialog.getText(self, self.tr("按元输入金额"), self.tr("金额（元）："))
        if ok and text.strip():
            self.set_yuan(text)

    def value(self) -> str:
        return self.edit.value()

    def set_value(self, text: str | None) -> None:
        self.edit.set_value(text)

    def set_read_only(self, read_only: bool) -> None:
        self.edit.set_read_only(read_only)
        self.yuan_button.setVisible(not read_only and self.unit.text() == "万元")


def code_list_of(catalog: Catalog, f: Field, by_value: str | None = None) -> CodeList | None:
    """The field's code list; for a list chosen by another field, the one for `by_value`
    (None until that field has a known value)."""
    if f.code_list:
        return catalog.code_lists.get(f.code_list)
    if f.code_list_by:
        list_id = f.code_list_by[1].get(by_value or "")
        return catalog.code_lists.get(list_id) if list_id else None
    return None


def make_editor(catalog: Catalog, f: Field, convert_yuan: Callable[[str], str],
                parent: QWidget | None = None) -> QWidget:
    if f.type == "D":
        return DateField(parent, long_term=catalog.long_term_date if f.long_term else None)
    if f.type == "T":
        return TextField(parent)
    if f.type == "A":
        return AmountField(f, convert_yuan, parent)
    if f.type == "E":
        return CodeCombo(code_list_of(catalog, f), parent)
    if f.type == "M":
        return MultiCodes(code_list_of(catalog, f), parent)
    return LineField(parent)  # S and U
