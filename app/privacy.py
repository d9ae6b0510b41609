"""Masking of personal ID numbers wherever lists, exports and reports show them (domain.md §12)."""

from __future__ import annotations

from app.catalog.model import Kind

DEFAULT_KEEP_HEAD = 6
DEFAULT_KEEP_TAIL = 4


def mask_id(value: str | None, head: int = DEFAULT_KEEP_HEAD, tail: int = DEFAULT_KEEP_TAIL) -> str:
    """361102199001011234 -> 361102********1234; a number shorter than 15 shows only its last 4."""
    if not value:
        return ""
    if len(value) < 15:
        return "*" * max(len(value) - tail, 0) + value[-tail:]
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def masked_fields(kind: Kind, fields: dict[str, str]) -> dict[str, str]:
    out = dict(fields)
    for f in kind.fields:
        if f.personal_id and out.get(f.code):
            out[f.code] = mask_id(out[f.code])
    return out
