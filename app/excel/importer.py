"""Importing a spreadsheet: choose the sheet, find the header, match it to a kind, read and convert
every row, then validate (dry run) or hand the records to the queue in one transaction.

Every problem with the file as a whole (no header, missing required columns, encrypted, formulas
without results, merged cells in the data, too many rows, imported before) stops the import before
any record is stored; problems of single rows become findings on those rows.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from pathlib import Path

from app import clock
from app.catalog.model import Catalog, Kind
from app.excel import history
from app.excel.cells import column_letter
from app.excel.headers import (
    HEADER_MARKS,
    Column,
    HeaderIndex,
    HeaderMatch,
    find_header,
    header_texts,
    kind_is_ambiguous,
    normalize_header,
)
from app.excel.issues import ImportRefused, Issue, refuse
from app.excel.readers import Book, ImportLimits, SheetData, open_book, too_many_rows
from app.excel.rows import BuiltRow, RowBuilder
from app.gc_pause import gc_paused
from app.queue.service import AddResults, Cancelled, merge_findings
from app.validation.findings import ERROR, WARNING, Finding
from app.validation.normalize import clean

log = logging.getLogger(__name__)

Progress = Callable[[int, int], bool | None]  # (done, total) -> False to cancel
REPORT_COLUMN = "校验结果"
ROW_COLUMN = "原文件行号"
ROW_NUMBER_HEADERS = frozenset({"序号", "行号", "no", "no."})
FILL_HINTS = frozenset({"必填", "选填", "非必填", "条件必填", "可选", "可不填"})
# A row a bureau's sheet ends with (合计 12 条, 罚款合计 …): not a record.
TOTAL_WORDS = frozenset({"合计", "总计", "小计", "累计", "共计"})
_COLUMN_NUMBER = re.compile(r"\(?(\d{1,2})\)?[.、]?")  # after NFKC, which also turns ① into 1
_COUNT = re.compile(r"(共\s*)?\d+\s*[条项件笔个宗]?")  # fullmatch: what a total row has in a number column
# The signature and note lines under a bureau's table: a short label ending in 人/日期/电话/单位 …
# and a colon (制表人：, 填报日期：, 联系电话：, 单位负责人：), or a note (注：, 说明：, 备注：).
_FOOTER = re.compile(r"[^：:]{0,10}(人|日期|时间|电话|单位|部门|签字|签名|盖章)\s*[：:]|(注|说明|备注|填表说明)\s*[：:]")


@dataclass
class ImportOptions:
    kind: str | None = None  # None: detected from the header
    sheet: str | None = None  # None: the first visible sheet whose header matches
    dry_run: bool = False
    skip_invalid: bool = False
    force: bool = False  # import a file that was imported before
    # Field code -> "元" | "万元" for an amount column whose header names no unit (罚款金额).
    units: dict[str, str] = field(default_factory=dict)
    limits: ImportLimits = field(default_factory=ImportLimits)
    actor: str | None = None
    keep_rows: bool = False  # keep the original cells for an error report
    # Columns the clerk mapped by hand: header as written -> field code, or "" for 不导入.
    mapping: dict[str, str] = field(default_factory=dict)
    # The choices of earlier imports, by kind: {kind: (mapping, units)}; filled by import_file from the
    # store, and overridden by `mapping` and `units`.
    remembered: dict[str, tuple[dict[str, str], dict[str, str]]] = field(default_factory=dict)


class RowWhere(str):
    """How a duplicate names the earlier row: by its spreadsheet row number, not its position in
    the batch (the validator formats this with n = position + 1)."""

    built: Sequence[BuiltRow]

    def __new__(cls, built: Sequence[BuiltRow]) -> RowWhere:
        obj = super().__new__(cls, "第 {n} 行")
        obj.built = built
        return obj

    def format(self, *args: object, **kwargs: object) -> str:  # type: ignore[override]
        n = kwargs.get("n")
        return f"第 {self.built[n - 1].row} 行" if isinstance(n, int) and 0 < n <= len(self.built) else "本文件中"


class _Records(Sequence):
    """The built rows as QueueService.add() takes them, (kind, raw record), read from the rows as
    they are asked for: lists of 100,000 pairs, notes and row numbers made first cost a pass over
    rows built long before each (0.1 s, mostly waiting for memory)."""

    def __init__(self, kind_id: str, built: list[BuiltRow]):
        self.kind_id, self.built = kind_id, built

    def __len__(self) -> int:
        return len(self.built)

    def __getitem__(self, i):  # type: ignore[override]
        return self.kind_id, self.built[i].raw

    def __iter__(self):
        kind_id = self.kind_id
        return ((kind_id, b.raw) for b in self.built)


@dataclass
class ImportResult:
    file: str
    kind: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    imported: int = 0
    skipped: int = 0
    dry_run: bool = False
    refused: bool = False
    issues: list[Issue] = field(default_factory=list)
    header: list[object] = field(default_factory=list)  # the header row as read
    col0: int = 0
    columns: list[Column] = field(default_factory=list)
    kept: list[BuiltRow] = field(default_factory=list)  # with original cells, when asked for
    row_ok: dict[int, bool] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)  # the sheet imported, then other sheets with data

    def to_json(self) -> dict:
        return {"file": self.file, "kind": self.kind, "rows": self.rows, "valid": self.valid,
                "invalid": self.invalid, "imported": self.imported,
                "issues": [i.to_dict() for i in self.issues]}

    def summary(self) -> list[tuple[str, str, int, str]]:
        """(rule, severity, count, first message) by rule, errors first, most frequent first."""
        counts: Counter[tuple[str, str]] = Counter()
        first: dict[tuple[str, str], str] = {}
        for i in self.issues:
            key = (i.rule, i.severity)
            counts[key] += 1
            first.setdefault(key, i.message)
        return sorted(((r, s, n, first[(r, s)]) for (r, s), n in counts.items()),
                      key=lambda t: (t[1] != ERROR, -t[2], t[0]))


class _Stepper:
    """Progress over both passes (reading, then checking and storing): monotonic, cancellable."""

    def __init__(self, progress: Progress | None, rows: int):
        self.progress = progress
        self.total = max(rows, 1) * 2

    def __call__(self, done: int) -> None:
        if self.progress is not None and self.progress(min(done, self.total), self.total) is False:
            raise Cancelled("已取消导入，没有保存任何记录。")


def import_file(ctx, path: str | Path, options: ImportOptions | None = None,
                progress: Progress | None = None) -> ImportResult:
    """Read, check and (unless a dry run) store a spreadsheet. Raises ImportRefused when the file as
    a whole cannot be imported, Cancelled when `progress` returned False; in both cases nothing was stored."""
    options = options or ImportOptions()
    path = Path(path)
    catalog: Catalog = ctx.catalogs.active()
    if options.kind is not None and options.kind not in catalog.kinds:
        by_label = {k.label: k.id for k in catalog.kinds.values()}
        if options.kind not in by_label:
            known = "、".join(f"{k.id}（{k.label}）" for k in catalog.kinds.values())
            raise refuse("unknown_kind", f"没有“{options.kind}”这个记录类别，可用：{known}。")
        options.kind = by_label[options.kind]
    digest = None
    if not options.dry_run:
        # Checked first: a file imported before is not read again unless the clerk confirms.
        digest = history.file_sha256(path) if path.is_file() else None
        if digest and not options.force:
            past = history.last_import(ctx.store, digest)
            if past is not None:
                raise refuse("already_imported",
                             f"文件「{path.name}」的内容已于 {past.when} 导入过（保存了 {past.imported} 条记录）。"
                             f"再次导入会产生重复记录；如确需再次导入，请加 --force（在窗口中选择“仍然导入”）。")
    options.remembered = {k: history.remembered_choices(ctx.store, k) for k in catalog.kinds}
    with gc_paused():  # rows, records and findings by the hundred thousand, no cycles (app/gc_pause.py)
        result = _import(ctx, path, options, progress, catalog, digest)
    log.info("%s %s: %d rows, %d valid, %d invalid, %d stored", "dry run of" if options.dry_run else "import of",
             result.kind, result.rows, result.valid, result.invalid, result.imported)
    return result


def _import(ctx, path: Path, options: ImportOptions, progress: Progress | None, catalog: Catalog,
            digest: str | None) -> ImportResult:
    with open_book(path, options.limits) as book:
        plan = _plan(catalog, book, options)
        refused = [i for i in plan.file_issues if i.severity == ERROR]
        if refused and not options.dry_run:
            raise ImportRefused(plan.file_issues)
        today = clock.today()  # one day for the whole import, as the cells are looked up while read
        checker = ctx.queue.validator.for_kind(plan.kind.id)
        if checker is not None and checker.catalog is catalog:
            plan.builder.precheck(checker, today)
        result, built, step = _read(plan, options, progress)
    result.refused = bool(refused)
    if not result.rows and not refused:
        raise refuse("no_data_rows", f"工作表「{plan.sheet.name}」在表头（第 {plan.header_row} 行）下面没有数据行。"
                     f"请把数据填在表头下面再导入。")
    if options.dry_run:
        _dry_run(ctx, plan, result, built, step, today)
    else:
        _store(ctx, plan, result, built, step, options, progress, digest, today)
    return result


def _actor() -> str:
    from app.queue.service import _actor as queue_actor

    return queue_actor()


# -- the plan: sheet, header row, kind, columns -----------------------------------------------------
@dataclass
class _Plan:
    file: str
    kind: Kind
    sheet: SheetData
    header_row: int  # row number
    header: list[object]
    match: HeaderMatch
    builder: RowBuilder
    rows: list  # the rows read ahead while looking for the header (after the header row)
    file_issues: list[Issue]
    missing_required: set[str]
    index: HeaderIndex  # the chosen kind's column names, to recognise a second header row
    more_sheets: list[str]  # later visible sheets with a header of their own (not imported)


def _plan(catalog: Catalog, book: Book, options: ImportOptions) -> _Plan:
    kinds = [catalog.kinds[options.kind]] if options.kind else list(catalog.kinds.values())
    indexes = [HeaderIndex(catalog, k) for k in kinds]
    sheet, ahead, choice, seen = _choose_sheet(book, indexes, options)
    header_num = ahead[choice.row_index][0]
    header_values = seen[choice.row_index]  # with the text of header cells merged down from above
    match = choice.match
    if not options.kind and kind_is_ambiguous(choice):
        both = "、".join(f"{m.kind.id}（{m.kind.label}）" for m in (choice.match, choice.runner_up) if m)
        raise refuse("kind_ambiguous", f"工作表「{sheet.name}」的表头（第 {header_num} 行）只有各类别共有的列，"
                     f"无法判断是哪一类记录（可能是 {both}）。请用 --kind 指定类别（在窗口中选择类别）。",
                     row=header_num)
    kind = match.kind
    index = next(ix for ix in indexes if ix.kind is kind)
    if choice.row_index > 0 and ahead[choice.row_index - 1][0] == header_num - 1:
        upper = seen[choice.row_index - 1]
        if index.match(header_texts(upper, sheet.col0)).score >= 2:
            # The upper row of a two-row header names what the lower one leaves empty (序号 …).
            header_values = [h if h not in ("", None) or i >= len(upper) else upper[i]
                             for i, h in enumerate(header_values)]
    old_mapping, old_units = options.remembered.get(kind.id, ({}, {}))
    mapping = {**old_mapping, **options.mapping}
    if old_units:
        options.units = {**old_units, **options.units}
    _join_group_headers(sheet, dict(ahead), header_num, match, index)
    if mapping:
        _apply_mapping(match, mapping)
    issues: list[Issue] = []
    more = _more_sheets_with_data(book, sheet.name, indexes) if options.sheet is None else []
    for name, label, row in more:
        issues.append(Issue(None, None, None, WARNING, "more_sheets",
                            f"工作表「{name}」也有{label}数据（表头在第 {row} 行），本次只导入工作表「{sheet.name}」。"
                            f"请另行导入该工作表：在导入窗口的“工作表”中选择它，或在命令行加 --sheet {name}。"))
    if not sheet.visible:
        issues.append(Issue(None, None, None, WARNING, "sheet_hidden",
                            f"导入的是隐藏的工作表「{sheet.name}」，请确认这正是要导入的数据。"))
    issues += _merged_issues(sheet, header_num, match.columns)
    issues += _formula_issues(sheet)
    issues += _column_issues(catalog, kind, match, header_num)
    present = {c.field.code for c in match.columns}
    for c in match.columns:
        present.update(c.alias.sets if c.alias else ())
    category = kind.subject.get("category")
    older_format = bool(category) and category not in present
    missing = [f for f in kind.fields if f.required and f.code not in present
               and not (older_format and f.code == category)]
    if missing:
        names = "、".join(f"「{f.label}」" for f in missing)
        issues.append(Issue(header_num, None, None, ERROR, "missing_columns",
                            f"缺少必填的列：{names}。请在表头行（第 {header_num} 行）补上这些列并填写数据"
                            f"（可用 creditdesk template {kind.id} 生成标准模板）。"))
    if older_format:
        issues.append(Issue(None, None, category, WARNING, "older_format",
                            f"文件没有「{kind.label_of(category)}」列（2015/2016 或 2017/2018 年版格式），"
                            f"将根据统一社会信用代码、单位代码或证件号码推断每一行的类别（行政相对人类别由导入推断），请核对。"))
    for c in match.columns:
        a = c.alias
        if a is not None and a.unit == "元":
            issues.append(Issue(header_num, c.letter, c.field.code, WARNING, "amount_in_yuan",
                                f"{c.letter} 列「{c.header}」以元为单位，已除以 10000 换算为万元。"))
        if a is not None and a.confirm_unit and c.field.code not in options.units:
            issues.append(Issue(header_num, c.letter, c.field.code, ERROR, "amount_unit_unknown",
                                f"{c.letter} 列「{c.header}」没有写单位，无法确定是元还是万元。请把表头改为"
                                f"「{c.field.label}」（按万元填写）或「{c.header}（元）」（按元填写）后再导入。"))
    builder = RowBuilder(catalog, kind, match.columns, sheet.col0, infer_category=older_format,
                         legacy_codes=older_format, units=options.units)
    return _Plan(book.path.name, kind, sheet, header_num, header_values, match, builder,
                 ahead[choice.row_index + 1:], issues, {f.code for f in missing}, index, [m[0] for m in more])


def _join_group_headers(sheet: SheetData, rows: dict[int, list[object]], header_num: int, match: HeaderMatch,
                        index: HeaderIndex) -> None:
    """A two-level header: 行政相对人 merged over 名称 | 类别 | 统一社会信用代码 in the row below. A
    column whose name means nothing alone is matched by the group's name and its own together."""
    above = rows.get(header_num - 1)
    if above is None or not match.unknown:
        return
    for col, text in list(match.unknown):
        for _r1, c1, r2, c2 in sheet.merged:
            # 0-based rows: the merge ends on the row above the header and spans several columns.
            if r2 == header_num - 2 and c1 < c2 and c1 <= col <= c2:
                group = above[c1 - sheet.col0] if 0 <= c1 - sheet.col0 < len(above) else None
                hit = index.lookup(f"{group}{text}") if isinstance(group, str) else None
                if hit is not None:
                    match.unknown.remove((col, text))
                    match.columns.append(Column(col, text, hit[0], hit[1]))
                break
    match.columns.sort(key=lambda c: c.index)
    match.count_duplicates()


