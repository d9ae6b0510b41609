"""The queue's side of sending: batches written before they leave, and the platform's answers,
reconciliations and feedback applied to records. Part of the queue's single write path: every
change here goes through the same session, state rules and audit trail as the service."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field, fields

from sqlalchemy import insert, select, update

from app.clock import now
from app.queue import states as st
from app.store.models import AuditEvent, Record, SyncBatch
from app.store.state import get_state, set_state

log = logging.getLogger(__name__)

FEEDBACK_CURSOR = "feedback_cursor"
FEEDBACK_SEQ = "feedback_last_seq"
MAX_RECORDS = 500
MAX_BYTES = 5 * 1024 * 1024
ACTOR = "平台"


@dataclass
class Counts:
    """The per-record answers counted for the sync summary."""

    sent: int = 0
    accepted: int = 0
    duplicate: int = 0
    rejected: int = 0
    conflict: int = 0
    returned: int = 0
    withdrawn: int = 0

    def add(self, other: Counts) -> None:
        for f in fields(Counts):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class Outcome(Counts):
    """What the platform's answers to one batch did."""

    unknown: list[str] = field(default_factory=list)  # client ids to reconcile
    stale: list[str] = field(default_factory=list)  # client ids whose revision the platform disputes
    first_received_unknown: list[str] = field(default_factory=list)  # duplicates: ask for first_received_at



def payload_record(rec: Record, reported: set[str] | None) -> dict:
    """A record as the contract wants it: every non-empty reported field, values as canonical strings."""
    item = {"client_id": rec.client_id, "revision": rec.revision, "kind": rec.kind, "action": rec.pending_action}
    if rec.pending_action == "withdraw":
        item["withdraw_reason"] = rec.withdraw_reason or ""
    else:
        item["fields"] = {k: str(v) for k, v in rec.fields.items()
                          if v not in (None, "") and (reported is None or k in reported)}
    return item


