"""A sync process killed with SIGKILL at the worst moments; the next normal sync leaves every record
accepted exactly once on the platform and none lost locally (issue 5, "Kill tests")."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app.context import AppContext
from app.platform.client import RetryPolicy
from app.queue import states as st
from tests.sync_helpers import add, log_in, sync

ROOT = Path(__file__).resolve().parent.parent

CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from app.context import AppContext
    from app.platform.client import PlatformClient
    from app.platform.sync import run_sync
    from tests.sync_helpers import FAST
    ctx = AppContext(Path(sys.argv[1]))
    client = PlatformClient(sys.argv[2], username=sys.argv[3], password=sys.argv[4], retry=FAST)
    print(run_sync(ctx, client=client).to_json(), flush=True)
""")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


def _posts(platform) -> list[dict]:
    return [r for r in platform.requests() if r["method"] == "POST" and r["path"] == "/submissions"]


def _kill_when(proc, condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            raise AssertionError("the sync ended before the moment to kill it: "
                                 + proc.stderr.read().decode("utf-8", "replace")[-2000:])
        assert time.monotonic() < deadline, "timed out waiting for the moment to kill"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _scenario(ctx, platform, data_dir, n: int, arm, moment) -> list[str]:
    log_in(ctx, platform)
    ids = add(ctx, "penalty", n)
    ctx.close()
    arm()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(data_dir), platform.base_url, platform.username,
                             platform.password], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _kill_when(proc, moment)
    platform.clear_faults()
    return ids


def _repaired(data_dir, platform, ids) -> None:
    after = AppContext(data_dir)
    try:
        # The killed sync's request may still be held by the platform for a moment: the platform then
        # answers 429 with Retry-After (one submission in flight per account), which the client waits out.
        summary = sync(after, retry=RetryPolicy(attempts=10, base_delay=0.05, max_delay=0.2, max_retry_after=5))
        assert summary.ok, summary.error
        records = {r.client_id: r for r in after.queue.list()}
        assert set(records) == set(ids)  # none lost locally
        assert {r.state for r in records.values()} == {st.ACCEPTED}
        assert all(r.platform_id and r.first_received_at for r in records.values())
    finally:
        after.close()
    assert platform.accepted_creates() == dict.fromkeys(ids, 1)  # accepted exactly once


def test_killed_before_the_request_was_processed(ctx, platform, data_dir):
    # The request reaches the platform but is held and never processed: as if it never left.
    faults = []
    ids = _scenario(ctx, platform, data_dir, 5,
                    lambda: faults.append(platform.inject("drop", "POST", "/submissions", seconds=3)),
                    lambda: faults[0].hits == 1)
    assert platform.accepted_creates() == {}
    _repaired(data_dir, platform, ids)


def test_killed_after_the_platform_stored_the_batch(ctx, platform, data_dir):
    ids = _scenario(ctx, platform, data_dir, 5,
                    lambda: platform.inject("delay", "POST", "/submissions", seconds=3, after=True),
                    lambda: platform.accepted_creates() != {})
    assert len(platform.accepted_creates()) == 5
    _repaired(data_dir, platform, ids)
    keys = {p["idempotency_key"] for p in _posts(platform)}
    assert len(keys) == 1  # the stored batch was replayed with its own key


def test_killed_between_batches(ctx, platform, data_dir):
    faults = []

    def arm():
        platform.inject("delay", "POST", "/submissions", seconds=0)  # the first batch passes
        faults.append(platform.inject("drop", "POST", "/submissions", seconds=3))  # the second is held

    ids = _scenario(ctx, platform, data_dir, 700, arm, lambda: faults[0].hits == 1)
    assert len(platform.accepted_creates()) == 500
    _repaired(data_dir, platform, ids)
