"""The sync engine: one call does everything, in the order of issue 5 — catalog (ETag) → calendars →
serious-dishonesty list → push ready records → feedback → summary.

Nothing is lost or sent twice: a batch and its Idempotency-Key are committed before the request
leaves; a batch whose outcome is unknown stays pending and is replayed byte for byte (same key,
same body) by the next sync; a record in flight without a batch is settled with
GET /submissions/{client_id}. Systemic failures (credentials, network, 5xx after retries) stop the
run and leave records as they are; a record the platform rejects is returned with its reasons and
the rest go on."""

from __future__ import annotations

import copy
import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from app.catalog.loader import CatalogError
from app.clock import now, today
from app.errors import UserError
from app.platform import blacklist
from app.platform.client import PlatformClient
from app.platform.credentials import load_password
from app.platform.errors import (
    CatalogOutdated,
    CredentialsError,
    NotLoggedIn,
    PlatformError,
    RequestRefused,
)
from app.platform.lock import sync_lock
from app.queue.sending import FEEDBACK_CURSOR, Counts, Outbox
from app.store.state import read_state, write_state
from app.workdays.sources import CalendarFormatError, save_platform_year

log = logging.getLogger(__name__)

CATALOG_ETAG = "catalog_etag"
LAST_SYNC = "last_sync_at"
MAX_PAGES = 100_000  # a hostile or broken server cannot keep a sync paging for ever

Progress = Callable[[str, int, int], None]  # (phase, done, total)
PHASES = {"login": "登录平台", "catalog": "数据目录", "calendar": "工作日历", "blacklist": "严重失信主体名单",
          "push": "报送记录", "feedback": "平台反馈"}


@dataclass
class SyncSummary(Counts):
    ok: bool = False
    error: str | None = None
    error_code: str | None = None
    reconciled: int = 0
    catalog_version: str | None = None
    calendar_years: list[int] = field(default_factory=list)
    blacklist_entries: int = 0
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


def client_from_settings(ctx, **kw) -> PlatformClient:
    s = ctx.settings
    if not s.platform_url or not s.username:
        raise NotLoggedIn("尚未登录平台账号：请先用 creditdesk login --url 平台地址 --username 用户名 登录。")
    # The keyring first; the environment only where there is no keyring (a headless server, scripts).
    password = load_password(s.platform_url, s.username) or os.environ.get("CREDITDESK_PASSWORD")
    if not password:
        raise NotLoggedIn("系统钥匙串中没有保存平台密码，请重新登录。")
    return PlatformClient(s.platform_url, username=s.username, password=password, ca_bundle=s.ca_bundle,
                          proxy=s.proxy, connect_timeout=s.connect_timeout, read_timeout=s.read_timeout, **kw)


