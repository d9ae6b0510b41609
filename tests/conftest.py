"""Shared fixtures: a real data folder per test, an in-memory keyring, a fixed "today"."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def data_dir(tmp_path):
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def ctx(data_dir, monkeypatch):
    """A core context over a fresh SQLite file; "today" pinned to 2026-11-26 (UTC+8)."""
    from app.context import AppContext

    monkeypatch.setenv("CREDITDESK_TODAY", "2026-11-26")
    context = AppContext(data_dir)
    yield context
    context.close()


@pytest.fixture(autouse=True)
def memory_keyring():
    """Every test gets an empty in-memory keyring; the real one is never touched."""
    import keyring

    from tests.memory_keyring import MemoryKeyring

    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


from tests.platform.fixtures import platform  # noqa: E402,F401  (the reference platform fixture)
