"""The import template of a kind: the catalog's columns in order with their Chinese labels, required
ones marked, drop-down lists from the code lists, each field's help as a comment, code and ID columns
formatted as text (so Excel keeps every digit), a frozen header and an instructions sheet."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from app.catalog.model import Catalog, Field, Kind
from app.excel.cells import column_letter
from app.files import save_workbook

REQUIRED_MARK = "*"
LISTS_SHEET = "代码表"
GUIDE_SHEET = "填写说明"
TEMPLATE_ROWS = 2000  # rows the drop-downs and text formats are prepared for
TYPE_NAMES = {"S": "文本", "T": "长文本", "D": "日期", "A": "金额", "E": "代码表（单选）", "M": "代码表（可多选，用 ; 分隔）",
              "U": "18位统一社会信用代码"}
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FONT = Font(bold=True, color="C00000")
OPTIONAL_FONT = Font(bold=True)


def kind_by_name(catalog: Catalog, name: str) -> Kind | None:
    """A kind by its id (penalty) or Chinese label (行政处罚)."""
    if name in catalog.kinds:
        return catalog.kinds[name]
    return next((k for k in catalog.kinds.values() if k.label == name), None)


def header_text(f: Field) -> str:
    return f"{REQUIRED_MARK}{f.label}" if f.required else f.label


def _choices(catalog: Catalog, f: Field) -> tuple[list[str], bool]:
    """(drop-down values, whether other values are allowed too)."""
    if f.code_list:
        cl = catalog.code_lists[f.code_list]
        values = [cl.labels.get(c, c) for c in cl.codes]
        return values, bool(cl.other_prefix) or f.type == "M"
    if f.code_list_by:
        seen: dict[str, None] = {}
        for list_id in f.code_list_by[1].values():
            cl = catalog.code_lists[list_id]
            seen.update(dict.fromkeys(cl.labels.get(c, c) for c in cl.codes))
        return list(seen), True
    return [], True


def _help(catalog: Catalog, kind: Kind, f: Field) -> str:
    parts = [f"{f.label}（{f.code}）", "必填" if f.required else "选填（部分情况下必填，见说明）",
             f"类型：{TYPE_NAMES.get(f.type, f.type)}"]
    if f.length and f.type not in ("D",):
        parts.append(f"最多 {f.length} 个字符")
    if f.type == "D":
        parts.append("格式：2026-11-20（也可写 2026/11/20、2026年11月20日）")
    if f.type == "A":
        parts.append(f"单位：{f.amount_unit or '万元'}，最多 {f.scale or 6} 位小数；罚款2000元填 0.2")
    values, other = _choices(catalog, f)
    if values:
        parts.append("可选：" + "、".join(values[:12]) + ("；其他写作“其他-名称”" if other and f.type != "M" else ""))
    if f.identifier or f.type == "U":
        parts.append("本列为文本格式，请直接输入完整号码")
    if f.help:
        parts.append(f.help)
    return "\n".join(parts)


def write_template(catalog: Catalog, kind: Kind, out: str | Path) -> Path:
    """Write the template; returns the path. Written to a temporary file and renamed."""
    out = Path(out)
    wb = Workbook()
    ws = wb.active
    ws.title = kind.label
    lists = wb.create_sheet(LISTS_SHEET)
    guide = wb.create_sheet(GUIDE_SHEET, 1)
    list_col = 0
    for i, f in enumerate(kind.fields):
        letter = column_letter(i)
        cell = ws.cell(row=1, column=i + 1, value=header_text(f))
        cell.font = REQUIRED_FONT if f.required else OPTIONAL_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.comment = Comment(_help(catalog, kind, f), "CreditDesk", width=360, height=220)
        width = max(len(f.label) * 2 + 4, 12)
        if f.type == "T":
            width = 40
        ws.column_dimensions[letter].width = min(width, 44)
        rng = f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
        if f.identifier or f.type in ("U", "S", "T", "E", "M"):
            # Text format: Excel keeps all 18 digits of an ID number and leaves a code such as 1 alone.
            # (A column style: Excel and WPS give it to every cell typed into the column.)
            ws.column_dimensions[letter].number_format = "@"
        elif f.type == "D":
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        values, other = _choices(catalog, f)
        if values:
            list_letter = column_letter(list_col)
            lists.cell(row=1, column=list_col + 1, value=f.label)
            for r, v in enumerate(values, 2):
                lists.cell(row=r, column=list_col + 1, value=v).number_format = "@"
            ref = f"'{LISTS_SHEET}'!${list_letter}$2:${list_letter}${len(values) + 1}"
            dv = DataValidation(type="list", formula1=ref, allow_blank=True, showDropDown=False,
                                showErrorMessage=True, errorStyle="warning" if other else "stop",
                                errorTitle=f.label, promptTitle=f.label)
            dv.error = ("不在代码表中。其他情况请写作“其他-名称”；多个值用英文分号 ; 分隔。" if other
                        else "请从下拉列表中选择。")
            dv.add(rng)
            ws.add_data_validation(dv)
            list_col += 1
        elif f.type == "D":
            dv = DataValidation(type="date", operator="between", formula1="DATE(1949,10,1)",
                                formula2="DATE(2099,12,31)", allow_blank=True, showErrorMessage=True,
                                errorStyle="warning", errorTitle=f.label,
                                error="请填写日期，例如 2026-11-20。")
            dv.add(rng)
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 36
    lists.sheet_state = "hidden"
    _guide(guide, catalog, kind)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, out)
    return out


def _guide(ws, catalog: Catalog, kind: Kind) -> None:
    ws.column_dimensions["A"].width = 8
    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["C"].width = 16
    ws.column_dimensions["D"].width = 8
    ws.column_dimensions["E"].width = 22
    ws.column_dimensions["F"].width = 90
    lines = [
        f"{kind.label}信息导入模板（数据目录 {catalog.version}）",
        "1. 每行填写一条记录，不要合并单元格，不要插入小计行；表头上方可以保留标题行。",
        f"2. 带 {REQUIRED_MARK} 的列为必填；部分列在特定情况下必填（例如自然人须填证件类型和证件号码）。",
        "3. 日期写作 2026-11-20（也可写 2026/11/20、2026年11月20日、20261120）。",
        "4. 金额以万元为单位：罚款2000元填 0.2；最多 6 位小数。",
        "5. 统一社会信用代码、证件号码等列已设为文本格式，请直接输入完整号码，不要改成数字格式。",
        "6. 处罚类别等可多选的列，多个值之间用英文分号 ; 分隔；选择“其他”时写作“其他-名称”。",
        "7. 填好后用 creditdesk import 文件名 导入（或在程序中选择“导入 Excel”）；可先用 creditdesk validate 文件名 检查。",
    ]
    for line in lines:
        ws.append([line])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([])
    ws.append(["列", "数据项", "代码", "必填", "类型", "说明"])
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for i, f in enumerate(kind.fields):
        values, _ = _choices(catalog, f)
        note = f.help or ""
        if values:
            note = ("可选：" + "、".join(values) + "。" + note).strip()
        ws.append([column_letter(i), f.label, f.code, "是" if f.required else "", TYPE_NAMES.get(f.type, f.type), note])
        ws.cell(row=ws.max_row, column=6).alignment = Alignment(wrap_text=True, vertical="top")
