"""Helpers for tests that sync against the reference platform."""

from __future__ import annotations

import random

from app.platform.client import RetryPolicy
from app.platform.credentials import save_password
from app.platform.sync import SyncSummary, client_from_settings, run_sync
from tests import factories

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05, max_retry_after=5)


def log_in(ctx, platform, username: str | None = None, password: str | None = None) -> None:
    st = ctx.settings
    st.platform_url, st.username = platform.base_url, username or platform.username
    ctx.save_settings()
    save_password(platform.base_url, st.username, password or platform.password)


def sync(ctx, retry: RetryPolicy = FAST, **kw) -> SyncSummary:
    return run_sync(ctx, client=client_from_settings(ctx, retry=retry), **kw)


def add(ctx, kind: str = "penalty", n: int = 1, start: int = 1, **over) -> list[str]:
    rng = random.Random(start)
    items = [(kind, factories.record(kind, rng, start + i, **over)) for i in range(n)]
    results = ctx.queue.add(items)
    return [r.client_id for r in results]
