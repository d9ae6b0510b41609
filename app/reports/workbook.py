"""The monthly report as an .xlsx workbook: a summary sheet and the sheets listing the records.

Safety of what is written:
- Personal ID numbers arrive masked in MonthFigures (ListedRecord); no full number is ever passed
  here, and no sheet has a column for one.
- Text is never a formula. openpyxl turns a string starting with "=" into a formula cell, so
  every text cell is forced back to a string cell; text starting with = + - @ (or a tab or
  carriage return, which some programs strip) also gets Excel's quote-prefix style, the same as
  typing a leading apostrophe, so that editing the cell in Excel or WPS keeps it text too.
- The file is written to a temporary file beside the target (mode 0600 on POSIX) and renamed
  over it, so a crash never leaves half a workbook under the real name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.files import save_workbook
from app.reports.figures import ERROR_RATE_FORMULA, LATE_RATE_FORMULA, ListedRecord, MonthFigures
from app.reports.omissions import Gap, format_doc_number

SUMMARY, LATE, RETURNED, OVERDUE, OMISSIONS = "汇总", "迟报记录", "被退回记录", "逾期未报记录", "可能漏报"
_FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_PERCENT = "0.00%"

# (header, Figures attribute or rate property, column width)
SUMMARY_COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("类别", "label", 12),
    ("决定数", "decisions", 9),
    ("已报送", "submitted", 9),
    ("已接收", "accepted", 9),
    ("按时报送", "accepted_on_time", 10),
    ("迟报", "accepted_late", 8),
    ("未判定（日历未覆盖）", "unjudged", 12),
    ("被退回（含已改正）", "returned", 12),
    ("仍待修改", "returned_open", 10),
    ("未报送", "outstanding", 9),
    ("逾期未报", "outstanding_overdue", 10),
    ("即将到期", "outstanding_due_soon", 10),
    ("期限未知", "outstanding_uncovered", 10),
    ("可能漏报", "possible_omissions", 10),
    ("迟报率", "late_rate", 10),
    ("差错率", "error_rate", 10),
)

_RECORD_BASE = (("类别", 10), ("文书号", 28), ("行政相对人名称", 30), ("证件号码（已遮蔽）", 22),
                ("法定代表人证件号码（已遮蔽）", 22), ("决定日期", 12), ("报送截止日", 12))
LATE_HEADERS = (*_RECORD_BASE, ("平台接收日期", 12), ("超期工作日", 10), ("当前状态", 10))
RETURNED_HEADERS = (*_RECORD_BASE, ("平台接收日期", 12), ("当前状态", 10), ("平台意见", 60))
OVERDUE_HEADERS = (*_RECORD_BASE, ("逾期工作日", 10), ("当前状态", 10), ("平台意见", 60))
OMISSION_HEADERS = (("类别", 10), ("文书号前缀", 20), ("年份", 8), ("可能漏报的文书号", 30), ("缺号数量", 10),
                    ("前一文书号", 28), ("前一决定日期", 12), ("后一文书号", 28), ("后一决定日期", 12))


def safe_text(value: str) -> str:
    """Text openpyxl can store (it refuses control characters)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def put(ws: Worksheet, row: int, column: int, value: Any, number_format: str | None = None) -> None:
    """Write one cell; text always stays text, never a formula."""
    if isinstance(value, str):
        text = safe_text(value)
        cell = ws.cell(row=row, column=column, value=text)
        cell.data_type = "s"  # openpyxl made "=…" a formula on assignment; undo that
        if text.startswith(_FORMULA_LEAD):
            cell.quotePrefix = True
    else:
        cell = ws.cell(row=row, column=column, value=value)
    if number_format:
        cell.number_format = number_format


def _sheet(wb: Workbook, title: str, headers: Sequence[tuple[str, int]], rows: Iterable[Sequence[Any]],
           first: bool = False) -> Worksheet:
    ws = wb.active if first else wb.create_sheet()
    ws.title = title
    for col, (header, width) in enumerate(headers, start=1):
        put(ws, 1, col, header)
        cell = ws.cell(row=1, column=col)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = width
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            put(ws, r, c, value)
    ws.freeze_panes = "A2"  # header row stays visible while scrolling
    if ws.max_row > 1:
        ws.auto_filter.ref = ws.dimensions
    return ws


