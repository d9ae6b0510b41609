"""A dialog whose background work may report after it was closed."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QWidget
from shiboken6 import isValid


class LiveDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._open = True

    @property
    def _alive(self) -> bool:
        """Still on screen: not closed, and not deleted with its parent (results may come later)."""
        return self._open and isValid(self)

    def done(self, result: int) -> None:
        self._open = False
        super().done(result)