def _apply_mapping(match: HeaderMatch, mapping: dict[str, str]) -> None:
    """The clerk's own column choices, by header text: a field code, or "" for 不导入. They win over
    what the headers matched by themselves."""
    by_header = {normalize_header(h): code for h, code in mapping.items()}
    for column in list(match.columns):
        code = by_header.get(normalize_header(column.header))
        if code is None or code == column.field.code:
            continue
        match.columns.remove(column)
        if code == "":
            match.not_imported.append((column.index, column.header))
        elif code in match.kind.by_code:
            match.columns.append(Column(column.index, column.header, match.kind.field(code), None))
    for bucket in (match.unknown, match.ambiguous, match.not_imported):
        for index, text in list(bucket):
            code = by_header.get(normalize_header(text))
            if code and code in match.kind.by_code:
                bucket.remove((index, text))
                match.columns.append(Column(index, text, match.kind.field(code), None))
    match.columns.sort(key=lambda c: c.index)
    match.count_duplicates()


def _choose_sheet(book: Book, indexes: list[HeaderIndex], options: ImportOptions):
    names = [s.name for s in book.sheets]
    if options.sheet is not None:
        if options.sheet not in names:
            raise refuse("sheet_not_found", f"文件中没有名为「{options.sheet}」的工作表，现有：{'、'.join(names)}。")
        candidates = [s for s in book.sheets if s.name == options.sheet]
    else:
        candidates = [s for s in book.sheets if s.visible]
    for info in candidates:
        sheet = book.load(info.name)
        ahead = _read_ahead(sheet)
        seen = _with_merges(sheet, ahead)
        choice = find_header(seen, sheet.col0, indexes)
        if choice is not None:
            return sheet, ahead, choice, seen
        if options.sheet is not None:
            if not ahead:
                raise refuse("sheet_empty", f"工作表「{info.name}」是空的，没有可导入的数据。")
            raise _no_header(info.name, indexes)
    if options.sheet is None:
        for info in book.sheets:
            if info.visible:
                continue
            sheet = book.load(info.name)
            if find_header(_with_merges(sheet, (ahead := _read_ahead(sheet))), sheet.col0, indexes):
                raise refuse("data_in_hidden_sheet",
                             f"数据在隐藏的工作表「{info.name}」中。请在 Excel 或 WPS 中取消隐藏该工作表，"
                             f"或用 --sheet {info.name} 指定后再导入。")
    if not any(s.visible for s in book.sheets):
        raise refuse("sheet_empty", "文件中没有可见的工作表。")
    if all(_empty(book, s.name) for s in book.sheets if s.visible):
        raise refuse("sheet_empty", f"文件「{book.path.name}」中的工作表都是空的，没有可导入的数据。")
    raise _no_header(names[0] if len(names) == 1 else "、".join(s.name for s in book.sheets if s.visible), indexes)


