"""A date picker that may be empty: QDateEdit in the Chinese locale with a calendar pop-up.

QDateEdit has no empty state, so its minimum date stands for "not filled" and shows a special
text. A stored value that is not a valid date (typed in a spreadsheet, kept as it was so the
validator can say what is wrong) is kept and shown beside the picker until a date is chosen:
opening and saving a record never silently drops what the clerk had.
"""

from __future__ import annotations

from PySide6.QtCore import QDate, QEvent, QLocale, QObject, Qt, Signal
from PySide6.QtWidgets import QDateEdit, QHBoxLayout, QLabel, QToolButton, QWidget

EMPTY = QDate(1900, 1, 1)
ISO = "yyyy-MM-dd"
DISPLAY = "yyyy年M月d日"


def chinese_locale() -> QLocale:
    return QLocale(QLocale.Language.Chinese, QLocale.Country.China)


class _DateEdit(QDateEdit):
    """Arrow keys on an empty field start from today, not from the stand-in minimum year;
    Delete empties the field (the keyboard way to the 清除 button)."""

    def stepBy(self, steps: int) -> None:
        if self.date() == EMPTY:
            self.setDate(QDate.currentDate())
            return
        super().stepBy(steps)

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Delete and not self.isReadOnly():
            self.setDate(EMPTY)
            return
        super().keyPressEvent(event)


class _PopupToToday(QObject):
    """When the calendar pops up on an empty field, show this month instead of January 1900."""

    def __init__(self, edit: QDateEdit):
        super().__init__(edit)
        self.edit = edit

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Show and self.edit.date() == EMPTY:
            today = QDate.currentDate()
            self.edit.calendarWidget().setCurrentPage(today.year(), today.month())
        return False


class DateField(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None, long_term: str | None = None):
        super().__init__(parent)
        self._raw = ""  # a stored value that is not a date, kept until the clerk picks one
        self._read_only = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = _DateEdit(self)
        self.edit.setLocale(chinese_locale())
        self.edit.setDisplayFormat(DISPLAY)
        self.edit.setCalendarPopup(True)
        self.edit.setMinimumDate(EMPTY)
        self.edit.setMaximumDate(QDate(9999, 12, 31))
        self.edit.setSpecialValueText(self.tr("（未填写）"))
        self.edit.setDate(EMPTY)
        calendar = self.edit.calendarWidget()
        calendar.setLocale(chinese_locale())
        calendar.installEventFilter(_PopupToToday(self.edit))
        self.edit.dateChanged.connect(self._on_changed)
        layout.addWidget(self.edit, 1)
        self.long_term_button = None
        if long_term:
            self.long_term_button = QToolButton(self)
            self.long_term_button.setText(self.tr("长期"))
            self.long_term_button.setToolTip(self.tr("长期有效，记为 %s") % long_term)
            self.long_term_button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # Tab goes field to field
            self.long_term_button.clicked.connect(lambda: self.set_value(long_term))
            layout.addWidget(self.long_term_button)
        self.clear_button = QToolButton(self)
        self.clear_button.setText(self.tr("清除"))
        self.clear_button.setToolTip(self.tr("清空这个日期"))
        self.clear_button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.clear_button.clicked.connect(lambda: self.set_value(""))
        layout.addWidget(self.clear_button)
        self.raw_label = QLabel(self)
        self.raw_label.setWordWrap(True)
        self.raw_label.hide()
        layout.addWidget(self.raw_label, 1)
        self.setFocusProxy(self.edit)

    def value(self) -> str:
        if self.edit.date() == EMPTY:
            return self._raw
        return self.edit.date().toString(ISO)

    def set_value(self, text: str | None) -> None:
        text = (text or "").strip()
        parsed = QDate.fromString(text, ISO) if text else QDate()
        if parsed.isValid() and parsed > EMPTY:
            self._raw = ""
            self.edit.setDate(parsed)
        else:
            self._raw = text
            self.edit.blockSignals(True)
            self.edit.setDate(EMPTY)
            self.edit.blockSignals(False)
            self.changed.emit()
        self._show_raw()

    def _on_changed(self, _date: QDate) -> None:
        if self.edit.date() != EMPTY:
            self._raw = ""  # the clerk picked a real date: the unreadable one is replaced
        self._show_raw()
        self.changed.emit()

    def _show_raw(self) -> None:
        self.raw_label.setVisible(bool(self._raw))
        if self._raw:
            self.raw_label.setText(self.tr("原值“%s”不是有效日期，请重新选择") % self._raw)

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.edit.setReadOnly(read_only)
        self.clear_button.setVisible(not read_only)
        if self.long_term_button is not None:
            self.long_term_button.setVisible(not read_only)
