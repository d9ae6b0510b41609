"""One normaliser for every entry path (form, JSON, Excel/CSV): a value means the same however it arrives.

NFKC turns full-width characters into half-width ones; identifiers lose inner spaces and '-' and are
upper-cased; dates, amounts, code-list labels and multi-value lists are brought to their canonical
text. A value that cannot be understood is kept as typed so the validator can say what is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from app.catalog.model import Catalog, Field, Kind
from app.validation.findings import WARNING, Finding

_nfkc = unicodedata.normalize
_is_nfkc = unicodedata.is_normalized
_IDENT_DROP = re.compile(r"[\s\-]+")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_DATE_TIME = re.compile(r"^(.+?)(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)$")
_AMOUNT_SUFFIX = re.compile(r"^(.*?)(万元|元|万)$")  # 0.2万 is written for 0.2万元 as often as not
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")


def to_text(value: object) -> str:
    """Any incoming value as text: numbers without float artefacts (1.0 -> "1"), None -> ""."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _compatibility_map() -> tuple[re.Pattern[str], dict[str, str]]:
    """Every BMP character that NFKC changes on its own (full-width forms, the ideographic space,
    ①, ㎡ …) and what it becomes; built once, in about 15 ms."""
    changed = {}
    for cp in range(0x80, 0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        n = _nfkc("NFKC", c)
        if n != c:
            changed[c] = n
    points = sorted(map(ord, changed))
    ranges, start, prev = [], points[0], points[0]
    for cp in points[1:]:
        if cp != prev + 1:
            ranges.append((start, prev))
            start = cp
        prev = cp
    ranges.append((start, prev))
    cls = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return re.compile(f"[{cls}]"), changed


_COMPAT, _COMPAT_MAP = _compatibility_map()
_compat_get = _COMPAT_MAP.__getitem__
# The full-width punctuation of Chinese prose, by far the commonest reason a text is not NFKC.
_FREQUENT = tuple((c, _COMPAT_MAP[c]) for c in "，（）：；！？")


def nfkc(text: str) -> str:
    """unicodedata NFKC, four to five times faster on Chinese prose.

    CPython's NFKC costs about 100 ns a character, and a decision text of a few hundred characters
    almost always holds a full-width "，" or "（" that forces it. Replacing just those characters by
    their own NFKC form gives a string with the same NFKD, so when that string is already NFKC it
    *is* the NFKC of the original; otherwise (combining marks, rare cases) the full algorithm runs."""
    if text.isascii() or _is_nfkc("NFKC", text):
        return text
    if len(text) < 16:  # a short value: the plain algorithm costs less than the substitution
        return _nfkc("NFKC", text)
    quick = text
    for wide, narrow in _FREQUENT:  # str.replace runs at memory speed; the regex below calls back per hit
        if wide in quick:
            quick = quick.replace(wide, narrow)
    if _is_nfkc("NFKC", quick):
        return quick
    quick = _COMPAT.sub(lambda m: _compat_get(m.group()), quick)
    return quick if _is_nfkc("NFKC", quick) else _nfkc("NFKC", quick)


def clean(text: str) -> str:
    """NFKC, then trim whitespace (NBSP and the ideographic space become spaces under NFKC)."""
    return nfkc(text).strip()


def identifier(text: str) -> str:
    if text.isalnum() and text.isascii():
        return text.upper()
    out = _IDENT_DROP.sub("", text).upper()
    # Dropping a space can join a letter to the combining mark after it ("A ́" -> "Á"): normalised
    # again, so that a stored identifier normalises to itself.
    return out if out.isascii() else nfkc(out)


def parse_date(text: str) -> tuple[str | None, bool]:
    """A date text in any accepted form -> ("YYYY-MM-DD", has_time_part) or (None, False).

    Accepted: 2023-09-05, 2023/9/5, 2023.9.5, 2023年9月5日, 20230905, optionally followed by a time;
    a time other than 00:00 is reported so the user can check the cell.
    """
    has_time = False
    m = _DATE_TIME.match(text)
    if m:
        text = m.group(1).strip()
        has_time = any(int(x) for x in m.groups()[1:] if x)
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            y, mo, d = (int(x) for x in m.groups())
            try:
                return date(y, mo, d).isoformat(), has_time
            except ValueError:
                return None, False
    return None, False


def looks_like_date(text: str) -> bool:
    return any(p.match(text) for p in _DATE_PATTERNS)


def canonical_decimal(value: Decimal) -> str:
    """Plain decimal text without exponent, trailing zeros after the point, or a trailing point."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


def parse_amount(text: str) -> tuple[Decimal | None, str | None]:
    """Amount text -> (value in the field's unit, suffix found or None). Thousands commas allowed."""
    suffix = None
    m = _AMOUNT_SUFFIX.match(text)
    if m:
        text, suffix = m.group(1).strip(), m.group(2)
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None, suffix
    if not value.is_finite():
        return None, suffix
    return value, suffix


def split_multi(text: str) -> list[str]:
    """Multi-value text -> values in the order given, duplicates and empty parts removed.

    Only ';' separates (the full-width '；' is ';' after NFKC): statutory names contain '、'.
    """
    seen: dict[str, None] = {}
    for part in text.split(";"):
        part = part.strip()
        if part:
            seen.setdefault(part, None)
    return list(seen)


@lru_cache(maxsize=4096)
def multi_values(text: str) -> frozenset[str]:
    """The set of values of a multi-value text (cached: a batch repeats a few combinations)."""
    return frozenset(split_multi(text))


@lru_cache(maxsize=4096)
def canonical_multi(text: str) -> str:
    return ";".join(split_multi(text))


class Normalizer:
    """Normalises the fields of one kind; one prepared function per field, built once per catalog."""

    def __init__(self, catalog: Catalog, kind: Kind):
        self.catalog = catalog
        self.kind = kind
        self._fns = {f.code: self._prepare(f) for f in kind.fields}
        self._plain = frozenset(f.code for f in kind.fields if f.type in ("S", "T") and not f.identifier)

    def normalize(self, raw: dict[str, object]) -> tuple[dict[str, str], list[Finding]]:
        """Raw values by field code -> (non-empty canonical values, notes about conversions)."""
        out: dict[str, str] = {}
        notes: list[Finding] = []
        plain = self._plain
        for code, value in raw.items():
            text = value if type(value) is str else to_text(value)
            if not text:
                continue
            # The common case inlined: text that only needs NFKC and trimming.
            text = nfkc(text).strip() if code in plain else self.value_of(code, text, notes)
            if text:
                out[code] = text
        return out, notes

    def value(self, f: Field, text: str, notes: list[Finding]) -> str:
        return self._fns[f.code](text, notes)

    def value_of(self, code: str, text: str, notes: list[Finding]) -> str | None:
        """One raw text by field code, as normalize() treats it; None (and a note) for a code the
        kind does not have."""
        if code in self._plain:
            return nfkc(text).strip()
        fn = self._fns.get(code)
        if fn is None:
            notes.append(Finding(None, WARNING, "unknown_field",
                                 f"字段代码 {clean(str(code))[:40]} 不在数据目录「{self.kind.label}」中，已忽略。"))
            return None
        return fn(text, notes)

    def _prepare(self, f: Field):
        if f.identifier:
            return lambda text, notes: identifier(clean(text))
        if f.type == "D":
            return lambda text, notes: _date_value(f, clean(text), notes)
        if f.type == "A":
            return lambda text, notes: _amount_value(f, clean(text), notes)
        if f.type == "E" and f.code_list:
            cl = self.catalog.code_lists[f.code_list]
            mapping = {label: code for code, label in cl.labels.items() if label != code}
            if mapping:
                def code_value(text, notes):
                    text = clean(text)
                    return mapping.get(text, text)
                return code_value
        if f.type == "M":
            return lambda text, notes: canonical_multi(clean(text))
        return lambda text, notes: clean(text)


def _date_value(f: Field, text: str, notes: list[Finding]) -> str:
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii():
        return text  # already canonical, or an impossible date the validator reports as typed
    iso, has_time = parse_date(text)
    if iso is None:
        return text
    if has_time:
        notes.append(Finding(f.code, WARNING, "date_time_part",
                             f"「{f.label}」带有时间部分，已只保留日期 {iso}，请确认日期无误。"))
    return iso


def _amount_value(f: Field, text: str, notes: list[Finding]) -> str:
    if not text:
        return text
    value, suffix = parse_amount(text)
    if value is None:
        return text
    if suffix and f.amount_unit == "万元":
        if suffix == "元":
            value = value / Decimal(10000)
        notes.append(Finding(f.code, WARNING, "amount_unit_converted",
                             f"「{f.label}」写有单位“{suffix}”，已按万元记为 {canonical_decimal(value)}，请核对。"))
    return canonical_decimal(value)