def encode(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Outbox:
    def __init__(self, service):
        self.q = service

    @property
    def store(self):
        return self.q.store

    # -- batches -------------------------------------------------------------------------------------
    def pending_batches(self) -> list[SyncBatch]:
        with self.store.session() as s:
            return list(s.scalars(select(SyncBatch).where(SyncBatch.status == "pending").order_by(SyncBatch.id)))

    def ready_ids(self, exclude: set[str]) -> list[str]:
        """Ready records, the nearest deadline first (unknown deadlines last)."""
        with self.store.session() as s:
            rows = s.execute(select(Record.client_id).where(Record.state == st.READY)
                             .order_by(Record.deadline.is_(None), Record.deadline, Record.id)).scalars().all()
        return [c for c in rows if c not in exclude]

    def build_batch(self, client_ids: list[str], catalog_version: str,
                    reported: dict[str, set[str]] | None = None) -> SyncBatch | None:
        """Write the next batch (≤ 500 records, ≤ 5 MiB) and mark its records as sending, in one
        transaction, before anything is sent. Returns None when there is nothing to send."""
        wanted = client_ids[:MAX_RECORDS]
        with self.store.session() as s:
            cols = (Record.client_id, Record.revision, Record.kind, Record.pending_action, Record.withdraw_reason,
                    Record.fields)
            rows = {r.client_id: r for r in s.execute(select(*cols).where(Record.client_id.in_(wanted),
                                                                          Record.state == st.READY))}
            items, chosen = [], []
            size = len(encode({"catalog_version": catalog_version, "records": []}))
            for cid in wanted:
                row = rows.get(cid)
                if row is None:
                    continue
                item = payload_record(row, (reported or {}).get(row.kind))
                item_size = len(encode(item)) + 1
                if items and size + item_size > MAX_BYTES:
                    break
                items.append(item)
                chosen.append(cid)
                size += item_size
            if not items:
                return None
            key = str(uuid.uuid4())
            when = now()
            batch = SyncBatch(idempotency_key=key, body=encode({"catalog_version": catalog_version, "records": items}),
                              client_ids=chosen, status="pending", created_at=when)
            s.add(batch)
            # Set-based writes: a batch of 500 is one UPDATE and one INSERT, not 1,000 ORM objects.
            s.execute(update(Record).where(Record.client_id.in_(chosen), Record.state == st.READY)
                      .values(state=st.SENDING, batch_key=key, edited_while_sending=0, updated_at=when)
                      .execution_options(synchronize_session=False))
            s.execute(insert(AuditEvent), [
                {"client_id": item["client_id"], "at": when, "actor": ACTOR, "action": "send", "old_state": st.READY,
                 "new_state": st.SENDING, "detail": {"batch": key, "revision": item["revision"],
                                                     "action": item["action"]}} for item in items])
            return batch

    def abandon(self, key: str, note: str) -> int:
        """A definite refusal of the whole batch (4xx): nothing was stored, the records go back."""
        with self.store.session() as s:
            batch = s.scalars(select(SyncBatch).where(SyncBatch.idempotency_key == key)).one()
            batch.status, batch.finished_at = "abandoned", now()
            recs = list(s.scalars(select(Record).where(Record.batch_key == key, Record.state == st.SENDING)))
            for rec in recs:
                rec.state, rec.batch_key, rec.updated_at = st.READY, None, now()
                self.q._audit(s, rec, "send_refused", st.SENDING, ACTOR, {"batch": key, "reason": note[:300]})
            return len(recs)

    def apply_answer(self, key: str, answer: dict) -> Outcome:
        """Apply a 200 answer to the batch `key`, all in one transaction."""
        out = Outcome()
        with self.store.session() as s:
            batch = s.scalars(select(SyncBatch).where(SyncBatch.idempotency_key == key)).one()
            sent = {r["client_id"]: r for r in json.loads(batch.body)["records"]}
            received_at = answer.get("received_at") if isinstance(answer.get("received_at"), str) else None
            results = answer.get("results") if isinstance(answer.get("results"), list) else []
            by_id = {r.get("client_id"): r for r in results if isinstance(r, dict)}
            recs = {r.client_id: r for r in s.scalars(select(Record).where(Record.client_id.in_(list(sent))))}
            for cid, item in sent.items():
                rec = recs.get(cid)
                out.sent += 1
                if rec is None or rec.batch_key != key:
                    continue
                result = by_id.get(cid)
                if result is None or result.get("revision") != item["revision"]:
                    out.unknown.append(cid)
                    continue
                self._apply_result(s, rec, item, result, received_at, out)
            batch.status, batch.finished_at = "done", now()
            batch.batch_id = str(answer.get("batch_id"))[:64] if answer.get("batch_id") else None
            batch.received_at = received_at
        return out

    def _apply_result(self, s, rec: Record, item: dict, result: dict, received_at: str | None,
                      out: Outcome) -> None:
        status = result.get("status")
        revision = item["revision"]
        old = rec.state
        errors = result.get("errors") if isinstance(result.get("errors"), list) else []
        platform_id = result.get("platform_id") if isinstance(result.get("platform_id"), str) else None
        detail = {"revision": revision, "status": status}
        if status in ("accepted", "duplicate", "withdrawn"):
            rec.accepted_revision = max(rec.accepted_revision, revision)
            rec.platform_id = platform_id or rec.platform_id
            rec.platform_message = None
            if status == "withdrawn":
                out.withdrawn += 1
                rec.state = st.WITHDRAWN
            else:
                if status == "accepted":
                    out.accepted += 1
                    if rec.first_received_at is None and received_at:
                        rec.first_received_at = received_at
                else:
                    out.duplicate += 1
                    if rec.first_received_at is None:
                        out.first_received_unknown.append(rec.client_id)
                rec.state = st.ACCEPTED
        elif status == "conflict":
            # The platform holds other content under this revision: never overwrite it; the local
            # content goes out as an update with the next revision.
            out.conflict += 1
            rec.accepted_revision = max(rec.accepted_revision, revision)
            rec.platform_id = platform_id or rec.platform_id
            rec.platform_message = _errors(errors) or [{"field": None, "code": "conflict",
                                                        "message": "平台已有该记录的另一版本内容，将以更正方式重新报送。"}]
            rec.revision = revision + 1
            if rec.pending_action == "create":
                rec.pending_action = "update"
            rec.state = st.READY
        elif status == "rejected":
            codes = {e.get("code") for e in errors if isinstance(e, dict)}
            if "stale_revision" in codes:
                out.stale.append(rec.client_id)
            out.rejected += 1
            rec.platform_message = _errors(errors) or [{"field": None, "code": "rejected",
                                                        "message": "平台退回了该记录，但没有说明原因。"}]
            rec.state = st.RETURNED
        else:
            out.unknown.append(rec.client_id)
            return
        rec.batch_key = None
        if rec.edited_while_sending and rec.state in (st.ACCEPTED, st.RETURNED):
            # Edited while in flight: the platform has (or refused) the old content; the new content
            # goes back to the queue, as an update when the platform stored the old one.
            if rec.state == st.ACCEPTED:
                rec.revision = revision + 1
                rec.pending_action = "update"
            rec.state = st.READY if rec.error_count == 0 else st.DRAFT
            detail["edited_while_sending"] = True
        rec.edited_while_sending = 0
        rec.updated_at = now()
        self.q._audit(s, rec, f"platform_{status}", old, ACTOR, detail)

    # -- reconciliation --------------------------------------------------------------------------------
    def sending_without_batch(self) -> list[str]:
        with self.store.session() as s:
            open_keys = set(s.scalars(select(SyncBatch.idempotency_key).where(SyncBatch.status == "pending")))
            rows = s.execute(select(Record.client_id, Record.batch_key).where(Record.state == st.SENDING)).all()
        return [cid for cid, key in rows if key not in open_keys]

    def reconcile(self, client_id: str, doc: dict | None) -> str:
        """Settle a record whose upload outcome was never learned, from GET /submissions/{id}
        (None: the platform does not hold it). Returns the record's new state."""
        with self.store.session() as s:
            rec = s.scalars(select(Record).where(Record.client_id == client_id)).first()
            if rec is None:
                return ""
            old = rec.state
            p_rev = doc.get("revision") if doc else None
            p_status = doc.get("status") if doc else None
            if isinstance(p_rev, int) and p_rev >= rec.revision and p_status in ("accepted", "returned", "withdrawn"):
                rec.accepted_revision = max(rec.accepted_revision, p_rev)
                rec.platform_id = doc.get("platform_id") or rec.platform_id
                first = doc.get("first_received_at")
                if isinstance(first, str) and first:
                    rec.first_received_at = first
                if p_rev > rec.revision:
                    rec.revision = p_rev
                rec.state = {"accepted": st.ACCEPTED, "returned": st.RETURNED, "withdrawn": st.WITHDRAWN}[p_status]
                if rec.edited_while_sending and rec.state == st.ACCEPTED:
                    rec.revision, rec.pending_action = p_rev + 1, "update"
                    rec.state = st.READY if rec.error_count == 0 else st.DRAFT
            else:
                # Not stored (or an older revision only): it goes out again in a new batch.
                if isinstance(p_rev, int) and rec.pending_action != "create":
                    rec.accepted_revision = p_rev
                    rec.revision = p_rev + 1
                if rec.state in (st.SENDING, st.RETURNED):
                    rec.state = st.READY if rec.error_count == 0 else st.DRAFT
            rec.batch_key, rec.edited_while_sending, rec.updated_at = None, 0, now()
            self.q._audit(s, rec, "reconcile", old, ACTOR, {"platform_revision": p_rev, "platform_status": p_status})
            return rec.state

    def set_first_received(self, client_id: str, doc: dict | None) -> None:
        first = doc.get("first_received_at") if doc else None
        if not isinstance(first, str) or not first:
            return
        with self.store.session() as s:
            rec = s.scalars(select(Record).where(Record.client_id == client_id)).first()
            if rec is not None and rec.first_received_at is None:
                rec.first_received_at = first

    # -- feedback ------------------------------------------------------------------------------------
    def apply_feedback(self, items: list[dict], next_cursor: str) -> int:
        """Apply one feedback page in seq order and store its cursor, in one transaction; an item
        at or below the last applied seq is never applied again. Returns how many were returned."""
        returned = 0
        with self.store.session() as s:
            last_seq = int(get_state(s, FEEDBACK_SEQ) or 0)
            for item in sorted((i for i in items if isinstance(i, dict) and isinstance(i.get("seq"), int)),
                               key=lambda i: i["seq"]):
                if item["seq"] <= last_seq:
                    continue
                last_seq = item["seq"]
                rec = s.scalars(select(Record).where(Record.client_id == item.get("client_id"))).first()
                if rec is None:
                    continue  # not ours (or deleted elsewhere): ignored, as the contract says
                kind = item.get("type")
                detail = {"seq": item["seq"], "type": kind, "revision": item.get("revision"),
                          "reason": str(item.get("reason") or "")[:500], "at": item.get("at")}
                current = item.get("revision") == rec.accepted_revision and rec.state == st.ACCEPTED
                old = rec.state
                if kind == "returned" and current:
                    fields = [f for f in item.get("fields") or [] if isinstance(f, str)] or [None]
                    reason = str(item.get("reason") or "平台审核退回，未说明原因。")[:2000]
                    rec.platform_message = [{"field": f, "code": "returned", "message": reason} for f in fields]
                    rec.state = st.RETURNED
                    rec.updated_at = now()
                    returned += 1
                self.q._audit(s, rec, f"feedback_{kind}", old, ACTOR, detail)
            set_state(s, FEEDBACK_SEQ, str(last_seq))
            set_state(s, FEEDBACK_CURSOR, next_cursor)
        return returned


def _errors(errors: list) -> list[dict]:
    out = []
    for e in errors:
        if isinstance(e, dict):
            out.append({"field": e.get("field") if isinstance(e.get("field"), str) else None,
                        "code": str(e.get("code") or "")[:64], "message": str(e.get("message") or "")[:1000]})
    return out
