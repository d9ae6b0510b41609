"""The error report: the rows that have errors, with their original values in their original
columns, each faulty cell highlighted and commented, and a findings column. The clerk corrects this
file and imports it directly (the findings column is recognised and not imported).

Values stay as the clerk typed them, except personal ID numbers: an error report is a report, and
domain.md §12 masks those in every report and export (361102********1234). A masked number that
comes back in an import is an error that asks for the full number (FieldChecker), so nothing
masked is ever stored. The findings texts never contain an ID number.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from app.excel.cells import column_letter
from app.excel.importer import REPORT_COLUMN, ROW_COLUMN, ImportResult
from app.excel.issues import Issue
from app.files import save_workbook
from app.privacy import mask_id
from app.validation.findings import ERROR
from app.validation.normalize import to_text

ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
HEADER_FONT = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
AUTHOR = "CreditDesk"
MASKED_NOTE = "[提示] 证件号码已按规定脱敏显示，再次导入前请填写完整号码。"


def _tag(i: Issue) -> str:
    return "错误" if i.severity == ERROR else "提示"


def _safe(value: object) -> object:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def _cell(ws, value: object, *, text: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=_safe(value))
    if isinstance(value, str):
        cell.data_type = "s"  # a value that starts with "=" is the clerk's text, never a formula
        if text:
            cell.number_format = "@"
    elif isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm" if value.time() != datetime.min.time() else "yyyy-mm-dd"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def write_error_report(result: ImportResult, out: str | Path) -> int:
    """Write the report; returns the number of rows in it. Written to a temporary file and renamed."""
    out = Path(out)
    by_row: dict[int, list[Issue]] = defaultdict(list)
    for i in result.issues:
        if i.row is not None and i.row in result.row_ok:
            by_row[i.row].append(i)
    text_columns = {c.index for c in result.columns if c.field.identifier or c.field.type in ("U", "S", "E", "M")}
    personal = {c.index for c in result.columns if c.field.personal_id}
    width = max([result.col0 + len(result.header)] + [result.col0 + len(b.values or []) for b in result.kept])
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("错误行")
    ws.freeze_panes = "A2"
    for c in range(width + 2):
        ws.column_dimensions[column_letter(c)].width = 60 if c == width else 18
    header: list[object] = [None] * result.col0 + list(result.header) + [None] * (width - result.col0 - len(result.header))
    head_cells = []
    for v in [*header, REPORT_COLUMN, ROW_COLUMN]:
        cell = _cell(ws, v)
        cell.font = HEADER_FONT
        head_cells.append(cell)
    ws.append(head_cells)
    for built in result.kept:
        issues = by_row.get(built.row, [])
        at: dict[str, list[Issue]] = defaultdict(list)
        for i in issues:
            if i.column:
                at[i.column].append(i)
        values = [None] * result.col0 + list(built.values or [])
        values += [None] * (width - len(values))
        cells = []
        for c, v in enumerate(values):
            masked = c in personal and v not in ("", None)
            cell = _cell(ws, mask_id(to_text(v)) if masked else (None if v == "" else v), text=c in text_columns)
            here = at.get(column_letter(c))
            notes = [f"[{_tag(i)}] {i.message}" for i in here or ()]
            if masked:
                notes.append(MASKED_NOTE)
            if here:
                cell.fill = ERROR_FILL if any(i.severity == ERROR for i in here) else WARNING_FILL
            if notes:
                cell.comment = Comment(ILLEGAL_CHARACTERS_RE.sub("", "\n".join(notes)), AUTHOR, width=320, height=160)
            cells.append(cell)
        summary = _cell(ws, "\n".join(f"[{_tag(i)}] {i.where}：{i.message}" for i in issues))
        summary.alignment = WRAP
        cells.append(summary)
        cells.append(_cell(ws, built.row))
        ws.append(cells)
    _summary_sheet(wb, result)
    save_workbook(wb, out)
    return len(result.kept)


def _summary_sheet(wb: Workbook, result: ImportResult) -> None:
    ws = wb.create_sheet("问题汇总")
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 8
    ws.column_dimensions["C"].width = 10
    ws.column_dimensions["D"].width = 100
    ws.append([f"文件：{result.file}", None, None, f"工作表「{result.sheet or ''}」，表头在第 {result.header_row} 行"])
    ws.append([f"数据行 {result.rows}", f"通过 {result.valid}", f"有错误 {result.invalid}",
               "本报告只列出有错误的行。修改“错误行”工作表中标红的单元格后，可以直接导入本文件；"
               "证件号码按规定脱敏显示（如 361102********1234），导入前请在这些单元格中填写完整号码。"
               "如果这些行已作为草稿导入，请在程序中修改草稿，不要再次导入。"])
    ws.append([])
    ws.append(["规则", "类型", "次数", "说明（第一例）"])
    for rule, severity, count, message in result.summary():
        ws.append([rule, "错误" if severity == ERROR else "提示", count, message])
    file_level = [i for i in result.issues if i.row is None or i.row not in result.row_ok]
    if file_level:
        ws.append([])
        ws.append(["整个文件的问题"])
        for i in file_level:
            ws.append([i.rule, _tag(i), i.where, i.message])
