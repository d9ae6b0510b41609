"""Record states, their Chinese names, and the transitions DESIGN.md allows."""

from __future__ import annotations

DRAFT, READY, SENDING, ACCEPTED, RETURNED, WITHDRAWN = (
    "draft", "ready", "sending", "accepted", "returned", "withdrawn")

STATES = (DRAFT, READY, SENDING, ACCEPTED, RETURNED, WITHDRAWN)

LABELS = {
    DRAFT: "草稿", READY: "待报送", SENDING: "报送中", ACCEPTED: "已报送", RETURNED: "被退回", WITHDRAWN: "已撤销",
}

ALLOWED = {
    DRAFT: {READY, DRAFT, WITHDRAWN},
    READY: {DRAFT, READY, SENDING, WITHDRAWN},
    SENDING: {ACCEPTED, RETURNED, READY, WITHDRAWN, SENDING},
    ACCEPTED: {READY, RETURNED, ACCEPTED},
    RETURNED: {READY, DRAFT, RETURNED, SENDING},
    WITHDRAWN: set(),
}

EDITABLE = {DRAFT, READY, SENDING, ACCEPTED, RETURNED}


def can_move(old: str, new: str) -> bool:
    return new in ALLOWED.get(old, set())
