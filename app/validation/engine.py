"""The validator: record + catalog -> findings. Pure functions of their inputs; built once per
catalog (and calendar) so that checking 100,000 records does no per-record set-up."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from app.catalog.model import Catalog, Kind
from app.clock import today as local_today
from app.gc_pause import pause_gc, resume_gc
from app.validation.blacklist import BlacklistIndex
from app.validation.duplicates import DuplicateIndex, doc_key, subject_key
from app.validation.fields import FieldChecker
from app.validation.findings import ERROR, Finding
from app.validation.normalize import Normalizer, to_text
from app.validation.rules import RuleContext, compile_rules

# Distinct values remembered per field and batch: enough for a bureau's codes, categories and dates;
# a column of unique values (names, decision texts) stops being remembered once it reaches this.
_MEMO_LIMIT = 5000
_NO_FIELDS: dict[str, str] = {}  # what a value-only check is given for "the other fields"


@dataclass(slots=True)
class CheckResult:
    kind: str
    fields: dict[str, str]  # normalised, non-empty values
    findings: list[Finding]
    doc_key: str | None = None
    subject_key: str | None = None

    # Asked several times for each of 100,000 imported records, most of which have no findings.
    @property
    def ok(self) -> bool:
        return not self.findings or not any(f.severity == ERROR for f in self.findings)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR) if self.findings else 0

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors if self.findings else 0


class Prechecked(dict):
    """A raw record whose cells a reader has already looked up with KindValidator.clean_value():
    those hold their normalised value, the `pending` ones (in insertion order) their raw text.
    Checked by another validator or on another day, it is a plain raw record."""

    __slots__ = ("pending", "by", "today")
    pending: list[str]
    by: KindValidator | None  # None once checked (KindValidator.check)
    today: date

    @classmethod
    def new(cls, by: KindValidator, today: date) -> Prechecked:
        # Attributes set here rather than in __init__: one record per row, and a Python-level
        # __init__ calling dict's costs as much as filling a few of its cells.
        raw = cls()
        raw.pending, raw.by, raw.today = [], by, today
        return raw


class KindValidator:
    def __init__(self, catalog: Catalog, kind: Kind, calendar=None, blacklist: BlacklistIndex | None = None):
        self.catalog = catalog
        self.kind = kind
        self.blacklist = blacklist
        self.normalizer = Normalizer(catalog, kind)
        self.checkers = {f.code: FieldChecker(catalog, kind, f) for f in kind.fields}
        self.required = [(f.code, self.checkers[f.code]) for f in kind.fields if f.required]
        self._required_codes = frozenset(code for code, _ in self.required)
        self.order = {f.code: i for i, f in enumerate(kind.fields)}
        self.length_only = {code: c.f.length for code, c in self.checkers.items() if c.length_only}
        ctx = RuleContext(catalog, kind, calendar)
        self.record_rules = compile_rules(ctx, kind.rules)  # one function for all of them
        self.overrides = catalog.severity_overrides
        # Fields whose normalised value and findings follow from the value alone (and today's date).
        # A batch repeats such values all the time (the bureau's own name and code on every row, a
        # few categories, dates, fine amounts, legal bases), so each is worked out once per batch.
        self._value_only = frozenset(code for code, c in self.checkers.items() if c.value_only)
        self._uscc_fields = frozenset(code for code, c in self.checkers.items() if c.f.type == "U")
        self._memo: dict[str, dict[str, tuple]] = {}
        self._memo_today: date | None = None

    def validate(self, fields: dict[str, str], today: date) -> list[Finding]:
        """Findings for already-normalised fields, in catalog field order, then record rules."""
        found: list[Finding] = []
        emit = self._emitter(found)
        checkers = self.checkers
        length_only = self.length_only
        for code, value in fields.items():
            limit = length_only.get(code)
            if limit is not None:
                if len(value) > limit:
                    checkers[code].too_long(value, emit)
                continue
            checker = checkers.get(code)
            if checker is not None:
                checker.check_value(value, fields, today, emit)
        return self._finish(fields, found, today, emit)

    def check(self, raw: dict[str, object], today: date) -> CheckResult:
        """Normalise and validate one record. The same findings, in the same order, as
        normalize() followed by validate(); values seen before in this batch are not worked out again.

        A `Prechecked` record of this validator and day only has its `pending` fields worked out: the
        others already hold what clean_value() gave for them."""
        memo = self._batch_memo(today)
        notes: list[Finding] = []
        found: list[Finding] = []  # of single fields; sorted into catalog order below
        emit = self._emitter(found)  # one for the record: each field's findings are a slice of `found`
        later: list[str] = []  # fields whose checks read other fields: run once all are normalised
        value_of = self.normalizer.value_of
        value_only = self._value_only
        uscc_fields, placeholder = self._uscc_fields, self.catalog.placeholder_uscc
        length_only, checkers = self.length_only, self.checkers
        if raw.__class__ is Prechecked and raw.by is self and raw.today == today:
            # Checked in place (a reader builds such a record for this one check): a pending field's
            # raw text is replaced by its value (or dropped), which keeps the keys in the order the
            # loop below would have added them. Marked as used, so that a second check of the same
            # record would check all of it.
            fields = raw
            raw.by = None
            cells = [(code, fields[code]) for code in raw.pending]
            prechecked = True
        else:
            fields = {}
            cells = raw.items()
            prechecked = False
        for code, value in cells:
            text = value if type(value) is str else to_text(value)
            if not text:
                if prechecked:
                    del fields[code]
                continue
            seen = memo.get(code)
            if seen is not None:
                hit = seen.get(text)
                if hit is not None:
                    norm, n, f = hit
                    fields[code] = norm
                    if n:
                        notes.extend(n)
                    if f:
                        found.extend(f)
                    continue
            own: list[Finding] = []
            norm = value_of(code, text, own)
            if norm is None:  # not a field of this kind (a note says so)
                notes.extend(own)
                if prechecked:
                    del fields[code]
                continue
            if own:
                notes.extend(own)
            if not norm:
                if prechecked:
                    del fields[code]
                continue
            fields[code] = norm
            if code not in value_only or (code in uscc_fields and norm == placeholder):
                later.append(code)  # the placeholder code is allowed or not by the subject's category
                continue
            start = len(found)
            limit = length_only.get(code)  # _check_into(), written out: four or five cells a record
            if limit is None:
                checkers[code].check_value(norm, _NO_FIELDS, today, emit)
            elif len(norm) > limit:
                checkers[code].too_long(norm, emit)
            if seen is not None:
                self._remember(code, seen, text, (norm, tuple(own), tuple(found[start:])))
        if later:
            for code in later:
                checkers[code].check_value(fields[code], fields, today, emit)
        findings = self._finish(fields, found, today, emit)
        if notes:
            findings = notes + findings
        return CheckResult(self.kind.id, fields, findings,
                           doc_key(fields.get(self.kind.doc_number_field), normalized=True),
                           subject_key(self.kind, fields, self.catalog.placeholder_uscc))

    def clean_value(self, code: str, text: str, today: date) -> str | None:
        """The normalised value of `text` in field `code` when the text alone decides it (a
        value-only field) and it passes with no finding and no note; None otherwise (the record's
        check then works the cell out in full). Remembered for the batch like check()'s values, so
        that a reader can build records of clean cells that check() does not look at again."""
        if code not in self._value_only:
            return None
        memo = self._batch_memo(today)
        seen = memo.get(code)
        if seen is not None:
            hit = seen.get(text)
            if hit is not None:
                norm, notes, findings = hit
                return None if notes or findings else norm
        own: list[Finding] = []
        norm = self.normalizer.value_of(code, text, own)
        if not norm or own or self._is_placeholder(code, norm):
            return None
        checked = self._check_field(code, norm, today)
        if seen is not None:
            self._remember(code, seen, text, (norm, (), tuple(checked)))
        return None if checked else norm

    def _batch_memo(self, today: date) -> dict[str, dict[str, tuple]]:
        """Per value-only field: text -> (value, notes, findings), for one day's checks."""
        if today != self._memo_today:
            self._memo = {code: {} for code in self._value_only}
            self._memo_today = today
        return self._memo

    def _remember(self, code: str, seen: dict, text: str, entry: tuple) -> None:
        if len(seen) < _MEMO_LIMIT:
            seen[text] = entry
        else:  # a column of (nearly) unique values: looking them up only costs hashing them
            self._memo.pop(code, None)

    def _is_placeholder(self, code: str, norm: str) -> bool:
        return code in self._uscc_fields and norm == self.catalog.placeholder_uscc

    def forget(self) -> None:
        """Drop the values remembered during a batch."""
        self._memo = {}
        self._memo_today = None

    def _emitter(self, into: list[Finding]):
        append = into.append
        overrides = self.overrides
        if overrides:
            def emit(code, severity, rule, message):
                append(Finding(code, overrides.get(rule, severity), rule, message))
        else:
            def emit(code, severity, rule, message):
                append(Finding(code, severity, rule, message))
        return emit

    def _check_field(self, code: str, value: str, today: date) -> list[Finding]:
        out: list[Finding] = []
        self._check_into(code, value, today, self._emitter(out))
        return out

    def _check_into(self, code: str, value: str, today: date, emit) -> None:
        """A value-only field's own checks."""
        limit = self.length_only.get(code)
        if limit is not None:
            if len(value) > limit:
                self.checkers[code].too_long(value, emit)
        else:
            self.checkers[code].check_value(value, _NO_FIELDS, today, emit)

    def _finish(self, fields: dict[str, str], found: list[Finding], today: date, emit=None) -> list[Finding]:
        """Required fields, catalog order, record rules and the blacklist, after the single fields.
        `emit` (when given) appends to `found`."""
        emit = emit or self._emitter(found)
        # A few key lookups (issubset(fields) would copy the record's keys into a set first).
        if not self._required_codes <= fields.keys():
            for code, checker in self.required:
                if code not in fields:
                    checker.missing(emit)
        if len(found) > 1:
            order = self.order
            found.sort(key=lambda f: order.get(f.field, -1))
        self.record_rules(fields, today, emit)
        if self.blacklist is not None:
            found.extend(self.blacklist.findings(self.kind, fields, self.catalog.placeholder_uscc, today))
        return found