def _more_sheets_with_data(book: Book, chosen: str, indexes: list[HeaderIndex]) -> list[tuple[str, str, int]]:
    """(sheet, kind label, header row) of the visible sheets after the one imported that have a header
    too (11月, 12月 … in one file): one import reads one sheet, and records left in another would be
    missed without a word."""
    out = []
    names = [s.name for s in book.sheets if s.visible]
    for name in names[names.index(chosen) + 1:] if chosen in names else []:
        try:
            other = book.load(name)
        except ImportRefused:  # that sheet's own trouble (too many rows …) is for when it is imported
            continue
        ahead = _read_ahead(other)
        choice = find_header(_with_merges(other, ahead), other.col0, indexes)
        other.rows = iter(())  # only its header was needed
        if choice is not None:
            out.append((name, choice.match.kind.label, ahead[choice.row_index][0]))
    return out


def _empty(book: Book, name: str) -> bool:
    return not _read_ahead(book.load(name))


def _no_header(name: str, indexes: list[HeaderIndex]) -> ImportRefused:
    kinds = "、".join(ix.kind.label for ix in indexes)
    return refuse("header_not_found",
                  f"在工作表「{name}」的前 30 行中没有找到表头（应有“行政相对人名称”等数据项名称，"
                  f"类别：{kinds}）。请确认表头名称与模板一致，或用 creditdesk template 生成标准模板。")


