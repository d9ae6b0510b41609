"""Exporting selected records to an .xlsx workbook (runs in a background task).

A summary sheet with the queue's columns, then one sheet per record kind with every catalog field.
Personal ID numbers are masked as in every list; a cell that starts like a formula (= + - @) is
written as text with Excel's quote prefix, so opening the file never runs anything. The workbook
is built in memory and written to a temporary file that is renamed over the target.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from sqlalchemy import select

from app import clock
from app.files import write_atomic
from app.privacy import mask_id
from app.queue import states as st
from app.store.models import Record
from app.workdays.deadline import countdown, timeliness
from ui.widgets.formatting import countdown_text, platform_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 500
SUMMARY_HEADERS = ("状态", "类别", "行政相对人名称", "文书号", "决定日期", "报送截止日", "剩余工作日", "平台意见",
                   "错误数", "提醒数")


def cell(ws, value: object, bold: bool = False) -> object:
    """A value for ws.append: plain values as they are (fast), text that starts like a formula as
    a text cell with Excel's quote prefix (stays text even when someone edits it in Excel or WPS)."""
    risky = isinstance(value, str) and value.startswith(FORMULA_STARTS)
    if not risky and not bold:
        return "" if value is None else value
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    c = WriteOnlyCell(ws, value=value)
    if risky:
        c.data_type = "s"
        c.quotePrefix = True
    if bold:
        c.font = Font(bold=True)
    return c


def read_records(store, client_ids: list[str]) -> Iterable[Record]:
    """Records in the order given, read a chunk at a time."""
    for start in range(0, len(client_ids), CHUNK):
        chunk = client_ids[start:start + CHUNK]
        with store.read() as s:
            found = {r.client_id: r for r in s.scalars(select(Record).where(Record.client_id.in_(chunk)))}
        yield from (found[c] for c in chunk if c in found)


def left_text(rec: Record, calendar, today: date, due_soon: int) -> str:
    deadline = date.fromisoformat(rec.deadline) if rec.deadline else None
    if rec.accepted_revision or rec.first_received_at:
        return {"on_time": "按时", "late": "迟报"}.get(timeliness(deadline, rec.first_received_at) or "", "已报送")
    if rec.state == st.WITHDRAWN:
        return "—"
    return countdown_text(countdown(calendar, deadline, today, due_soon))


def export_records(ctx, client_ids: list[str], path: Path,
                   progress: Callable[[int, int], None] | None = None) -> int:
    """Write the records to `path`; returns how many were written."""
    from openpyxl import Workbook  # imported here: start-up does not need it

    catalog = ctx.catalogs.active()
    settings = ctx.settings
    head, tail = settings.mask_keep_head, settings.mask_keep_tail
    calendar, today = ctx.calendar, clock.today()
    wb = Workbook(write_only=True)
    summary = wb.create_sheet("汇总")
    summary.append([cell(summary, h, bold=True) for h in SUMMARY_HEADERS])
    sheets = {}
    written = 0
    for rec in read_records(ctx.store, client_ids):
        kind = catalog.kinds.get(rec.kind)
        fields = dict(rec.fields or {})
        summary.append([cell(summary, v) for v in (
            st.LABELS.get(rec.state, rec.state), kind.label if kind else rec.kind, rec.subject_name,
            rec.doc_number, rec.decision_date, rec.deadline, left_text(rec, calendar, today, settings.due_soon_days),
            platform_text(kind, rec.platform_message, fields, head, tail), rec.error_count, rec.warning_count)])
        if kind is not None:
            ws = sheets.get(kind.id)
            if ws is None:
                ws = sheets[kind.id] = wb.create_sheet(kind.label[:31])
                ws.append([cell(ws, "状态", bold=True), *(cell(ws, f.label, bold=True) for f in kind.fields)])
            values = [mask_id(fields.get(f.code), head, tail) if f.personal_id else fields.get(f.code, "")
                      for f in kind.fields]
            ws.append([cell(ws, st.LABELS.get(rec.state, rec.state)), *(cell(ws, v) for v in values)])
        written += 1
        if progress and written % CHUNK == 0:
            progress(written, len(client_ids))
    buffer = io.BytesIO()
    wb.save(buffer)
    write_atomic(Path(path), buffer.getvalue())
    return written
