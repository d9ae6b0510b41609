"""Syncing 10,000 records to the reference platform on 127.0.0.1.

Run: .venv/bin/python -m tests.bench.bench_sync [N]
Prints records/s for the whole sync (batches persisted before sending, answers applied, audit
trail) and, measured in the same run against a fresh platform, a baseline that only POSTs the same
batch bodies with requests (no local bookkeeping), with the ratio between the two."""

from __future__ import annotations

import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

import keyring
import requests

from app.context import AppContext
from tests.memory_keyring import MemoryKeyring
from tests.platform.server import PlatformServer
from tests.sync_helpers import add, log_in, sync


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    keyring.set_keyring(MemoryKeyring())
    import os

    os.environ["CREDITDESK_TODAY"] = "2026-11-26"
    with tempfile.TemporaryDirectory() as tmp, PlatformServer(port=0, now="2026-11-26T10:00:00+08:00") as platform:
        ctx = AppContext(Path(tmp))
        log_in(ctx, platform)
        t0 = time.perf_counter()
        for start in range(0, n, 2000):
            add(ctx, "penalty", min(2000, n - start), start=start + 1)
        filled = time.perf_counter() - t0
        t0 = time.perf_counter()
        summary = sync(ctx)
        full = time.perf_counter() - t0
        assert summary.ok and summary.accepted == n, summary
        from sqlalchemy import select

        from app.store.models import SyncBatch

        with ctx.store.session() as s:
            bodies = [json.loads(b) for b in s.scalars(select(SyncBatch.body))]
        ctx.close()

    with PlatformServer(port=0, now="2026-11-26T10:00:00+08:00") as platform:
        session = requests.Session()
        token = session.post(platform.base_url + "/auth/token",
                             json={"username": platform.username, "password": platform.password}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        t0 = time.perf_counter()
        for body in bodies:
            r = session.post(platform.base_url + "/submissions", json=body,
                             headers={**headers, "Idempotency-Key": str(uuid.uuid4())})
            assert r.status_code == 200
        baseline = time.perf_counter() - t0

    print(f"records                    {n}")
    print(f"queue fill (not timed)     {filled:.2f} s")
    print(f"baseline bare POSTs        {baseline:.2f} s  {n / baseline:,.0f} records/s")
    print(f"full sync                  {full:.2f} s  {n / full:,.0f} records/s")
    print(f"ratio full / baseline      {full / baseline:.2f}x")


if __name__ == "__main__":
    main()