def _read_ahead(sheet: SheetData) -> list[tuple[int, list[object]]]:
    """The first 30 non-empty rows: enough to find a header below a few title rows."""
    out = []
    for num, values in sheet.rows:
        if any(v != "" and v is not None for v in values):
            out.append((num, values))
            if len(out) >= 30:
                break
    return out


def _with_merges(sheet: SheetData, ahead: list[tuple[int, list[object]]]) -> list[list[object]]:
    """The rows as seen on screen: a header cell merged down from the row above shows its text in
    every row it covers."""
    if not sheet.merged:
        return [v for _, v in ahead]
    by_row = {num - 1: list(values) for num, values in ahead}
    for r1, c1, r2, _c2 in sheet.merged:
        top = by_row.get(r1)
        if top is None or not (0 <= c1 - sheet.col0 < len(top)):
            continue
        value = top[c1 - sheet.col0]
        for r in range(r1 + 1, r2 + 1):
            row = by_row.get(r)
            if row is not None and 0 <= c1 - sheet.col0 < len(row) and row[c1 - sheet.col0] in ("", None):
                row[c1 - sheet.col0] = value
    return [by_row[num - 1] for num, _ in ahead]


def _merged_issues(sheet: SheetData, header_num: int, columns: list[Column]) -> list[Issue]:
    """Merged cells that reach into the data of an imported column (a merged title above the
    header, or merged cells in a column that is not imported, do no harm)."""
    used = {c.index for c in columns}
    below = [m for m in sheet.merged if m[2] + 1 > header_num and any(c in used for c in range(m[1], m[3] + 1))]
    if not below:
        return []
    ranges = "、".join(f"{column_letter(c1)}{r1 + 1}:{column_letter(c2)}{r2 + 1}" for r1, c1, r2, c2 in below[:5])
    more = f" 等 {len(below)} 处" if len(below) > 5 else ""
    return [Issue(below[0][0] + 1, column_letter(below[0][1]), None, ERROR, "merged_cells",
                  f"表头或数据区域有合并单元格（{ranges}{more}），合并后只有左上角的格子有值，其余会被当作空白。"
                  f"请取消合并，并在每一行、每一列填上完整的值后再导入。")]


