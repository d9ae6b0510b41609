"""The validator: record + catalog -> findings. Pure functions of their inputs; built once per
catalog (and calendar) so that checking 100,000 records does no per-record set-up."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from datetime import date

from app.catalog.model import Catalog, Kind
from app.clock import today as local_today
from app.validation.blacklist import BlacklistIndex
from app.validation.duplicates import DuplicateIndex, doc_key, subject_key
from app.validation.fields import FieldChecker
from app.validation.findings import ERROR, Finding
from app.validation.normalize import Normalizer
from app.validation.rules import RuleContext, compile_rules


@dataclass(slots=True)
class CheckResult:
    kind: str
    fields: dict[str, str]  # normalised, non-empty values
    findings: list[Finding]
    doc_key: str | None = None
    subject_key: str | None = None

    @property
    def ok(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors


class KindValidator:
    def __init__(self, catalog: Catalog, kind: Kind, calendar=None, blacklist: BlacklistIndex | None = None):
        self.catalog = catalog
        self.kind = kind
        self.blacklist = blacklist
        self.normalizer = Normalizer(catalog, kind)
        self.checkers = {f.code: FieldChecker(catalog, kind, f) for f in kind.fields}
        self.required = [(f.code, self.checkers[f.code]) for f in kind.fields if f.required]
        self.order = {f.code: i for i, f in enumerate(kind.fields)}
        self.length_only = {code: c.f.length for code, c in self.checkers.items() if c.length_only}
        ctx = RuleContext(catalog, kind, calendar)
        self.rules = compile_rules(ctx, kind.rules)
        self.overrides = catalog.severity_overrides

    def validate(self, fields: dict[str, str], today: date) -> list[Finding]:
        """Findings for already-normalised fields, in catalog field order, then record rules."""
        findings: list[Finding] = []
        overrides = self.overrides
        append = findings.append
        if overrides:
            def emit(code, severity, rule, message):
                append(Finding(code, overrides.get(rule, severity), rule, message))
        else:
            def emit(code, severity, rule, message):
                append(Finding(code, severity, rule, message))
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
        for code, checker in self.required:
            if code not in fields:
                checker.missing(emit)
        if len(findings) > 1:
            order = self.order
            findings.sort(key=lambda f: order.get(f.field, -1))
        for rule in self.rules:
            rule(fields, today, emit)
        if self.blacklist is not None:
            findings.extend(self.blacklist.findings(self.kind, fields, self.catalog.placeholder_uscc, today))
        return findings

    def check(self, raw: dict[str, object], today: date) -> CheckResult:
        fields, notes = self.normalizer.normalize(raw)
        findings = self.validate(fields, today)
        if notes:
            findings = notes + findings
        return CheckResult(self.kind.id, fields, findings,
                           doc_key(fields.get(self.kind.doc_number_field)),
                           subject_key(self.kind, fields, self.catalog.placeholder_uscc))


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

    def check_batch(self, items: list[tuple[str, dict[str, object]]], existing: DuplicateIndex | None = None,
                    today: date | None = None, owners: list[str | None] | None = None,
                    where: str = "本批第 {n} 条") -> list[CheckResult]:
        """Check records together: each also against the ones before it and the `existing` index
        (records already in the queue). `owners` names records being edited so they never clash with
        themselves."""
        today = today or local_today()
        index = existing if existing is not None else DuplicateIndex()
        results: list[CheckResult] = []
        # Many small objects are created and all kept: the cyclic GC would rescan them again and
        # again for nothing (there are no cycles here), so it waits until the batch is done.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            self._check_all(items, index, today, owners, where, results)
        finally:
            if gc_was_enabled:
                gc.enable()
        return results

    def _check_all(self, items, index, today, owners, where, results) -> None:
        for i, (kind_id, raw) in enumerate(items):
            result = self.check(kind_id, raw, today)
            kind = self.catalog.kinds.get(result.kind)
            owner = owners[i] if owners else None
            if kind is not None:
                result.findings.extend(index.check(kind, result.doc_key, result.subject_key, owner))
                index.add(kind.id, result.doc_key, result.subject_key, owner or f"#{i}", where.format(n=i + 1))
            results.append(result)
