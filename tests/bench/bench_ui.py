"""The main window over a store of 100,000 records (offscreen).

Run: .venv/bin/python -m tests.bench.bench_ui [--records N] [--data DIR] [--runs N]

Fills a temporary data folder through QueueService.add in chunks of 10,000 (decisions spread over
2025-01 … 2026-11, the four kinds), then writes the platform's side in bulk as a sync would: most
records accepted, some returned, the newest ones still ready. A fresh process then opens the main
window and prints:

- start-up: from process start (and from creating the QApplication) to a main window that has
  painted its first page (target ≤ 1.5 s);
- the time for a search or filter to update the table, painted (target ≤ 200 ms), and the longest
  GUI-thread stall during that step (on a large store the query runs on a worker thread and the
  table changes when its rows are in; the step ends then);
- the longest GUI-thread stall, measured by a 5 ms QTimer heartbeat, while background tasks run:
  revalidating 10,000 records, and exporting 10,000 records to .xlsx (target ≤ 100 ms).

With --data DIR an existing folder is reused (filled first when empty).
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # first thing: the child's start-up is measured from here

import argparse  # noqa: E402 - after the clock on purpose
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

TODAY = date(2026, 11, 26)
CHUNK = 10_000
OPEN_SHARE = 0.12  # the newest 12 % are not sent yet


def fill(data: Path, n: int) -> None:
    from sqlalchemy import bindparam, select, update

    from app.context import AppContext
    from app.queue import states as st
    from app.store.models import Record
    from tests.bench.bench_reports import make_items

    ctx = AppContext(data)
    rng = random.Random(11)
    t = time.perf_counter()
    items = make_items(n, rng)
    for start in range(0, n, CHUNK):
        ctx.queue.add(items[start:start + CHUNK], source="bench", today_=TODAY)
    added = time.perf_counter() - t
    with ctx.store.session() as s:
        rows = s.execute(select(Record.id).where(Record.state == st.READY)
                         .order_by(Record.decision_date, Record.id)).scalars().all()
        sent = rows[:int(len(rows) * (1 - OPEN_SHARE))]
        updates = []
        for rid in sent:
            returned = rng.random() < 0.05
            updates.append({"b_id": rid, "b_state": st.RETURNED if returned else st.ACCEPTED,
                            "b_acc": 0 if returned else 1,
                            "b_recv": None if returned else "2026-01-05T10:00:00+08:00",
                            "b_msg": [{"field": None, "code": "review", "message": "请核实处罚依据"}] if returned else None})
        table = Record.__table__
        s.connection().execute(
            update(table).where(table.c.id == bindparam("b_id"))
            .values(state=bindparam("b_state"), accepted_revision=bindparam("b_acc"),
                    first_received_at=bindparam("b_recv"), platform_message=bindparam("b_msg")), updates)
    ctx.close()
    print(f"filled {n:,} records in {time.perf_counter() - t:.1f} s (QueueService.add {added:.1f} s)", flush=True)


class Heartbeat:
    """A 5 ms QTimer on the GUI thread: the longest gap between its beats is the longest stall."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.ticks: list[float] = []
        self.timer = QTimer(interval=5)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def start(self) -> None:
        self.ticks.clear()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def longest_gap(self, start: float, end: float) -> tuple[float, float]:
        """(gap, seconds after start) of the longest stall between start and end, both included."""
        beats = [start, *(t for t in self.ticks if start < t < end), end]
        return max((b - a, a - start) for a, b in zip(beats, beats[1:], strict=False))


