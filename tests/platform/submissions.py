"""`POST /submissions`: batch checks, idempotent replay, and the per-record statuses."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from tests.platform.checks import RecordChecks, record_error
from tests.platform.clock import iso
from tests.platform.errors import ApiError, Response, dumps, malformed
from tests.platform.state import Account, Counts, PlatformState, Remembered, Revision, StoredRecord

UUID_KEY = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
ACTIONS = ("create", "update", "withdraw")
REQUIRED = ("client_id", "revision", "kind", "action")


def canonical(obj: Any) -> str:
    """Parsed JSON as one text: key order ignored, `1`, `1.0` and `true` kept apart."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def parse_body(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise malformed("请求体不是有效的 UTF-8 JSON。") from None


def check_key(key: str | None) -> str:
    if not key:
        raise malformed("缺少 Idempotency-Key 请求头。")
    if not UUID_KEY.match(key):
        raise malformed("Idempotency-Key 应为标准格式的 UUID（8-4-4-4-12 位十六进制）。")
    return key.lower()


def check_shape(obj: Any, max_records: int) -> list[dict[str, Any]]:
    """The batch's records, or 400 malformed / 413 payload_too_large."""
    if not isinstance(obj, dict):
        raise malformed("请求体应为 JSON 对象。")
    version = obj.get("catalog_version")
    if not isinstance(version, str) or not version:
        raise malformed("缺少 catalog_version（目录版本）。")
    records = obj.get("records")
    if not isinstance(records, list):
        raise malformed("缺少 records（记录列表）。")
    if len(records) > max_records:
        raise ApiError(413, "payload_too_large", f"每次最多报送 {max_records} 条记录，本次 {len(records)} 条。")
    for n, rec in enumerate(records, 1):
        if not isinstance(rec, dict):
            raise malformed(f"第 {n} 条记录不是 JSON 对象。")
        missing = [name for name in REQUIRED if name not in rec or rec[name] is None]
        if missing:
            raise malformed(f"第 {n} 条记录缺少 {'、'.join(missing)}。")
        if not isinstance(rec["client_id"], str) or not rec["client_id"].strip():
            raise malformed(f"第 {n} 条记录的 client_id 应为非空文本。")
        revision = rec["revision"]
        if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
            raise malformed(f"第 {n} 条记录的 revision 应为不小于 1 的整数。")
        if not isinstance(rec["kind"], str):
            raise malformed(f"第 {n} 条记录的 kind 应为文本。")
        if rec["action"] not in ACTIONS:
            raise malformed(f"第 {n} 条记录的 action 应为 create、update 或 withdraw。")
    return records


def submit(state: PlatformState, account: Account, key_header: str | None, body: bytes,
           log: dict[str, Any], size: int | None = None) -> Response:
    """The whole answer to one POST /submissions (after authentication)."""
    key = check_key(key_header)
    size = len(body) if size is None else size
    if size > state.config.max_bytes:
        raise ApiError(413, "payload_too_large",
                       f"请求体 {size} 字节，超过上限 {state.config.max_bytes} 字节（5 MiB）。")
    obj = parse_body(body)
    records = check_shape(obj, state.config.max_records)
    log["records"] = len(records)
    text = canonical(obj)
    with state.lock:
        now = state.now()
        slot = (account.username, key)
        remembered = state.idempotency.get(slot)
        if remembered is not None and (now - remembered.stored_at).total_seconds() >= state.config.idempotency_ttl:
            del state.idempotency[slot]
            remembered = None
        if remembered is not None:
            if remembered.canonical != text:
                raise ApiError(422, "idempotency_key_reused")
            log["replayed"] = True
            return Response(200, remembered.body)
        version = obj["catalog_version"]
        if state.is_outdated(version):
            current = state.current_catalog().version
            raise ApiError(422, "catalog_outdated",
                           f"数据目录版本 {version} 已停用，请更新到 {current} 并重新校验后报送。",
                           current_version=current)
        batch_id = state.next_batch_id(now)
        batch = _Batch(state, account, key, version, batch_id, now)
        results = [batch.one(rec) for rec in records]
        answer = dumps({"batch_id": batch_id, "received_at": iso(now), "results": results})
        state.idempotency[slot] = Remembered(text, answer, now)
        log["batch_id"] = batch_id
        return Response(200, answer)