def _formula_issues(sheet: SheetData) -> list[Issue]:
    out = []
    if sheet.error_cells:
        cells = sheet.error_cells
        shown = "、".join(cells[:10]) + (f" 等 {len(cells)} 个单元格" if len(cells) > 10 else "")
        out.append(Issue(None, None, None, ERROR, "formula_error",
                         f"工作表「{sheet.name}」中 {shown} 的公式计算出错（如 #N/A、#DIV/0!），导入时会变成空白。"
                         f"请修正公式，或改为直接填写值后再导入。"))
    cells = sheet.formula_cells
    if not cells:
        return out
    shown = "、".join(cells[:10]) + (f" 等 {len(cells)} 个单元格" if len(cells) > 10 else "")
    return out + [Issue(None, None, None, ERROR, "formula_without_value",
                  f"工作表「{sheet.name}」中 {shown} 是公式，但文件里没有保存公式的计算结果（常见于由程序生成、"
                  f"未用 Excel 打开保存过的文件），导入时会变成空白。请用 Excel 或 WPS 打开该文件并保存一次，"
                  f"或把公式复制后“粘贴为数值”，再导入。")]


def _column_issues(catalog: Catalog, kind: Kind, match: HeaderMatch, header_num: int) -> list[Issue]:
    out = []
    for index, text in match.unknown:
        letter = column_letter(index)
        if text.strip() in (REPORT_COLUMN, ROW_COLUMN):
            continue  # our own error report, imported again after fixing
        if normalize_header(text).lower() in ROW_NUMBER_HEADERS:
            continue  # the sheet's own row numbers: nothing to import, nothing to report
        out.append(Issue(header_num, letter, None, WARNING, "column_unknown",
                         f"{letter} 列「{text.strip()[:40]}」不是「{kind.label}」的数据项，不会导入。"
                         f"如果它对应某个数据项，请把表头改为数据目录中的名称。"))
    for index, text in match.not_imported:
        letter = column_letter(index)
        out.append(Issue(header_num, letter, None, WARNING, "column_not_imported",
                         f"{letter} 列「{text.strip()[:40]}」是旧格式或平台附加的列，不导入。"))
    for index, text in match.ambiguous:
        letter = column_letter(index)
        out.append(Issue(header_num, letter, None, ERROR, "column_ambiguous",
                         f"{letter} 列「{text.strip()[:40]}」有歧义：2015/2016 年版和 2017/2018 年版中同一编号对应"
                         f"不同的代码。请把表头改为带括号的完整名称，例如「行政相对人代码_2（工商注册号）」。"))
    for code, indexes in match.duplicates:
        letters = "、".join(column_letter(i) for i in indexes)
        out.append(Issue(header_num, column_letter(indexes[-1]), code, ERROR, "column_duplicate",
                         f"{letters} 列都对应「{kind.label_of(code)}」，无法确定以哪一列为准。请删除或改名多余的列。"))
    return out


