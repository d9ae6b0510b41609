"""From spreadsheet rows to raw records: each mapped cell converted (cells.py), several columns joined
into one field, values an older header implies (证件类型 = 身份证), and what older formats leave out
(行政相对人类别, inferred per row). The result goes to the validator like any other raw record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from app.catalog.model import Alias, Catalog, Field, Kind
from app.excel.cells import Convert, converter
from app.excel.headers import Column
from app.validation.engine import KindValidator, Prechecked
from app.validation.findings import ERROR, WARNING, Finding
from app.validation.normalize import clean, identifier

INFERRED = "行政相对人类别由导入推断"
# What clerks type into a cell that does not apply: read as an empty cell (one warning for the file).
NOTHING = frozenset({"无", "/", "／", "\\", "-", "－", "—", "——", "--", "空", "暂无", "N/A", "n/a", "NA", "null", "NULL"})
KNOWN_PER_COLUMN = 5000  # cell texts remembered per column: a column of unique values stops there
# Cells other than text remembered by their value: dates. Not numbers, as 1, 1.0 and True are one
# key to a dict but not one cell (True is no code, 1.0 an amount …).
_BY_VALUE = frozenset({datetime, date})
SOLE_TRADER, ORGANISATION, PERSON = "个体工商户", "法人及非法人组织", "自然人"


@dataclass(slots=True)
class BuiltRow:
    row: int
    raw: dict[str, object]
    notes: list[Finding]
    values: list[object] | None = None  # the original cells, kept only when an error report is wanted


@dataclass
class _Plan:
    pos: int  # position in the row as read (absolute column - col0)
    code: str
    convert: Convert
    fast: bool  # a printable text value goes through unchanged (the normaliser does the rest)
    ident: bool
    join: bool
    sets: dict[str, str] = field(default_factory=dict)


class RowBuilder:
    def __init__(self, catalog: Catalog, kind: Kind, columns: list[Column], col0: int, *,
                 infer_category: bool, legacy_codes: bool, units: dict[str, str] | None = None):
        self.catalog = catalog
        self.kind = kind
        self.plans: list[_Plan] = []
        self.source: dict[str, str] = {}  # field code -> column letter a finding on it points to
        units = units or {}
        joined = {c.field.code for c in columns if c.alias is not None and c.alias.join}
        for c in columns:
            alias = c.alias
            if alias is not None and alias.confirm_unit and units.get(c.field.code):
                # The clerk said which unit the column is in; 万元 needs no conversion.
                alias = Alias(alias.name, alias.sets, alias.join, units[c.field.code] if units[c.field.code] == "元"
                              else None)
            conv = converter(c.field, alias, c.letter)
            if legacy_codes and _numeric_code_list(catalog, c.field):
                conv = _legacy_code(c.field, c.letter, conv)
            ident = c.field.identifier or c.field.type == "U"
            fast = c.field.type != "A" and not (legacy_codes and _numeric_code_list(catalog, c.field))
            self.plans.append(_Plan(c.index - col0, c.field.code, conv, fast, ident, c.field.code in joined,
                                    dict(alias.sets) if alias is not None else {}))
            self.source.setdefault(c.field.code, c.letter)
            for target in (alias.sets if alias is not None else {}):
                self.source.setdefault(target, c.letter)
        self.sets = [p for p in self.plans if p.sets]
        # (position, field, remembered cells or None, how to read a cell not remembered)
        self.steps = [(p.pos, p.code, None, (p.convert, p.fast, p.ident, p.join)) for p in self.plans]
        self._checker: KindValidator | None = None
        self._today: date | None = None
        self._first_row: int | None = None
        self.infer = infer_category
        s = kind.subject
        self.category = s.get("category", "")
        self.uscc = s.get("uscc", "")
        self.id_number = s.get("id_number", "")
        self.unit_codes = [f.code for f in kind.fields if f.section == "subject" and f.identifier
                           and not f.personal_id and f.code != self.uscc]
        self.placeholder = catalog.placeholder_uscc
        self.nothing: tuple[int, int] | None = None  # (row, position) of the first such cell
        self.nothing_count = 0

    def precheck(self, checker: KindValidator, today: date) -> None:
        """Look each cell up in the validator as it is read (KindValidator.clean_value): a clean
        cell goes into the record with its final value and is not worked out again when the record
        is checked, which spares a second pass over every cell. Values met before are remembered
        per column, by the cell's own text."""
        codes = [p.code for p in self.plans]
        if len(set(codes)) < len(codes):
            return  # two columns for one field (refused, or joined): read as they are
        self._checker, self._today = checker, today
        self.steps = [(p.pos, p.code, {}, (p.convert, p.fast, p.ident, p.join)) for p in self.plans]

    def _full(self, pos: int, row: int) -> None:
        """A column has as many cells remembered as it may. When nearly every row brought a new one
        (decision texts, document numbers, codes of different subjects), its cells are not looked up
        any more: hashing a text of a few hundred characters only to miss cost 0.06 s for 100,000 rows.
        A column whose values repeat keeps the cells it remembers."""
        if self._first_row is not None and row - self._first_row < KNOWN_PER_COLUMN * 5 // 4:
            self.steps = [(p, code, None if p == pos else known, how) for p, code, known, how in self.steps]

    def build(self, row: int, values: list[object]) -> BuiltRow | None:
        """The raw record of one row, or None when the row is empty."""
        if self._first_row is None:
            self._first_row = row
        checker = self._checker
        if checker is not None:
            raw: dict[str, object] = Prechecked.new(checker, self._today)
            pending = raw.pending
            clean_value, today = checker.clean_value, self._today
        else:
            raw = {}
        notes: list[Finding] = []
        n = len(values)
        for pos, code, known, how in self.steps:
            if pos >= n:
                continue
            v = values[pos]
            if known is not None:
                norm = known.get(v)  # only texts and dates are remembered: any other cell is not found
                if norm is not None:  # this very cell was read before and is clean
                    raw[code] = norm
                    continue
            convert, fast, ident, join = how
            if v.__class__ is str:
                if not v:
                    continue
                if len(v) <= 4 and v.strip() in NOTHING:
                    if self.nothing is None:
                        self.nothing = (row, pos)
                    self.nothing_count += 1
                    continue
                # Text needs no work here (the normaliser does the rest), unless it holds a line
                # break or the like, or is a code that Excel wrote as 3.61102E+17.
                if fast and v.isprintable() and not (ident and ("+" in v or not v.isascii())):
                    text = as_read = v
                else:
                    noted = len(notes)
                    text = convert(v, notes)
                    # A conversion is a function of the cell alone: without a note (which belongs to
                    # its row) the result is remembered by the cell's text (amounts in 元, line breaks).
                    as_read = v if len(notes) == noted else None
            elif v is None:
                continue
            else:
                remembered = known is not None and v.__class__ in _BY_VALUE  # a column of dates repeats them
                noted = len(notes)
                text = convert(v, notes)
                as_read = v if remembered and len(notes) == noted else None
            if not text:
                continue
            if join and code in raw:
                raw[code] = f"{raw[code]};{text}"
            elif known is not None and len(known) < KNOWN_PER_COLUMN:
                norm = clean_value(code, text, today)
                if norm is None:
                    raw[code] = text
                    pending.append(code)
                else:
                    raw[code] = norm
                    if as_read is not None:
                        known[as_read] = norm
                        if len(known) == KNOWN_PER_COLUMN:
                            self._full(pos, row)
            else:  # a column of (nearly) unique values is worked out with the record, as it is stored
                raw[code] = text
                if checker is not None:
                    pending.append(code)
        for v in raw.values():  # a loop rather than any(): no generator made for every row
            if isinstance(v, str) and v.strip():
                break
        else:  # no cell, or only blank ones
            return None if not notes else BuiltRow(row, raw, notes)
        for p in self.sets:
            if raw.get(p.code):
                for target, value in p.sets.items():
                    if not raw.get(target):
                        self._put(raw, target, value)
        if self.infer and not raw.get(self.category):
            self._infer(raw, notes)
        return BuiltRow(row, raw, notes)

    @staticmethod
    def _put(raw: dict[str, object], code: str, value: str) -> None:
        """A value the row implies for a field it does not hold; worked out when the record is checked."""
        if raw.__class__ is Prechecked:
            raw.pending.append(code)
        raw[code] = value

    def _infer(self, raw: dict[str, object], notes: list[Finding]) -> None:
        uscc = identifier(clean(str(raw.get(self.uscc, ""))))
        if uscc and (uscc == self.placeholder or uscc.startswith("92")):
            category, basis = SOLE_TRADER, "统一社会信用代码"
        elif uscc:
            category, basis = ORGANISATION, "统一社会信用代码"
        elif any(str(raw.get(c, "")).strip() for c in self.unit_codes):
            category, basis = ORGANISATION, "单位代码"
        elif str(raw.get(self.id_number, "")).strip():
            category, basis = PERSON, "证件号码"
        else:
            label = self.kind.label_of(self.category)
            notes.append(Finding(self.category, ERROR, "category_unknown",
                                 f"文件中没有「{label}」列，这一行也没有统一社会信用代码、单位代码或证件号码，"
                                 f"无法推断类别。请补全这些号码，或在表中增加「{label}」列并填写。"))
            return
        self._put(raw, self.category, category)
        label = self.kind.label_of(self.category)
        notes.append(Finding(self.category, WARNING, "category_inferred",
                             f"{INFERRED}：文件中没有「{label}」列，已根据{basis}推断为“{category}”，请核对。"))


def _numeric_code_list(catalog: Catalog, f: Field) -> bool:
    cl = catalog.code_lists.get(f.code_list or "")
    return f.type == "E" and cl is not None and all(c.isdigit() for c in cl.codes)


def _legacy_code(f: Field, letter: str, conv: Convert) -> Convert:
    """2015/2016 files wrote 当前状态 as 0–3, which do not mean the current 1/2: never carried over."""
    def convert(v: object, notes: list[Finding]) -> str:
        text = conv(v, notes)
        if text.strip().isdigit():
            notes.append(Finding(f.code, ERROR, "legacy_code",
                                 f"{letter} 列「{f.label}」是旧格式（2015/2016 年版）的数字代码，与现行代码含义不同，"
                                 f"不能直接换算。请在该单元格填写现行的值（如“有效”或“无效”）。"))
            return ""
        return text
    return convert
