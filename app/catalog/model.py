"""The catalog as read-only Python objects, built once from a schema-checked document."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class CodeList:
    id: str
    label: str
    codes: tuple[str, ...]
    labels: dict[str, str]  # code -> display label (code itself when the list has no labels)
    other_prefix: str | None
    legacy: dict[str, dict[str, Any]]  # value -> {"severity", "message", "suggest"}
    code_set: frozenset[str] = field(init=False, default=frozenset())

    def __post_init__(self) -> None:
        object.__setattr__(self, "code_set", frozenset(self.codes))

    def display(self, code: str) -> str:
        label = self.labels.get(code)
        return f"{code} {label}" if label and label != code else code


@dataclass(frozen=True)
class Alias:
    name: str
    sets: dict[str, str] = field(default_factory=dict)
    join: bool = False
    unit: str | None = None
    confirm_unit: bool = False


@dataclass(frozen=True)
class Field:
    code: str
    label: str
    type: str  # S T D A E M U
    length: int | None
    required: bool
    section: str
    help: str
    aliases: tuple[Alias, ...]
    identifier: bool
    personal_id: bool
    pii_scan: bool
    not_future: bool
    long_term: bool
    local_only: bool
    default_from: str | None
    code_list: str | None  # a fixed list
    code_list_by: tuple[str, dict[str, str]] | None  # (field, {value of field: list id})
    placeholder_when: dict | None
    precision: int | None
    scale: int | None
    amount_unit: str | None
    amount_warn_at: Decimal | None
    checks: tuple[dict, ...]


@dataclass(frozen=True)
class Kind:
    id: str
    label: str
    prefix: str
    deadline_days: int
    decision_date_field: str
    doc_number_field: str
    subject: dict[str, str]
    sections: tuple[tuple[str, str], ...]
    fields: tuple[Field, ...]
    rules: tuple[dict, ...]

    def field(self, code: str) -> Field:
        return self.by_code[code]

    @property
    def by_code(self) -> dict[str, Field]:
        return self._by_code  # type: ignore[attr-defined]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {f.code: f for f in self.fields})

    def label_of(self, code: str) -> str:
        f = self._by_code.get(code)  # type: ignore[attr-defined]
        return f.label if f else code


@dataclass(frozen=True)
class Catalog:
    version: str
    name: str
    published_at: str | None
    placeholder_uscc: str
    long_term_date: str
    severity_overrides: dict[str, str]
    unmapped_headers: tuple[str, ...]
    code_lists: dict[str, CodeList]
    kinds: dict[str, Kind]
    document: dict  # the document as loaded, kept for storage and re-publication

    def kind(self, kind_id: str) -> Kind:
        return self.kinds[kind_id]