class SyncEngine:
    def __init__(self, ctx, client: PlatformClient, progress: Progress | None = None,
                 cancelled: Callable[[], bool] | None = None):
        self.ctx = ctx
        self.client = client
        self.progress = progress or (lambda phase, done, total: None)
        self.cancelled = cancelled or (lambda: False)
        self.outbox = Outbox(ctx.queue)
        self.summary = SyncSummary()
        self._catalog_refreshed = False
        self._requeued: set[str] = set()  # sent this run but refused whole: may go out again

    # -- the run ---------------------------------------------------------------------------------------
    def run(self) -> SyncSummary:
        s = self.summary
        with sync_lock(self.ctx.data_dir):
            try:
                for phase, step in (("login", self._login), ("catalog", self._catalog),
                                    ("calendar", self._calendars), ("blacklist", self._blacklist),
                                    ("push", self._push), ("feedback", self._feedback)):
                    self._check_cancel()
                    self.progress(phase, 0, 0)
                    step()
                s.ok = True
            except UserError as exc:
                s.ok, s.error, s.error_code = False, exc.message, exc.code
                log.warning("sync stopped: %s", exc.code)
            finally:
                write_state(self.ctx.store, LAST_SYNC, now().isoformat(timespec="seconds"))
                self._daily_backup()
                _describe_local(self.ctx, s)
        return s

    def _daily_backup(self) -> None:
        """The day's automatic backup, once the platform's answers are in (never fails the sync)."""
        from app.store.backup import daily_backup

        try:
            daily_backup(self.ctx.data_dir)
        except UserError as exc:
            self.summary.notes.append(exc.message)

    def _check_cancel(self) -> None:
        if self.cancelled():
            raise UserError("同步已取消；已完成的部分已保存，未发出的记录仍在队列中。", "cancelled")

    def _login(self) -> None:
        account = self.client.login()
        st = self.ctx.settings
        # The account's department fills the defaults only where the clerk has not set them: a
        # bureau whose 数据来源单位 differs from the account's department keeps its own.
        before = (st.department_name, st.department_uscc, list(st.allowed_kinds))
        st.department_name = st.department_name or account.department_name
        st.department_uscc = st.department_uscc or account.department_uscc
        st.allowed_kinds = list(account.kinds)
        if (st.department_name, st.department_uscc, st.allowed_kinds) != before:
            self.ctx.save_settings()

    # -- catalog ---------------------------------------------------------------------------------------
    def _catalog(self, force: bool = False) -> None:
        etag = None if force else read_state(self.ctx.store, CATALOG_ETAG)
        if etag and self.ctx.catalogs.active().version != etag.strip('"'):
            etag = None  # the catalog in use is not the one that ETag names
        resp = self.client.get_catalog(etag)
        if resp.status == 304:
            return
        body = resp.body
        doc = copy.deepcopy(body["catalog"])
        if isinstance(doc, dict):
            doc["version"] = body["version"]  # the ETag and the answer's version are the version
        active = self.ctx.catalogs.active()
        if active.version == body["version"] and active.document == doc:
            # The catalog in use already (the bundled one, say): only the ETag is new.
            write_state(self.ctx.store, CATALOG_ETAG, resp.headers.get("ETag") or f'"{body["version"]}"')
            return
        try:
            self.ctx.catalogs.install(doc, "platform")
        except CatalogError as exc:
            self.summary.notes.append(f"平台目录 {body['version'][:40]} 未通过格式校验，继续使用当前目录"
                                      f"（{self.ctx.catalogs.active().version}）：{exc.message[:200]}")
            return
        write_state(self.ctx.store, CATALOG_ETAG, resp.headers.get("ETag") or f'"{body["version"]}"')
        counts = self.ctx.queue.revalidate()
        self.summary.notes.append(f"已更新数据目录为 {body['version'][:40]}，重新校验 {counts['checked']} 条记录。")

    # -- calendars ---------------------------------------------------------------------------------------
    def _calendars(self) -> None:
        year = today().year
        fetched = False
        for y in (year, year + 1):
            if self.ctx.calendar.year_source(y) is not None:
                continue
            resp = self.client.get_calendar(y)
            if resp.status == 404:
                self.summary.notes.append(f"{y} 年工作日历平台尚未发布，该年的报送截止日暂无法计算。")
                continue
            try:
                save_platform_year(self.ctx.store, resp.body)
                fetched = True
            except CalendarFormatError as exc:
                self.summary.notes.append(f"平台的 {y} 年日历格式不正确，未采用：{exc.message[:200]}")
        if fetched:
            self.ctx.reload_calendar()
            changed = self.ctx.queue.recompute_deadlines()
            self.summary.notes.append(f"已获取新的工作日历，重新计算了 {changed} 条记录的报送截止日。")

    # -- the serious-dishonesty list ------------------------------------------------------------------
    def _blacklist(self) -> None:
        store = self.ctx.store
        cursor = blacklist.cursor(store)
        changed = 0
        for page in range(MAX_PAGES):
            self._check_cancel()
            body = self.client.get_blacklist(cursor).body
            changed += blacklist.apply_page(store, body["items"], body["next_cursor"], today())
            cursor = body["next_cursor"]
            self.progress("blacklist", page + 1, 0)
            if not body["has_more"]:
                break
        self.ctx.reload_blacklist()
        if changed:
            # The list is compared "again before reporting": records not yet sent get the new findings.
            self.ctx.queue.revalidate()

    # -- push ----------------------------------------------------------------------------------------------
    def _push(self) -> None:
        for batch in self.outbox.pending_batches():  # after a crash or a lost answer: replay unchanged
            self._send(batch.idempotency_key, batch.body)
        for cid in self.outbox.sending_without_batch():
            self._reconcile(cid)
        catalog = self.ctx.catalogs.active()
        stale = [r.client_id for r in self.ctx.queue.list(state="ready") if r.catalog_version != catalog.version]
        if stale:
            self.ctx.queue.revalidate(stale)
        sent_now: set[str] = set()
        total = len(self.outbox.ready_ids(set()))
        while True:
            self._check_cancel()
            catalog = self.ctx.catalogs.active()
            ids = self.outbox.ready_ids(sent_now)
            if not ids:
                break
            reported = {k.id: {f.code for f in k.fields if not f.local_only} for k in catalog.kinds.values()}
            batch = self.outbox.build_batch(ids, catalog.version, reported)
            if batch is None:
                break
            sent_now.update(batch.client_ids)
            self._send(batch.idempotency_key, batch.body)
            sent_now -= self._requeued
            self._requeued.clear()
            self.progress("push", len(sent_now), max(total, len(sent_now)))

    def _send(self, key: str, body: bytes) -> None:
        try:
            resp = self.client.post_submissions(key, body)
        except CredentialsError:
            self.outbox.abandon(key, "登录凭据无效")  # answered 401/423: nothing was stored
            raise
        except CatalogOutdated as exc:
            self.outbox.abandon(key, exc.message)
            if self._catalog_refreshed:
                raise
            self._requeued.update(r["client_id"] for r in json.loads(body)["records"])
            self._catalog_refreshed = True
            self.summary.notes.append("平台要求使用新的数据目录：已获取新目录并重新校验队列，仍通过校验的记录继续报送。")
            self._catalog(force=True)
            return
        except RequestRefused as exc:
            self.outbox.abandon(key, exc.message)
            raise
        # PlatformError (network, server, rate limit) propagates: the batch stays pending for replay.
        outcome = self.outbox.apply_answer(key, resp.body)
        self.summary.add(outcome)
        for cid in outcome.unknown + outcome.stale:
            self._reconcile(cid)
        for cid in outcome.first_received_unknown:
            doc = self._status(cid)
            self.outbox.set_first_received(cid, doc)

    def _status(self, client_id: str) -> dict | None:
        resp = self.client.get_submission(client_id)
        if resp.status == 404:
            return None
        return resp.body

    def _reconcile(self, client_id: str) -> None:
        self.outbox.reconcile(client_id, self._status(client_id))
        self.summary.reconciled += 1

    # -- feedback -------------------------------------------------------------------------------------------
    def _feedback(self) -> None:
        cursor = read_state(self.ctx.store, FEEDBACK_CURSOR)
        for page in range(MAX_PAGES):
            self._check_cancel()
            body = self.client.get_feedback(cursor).body
            self.summary.returned += self.outbox.apply_feedback(body["items"], body["next_cursor"])
            cursor = body["next_cursor"]
            self.progress("feedback", page + 1, 0)
            if not body["has_more"]:
                break


def run_sync(ctx, progress: Progress | None = None, cancelled: Callable[[], bool] | None = None,
             client: PlatformClient | None = None) -> SyncSummary:
    """Sync the data folder of `ctx` with the platform in its settings (password from the keyring)."""
    try:
        client = client or client_from_settings(ctx, cancelled=cancelled or (lambda: False))
    except PlatformError as exc:
        return _describe_local(ctx, SyncSummary(ok=False, error=exc.message, error_code=exc.code))
    try:
        return SyncEngine(ctx, client, progress, cancelled).run()
    finally:
        client.close()


def _describe_local(ctx, summary: SyncSummary) -> SyncSummary:
    """What the client holds after the run, whatever happened: catalog, calendar years, list size."""
    summary.catalog_version = ctx.catalogs.active().version
    summary.calendar_years = ctx.calendar.covered_years()
    summary.blacklist_entries = blacklist.count(ctx.store)
    return summary


def last_sync(ctx) -> str | None:
    return read_state(ctx.store, LAST_SYNC)


