"""Starting the desktop program."""

from __future__ import annotations

import sys

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QApplication

from app.context import AppContext
from app.logs import setup_logging


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("CreditDesk")
    app.setOrganizationName("CreditDesk")
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    app.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    return app


def run_gui(data_dir: str | None = None) -> int:
    from ui.main_window import MainWindow

    app = make_application()
    ctx = AppContext.open(data_dir)
    setup_logging(ctx.data_dir)
    window = MainWindow(ctx)
    window.show()
    try:
        return app.exec()
    finally:
        ctx.close()
