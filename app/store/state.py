"""Small named values kept in the store (sync cursors, ETags, times), written inside the caller's
transaction so that they change together with the data they describe."""

from __future__ import annotations

from app.store.models import SyncState


def get_state(session, key: str) -> str | None:
    row = session.get(SyncState, key)
    return row.value if row else None


def set_state(session, key: str, value: str | None) -> None:
    row = session.get(SyncState, key)
    if row is None:
        session.add(SyncState(key=key, value=value))
    else:
        row.value = value


def read_state(store, key: str) -> str | None:
    with store.session() as s:
        return get_state(s, key)


def write_state(store, key: str, value: str | None) -> None:
    with store.session() as s:
        set_state(s, key, value)