class _Batch:
    """Records of one batch, in request order, against the stored state (caller holds the lock)."""

    def __init__(self, state: PlatformState, account: Account, key: str, version: str, batch_id: str,
                 now: datetime):
        self.state = state
        self.account = account
        self.key = key
        self.version = version
        self.batch_id = batch_id
        self.now = now
        self.checks: RecordChecks = state.checks()

    def one(self, rec: dict[str, Any]) -> dict[str, Any]:
        cid, rev, kind, action = rec["client_id"], rec["revision"], rec["kind"], rec["action"]
        fields = rec.get("fields")

        def result(status: str, platform_id: str | None = None,
                   errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
            return {"client_id": cid, "revision": rev, "status": status, "platform_id": platform_id,
                    "errors": errors or []}

        def reject(code: str, message: str, field: str | None = None) -> dict[str, Any]:
            return result("rejected", None, [record_error(code, message, field)])

        if kind not in self.account.kinds:
            return reject("kind_not_allowed", f"本账号不能报送“{kind[:30]}”类记录。")
        slot = (self.account.username, cid)
        stored = self.state.records.get(slot)
        counts = self.state.counts.setdefault(slot, Counts())
        content = canonical({"kind": kind, "action": action, "fields": fields})
        if stored is not None and rev in stored.revisions:
            if stored.revisions[rev].content == content:
                counts.duplicate += 1
                return result("duplicate", stored.platform_id)
            counts.conflict += 1
            return result("conflict", stored.platform_id, [record_error(
                "conflict", f"该记录第 {rev} 版已被平台接收且内容不同，请以新版本号（更正）报送。")])
        if action == "create":
            if stored is not None or rev != 1:
                latest = stored.latest.revision if stored else 0
                return reject("stale_revision", f"新增记录的版本号应为 1；平台现有最新版本为 {latest}。")
        else:
            if stored is None:
                return reject("not_found", "平台没有该记录，无法更正或撤回。")
            latest = stored.latest
            if rev != latest.revision + 1:
                return reject("stale_revision",
                              f"版本号应为 {latest.revision + 1}（平台现有最新版本为 {latest.revision}）。")
            if latest.status == "withdrawn":
                return reject("record_withdrawn", "该记录已撤回，不能再更正或撤回。")
            if kind != stored.kind:
                return reject("kind_mismatch", f"记录类别与平台已有记录（{stored.kind}）不一致。")
        if action == "withdraw":
            reason = rec.get("withdraw_reason")
            if not isinstance(reason, str) or not reason.strip():
                return reject("missing_reason", "撤回必须填写撤回原因（withdraw_reason）。")
            assert stored is not None
            stored.revisions[rev] = self._revision(rec, "withdrawn", content)
            return result("withdrawn", stored.platform_id)
        errors = self.checks.errors(kind, fields, self.now.date())
        if errors:
            return result("rejected", None, errors)
        if stored is None:
            prefix = self.checks.catalog.kinds[kind].prefix
            stored = StoredRecord(self.account.username, cid, kind, self.state.next_platform_id(prefix, self.now))
            stored.deadline = self.checks.deadline(kind, fields)
            if stored.deadline is not None:
                stored.late = self.now.date() > stored.deadline
            self.state.records[slot] = stored
            counts.creates += 1
        stored.revisions[rev] = self._revision(rec, "accepted", content)
        counts.accepted += 1
        return result("accepted", stored.platform_id)

    def _revision(self, rec: dict[str, Any], status: str, content: str) -> Revision:
        reason = rec.get("withdraw_reason")
        return Revision(rec["revision"], rec["action"], rec["kind"], rec.get("fields"),
                        reason if isinstance(reason, str) else None, status, self.now, self.batch_id, self.key,
                        self.version, content)
