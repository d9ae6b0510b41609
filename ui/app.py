"""Starting the desktop program."""

from __future__ import annotations

import sys

from PySide6.QtCore import QLibraryInfo, QLocale, Qt, QTranslator
from PySide6.QtWidgets import QApplication

from app.context import AppContext
from app.logs import setup_logging
from ui.style import apply_style

_translators: list[QTranslator] = []  # kept referenced: Qt does not own installed translators


def _install_qt_translations(app: QApplication, locale: QLocale) -> None:
    """Qt's own texts (dialog buttons, the calendar pop-up, context menus) in Chinese."""
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in ("qtbase", "qt"):
        translator = QTranslator(app)
        if translator.load(locale, name, "_", path):
            app.installTranslator(translator)
            _translators.append(translator)
            return


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("CreditDesk")
    app.setOrganizationName("CreditDesk")
    locale = QLocale(QLocale.Language.Chinese, QLocale.Country.China)
    QLocale.setDefault(locale)
    app.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    if not _translators:
        _install_qt_translations(app, locale)
    apply_style(app)
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