def child(data: Path, runs: int) -> None:
    """Runs in a fresh process: everything measured with the GUI."""
    from PySide6.QtTest import QTest

    from ui.app import make_application

    app = make_application()
    app_created = time.perf_counter()
    from app.context import AppContext
    from ui.app import open_main_window

    ctx = AppContext(data)
    window = open_main_window(ctx)  # what run_gui does
    window.resize(1400, 900)
    QTest.qWaitForWindowExposed(window)
    wait_for_rows(window)  # a large store reads the first page on a worker thread
    window.table.viewport().repaint()  # the first page is read and painted
    app.processEvents()
    ready = time.perf_counter()
    emit({"startup_in_process": ready - STARTED, "startup_from_qapplication": ready - app_created,
          "rows": window.model.rowCount(), "rows_read": window.model.rows_fetched})

    beat = Heartbeat()

    def timed(apply) -> tuple[float, float]:
        beat.start()
        QTest.qWait(20)
        t = time.perf_counter()
        apply()
        wait_for_rows(window)
        window.table.viewport().repaint()
        done = time.perf_counter()
        beat.stop()
        return done - t, beat.longest_gap(t, done)[0]

    filters = window.filters
    steps = [
        ("search 1234", lambda: (filters.search.setText("1234"), filters.apply_now())),
        ("scroll to the end of the search", window.table.scrollToBottom),
        ("search 信州区 商贸", lambda: (filters.search.setText("信州区 商贸 88"), filters.apply_now())),
        ("search doc number", lambda: (filters.search.setText("饶市监罚〔2026〕1234号"), filters.apply_now())),
        ("search platform reason", lambda: (filters.search.setText("处罚依据"), filters.apply_now())),
        ("clear search", lambda: (filters.search.setText(""), filters.apply_now())),
        ("view 已逾期", lambda: window.views.set_view("overdue")),
        ("view 即将到期", lambda: window.views.set_view("due_soon")),
        ("view 全部", lambda: window.views.set_view("all")),
        ("kind 行政许可", lambda: filters.kind.setCurrentIndex(filters.kind.findData("license"))),
        ("decision date from 2026-06-01", lambda: filters.date_from.set_value("2026-06-01")),
        ("reset filters", filters.reset),
        ("sort by name", lambda: window.table.sortByColumn(2, window.table.horizontalHeader().sortIndicatorOrder())),
        ("sort by deadline", lambda: window.table.sortByColumn(5, window.table.horizontalHeader().sortIndicatorOrder())),
        ("scroll to the end", window.table.scrollToBottom),
    ]
    QTest.qWait(2500)  # start-up settles (run_gui collects and freezes the start-up heap here)
    times: dict[str, list[float]] = {}
    stalls: dict[str, list[float]] = {}
    for _ in range(runs):
        for name, apply in steps:
            took, stalled = timed(apply)
            times.setdefault(name, []).append(took)
            stalls.setdefault(name, []).append(stalled)
    emit({"filters": {name: statistics.median(v) for name, v in times.items()},
          "filter_stalls": {name: max(v) for name, v in stalls.items()}})

    def stall(label: str, start_task) -> None:
        beat.start()
        QTest.qWait(50)
        t = time.perf_counter()
        task = start_task()
        # A bulk action of the window sets window.running; an import or a sync is a Task of its own.
        while (window.running is not None) if task is None else not task.finished:
            QTest.qWait(5)
        QTest.qWait(5)  # the task's on_done, queued before it finished, runs here (a window refresh)
        wait_for_rows(window)  # whose rows a large store reads in the background
        elapsed = time.perf_counter() - t
        QTest.qWait(50)
        beat.stop()
        ticks = beat.ticks
        gap, at = max((b - a, a - t) for a, b in zip(ticks, ticks[1:], strict=False))
        emit({"stall": label, "longest_gap": gap, "at": at, "task_seconds": elapsed, "ticks": len(ticks)})

    from sqlalchemy import select

    from app.queue import states as st
    from app.store.models import Record

    with ctx.store.read() as s:
        ids = s.execute(select(Record.client_id).where(Record.state == st.READY).limit(10_000)).scalars().all()
    queue = ctx.queue

    def revalidate() -> None:
        window._start("bench", lambda _task: queue.revalidate(ids), lambda _r: window.refresh())

    stall(f"revalidate {len(ids):,} records", revalidate)
    from PySide6.QtCore import QItemSelection, QItemSelectionModel

    from ui.queue_model import COLUMNS

    window.views.set_view("all")
    rows = QItemSelection(window.model.index(0, 0), window.model.index(9_999, len(COLUMNS) - 1))
    window.table.selectionModel().select(rows, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    out = Path(tempfile.mkdtemp()) / "export.xlsx"
    stall("export 10,000 records to .xlsx", lambda: window.export_selection(str(out)))
    emit({"exported_bytes": out.stat().st_size if out.exists() else 0})

    # An import of 10,000 rows and a sync, run as the import wizard and the sync dialog run them.
    from app.excel.importer import ImportOptions, import_file
    from tests.bench.bench_import import make_workbook
    from ui.tasks import run_task

    book = Path(tempfile.mkdtemp()) / "import-10000.xlsx"
    make_workbook(book, 10_000)
    stall("import of 10,000 rows", lambda: run_task(
        lambda task: import_file(ctx, book, ImportOptions(force=True, skip_invalid=True),
                                 progress=lambda done, total: task.progress(done, total)),
        on_done=lambda _r: window.refresh()))

    import keyring

    from app.platform.sync import run_sync
    from tests.memory_keyring import MemoryKeyring
    from tests.platform.server import PlatformServer
    from tests.sync_helpers import FAST, log_in

    keyring.set_keyring(MemoryKeyring())
    with PlatformServer(port=0, now="2026-11-26T10:00:00+08:00") as platform:
        log_in(ctx, platform)
        from app.platform.sync import client_from_settings

        started = time.perf_counter()
        # At most 10 s of sending (the store holds far more ready records than a real day's work).
        stall("a sync (10 s of sending)", lambda: run_task(
            lambda task: run_sync(ctx, client=client_from_settings(ctx, retry=FAST),
                                  progress=lambda *a: task.progress(*a),
                                  cancelled=lambda: time.perf_counter() - started > 10),
            on_done=lambda _r: window.refresh()))
    window.close()
    ctx.close()


def wait_for_rows(window) -> None:
    """Until a view read in the background is on screen. An event loop, not a QTest.qWait poll:
    qWait keeps the GIL while it waits and would slow the worker thread down, which the program's
    own event loop does not."""
    from PySide6.QtCore import QEventLoop, QTimer

    if not window.model.loading:
        return
    loop = QEventLoop()
    window.model.loading_changed.connect(loop.quit)
    QTimer.singleShot(120_000, loop.quit)
    loop.exec()
    window.model.loading_changed.disconnect(loop.quit)


def emit(obj: dict) -> None:
    print("@" + json.dumps(obj, ensure_ascii=False), flush=True)


def run_child(data: Path, runs: int) -> list[dict]:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               CREDITDESK_TODAY=TODAY.isoformat())
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "tests.bench.bench_ui", "--child", str(data), "--runs", str(runs)],
                            stdout=subprocess.PIPE, text=True, env=env, cwd=Path(__file__).resolve().parents[2])
    results = []
    for line in proc.stdout:
        if not line.startswith("@"):
            continue
        obj = json.loads(line[1:])
        if "startup_in_process" in obj:
            obj["startup_from_process_start"] = time.perf_counter() - start
        results.append(obj)
    proc.wait()
    if proc.returncode:
        raise SystemExit(f"the GUI process failed ({proc.returncode})")
    return results


