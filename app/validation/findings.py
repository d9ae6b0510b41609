"""A finding: what is wrong with a record, where, how bad, and how to fix it (in Chinese)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    field: str | None  # the field the user has to change; None for the whole record
    severity: str  # "error" | "warning"
    rule: str  # stable machine id, e.g. "uscc_checksum"
    message: str  # Chinese, names the field's label, says how to fix; never contains an ID number

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Finding:
        return cls(d.get("field"), d["severity"], d["rule"], d["message"])


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == ERROR for f in findings)
