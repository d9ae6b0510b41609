"""The local copy of the 严重失信主体名单: applying the platform's change-log pages, and the index the
validator compares subjects with."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select

from app.store.models import BlacklistEntry
from app.store.state import get_state, read_state, set_state
from app.validation.blacklist import BlacklistIndex, ListEntry

CURSOR_KEY = "blacklist_cursor"
SYNCED_KEY = "blacklist_synced_on"


def cursor(store) -> str | None:
    return read_state(store, CURSOR_KEY)


def apply_page(store, items: list[dict], next_cursor: str, synced_on: date) -> int:
    """Apply one page and its cursor in one transaction (a crash never skips or repeats a page's
    effect). The latest item for an entry wins; `removed` deletes it from the copy."""
    applied = 0
    with store.session() as s:
        for item in items:
            entry_id = item.get("entry_id")
            if not isinstance(entry_id, str) or not entry_id:
                continue
            s.execute(delete(BlacklistEntry).where(BlacklistEntry.entry_id == entry_id))
            if not item.get("removed"):
                s.add(BlacklistEntry(
                    entry_id=entry_id[:64], subject_name=_text(item.get("subject_name"), 200),
                    uscc=_text(item.get("uscc"), 18), id_sha256=_text(item.get("id_sha256"), 64),
                    list_name=_text(item.get("list_name"), 200) or "严重失信主体名单",
                    listed_on=_text(item.get("listed_on"), 10)))
                s.flush()
            applied += 1
        set_state(s, CURSOR_KEY, next_cursor)
        set_state(s, SYNCED_KEY, synced_on.isoformat())
    return applied


def _text(value, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def count(store) -> int:
    from sqlalchemy import func

    with store.session() as s:
        return s.scalar(select(func.count()).select_from(BlacklistEntry)) or 0


def load_index(store, max_age_days: int = 7) -> BlacklistIndex:
    with store.session() as s:
        synced = get_state(s, SYNCED_KEY)
        rows = s.execute(select(BlacklistEntry.entry_id, BlacklistEntry.subject_name, BlacklistEntry.uscc,
                                BlacklistEntry.id_sha256, BlacklistEntry.list_name, BlacklistEntry.listed_on)).all()
    entries = [ListEntry(*row) for row in rows]
    return BlacklistIndex.build(entries, date.fromisoformat(synced) if synced else None, max_age_days)
