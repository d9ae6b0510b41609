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
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.queue import states as st
from app.store.models import Record
from app.validation.duplicates import doc_key

# A gap longer than this is one range row, not one row per number (a typo such as 1500号 for 15号
# would otherwise list a thousand "missing" decisions).
MAX_LISTED_GAP = 200

# After doc_key every bracket variant is 〔〕; "第" before the number is optional in practice.
_PATTERN = re.compile(r"(?P<prefix>.+?)〔(?P<year>\d{4})〕第?(?P<number>\d{1,7})号")


@dataclass(frozen=True)
class DocNumber:
    prefix: str
    year: int
    number: int


def parse_doc_number(text: str | None) -> DocNumber | None:
    """(prefix, year, number) of a document number, or None when it does not follow the pattern."""
    key = doc_key(text)
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
    """Every run of missing numbers between the smallest and the largest seen number."""
    out: list[Gap] = []
    numbers = sorted(seen)
    for lo, hi in zip(numbers, numbers[1:], strict=False):
        if hi - lo > 1:
            out.append(Gap(kind, prefix, year, lo + 1, hi - 1, seen[lo], seen[hi]))
    return out


def find_omissions(session: Session, first: date, last: date) -> list[Gap]:
    """Gaps reported for decisions made from `first` to `last` (inclusive), in sequence order.

    Only sequences touched by a record decided in the range are loaded, and only their kind and
    year, so the cost follows the size of those sequences, not of the whole queue.
    """
    lo, hi = first.isoformat(), last.isoformat()
    months = _months_between(first, last)
    live = (Record.state != st.WITHDRAWN) & Record.doc_key.is_not(None)
    touched: dict[tuple[str, int], set[str]] = defaultdict(set)
    rows = session.execute(select(Record.kind, Record.doc_key)
                           .where(live, Record.decision_date >= lo, Record.decision_date <= hi))
    for kind, key in rows:
        parsed = parse_doc_number(key)
        if parsed is not None:
            touched[(kind, parsed.year)].add(parsed.prefix)

    gaps: list[Gap] = []
    for (kind, year), prefixes in sorted(touched.items()):
        # doc_key already holds the normalised brackets, so a LIKE narrows the rows to the year.
        rows = session.execute(
            select(Record.doc_key, Record.doc_number, Record.decision_date)
            .where(live, Record.kind == kind, Record.doc_key.like(f"%〔{year}〕%"))
            .order_by(Record.id))
        sequences = _collect(rows, year, prefixes)
        for prefix in sorted(sequences):
            for gap in gaps_in(kind, prefix, year, sequences[prefix]):
                if gap.months & months:
                    gaps.append(gap)
    return gaps


def _collect(rows: Iterable[tuple[str, str | None, str | None]], year: int,
             prefixes: set[str]) -> dict[str, dict[int, Neighbour]]:
    seen: dict[str, dict[int, tuple[str, str | None, set[str]]]] = defaultdict(dict)
    for key, typed, decided in rows:
        parsed = parse_doc_number(key)
        if parsed is None or parsed.year != year or parsed.prefix not in prefixes:
            continue
        entry = seen[parsed.prefix].get(parsed.number)
        if entry is None:
            entry = seen[parsed.prefix][parsed.number] = (typed or key, decided, set())
        elif decided and (entry[1] is None or decided < entry[1]):
            # Several parties of one decision share a number; show the earliest decision date.
            entry = seen[parsed.prefix][parsed.number] = (entry[0], decided, entry[2])
        if decided:
            entry[2].add(decided[:7])
    return {prefix: {n: Neighbour(t, d, frozenset(m)) for n, (t, d, m) in nums.items()}
            for prefix, nums in seen.items()}


def _months_between(first: date, last: date) -> frozenset[str]:
    out, y, m = set(), first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.add(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return frozenset(out)
