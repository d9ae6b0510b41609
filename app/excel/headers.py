"""Header matching (domain.md §7): which column feeds which catalog field, which kind a sheet holds,
and which row is the header when a title sits above it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from app.catalog.model import Alias, Catalog, Field, Kind
from app.excel.cells import column_letter

_SPACE = re.compile(r"\s+")
HEADER_MARKS = "*※★☆▲:"  # what templates put before or after a name to mark it required
# 【必填】 and the like before the name, 【】 read as brackets: 【必填】名称, (必填)名称.
_BRACKETS = str.maketrans({"【": "(", "】": ")"})
_LEADING_HINT = re.compile(r"^\((?:必填|选填|非必填|可选|条件必填)项?\)")
# A column number some templates put before each name: 1.名称, 12、名称, (3)名称 (after NFKC).
_NUMBERED = re.compile(r"^(?:\d{1,2}[.、]|\(\d{1,2}\))(?=\D)")
# A trailing bracket with a filling hint: 必填/选填, a format, an example.
_HINT = re.compile(r"^(.+?)\(([^()]*(?:必填|选填|可选|格式|填写|例|如|请|yyyy|YYYY|\d{4}[-/.年]\d)[^()]*)\)$")
# The bare 2015/2016 and 2017/2018 numbered subject codes mean different fields in the two formats.
_AMBIGUOUS = re.compile(r"^行政相对人代码_\d$")
HEADER_SCAN_ROWS = 30  # title rows above the header are few; a header further down is not looked for


def normalize_header(text: object) -> str:
    """NFKC (full-width brackets and colons become half-width, 【】 read as brackets), all whitespace
    and line breaks removed, leading and trailing * ※ ★ : marks, a leading 【必填】 and a leading
    column number (1. 1、 (1)) stripped."""
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    s = _SPACE.sub("", unicodedata.normalize("NFKC", s).translate(_BRACKETS)).strip(HEADER_MARKS)
    s = _LEADING_HINT.sub("", s).strip(HEADER_MARKS)
    # 罚款金额（单位：万元） names the unit as 罚款金额（万元） does.
    return _NUMBERED.sub("", s).replace("(单位:", "(").strip(HEADER_MARKS)


@dataclass(frozen=True)
class Column:
    index: int  # 0-based, absolute in the sheet
    header: str  # as written in the file
    field: Field
    alias: Alias | None  # None when matched by the label or the code

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass
class HeaderMatch:
    kind: Kind
    columns: list[Column] = field(default_factory=list)
    unknown: list[tuple[int, str]] = field(default_factory=list)  # not a field of this kind
    not_imported: list[tuple[int, str]] = field(default_factory=list)  # known platform/old extras
    ambiguous: list[tuple[int, str]] = field(default_factory=list)  # bare 行政相对人代码_2 …
    duplicates: list[tuple[str, list[int]]] = field(default_factory=list)  # field code, columns

    @property
    def score(self) -> int:
        return len({c.field.code for c in self.columns})

    def by_field(self) -> dict[str, list[Column]]:
        out: dict[str, list[Column]] = {}
        for c in self.columns:
            out.setdefault(c.field.code, []).append(c)
        return out

    def count_duplicates(self) -> None:
        """Fields that several columns map to (columns of one joined field, such as 处罚类别1/2, aside)."""
        self.duplicates = [(code, [c.index for c in cols]) for code, cols in self.by_field().items()
                           if len(cols) > 1 and not all(c.alias is not None and c.alias.join for c in cols)]


class HeaderIndex:
    """The names one kind's columns may carry, normalised once per catalog."""

    def __init__(self, catalog: Catalog, kind: Kind):
        self.kind = kind
        self.names: dict[str, tuple[Field, Alias | None]] = {}
        self.codes: dict[str, tuple[Field, Alias | None]] = {}
        clashes: set[str] = set()

        def put(table: dict, key: str, value: tuple[Field, Alias | None]) -> None:
            if key in table and table[key][0].code != value[0].code:
                clashes.add(key)
            table.setdefault(key, value)

        for f in kind.fields:
            put(self.names, normalize_header(f.label), (f, None))
            put(self.codes, f.code.upper(), (f, None))
        for f in kind.fields:
            for a in f.aliases:
                key = normalize_header(a.name)
                # Old field codes (XK_SPLB, CF_JG …) are matched in any letter case like current ones.
                if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", key):
                    put(self.codes, key.upper(), (f, a))
                else:
                    put(self.names, key, (f, a))
        for key in clashes:  # one name for two fields: the clerk must say which
            self.names.pop(key, None)
            self.codes.pop(key, None)
        self.unmapped = {normalize_header(h) for h in catalog.unmapped_headers}

    def lookup(self, header: str) -> tuple[Field, Alias | None] | None:
        key = normalize_header(header)
        while key:
            hit = self.names.get(key) or self.codes.get(key.upper())
            if hit is not None:
                return hit
            # 行政相对人名称（必填）, 处罚决定日期（格式：2026-01-01）: a hint for whoever fills the
            # sheet in, not part of the name. Brackets that are part of a name (罚款金额（元）,
            # 行政相对人代码_1（统一社会信用代码）) matched above.
            m = _HINT.match(key)
            key = m.group(1).strip(HEADER_MARKS) if m else ""
        return None

    def match(self, headers: list[tuple[int, str]]) -> HeaderMatch:
        result = HeaderMatch(self.kind)
        for index, text in headers:
            key = normalize_header(text)
            if not key:
                continue
            hit = self.lookup(text)
            if hit is not None:
                result.columns.append(Column(index, text, hit[0], hit[1]))
            elif key in self.unmapped:
                result.not_imported.append((index, text))
            elif _AMBIGUOUS.match(key):
                result.ambiguous.append((index, text))
            else:
                result.unknown.append((index, text))
        result.count_duplicates()
        return result


def header_texts(row: list[object], col0: int) -> list[tuple[int, str]]:
    """(absolute column index, text) of the non-empty cells of a row read from column `col0` on."""
    out = []
    for i, v in enumerate(row):
        if v is None or v == "":
            continue
        text = v if isinstance(v, str) else str(v)
        if text.strip():
            out.append((col0 + i, text))
    return out


@dataclass(frozen=True)
class HeaderChoice:
    row_index: int  # 0-based index among the rows given
    match: HeaderMatch
    runner_up: HeaderMatch | None  # the next-best kind on that row, to explain an ambiguity


def find_header(rows: list[list[object]], col0: int, indexes: list[HeaderIndex]) -> HeaderChoice | None:
    """The row (among the first ones) whose cells match most fields of one kind. A row needs two
    matched fields to count as a header, so a title such as "行政处罚信息" is never taken for one."""
    best: HeaderChoice | None = None
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        texts = header_texts(row, col0)
        if len(texts) < 2:
            continue
        matches = sorted((ix.match(texts) for ix in indexes), key=lambda m: m.score, reverse=True)
        top = matches[0]
        if top.score < 2:
            continue
        # On a tie the row right below wins: the lower row of a two-level header, or the labels
        # under a row of field codes.
        if best is None or top.score > best.match.score or (top.score == best.match.score and r == best.row_index + 1):
            best = HeaderChoice(r, top, matches[1] if len(matches) > 1 else None)
    return best


def kind_is_ambiguous(choice: HeaderChoice) -> bool:
    """Two kinds fit the header equally well: only the shared subject columns (and 备注) are there."""
    return choice.runner_up is not None and choice.runner_up.score == choice.match.score
