"""Files the program writes (settings, exports, reports, templates, error reports): written to a
temporary file in the same folder, flushed to disk, readable by the user only, then renamed over the
target — a crash leaves the old file or the new one, never half of one."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> Path:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)  # exports and reports name persons
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_workbook(wb, path: Path) -> Path:
    """An openpyxl workbook, saved atomically."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return write_atomic(Path(path), buffer.getvalue())