class Validator:
    """Validates records of every kind of one catalog."""

    def __init__(self, catalog: Catalog, calendar=None, blacklist: BlacklistIndex | None = None):
        self.catalog = catalog
        self.calendar = calendar
        self.blacklist = blacklist
        self._kinds: dict[str, KindValidator] = {}

    def for_kind(self, kind_id: str) -> KindValidator | None:
        kv = self._kinds.get(kind_id)
        if kv is None and kind_id in self.catalog.kinds:
            kv = self._kinds[kind_id] = KindValidator(self.catalog, self.catalog.kinds[kind_id], self.calendar,
                                                      self.blacklist)
        return kv

    def check(self, kind_id: str, raw: dict[str, object], today: date | None = None) -> CheckResult:
        kv = self.for_kind(kind_id)
        if kv is None and (not kind_id or kind_id.startswith("\x00")):
            return CheckResult("", {}, [Finding(None, ERROR, "record_malformed",
                                                "这一项不是完整的记录：应为包含 kind（记录类别）和 fields（字段）的对象。")])
        if kv is None:
            known = "、".join(f"{k.id}（{k.label}）" for k in self.catalog.kinds.values())
            return CheckResult(str(kind_id), {}, [Finding(None, ERROR, "unknown_kind",
                                                          f"记录类别“{str(kind_id)[:30]}”不在数据目录中，应为：{known}。")])
        return kv.check(raw, today or local_today())

    def check_batch(self, items: Iterable[tuple[str, dict[str, object]]], existing: DuplicateIndex | None = None,
                    today: date | None = None, owners: list[str | None] | None = None,
                    where: str = "本批第 {n} 条") -> list[CheckResult]:
        """Check records together: each also against the ones before it and the `existing` index
        (records already in the queue). `owners` names records being edited so they never clash with
        themselves."""
        return list(self.iter_batch(items, existing, today, owners, where))

    def iter_batch(self, items: Iterable[tuple[str, dict[str, object]]], existing: DuplicateIndex | None = None,
                   today: date | None = None, owners: list[str | None] | None = None,
                   where: str = "本批第 {n} 条") -> Iterator[CheckResult]:
        """check_batch, one result at a time: a caller can store each part while the next is checked."""
        today = today or local_today()
        index = existing if existing is not None else DuplicateIndex()
        catalog_kinds = self.catalog.kinds
        validators = self._kinds
        pause_gc()  # many small objects, all kept, no cycles (app/gc_pause.py)
        try:
            for i, (kind_id, raw) in enumerate(items):
                kv = validators.get(kind_id)
                result = kv.check(raw, today) if kv is not None else self.check(kind_id, raw, today)
                kind = catalog_kinds.get(result.kind)
                if kind is not None and result.doc_key:  # a record without a document number has no duplicate
                    found = index.claim(kind, result.doc_key, result.subject_key, owners[i] if owners else None,
                                        where, i + 1)
                    if found:
                        result.findings.extend(found)
                yield result
        finally:
            for kv in self._kinds.values():
                kv.forget()
            resume_gc()
