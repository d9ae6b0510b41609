"""Long work off the GUI thread (import, sync, recomputing deadlines, reports).

`run_task(fn, on_done=..., on_error=..., on_progress=...)` runs `fn(task)` on a pool thread; its
callbacks always arrive on the GUI thread (queued signals), as in Anki's and Picard's task helpers.
`fn` may call `task.progress(...)` with any arguments and should look at `task.cancelled` between
steps. A core UserError reaches `on_error` with its Chinese message; anything else is logged and
reported with a general sentence, never a traceback on screen."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from app.errors import UserError

log = logging.getLogger(__name__)

# Tasks still running: kept referenced so their signal objects live until they report.
_running: set[Task] = set()


class _Signals(QObject):
    progress = Signal(tuple)
    done = Signal(object)
    failed = Signal(str, str)  # (machine code, Chinese message)


class Task(QRunnable):
    def __init__(self, fn: Callable[[Task], Any]):
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.signals = _Signals()
        self.cancelled = False
        self.finished = False

    def cancel(self) -> None:
        self.cancelled = True

    def progress(self, *args) -> None:
        self._emit(self.signals.progress, args)

    def _emit(self, signal, *args) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:
            # The program is closing and Qt has already deleted the signals' object: nobody is left
            # to tell (the work itself is done or stored).
            log.info("a background task finished after its window was gone")

    def run(self) -> None:
        from app.gc_pause import pause_gc, resume_gc

        # The collector is paused while the task allocates (see ui.app): a pass over a heap swollen
        # by a batch would freeze the window.
        pause_gc()
        try:
            result = self.fn(self)
        except UserError as exc:
            self._emit(self.signals.failed, exc.code, exc.message)
        except Exception:
            log.exception("background task failed")
            self._emit(self.signals.failed, "internal", "程序内部出错，详细信息已写入日志文件，请联系技术支持。")
        else:
            self._emit(self.signals.done, result)
        finally:
            resume_gc()
            self.finished = True


def run_task(fn: Callable[[Task], Any], *, on_done: Callable[[Any], None] | None = None,
             on_error: Callable[[str, str], None] | None = None,
             on_progress: Callable[..., None] | None = None, pool: QThreadPool | None = None) -> Task:
    task = Task(fn)
    _running.add(task)

    def forget(*_):
        _running.discard(task)

    if on_progress:
        task.signals.progress.connect(lambda args: on_progress(*args))
    if on_done:
        task.signals.done.connect(on_done)
    if on_error:
        task.signals.failed.connect(on_error)
    task.signals.done.connect(forget)
    task.signals.failed.connect(forget)
    (pool or QThreadPool.globalInstance()).start(task)
    return task
