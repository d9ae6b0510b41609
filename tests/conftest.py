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

# -- the privacy scan of every log written during the suite (issue 8) --------------------------------
_SESSION_LOG: list = []


def pytest_sessionstart(session):
    import logging
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp(prefix="creditdesk-suite-log-")) / "suite.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    _SESSION_LOG.append(path)


def pytest_sessionfinish(session, exitstatus):
    """Every log file the suite wrote (the session log, and each data folder's logs) is scanned for
    ID numbers, passwords and tokens; a hit fails the run."""
    from tests.privacy_scan import scan_logs

    try:
        base = session.config._tmp_path_factory.getbasetemp()
    except Exception:
        return
    found = scan_logs(base, extra=_SESSION_LOG)
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line("PRIVACY SCAN FAILED: personal data or secrets in log files:", red=True)
            for path, problems in found.items():
                reporter.write_line(f"  {path}: {', '.join(problems)}", red=True)
        session.exitstatus = 1
    else:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter:
            reporter.write_line(f"privacy scan: no ID numbers, passwords or tokens in the logs "
                                f"({len(list(base.rglob('*.log*'))) + len(_SESSION_LOG)} files)")
