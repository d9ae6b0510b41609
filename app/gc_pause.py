"""Pausing CPython's cyclic garbage collector around batches of work.

A batch (100,000 imported rows, their findings, the rows to store) creates millions of small
objects that are all kept and hold no reference cycles. The cyclic collector would rescan them
again and again as they are made (a full pass took 100-130 ms, all of it a frozen window when it
ran on the GUI thread); reference counting frees everything that is dropped anyway. Pauses nest
and may come from several threads: the collector runs again once the last one ends.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_pauses = 0
_was_enabled = True
_lock = threading.Lock()


def pause_gc() -> None:
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1


def resume_gc() -> None:
    global _pauses
    with _lock:
        _pauses = max(_pauses - 1, 0)
        if _pauses == 0 and _was_enabled:
            gc.enable()


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    pause_gc()
    try:
        yield
    finally:
        resume_gc()