def _summary(wb: Workbook, figures: MonthFigures) -> None:
    ws = _sheet(wb, SUMMARY, [(h, w) for h, _, w in SUMMARY_COLUMNS], [], first=True)
    ws.auto_filter.ref = None
    for r, fig in enumerate([*figures.kinds, figures.total], start=2):
        for c, (_, attr, _) in enumerate(SUMMARY_COLUMNS, start=1):
            value = getattr(fig, attr)
            if attr.endswith("_rate"):
                # A rate with no denominator is shown as "—", never as 0%.
                put(ws, r, c, value if value is not None else "—", _PERCENT if value is not None else None)
            else:
                put(ws, r, c, value)
        if fig.kind == "total":
            for c in range(1, len(SUMMARY_COLUMNS) + 1):
                ws.cell(row=r, column=c).font = _HEADER_FONT
    notes = [
        f"统计月份：{figures.month}（按决定日期归属月份）；统计日期：{figures.today.isoformat()}",
        LATE_RATE_FORMULA + "；按平台接收时间（北京时间）的日期与报送截止日比较，截止日当天接收为按时。",
        ERROR_RATE_FORMULA + "；被平台拒收或审核退回的记录，改正后重新报送的仍计入。",
        f"逾期未报：尚未被平台接收且截止日早于统计日期；即将到期：{figures.due_soon_days} 个工作日内到期（含当日）。",
        "可能漏报：同一文书号前缀和年份的编号序列中缺失的编号，仅供核对；证件号码均已遮蔽。",
    ]
    start = len(figures.kinds) + 4
    for i, note in enumerate(notes):
        put(ws, start + i, 1, note)


def _record_rows(records: list[ListedRecord], tail) -> list[list[Any]]:
    return [[r.kind_label, r.doc_number or "", r.subject_name or "", r.id_number, r.legal_rep_id_number,
             r.decision_date or "", r.deadline or "未知", *tail(r)] for r in records]


def _omission_rows(gaps: list[Gap], labels: dict[str, str]) -> list[list[Any]]:
    rows: list[list[Any]] = []
    for g in gaps:
        tail = [g.before.doc_number, g.before.decision_date or "", g.after.doc_number, g.after.decision_date or ""]
        head = [labels.get(g.kind, g.kind), g.prefix, g.year]
        numbers = g.numbers()
        if numbers is None:  # too long to list: one range row
            rows.append([*head, g.describe(), g.count, *tail])
        else:
            rows.extend([*head, format_doc_number(g.prefix, g.year, n), 1, *tail] for n in numbers)
    return rows


def build_workbook(figures: MonthFigures) -> Workbook:
    wb = Workbook()
    _summary(wb, figures)
    _sheet(wb, LATE, LATE_HEADERS, _record_rows(
        figures.late, lambda r: [r.received_date or "", r.workdays_over, r.state_label]))
    _sheet(wb, RETURNED, RETURNED_HEADERS, _record_rows(
        figures.returned, lambda r: [r.received_date or "", r.state_label, r.platform_message]))
    _sheet(wb, OVERDUE, OVERDUE_HEADERS, _record_rows(
        figures.overdue, lambda r: [r.workdays_over, r.state_label, r.platform_message]))
    labels: dict[str, str] = {f.kind: f.label for f in figures.kinds}
    _sheet(wb, OMISSIONS, OMISSION_HEADERS, _omission_rows(figures.omissions, labels))
    wb.properties.title = f"信用信息报送月报 {figures.month}"
    wb.properties.creator = "CreditDesk"
    return wb


def write_report(figures: MonthFigures, path: str | os.PathLike[str]) -> Path:
    """Write the report atomically; returns the final path."""
    return save_workbook(build_workbook(figures), Path(path))

