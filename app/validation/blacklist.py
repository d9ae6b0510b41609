"""Comparison with the local copy of the 严重失信主体名单 (domain.md §13): a warning, never a block."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from app.catalog.model import Kind
from app.validation.findings import WARNING, Finding


@dataclass(frozen=True)
class ListEntry:
    entry_id: str
    subject_name: str | None
    uscc: str | None
    id_sha256: str | None
    list_name: str
    listed_on: str | None


def id_hash(number: str) -> str:
    """SHA-256 of the normalised 18-character ID number (upper-case X), as the platform computes it."""
    return hashlib.sha256(number.strip().upper().encode("ascii", "replace")).hexdigest()


@dataclass
class BlacklistIndex:
    by_uscc: dict[str, list[ListEntry]] = field(default_factory=dict)
    by_id: dict[str, list[ListEntry]] = field(default_factory=dict)
    by_name: dict[str, list[ListEntry]] = field(default_factory=dict)
    synced_on: date | None = None  # None: the list was never synced, so nothing is compared
    max_age_days: int = 7

    @classmethod
    def build(cls, entries: list[ListEntry], synced_on: date | None, max_age_days: int = 7) -> BlacklistIndex:
        index = cls(synced_on=synced_on, max_age_days=max_age_days)
        for e in entries:
            if e.uscc:
                index.by_uscc.setdefault(e.uscc, []).append(e)
            if e.id_sha256:
                index.by_id.setdefault(e.id_sha256.lower(), []).append(e)
            if e.subject_name:
                index.by_name.setdefault(e.subject_name, []).append(e)
        return index

    def findings(self, kind: Kind, fields: dict[str, str], placeholder: str, today: date) -> list[Finding]:
        if self.synced_on is None:
            return []
        s = kind.subject
        out: list[Finding] = []
        uscc = fields.get(s.get("uscc", ""))
        number = fields.get(s.get("id_number", ""))
        name = fields.get(s.get("name", ""))
        hits: list[tuple[str, ListEntry, bool]] = []
        if uscc and uscc != placeholder:
            hits += [(s["uscc"], e, True) for e in self.by_uscc.get(uscc, ())]
        if number and fields.get(s.get("id_type", "")) == "身份证" and len(number) == 18:
            hits += [(s["id_number"], e, True) for e in self.by_id.get(id_hash(number), ())]
        if not hits and name:
            hits += [(s["name"], e, False) for e in self.by_name.get(name, ())]
        for code, e, strong in hits:
            how = "" if strong else "（仅名称相同，请核对是否为同一主体）"
            out.append(Finding(code, WARNING, "blacklist_hit" if strong else "blacklist_name_only",
                               f"行政相对人在「{e.list_name}」中（列入日期 {e.listed_on or '未知'}，名单编号 {e.entry_id}）"
                               f"{how}。联合惩戒可能限制相关许可或待遇，请按规定核实处理；本提示不影响报送。"))
        if (today - self.synced_on).days > self.max_age_days:
            out.append(Finding(None, WARNING, "blacklist_stale",
                               f"严重失信主体名单上次同步于 {self.synced_on.isoformat()}，可能不是最新，请联网同步。"))
        return out
