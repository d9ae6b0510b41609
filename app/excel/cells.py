"""What a spreadsheet cell holds, turned into the text the one normaliser (app.validation.normalize)
expects: date cells and Excel serial numbers, numbers that stand for codes, float artefacts, line
breaks, amounts in a column headed in 元. Everything else (NFKC, date texts, unit suffixes, code-list
labels) is left to the normaliser, so a value means the same however it arrives."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from app.catalog.model import Alias, Field
from app.validation.findings import ERROR, WARNING, Finding
from app.validation.normalize import canonical_decimal, parse_amount

# Excel's 1900 date system; serial 60 is the 1900-02-29 that never was, so counting from 1899-12-30
# is right for every serial from 61 (1900-03-01) on, the only ones a decision date can have.
_EXCEL_EPOCH = datetime(1899, 12, 30)
_MAX_SERIAL = 2958465  # 9999-12-31
_MAX_EXACT = 10**15  # Excel keeps 15 significant digits: from 16 digits on, the last ones are gone
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_BREAK = re.compile(r"[ \t\u00a0\u3000]*[\r\n]+[ \t\u00a0\u3000]*")

Convert = Callable[[object, list[Finding]], str]


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    n = index + 1
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def number_text(v: float) -> str:
    """A float as Excel shows it: at most 15 significant digits, so 0.30000000000000004 is 0.3 and
    1.0 is 1."""
    if v.is_integer() and abs(v) < _MAX_EXACT:
        return str(int(v))
    text = format(v, ".15g")
    if "e" in text or "E" in text:
        try:
            text = canonical_decimal(Decimal(text))
        except InvalidOperation:
            return ""
    return text


def _join_break(m: re.Match) -> str:
    s = m.string
    before = s[m.start() - 1] if m.start() > 0 else ""
    after = s[m.end()] if m.end() < len(s) else ""
    # A line break inside Chinese text is only wrapping; between Latin words it stood for a space.
    return " " if before.isascii() and after.isascii() and before and after else ""


def tidy_line(text: str) -> str:
    """A one-line value: zero-width characters removed, line breaks (Alt+Enter) removed."""
    text = text.translate(_ZERO_WIDTH)
    if "\n" in text or "\r" in text:
        text = _BREAK.sub(_join_break, text.strip())
    return text.replace("\t", " ")


def tidy_text(text: str) -> str:
    """A long text: zero-width characters removed, line breaks kept as \\n."""
    text = text.translate(_ZERO_WIDTH)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")


def _time_note(f: Field, where: str, moment: datetime, iso: str) -> Finding:
    return Finding(f.code, WARNING, "date_time_part",
                   f"{where}「{f.label}」带有时间 {moment:%H:%M}，已只保留日期 {iso}，请确认日期无误。")


def _lost_digits(f: Field, where: str) -> Finding:
    return Finding(f.code, ERROR, "number_lost_digits",
                   f"{where}「{f.label}」是数字格式，Excel 只保留 15 位有效数字，这个编号的后几位已经丢失"
                   f"（显示为 3.61102E+17 一类的科学计数法）。请把该列设置为“文本”格式，再重新输入完整的编号。")


def _serial_date(f: Field, where: str, v: float, notes: list[Finding]) -> str | None:
    if not 1 <= v <= _MAX_SERIAL:
        return None
    moment = _EXCEL_EPOCH + timedelta(days=v)
    moment = moment.replace(microsecond=0) if moment.microsecond < 500_000 else (
        moment + timedelta(seconds=1)).replace(microsecond=0)
    iso = moment.date().isoformat()
    if moment.time() != time(0):
        notes.append(_time_note(f, where, moment, iso))
    return iso


def date_converter(f: Field, where: str) -> Convert:
    def convert(v: object, notes: list[Finding]) -> str:
        if isinstance(v, str):
            return tidy_line(v)
        if isinstance(v, datetime):
            iso = v.date().isoformat()
            if v.time() != time(0):
                notes.append(_time_note(f, where, v, iso))
            return iso
        if isinstance(v, date):
            return v.isoformat()
        if isinstance(v, bool):
            return str(v)
        if isinstance(v, int | float):
            # 20261120 typed as a number is the eight-digit date form, not a serial number.
            if float(v).is_integer() and 19000101 <= v <= 29991231:
                return str(int(v))
            iso = _serial_date(f, where, float(v), notes)
            return iso if iso is not None else number_text(float(v))
        return str(v)
    return convert


def _digits(v: object, f: Field, where: str, notes: list[Finding]) -> str:
    """A number cell in a column of codes or text: its exact digits while Excel kept them all (at most
    15 significant digits); beyond that the digits are lost, which is an error for the clerk to fix."""
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int | float):
        if float(v).is_integer() and abs(v) >= _MAX_EXACT:
            notes.append(_lost_digits(f, where))
            return ""
        return number_text(float(v)) if isinstance(v, float) else str(v)
    return _other(v)


def code_converter(f: Field, where: str) -> Convert:
    """Code and ID columns: a number stands for its digits, but only while Excel kept them all."""
    def convert(v: object, notes: list[Finding]) -> str:
        if isinstance(v, str):
            text = tidy_line(v).strip()
            probe = text if text.isascii() else unicodedata.normalize("NFKC", text)
            if _SCIENTIFIC.match(probe):
                notes.append(_lost_digits(f, where))
                return ""
            return text
        return _digits(v, f, where, notes)
    return convert


def amount_converter(f: Field, where: str, alias: Alias | None) -> Convert:
    in_yuan = alias is not None and alias.unit == "元" and f.amount_unit == "万元"

    def convert(v: object, notes: list[Finding]) -> str:
        if isinstance(v, bool):
            return str(v)
        if isinstance(v, int | float):
            text = number_text(float(v)) if isinstance(v, float) else str(v)
        elif isinstance(v, str):
            text = tidy_line(v).strip()
        else:
            return _other(v)
        if in_yuan and text:
            value, suffix = parse_amount(text)
            # A cell with its own unit ("2000元", "0.2万元") says what it is; the normaliser converts it.
            if value is not None and suffix is None:
                return canonical_decimal(value / Decimal(10000))
        return text
    return convert


def text_converter(f: Field, where: str, long_text: bool) -> Convert:
    tidy = tidy_text if long_text else tidy_line

    def convert(v: object, notes: list[Finding]) -> str:
        if isinstance(v, str):
            return tidy(v)
        return _digits(v, f, where, notes)
    return convert


def _other(v: object) -> str:
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == time(0) else v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, time):
        return v.strftime("%H:%M")
    return "" if v is None else str(v)


def converter(f: Field, alias: Alias | None, letter: str) -> Convert:
    where = f"{letter} 列"
    if f.type == "D":
        return date_converter(f, where)
    if f.type == "A":
        return amount_converter(f, where, alias)
    if f.identifier or f.type == "U":
        return code_converter(f, where)
    return text_converter(f, where, f.type == "T")


def is_blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())
