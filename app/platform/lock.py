"""One sync at a time per data folder (the window and the command line may both try)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from app.errors import UserError


@contextmanager
def sync_lock(data_dir: Path):
    path = data_dir / "sync.lock"
    fh = open(path, "a+b")  # noqa: SIM115 (held for the whole block)
    try:
        try:
            if os.name == "nt":
                import msvcrt

                msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise UserError("另一个报送正在进行中，请等它完成后再试。", "sync_running") from None
        yield
    finally:
        fh.close()  # closing releases the lock
