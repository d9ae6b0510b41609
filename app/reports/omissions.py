"""Omission hints (漏报线索): gaps in document-number sequences that may be unreported decisions.

A bureau numbers its decisions `饶市监罚〔2026〕15号`, 16号, 17号 … per document prefix and year, so a
number missing between two numbers in the queue is a decision that may never have been entered.
It is only a hint: a number can be voided, or used by another department sharing the prefix.

Rules:
- Document numbers are compared as `doc_key` normalises them (domain.md §14: NFKC, no whitespace,
  the bracket variants 〔〕 [] 【】 () as one pair), then read as PREFIX〔YEAR〕[第]NUMBER号. A number
  that does not follow this pattern is ignored: nothing can be inferred from free-form numbers.
- A sequence is (kind, prefix, year of the number). Every non-withdrawn record of that kind with
  that prefix and year counts as "seen", whatever its decision month: the neighbours of a gap in
  November may well be October's or December's decisions. Withdrawn records do not count: a
  withdrawn record is one the bureau said should not be there, so it cannot vouch for its number.
- Only the numbers between the smallest and largest seen are gaps (nothing is known beyond them).
- A gap is reported with a month when the record on either side of it (the number just before or
  just after) was decided in that month: the missing decision was made between its neighbours, so
  it falls in one of their months. A gap spanning two months is therefore shown in both.

How: the sequences touched by the period are found with one DISTINCT query; then, per sequence,
one SQL statement reads the numbers, groups them (several parties of one decision share a
number) and pairs each number with the one before it (window function LAG), returning only the
gaps. A year's sequence never comes into Python row by row. The SQL reading of the number is the
exact counterpart of the Python pattern below, and a test holds the two together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Integer, Subquery, and_, case, cast, func, select
from sqlalchemy.orm import Session

from app.queue import states as st
from app.store.models import Record
from app.validation.duplicates import doc_key

# A gap longer than this is one range row, not one row per number (a typo such as 1500号 for 15号
# would otherwise list a thousand "missing" decisions).
MAX_LISTED_GAP = 200
MAX_DIGITS = 7

# After doc_key every bracket variant is 〔〕; "第" before the number is optional in practice.
# ASCII digits only: doc_key's NFKC already folded full-width digits, and SQL GLOB knows only these.
_SEQUENCE = re.compile(r"(?P<prefix>[^〔〕]+)〔(?P<year>[0-9]{4})〕")
_PATTERN = re.compile(_SEQUENCE.pattern + rf"第?(?P<number>[0-9]{{1,{MAX_DIGITS}}})号")
# Above every character: "key >= P and key < P + _TOP" is the index range of the keys starting with P.
_TOP = "\U0010ffff"


@dataclass(frozen=True)
class DocNumber:
    prefix: str
    year: int
    number: int


def parse_doc_number(text: str | None) -> DocNumber | None:
    """(prefix, year, number) of a document number, or None when it does not follow the pattern."""
    return parse_doc_key(doc_key(text))


def parse_doc_key(key: str | None) -> DocNumber | None:
    """The same for a key already normalised by doc_key (the stored `records.doc_key`)."""
    match = _PATTERN.fullmatch(key) if key else None
    if match is None:
        return None
    return DocNumber(match["prefix"], int(match["year"]), int(match["number"]))


def format_doc_number(prefix: str, year: int, number: int) -> str:
    return f"{prefix}〔{year}〕{number}号"


@dataclass(frozen=True)
class Neighbour:
    """The seen number on one side of a gap: one of its document numbers as typed, its earliest
    decision date and every month in which a record with that number was decided."""

    doc_number: str
    decision_date: str | None
    months: frozenset[str]


@dataclass(frozen=True)
class Gap:
    kind: str
    prefix: str
    year: int
    first: int  # first missing number
    last: int  # last missing number (inclusive)
    before: Neighbour
    after: Neighbour

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    @property
    def listed(self) -> bool:
        """True when the gap is short enough to list number by number."""
        return self.count <= MAX_LISTED_GAP

    def numbers(self) -> list[int] | None:
        return list(range(self.first, self.last + 1)) if self.listed else None

    def doc_numbers(self) -> list[str] | None:
        nums = self.numbers()
        return None if nums is None else [format_doc_number(self.prefix, self.year, n) for n in nums]

    @property
    def months(self) -> frozenset[str]:
        return self.before.months | self.after.months

    def describe(self) -> str:
        if self.count == 1:
            return format_doc_number(self.prefix, self.year, self.first)
        return (f"{format_doc_number(self.prefix, self.year, self.first)} 至 "
                f"{format_doc_number(self.prefix, self.year, self.last)}（共 {self.count} 个）")

    def to_dict(self) -> dict:
        return {
            "kind": self.kind, "prefix": self.prefix, "year": self.year, "from": self.first, "to": self.last,
            "count": self.count, "doc_numbers": self.doc_numbers(),
            "previous": {"doc_number": self.before.doc_number, "decision_date": self.before.decision_date},
            "next": {"doc_number": self.after.doc_number, "decision_date": self.after.decision_date},
        }


def gaps_in(kind: str, prefix: str, year: int, seen: dict[int, Neighbour]) -> list[Gap]:
    """Every run of missing numbers between the smallest and the largest seen number (the rule
    the SQL in find_omissions applies, in plain Python)."""
    numbers = sorted(seen)
    return [Gap(kind, prefix, year, lo + 1, hi - 1, seen[lo], seen[hi])
            for lo, hi in zip(numbers, numbers[1:], strict=False) if hi - lo > 1]


# -- in SQL ---------------------------------------------------------------------------------------------
def _live() -> ColumnElement[bool]:
    # Withdrawn records do not vouch for their number (see the module docstring).
    return and_(Record.state != st.WITHDRAWN, Record.doc_key.is_not(None))


def _sequences(session: Session, lo: str, hi: str) -> list[tuple[str, str, int]]:
    """(kind, prefix, year) of the sequences that records decided in [lo, hi] belong to."""
    head = func.substr(Record.doc_key, 1, func.instr(Record.doc_key, "〕"))
    rows = session.execute(select(Record.kind, head).distinct()
                           .where(_live(), Record.decision_date >= lo, Record.decision_date <= hi))
    out = set()
    for kind, start in rows:
        match = _SEQUENCE.fullmatch(start or "")
        if match:
            out.add((kind, match["prefix"], int(match["year"])))
    return sorted(out)


def sequence_numbers(kind: str, start: str) -> Subquery:
    """One row per number of the sequence whose keys begin with `start` ("PREFIX〔YEAR〕"): n, doc
    (a document number as typed), decided (earliest decision date), months (comma-separated).

    The SQL counterpart of _PATTERN for what follows `start`: an optional 第, 1–7 ASCII digits,
    号. Each step is a sub-query with LIMIT -1 (no limit) so that SQLite computes a value once
    per row instead of copying its expression into every later use (its flattening rules 8, 13).
    """
    at = len(start) + 1
    skip = case((func.substr(Record.doc_key, at, 1) == "第", 1), else_=0)
    keys = (select(func.substr(Record.doc_key, at + skip).label("tail"),  # "15号"
                   Record.doc_number.label("doc"), Record.decision_date.label("decided"))
            # The key range walks the (kind, doc_key) index: only this sequence's rows are read.
            .where(_live(), Record.kind == kind, Record.doc_key >= start, Record.doc_key < start + _TOP)
            .limit(-1).subquery("keys"))
    k = keys.c
    parsed = (select(func.substr(k.tail, 1, func.length(k.tail) - 1).label("digits"), k.doc, k.decided)
              .where(k.tail.op("GLOB")("*号")).limit(-1).subquery("parsed"))
    c = parsed.c
    n = cast(c.digits, Integer)
    return (select(n.label("n"), func.min(c.doc).label("doc"), func.min(c.decided).label("decided"),
                   func.group_concat(func.substr(c.decided, 1, 7)).label("months"))
            .where(func.length(c.digits).between(1, MAX_DIGITS), c.digits.op("NOT GLOB")("*[^0-9]*"))
            .group_by(n).subquery("numbers"))


def _sequence_gaps(session: Session, kind: str, prefix: str, year: int) -> list[Gap]:
    """Every gap of one sequence: each number paired with the one before it (LAG), and only the
    pairs more than 1 apart come back to Python."""
    num = sequence_numbers(kind, f"{prefix}〔{year}〕").c
    before = {name: func.lag(col).over(order_by=num.n).label("p_" + name)
              for name, col in (("n", num.n), ("doc", num.doc), ("decided", num.decided), ("months", num.months))}
    paired = select(num.n, num.doc, num.decided, num.months, *before.values()).subquery("paired")
    p = paired.c
    rows = session.execute(select(p.p_n, p.p_doc, p.p_decided, p.p_months, p.n, p.doc, p.decided, p.months)
                           .where(p.n - p.p_n > 1).order_by(p.n))
    return [Gap(kind, prefix, year, lo + 1, hi - 1, _neighbour(lo_doc, lo_decided, lo_months),
                _neighbour(hi_doc, hi_decided, hi_months))
            for lo, lo_doc, lo_decided, lo_months, hi, hi_doc, hi_decided, hi_months in rows]


def _neighbour(doc: str | None, decided: str | None, months: str | None) -> Neighbour:
    return Neighbour(doc or "", decided, frozenset(m for m in (months or "").split(",") if m))


def find_omissions(session: Session, first: date, last: date) -> list[Gap]:
    """Gaps reported for decisions made from `first` to `last` (inclusive), in sequence order:
    a gap is reported when a neighbour was decided in one of the period's months."""
    months = _months_between(first, last)
    gaps: list[Gap] = []
    for kind, prefix, year in _sequences(session, first.isoformat(), last.isoformat()):
        gaps.extend(g for g in _sequence_gaps(session, kind, prefix, year) if g.months & months)
    return gaps


def _months_between(first: date, last: date) -> frozenset[str]:
    out, y, m = set(), first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.add(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return frozenset(out)
