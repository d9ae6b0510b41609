"""Background tasks report back on the GUI thread."""

from __future__ import annotations

import threading

from PySide6.QtCore import QThread

from app.errors import UserError
from ui.tasks import run_task


def test_results_and_progress_arrive_on_the_gui_thread(qtbot):
    seen = {}
    gui = QThread.currentThread()

    def work(task):
        seen["worker"] = threading.current_thread().name
        task.progress(1, 2)
        return 42

    def done(value):
        seen["done"] = (value, QThread.currentThread() is gui)

    def progress(a, b):
        seen["progress"] = (a, b, QThread.currentThread() is gui)

    run_task(work, on_done=done, on_progress=progress)
    qtbot.waitUntil(lambda: "done" in seen and "progress" in seen, timeout=5000)
    assert seen["done"] == (42, True)
    assert seen["progress"] == (1, 2, True)
    assert seen["worker"] != threading.current_thread().name


def test_user_errors_arrive_as_chinese_messages(qtbot):
    got = []

    def work(task):
        raise UserError("文件已损坏", "corrupt")

    task = run_task(work, on_error=lambda code, msg: got.append((code, msg)))
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got == [("corrupt", "文件已损坏")] and task.finished


def test_unexpected_errors_never_show_a_traceback(qtbot):
    got = []
    run_task(lambda task: 1 / 0, on_error=lambda code, msg: got.append((code, msg)))
    qtbot.waitUntil(lambda: bool(got), timeout=5000)
    assert got[0][0] == "internal" and "Traceback" not in got[0][1]