def report(results: list[dict]) -> None:
    ms = 1000
    for r in results:
        if "startup_in_process" in r:
            ok = "OK" if r["startup_from_process_start"] <= 1.5 else "SLOW"
            print(f"start-up to an interactive main window: {r['startup_from_process_start']:.2f} s from process start "
                  f"({r['startup_from_qapplication']:.2f} s from QApplication) [{ok}, target ≤ 1.5 s]; "
                  f"{r['rows']:,} rows, {r['rows_read']} read from SQL")
        elif "filters" in r:
            worst = max(r["filters"].values())
            stalls = r.get("filter_stalls", {})
            calm = max(stalls.values(), default=0)
            print(f"search/filter → table updated and painted (median per step) [{'OK' if worst <= 0.2 else 'SLOW'}, "
                  f"target ≤ 200 ms]; longest GUI-thread stall in the step [{'OK' if calm <= 0.1 else 'SLOW'}, "
                  f"target ≤ 100 ms]:")
            for name, t in r["filters"].items():
                stall = f"   stall {stalls[name] * ms:5.0f} ms" if name in stalls else ""
                print(f"  {name:<32} {t * ms:7.1f} ms{stall}")
        elif "stall" in r:
            ok = "OK" if r["longest_gap"] <= 0.1 else "SLOW"
            print(f"longest GUI-thread stall during {r['stall']}: {r['longest_gap'] * ms:.0f} ms "
                  f"[{ok}, target ≤ 100 ms] (at {r['at']:.2f} s of a {r['task_seconds']:.1f} s task, {r['ticks']} heartbeats)")
        elif "exported_bytes" in r:
            print(f"export file: {r['exported_bytes']:,} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--data", help="data folder to use (kept); default: a temporary one")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), args.runs)
        return
    os.environ["CREDITDESK_TODAY"] = TODAY.isoformat()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(args.data) if args.data else Path(tmp) / "data"
        if not (data / "creditdesk.sqlite3").exists():
            fill(data, args.records)
        report(run_child(data, args.runs))


if __name__ == "__main__":
    main()
