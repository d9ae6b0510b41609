"""The `platform` pytest fixture: a reference platform on 127.0.0.1 (free port) for one test.

    from tests.platform.fixtures import platform  # in conftest.py

Its clock starts at FIXTURE_NOW (and runs on), matching the suite's pinned "today" (2026-11-26), so
records made by tests/factories.py are judged the same on any day the suite runs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.platform.server import PlatformServer

FIXTURE_NOW = "2026-11-26T10:00:00+08:00"


@pytest.fixture
def platform() -> Iterator[PlatformServer]:
    server = PlatformServer(port=0, now=FIXTURE_NOW)
    server.start()
    try:
        yield server
    finally:
        server.stop()