# -- reading the rows -------------------------------------------------------------------------------
def _read(plan: _Plan, options: ImportOptions,
          progress: Progress | None) -> tuple[ImportResult, list[BuiltRow], _Stepper]:
    result = ImportResult(plan.file, plan.kind.id, plan.sheet.name, plan.header_row, dry_run=options.dry_run,
                          header=list(plan.header), col0=plan.sheet.col0, columns=plan.match.columns,
                          sheets=[plan.sheet.name, *plan.more_sheets])
    result.issues = list(plan.file_issues)
    step = _Stepper(progress, max(plan.sheet.last_row - plan.header_row, 1))
    built: list[BuiltRow] = []
    build = plan.builder.build
    keep = options.keep_rows
    limit = options.limits.max_rows
    unnamed = _unnamed_positions(plan)
    unnamed_hits: set[int] = set()
    totals: list[int] = []
    footers: list[int] = []
    header_rows: list[int] = []  # between the header and the first record
    repeated: list[int] = []  # the header again further down (several exports pasted into one sheet)
    titles: list[int] = []  # a pasted table's title line above such a header
    mapped = sorted({c.index - plan.sheet.col0 for c in plan.match.columns})  # 序号 and the like left out
    doc_field = plan.kind.doc_number_field
    # What the document-number cell holds in a copy of the header (its name as in the header, or any
    # name of the field, * marks aside): a quick test for every row, so that only a row that may be
    # a header is looked at closely.
    header_names = {t for h in plan.header if isinstance(h, str) for t in (h.strip(), clean(h))}
    header_names |= {name for name, (f, _) in plan.index.names.items() if f.code == doc_field}
    try:
        def rows():
            yield from plan.rows
            yield from plan.sheet.rows
        for n, (num, values) in enumerate(rows()):
            if num <= plan.header_row:
                continue
            if n % 1000 == 0:
                step(n)
            row = build(num, values)
            if row is None:
                continue
            doc = row.raw.get(doc_field)
            if (not built or (isinstance(doc, str) and doc.strip(HEADER_MARKS) in header_names)) and \
                    _is_header_row([values[p] for p in mapped if p < len(values)], plan.index):
                if built:
                    repeated.append(num)
                    if _is_title(built[-1], doc_field):  # the next table's title, just above its header
                        titles.append(built.pop().row)
                else:
                    header_rows.append(num)
                continue
            if not built and _is_column_numbers([values[p] for p in mapped if p < len(values)]):
                header_rows.append(num)
                continue
            if not doc or _may_be_count(doc):  # a row with a document number is neither
                if _is_total_row(values, row.raw, doc_field):
                    totals.append(num)
                    continue
                if _is_footer_row(values, row.raw, doc_field):
                    footers.append(num)
                    continue
            if len(built) >= limit:
                raise too_many_rows(plan.sheet.name, num, options.limits)
            if unnamed:
                unnamed_hits.update(p for p in unnamed if p < len(values) and values[p] not in ("", None))
            if keep:
                row.values = list(values)
            built.append(row)
    finally:
        # The sheet as loaded (a few hundred MB for 100,000 rows) is not needed once every row is read.
        plan.sheet.rows = iter(())
        plan.rows = []
    if plan.builder.nothing is not None:
        num, pos = plan.builder.nothing
        letter = column_letter(pos + plan.sheet.col0)
        count = plan.builder.nothing_count
        result.issues.append(Issue(num, letter, None, WARNING, "cell_means_nothing",
                                   f"{count} 个单元格只填写了“无”“/”“-”等（第一个在第 {num} 行 {letter} 列），"
                                   f"已按空白处理，不会报送这些字符。"))
    for num in header_rows:
        result.issues.append(Issue(num, None, None, WARNING, "header_row",
                                   f"第 {num} 行是表头的一部分（数据项名称、代码、栏次或填写说明），不是一条记录，未导入。"))
    # Rows that are not records, each kind named once with the rows it was found in.
    for nums, rule, what in ((repeated, "header_row", "又是一行表头（几张表粘贴在一起时常见）"),
                             (titles, "title_row", "只填写了一个单元格，下面紧接着又是表头，是粘贴进来的表格的标题"),
                             (totals, "total_row", "是合计（小计、总计）行"),
                             (footers, "footer_row", "是表格下方的签字或说明（制表人、审核人、注等）")):
        if nums:
            result.issues.append(Issue(nums[0], None, None, WARNING, rule,
                                       f"{_row_list(nums)}{what}，不是一条记录，未导入。"))
    for p in sorted(unnamed_hits):
        letter = column_letter(p + plan.sheet.col0)
        result.issues.append(Issue(plan.header_row, letter, None, WARNING, "column_without_header",
                                   f"{letter} 列有数据但没有表头，不会导入。如需导入，请填写表头。"))
    result.rows = len(built)
    step.total = 2 * max(result.rows, 1)  # now that empty rows are known: the second pass is per record
    step(result.rows)
    return result, built, step


