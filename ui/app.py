"""Starting the desktop program."""

from __future__ import annotations

import gc
import sys

from PySide6.QtCore import QLibraryInfo, QLocale, Qt, QTimer, QTranslator
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


# -- keeping the GUI thread responsive ---------------------------------------------------------------
# CPython's cyclic garbage collector runs in whichever thread allocates when a threshold is hit, and
# holds the GIL for the whole pass. A full pass over a heap swollen by a background batch (10,000
# records with their findings) took 100-130 ms in the benchmark, all of it a frozen window. So:
# the objects alive after start-up are moved out of the collector's sight once (gc.freeze), and the
# automatic collector pauses while background work runs (app/gc_pause.py, shared with the core's
# batches; reference counting still frees nearly everything).
def settle_after_start() -> None:
    """Collect start-up garbage once, then freeze what is left (it lives as long as the program)."""
    gc.collect()
    gc.freeze()


def open_main_window(ctx):
    """The main window, shown; used by run_gui and by the benchmark so both measure one path."""
    from ui.main_window import MainWindow
    from ui.reminders import install_reminders

    window = MainWindow(ctx)
    window.show()
    install_reminders(ctx, window)
    QTimer.singleShot(2000, settle_after_start)  # once the first screen is up and idle
    QTimer.singleShot(5000, lambda: _daily_backup(ctx))
    return window


def _daily_backup(ctx) -> None:
    """The day's automatic backup, in the background so the window never waits for it."""
    from app.store.backup import daily_backup
    from ui.tasks import run_task

    run_task(lambda task: daily_backup(ctx.data_dir), on_error=lambda code, message: None)


def run_gui(data_dir: str | None = None) -> int:
    app = make_application()
    ctx = AppContext.open(data_dir)
    setup_logging(ctx.data_dir)
    app.main_window = open_main_window(ctx)  # kept referenced while the event loop runs
    try:
        return app.exec()
    finally:
        ctx.close()
