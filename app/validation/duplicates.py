"""The same decision reported twice (domain.md §14): same kind, same document number, same subject."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from app.catalog.model import Kind
from app.validation.findings import ERROR, WARNING, Finding
from app.validation.normalize import nfkc

# Bracket variants that clerks use interchangeably in 文号: 〔〕 [] 【】 () (full-width forms fold under NFKC).
_BRACKETS = str.maketrans({"[": "〔", "]": "〕", "【": "〔", "】": "〕", "(": "〔", ")": "〕"})
_OTHER_BRACKETS = frozenset("[]【】()")  # translate() costs a dict lookup a character: only when needed


def doc_key(text: str | None, *, normalized: bool = False) -> str | None:
    """`normalized`: the text is a value the normaliser gave (NFKC already)."""
    if not text:
        return None
    key = "".join((text if normalized else nfkc(text)).split())  # split() drops the whitespace that \s matches
    if not _OTHER_BRACKETS.isdisjoint(key):
        key = key.translate(_BRACKETS)
    return key or None


def subject_key(kind: Kind, fields: dict[str, str], placeholder: str) -> str | None:
    """Matching key of the subject: a real 统一社会信用代码; else 工商注册号 when the code is the
    placeholder; else 证件类型 + 证件号码 (hashed: the key is stored and compared, never shown);
    else the name, so two records without any code still compare."""
    s = kind.subject
    uscc = fields.get(s.get("uscc", ""), "")
    if uscc and uscc != placeholder:
        return "U:" + uscc
    if uscc == placeholder and fields.get(s.get("business_reg", "")):
        return "G:" + fields[s["business_reg"]]
    number = fields.get(s.get("id_number", ""), "")
    if number:
        digest = hashlib.sha256(f"{fields.get(s.get('id_type', ''), '')}|{number}".encode()).hexdigest()
        return "P:" + digest[:40]
    name = fields.get(s.get("name", ""), "")
    return "N:" + name if name else None


@dataclass
class DuplicateIndex:
    """Document numbers already taken, by kind: {(kind, doc_key): [(owner, subject_key, where, n)]}.
    `where` names the earlier record in a finding, formatted with n only when there is one."""

    entries: dict[tuple[str, str], list[tuple[str | None, str | None, str, int]]] = field(default_factory=dict)

    def add(self, kind: str, key: str | None, subject: str | None, owner: str, where: str, n: int = 0) -> None:
        if key:
            self.entries.setdefault((kind, key), []).append((owner, subject, where, n))

    def claim(self, kind: Kind, key: str, subject: str | None, owner: str | None, where: str,
              n: int) -> list[Finding]:
        """The findings of a record whose document number is taken already, and the number taken for it
        (owner None: a record of the batch, which no record being edited is); one lookup."""
        entries = self.entries
        at = (kind.id, key)
        taken = entries.get(at)
        if taken is None:
            entries[at] = [(owner, subject, where, n)]
            return []
        found = self._findings(kind, taken, subject, owner)
        taken.append((owner, subject, where, n))
        return found

    def _findings(self, kind: Kind, earlier: list, subject: str | None, owner: str | None) -> list[Finding]:
        code = kind.doc_number_field
        label = kind.label_of(code)
        same_subject, other_subject = None, None
        for other_owner, other_key, where, n in earlier:
            if owner is not None and other_owner == owner:
                continue  # editing a record never conflicts with itself
            if subject is not None and other_key == subject:
                same_subject = same_subject or where.format(n=n)
            else:
                other_subject = other_subject or where.format(n=n)
        if same_subject:
            return [Finding(code, ERROR, "duplicate_record",
                            f"「{label}」与{same_subject}重复（同一文书号、同一行政相对人），同一决定不能重复报送；"
                            f"如需更正，请修改原记录。")]
        if other_subject:
            return [Finding(code, WARNING, "duplicate_doc_number",
                            f"「{label}」与{other_subject}相同，但行政相对人不同；多个当事人的同一决定可以这样报送，"
                            f"否则请核对文书号是否填错。")]
        return []