def _row_list(nums: list[int]) -> str:
    return "、".join(f"第 {n} 行" for n in nums[:5]) + (f" 等 {len(nums)} 行" if len(nums) > 5 else "")


def _is_header_row(values: list[object], index: HeaderIndex) -> bool:
    """A second header row under the header: most of its cells (in the imported columns) are this
    kind's column names or field codes (CF_XDR_MC …), or it only says which are 必填 and which 选填."""
    texts = [v.strip() for v in values if isinstance(v, str) and v.strip()]
    if len(texts) < 2 or len(texts) < sum(1 for v in values if v not in ("", None)):
        return False
    if sum(index.lookup(t) is not None for t in texts) * 2 >= len(texts):
        return True
    return all(normalize_header(t).removesuffix("项") in FILL_HINTS for t in texts)


def _is_column_numbers(values: list[object]) -> bool:
    """A row that numbers the columns under the header (栏次: 1 2 3 …, (1) (2) …, ① ② …): at least
    three filled cells, each a number one more than the one before."""
    numbers = []
    for v in values:
        if v in ("", None):
            continue
        if isinstance(v, bool):
            return False
        if isinstance(v, int | float):
            if isinstance(v, float) and not v.is_integer():  # 1.5, and inf or nan (a cell Excel overflowed)
                return False
            numbers.append(int(v))
            continue
        m = _COLUMN_NUMBER.fullmatch(unicodedata.normalize("NFKC", str(v)).strip())
        if m is None:
            return False
        numbers.append(int(m.group(1)))
    return len(numbers) >= 3 and all(b == a + 1 for a, b in zip(numbers, numbers[1:], strict=False))


def _is_total_row(values: list[object], raw: dict[str, object], doc_field: str) -> bool:
    """A row whose first filled cell says 合计 (or 小计, 总计 …) and that has no document number (or
    only a count where the numbers stand: 合计 | | 14条)."""
    doc = raw.get(doc_field)
    if doc and not (_may_be_count(doc) and _COUNT.fullmatch(str(doc).strip())):
        return False
    first = next((v for v in values if v not in ("", None)), None)
    if not isinstance(first, str):
        return False
    text = "".join(first.split())
    return any(text.startswith(w) and not text[len(w):].strip(":：0123456789条项件笔") for w in TOTAL_WORDS)


def _is_title(row: BuiltRow, doc_field: str) -> bool:
    """A row holding one text and nothing else (no document number): what a table's title line is,
    2026年11月行政处罚信息 above the header of the next export pasted into the same sheet."""
    filled = [v for v in row.raw.values() if isinstance(v, str) and v.strip()]
    return len(filled) == 1 and not row.raw.get(doc_field)


def _may_be_count(doc: object) -> bool:
    """What a total row has where the document number stands (共 14 条, 14) begins with 共 or a digit;
    a document number hardly ever does. One cheap test a row before the closer looks."""
    head = str(doc).lstrip()[:1]
    return head == "共" or head.isdigit()


def _is_footer_row(values: list[object], raw: dict[str, object], doc_field: str) -> bool:
    """A line under the table that is not a record: 制表人：张三　审核人：李四, 填报日期：…, 注：… —
    every filled cell a short label with a colon (or a note), and no document number."""
    if raw.get(doc_field):
        return False
    texts = [v for v in values if v not in ("", None)]
    return bool(texts) and all(isinstance(v, str) and _FOOTER.match(v.strip()) for v in texts)


def _unnamed_positions(plan: _Plan) -> list[int]:
    named = {i - plan.sheet.col0 for i, _ in header_texts(plan.header, plan.sheet.col0)}
    width = max((len(v) for _, v in plan.rows[:50]), default=len(plan.header))
    return [p for p in range(width) if p not in named]


# -- checking and storing ---------------------------------------------------------------------------
def _dry_run(ctx, plan: _Plan, result: ImportResult, built: list[BuiltRow], step: _Stepper,
             today: date) -> None:
    queue = ctx.queue
    with ctx.store.session() as s:
        index = queue.duplicate_index(s, _Records(plan.kind.id, built))
    items = _items(plan, built, step, result.rows)
    checked = queue.validator.check_batch(items, index, today, where=RowWhere(built))
    findings = []
    for b, res in zip(built, checked, strict=True):
        merged = merge_findings(b.notes, res.findings)
        if plan.missing_required:  # said once for the file, not again on every row
            merged = [f for f in merged if not (f.rule == "required" and f.field in plan.missing_required)]
        findings.append(merged)
    _collect(plan, result, built, findings)
    step(2 * result.rows)


def _items(plan: _Plan, built: list[BuiltRow], step: _Stepper, offset: int):
    kind_id = plan.kind.id
    for i, b in enumerate(built):
        if i % 1000 == 0:
            step(offset + i)
        yield kind_id, b.raw


def _store(ctx, plan: _Plan, result: ImportResult, built: list[BuiltRow], step: _Stepper, options: ImportOptions,
           progress: Progress | None, digest: str | None, today: date) -> None:
    offset = result.rows

    def add_progress(done: int, total: int) -> bool | None:
        step(offset + done)
        return None

    def remember(session, added: AddResults) -> None:
        """In the records' transaction: the history entry and the clerk's column choices are kept
        exactly when the records are. The findings are collected here, in the one pass over the
        results that gives the counts the history entry needs."""
        _collect(plan, result, built, added.findings)
        result.imported = added.stored
        result.skipped = len(added) - added.stored
        if not result.imported:
            return
        if options.mapping or options.units:
            history.remember_choices(session, plan.kind.id, options.mapping, options.units)
        if digest:
            history.record_import(session, file_name=Path(plan.file).name, sha256=digest, kind=plan.kind.id,
                                  sheet=plan.sheet.name, rows=result.rows, valid=result.valid,
                                  invalid=result.invalid, imported=result.imported, skipped=result.skipped,
                                  actor=options.actor or _actor())

    ctx.queue.add(_Records(plan.kind.id, built), actor=options.actor, source=f"excel:{plan.file}",
                  skip_invalid=options.skip_invalid, progress=add_progress if progress else None,
                  findings=map(_notes_of, built), where=RowWhere(built), before_commit=remember, today_=today)


_notes_of = attrgetter("notes")


def _collect(plan: _Plan, result: ImportResult, built: list[BuiltRow], findings: Iterable[list[Finding]]) -> None:
    source = plan.builder.source
    issues = result.issues
    valid = 0
    keep = bool(built) and built[0].values is not None
    for b, fs in zip(built, findings, strict=True):
        ok = True
        for f in fs:
            if f.severity == ERROR:
                ok = False
            issues.append(Issue(b.row, source.get(f.field or ""), f.field, f.severity, f.rule, f.message))
        valid += ok
        if keep:
            result.row_ok[b.row] = ok
            if not ok:
                result.kept.append(b)
    result.valid = valid
    result.invalid = result.rows - valid
