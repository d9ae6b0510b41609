"""The queue service: the only way records are created or changed.

Every entry path (form, Excel import, JSON file, platform answers and feedback) comes here. Each
operation normalises and validates against the active catalog, computes the deadline, writes the
record and an audit event in one transaction, and nothing else writes the records table.
"""

from __future__ import annotations

import contextlib
import functools
import getpass
import itertools
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.catalog.model import Catalog, Kind
from app.clock import now, today
from app.errors import UserError
from app.gc_pause import gc_paused
from app.queue import states as st
from app.store.bulk import BulkInsert, json_bytes, json_text
from app.store.models import AuditEvent, Record
from app.validation.duplicates import DuplicateIndex, doc_key
from app.validation.engine import CheckResult, Validator
from app.validation.fields import iso_date
from app.validation.findings import ERROR, Finding
from app.validation.normalize import to_text
from app.workdays.deadline import deadline_for

log = logging.getLogger(__name__)

Progress = Callable[[int, int], bool | None]  # (done, total) -> False to cancel


class Cancelled(UserError):
    code = "cancelled"


@functools.cache
def _actor() -> str:
    """The signed-in user, named in the audit trail. Looked up once: without USER/USERNAME set it is
    a passwd (NSS) lookup, which took 0.1 s the first time inside an import."""
    try:
        return getpass.getuser()[:64]
    except Exception:  # no user name in some service accounts
        return "user"


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs three times as much (AddResults makes one an item)
class AddResult:
    client_id: str | None  # None when the record was skipped
    state: str | None
    findings: list[Finding]


class AddResults(Sequence[AddResult]):
    """What add() gives back: an AddResult per item, in order (made when asked for: 100,000 of them
    cost an import 0.03 s), their parts as lists, and how many of the items were stored."""

    def __init__(self) -> None:
        self.client_ids: list[str | None] = []  # None where the item was skipped
        self.states: list[str | None] = []
        self.findings: list[list[Finding]] = []
        self.stored = 0

    def __len__(self) -> int:
        return len(self.client_ids)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return AddResult(self.client_ids[i], self.states[i], self.findings[i])

    def __iter__(self) -> Iterator[AddResult]:
        return map(AddResult, self.client_ids, self.states, self.findings)


def merge_findings(before: list[Finding], found: list[Finding]) -> list[Finding]:
    """The caller's findings first. Where the caller reports an error on a field (a value it could
    not read and so left out), the validator's findings on that field are dropped: they judge the
    empty or damaged value, not what the user typed."""
    if not before:
        return found
    replaced = {f.field for f in before if f.severity == ERROR and f.field}
    return before + [f for f in found if f.field not in replaced] if replaced else before + found


@contextlib.contextmanager
def _large_cache(session, rows: int):
    """A bigger page cache while a large batch is written: the indexes that grow at random places
    (names, document numbers) then stay in memory instead of being read and written back page by
    page. Restored afterwards, as the connection goes back to the pool.

    32 MiB rather than all of the batch: the table's own pages are only appended, and once the cache
    is full SQLite writes them to the WAL from the helper thread (app/store/bulk.py) while the
    records are still being checked; a cache that held the whole batch wrote all of it at the commit,
    with the caller waiting (100,000 records: commit 0.29 → 0.21 s)."""
    if rows < 5000 or session.bind.dialect.name != "sqlite":
        yield
        return
    conn = session.connection()
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql("PRAGMA cache_size=-32768")  # KiB: 32 MiB at most, only as pages are used
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(before)}")


def _reporting(items: Iterable, progress: Progress | None, total: int) -> Iterable:
    """The items, with progress reported while the validator works through them."""
    return items if progress is None else _reported(items, progress, total)


def _reported(items: Iterable, progress: Progress, total: int):
    for i, item in enumerate(items):
        if i % 500 == 0 and progress(i, total) is False:
            raise Cancelled("已取消，没有保存任何记录。")
        yield item


# What differs from one new record to the next; the rest is the same for a whole batch (add()).
_RECORD_COLUMNS = (
    "client_id", "kind", "state", "fields", "subject_name", "subject_key", "doc_number", "doc_key",
    "decision_date", "deadline", "findings", "error_count", "warning_count",
)
# The "create" event of each record of the chunk just written (app/store/bulk.py).
_CREATE_AUDIT = ("INSERT INTO audit_events (client_id, at, actor, action, old_state, new_state, detail) "
                 "SELECT client_id, :same_created_at, :actor, 'create', NULL, state, :detail FROM records "
                 "WHERE id > :chunk_after ORDER BY id")
# Records checked while the previous chunk is written: 2,000 (one statement, app/store/bulk.py) rather
# than 4,000, so that the helper starts sooner and the last chunk leaves less to wait for (100,000 rows:
# −0.17 s, the median of four alternating runs; 1,000 gave the same as 2,000).
_CHUNK = 2000
_NO_FINDINGS = json_bytes([])  # most records' findings, bound as they are (never changed)
_KEYS_PER_QUERY = 500  # document numbers looked up per query (SQLite allows 999 parameters at least)


_COUNTER_LOW = 14  # counter bits after the variant (the 4th group); the 12 before them follow the version
_HEX = b"0123456789abcdef"
# _DIGIT_CYCLES[k]: the k-th hex digit from the right of 0, 1, 2 … 16**(k+1) - 1, a byte each.
_DIGIT_CYCLES = [bytes(c for c in _HEX for _ in range(16 ** k)) for k in range(4)]
_ID = 37  # bytes an id takes in the text below, with its line break


def client_ids(n: int) -> list[str]:
    """n new record ids: UUIDs of version 7 (RFC 9562), strictly increasing in the order given.

    The creation time (Unix milliseconds, 48 bits) comes first, then a 26-bit counter that starts at
    a random value (RFC 9562 §6.2, method 1: 12 bits after the version, 14 after the variant) and
    48 random bits. The ids of a batch follow one another, so the indexes over client_id (the
    records' and the audit trail's) grow at their end instead of at 100,000 random places: writing
    a 100,000-row import cost SQLite 2.2 s with random (version 4) ids and 1.6 s with these. The
    time, the counter's random start and the random bits keep ids unique across computers; the
    platform takes any UUID (platform-api.md).

    The text of up to 16,384 ids (while the 3rd group stays the same) is written at once: the same
    line repeated, then each hex digit of the counter and of the random part copied into its column
    by one slice assignment, and the lines split apart (100,000 ids: 0.013 s; a str.format an id took
    0.055 s)."""
    if n <= 0:
        return []
    if n > 1 << 24:  # the counter must not run past its 26 bits (a batch is a million at most)
        return client_ids(1 << 24) + client_ids(n - (1 << 24))
    stamp = f"{(time.time_ns() // 1_000_000) & ((1 << 48) - 1):012x}"
    start = int.from_bytes(os.urandom(4), "big") >> 7  # 25 bits
    random_hex = os.urandom(6 * n).hex().encode()
    out: list[str] = []
    c, end = start, start + n
    while c < end:
        low = c & ((1 << _COUNTER_LOW) - 1)
        take = min(end - c, (1 << _COUNTER_LOW) - low)
        head = f"{stamp[:8]}-{stamp[8:]}-7{c >> _COUNTER_LOW:03x}-".encode()  # 19 bytes
        text = bytearray((head + b"0000-000000000000\n") * take)
        first = 0x8000 | low  # the variant's bits, then the counter's low 14
        for k, cycle in enumerate(reversed(_DIGIT_CYCLES)):  # the 4th group, leftmost digit first
            at = first % len(cycle)
            text[19 + k::_ID] = (cycle * (2 + take // len(cycle)))[at:at + take]
        own = random_hex[(c - start) * 12:(c - start + take) * 12]
        for k in range(12):
            text[24 + k::_ID] = own[k::12]
        out += text.decode("ascii").split("\n")[:-1]
        c += take
    return out


class QueueService:
    def __init__(self, ctx):
        self.ctx = ctx
        self._validator: Validator | None = None
        _actor()  # at start-up rather than in the first import or save

    # -- the parts it stands on ---------------------------------------------------------------------
    @property
    def store(self):
        return self.ctx.store

    @property
    def catalog(self) -> Catalog:
        return self.ctx.catalogs.active()

    @property
    def validator(self) -> Validator:
        catalog, calendar, blacklist = self.catalog, self.ctx.calendar, self.ctx.blacklist
        v = self._validator
        if v is None or v.catalog is not catalog or v.calendar is not calendar or v.blacklist is not blacklist:
            v = self._validator = Validator(catalog, calendar, blacklist)
        return v

    def kind(self, kind_id: str) -> Kind:
        try:
            return self.catalog.kinds[kind_id]
        except KeyError:
            raise UserError(f"记录类别“{kind_id}”不在数据目录中。", "unknown_kind") from None

    def _deadline(self, kind: Kind, fields: dict[str, str]) -> tuple[str | None, str | None]:
        decision = iso_date(fields.get(kind.decision_date_field))
        if decision is None:
            return None, None
        dl = deadline_for(self.ctx.calendar, decision, kind.deadline_days)
        return decision.isoformat(), dl.isoformat() if dl else None

    def duplicate_index(self, session, items: Sequence[tuple[str, dict[str, object]]]) -> DuplicateIndex:
        """The records already in the queue that share a document number with one of `items`.

        A batch about as large as the queue reads every numbered record in one pass; a smaller one
        looks up just its own document numbers (by the kind + doc_key index): with a million records
        reading them all took seven seconds, for every record saved."""
        index = DuplicateIndex()
        stored = session.execute(select(func.max(Record.id))).scalar() or 0  # about the queue's size, at once
        if stored <= len(items):
            rows = session.execute(select(Record.kind, Record.doc_key, Record.subject_key, Record.client_id)
                                   .where(Record.state != st.WITHDRAWN, Record.doc_key.is_not(None)))
            for kind_id, key, subject, client_id in rows:
                index.add(kind_id, key, subject, client_id, "队列中已有的记录")
            return index
        wanted: dict[str, set[str]] = {}
        for kind_id, raw in items:
            kv = self.validator.for_kind(kind_id) if isinstance(kind_id, str) else None
            if kv is None or not isinstance(raw, dict):
                continue
            code = kv.kind.doc_number_field
            value = raw.get(code)
            text = value if isinstance(value, str) else to_text(value)
            key = doc_key(kv.normalizer.value_of(code, text, []), normalized=True) if text else None
            if key:
                wanted.setdefault(kind_id, set()).add(key)
        for kind_id, keys in wanted.items():
            ordered = sorted(keys)
            for start in range(0, len(ordered), _KEYS_PER_QUERY):
                rows = session.execute(select(Record.doc_key, Record.subject_key, Record.client_id).where(
                    Record.kind == kind_id, Record.doc_key.in_(ordered[start:start + _KEYS_PER_QUERY]),
                    Record.state != st.WITHDRAWN))
                for key, subject, client_id in rows:
                    index.add(kind_id, key, subject, client_id, "队列中已有的记录")
        return index

    # -- create -------------------------------------------------------------------------------------
    def add(self, items: list[tuple[str, dict[str, object]]], *, actor: str | None = None, source: str = "json",
            skip_invalid: bool = False, progress: Progress | None = None,
            today_: date | None = None, findings: Iterable[Sequence[Finding]] | None = None,
            where: str = "本批第 {n} 条", ready: bool = True,
            before_commit: Callable[[Session, AddResults], None] | None = None) -> AddResults:
        """Add records in one transaction: valid ones become ready (drafts when `ready` is False, as
        a form saved as 草稿), the rest drafts carrying their findings (or are skipped). A record of
        an unknown kind is never stored.

        `findings` (one list per item, read along with the items) are what the caller found before
        the values reached the validator, such as a spreadsheet cell that lost its digits; they count
        like the validator's (see merge_findings). `where` names an earlier item in a duplicate finding ({n}: 1-based).
        `before_commit(session, results)` writes what belongs to the same transaction (an import's
        history entry)."""
        actor = actor or _actor()
        when = now()
        catalog = self.catalog
        kinds = catalog.kinds
        results = AddResults()
        total = len(items)
        deadlines: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        ids = iter(client_ids(total))
        stored = 0
        audit = (_CREATE_AUDIT, {"actor": actor, "detail": json_text({"source": source})})
        with gc_paused(), self.store.session() as s:
            checked = self.validator.iter_batch(_reporting(items, progress, total), self.duplicate_index(s, items),
                                                today_ or today(), where=where)
            with contextlib.closing(checked), _large_cache(s, total), \
                    BulkInsert(s, Record.__table__, _RECORD_COLUMNS, then=[audit], same={
                        "revision": 1, "accepted_revision": 0, "catalog_version": catalog.version,
                        "platform_id": None, "platform_message": None, "first_received_at": None,
                        "edited_while_sending": 0, "pending_action": "create", "withdraw_reason": None,
                        "created_at": when, "updated_at": when}) as out:
                rows: list[tuple] = []
                notes_of = iter(findings) if findings is not None else itertools.repeat(())
                add_id, add_state, add_findings = (results.client_ids.append, results.states.append,
                                                   results.findings.append)
                for res in checked:
                    notes = next(notes_of)
                    if notes:
                        res.findings = merge_findings(list(notes), res.findings)
                    add_findings(res.findings)
                    kind = kinds.get(res.kind)
                    ok = res.ok
                    if kind is None or (skip_invalid and not ok):
                        add_id(None)
                        add_state(None)
                        continue
                    client_id = next(ids)
                    state = st.READY if ok and ready else st.DRAFT
                    rows.append(self._row(kind, res, client_id, state, deadlines))
                    add_id(client_id)
                    add_state(state)
                    if len(rows) == _CHUNK:
                        out.put(rows)
                        stored += len(rows)
                        rows = []
                if progress and progress(total, total) is False:
                    raise Cancelled("已取消，没有保存任何记录。")
                out.put(rows)
                stored += len(rows)
            results.stored = stored
            if before_commit is not None:
                before_commit(s, results)
        log.info("added %d records (%d skipped) from %s", stored, len(items) - stored, source)
        return results

    def _row(self, kind: Kind, res: CheckResult, client_id: str, state: str, deadlines: dict) -> tuple:
        # In the order of _RECORD_COLUMNS. A batch holds a few hundred distinct decision dates.
        fields = res.fields
        key = (kind.id, fields.get(kind.decision_date_field) or "")
        found = deadlines.get(key)
        if found is None:
            found = deadlines[key] = self._deadline(kind, fields)
        decision, deadline = found
        # JSON as BulkInsert binds it (json_bytes). orjson writes a Finding (a dataclass) as the dict
        # to_dict() gives.
        found = res.findings
        errors = res.errors
        return (
            client_id, kind.id, state, json_bytes(fields), fields.get(kind.subject["name"]), res.subject_key,
            fields.get(kind.doc_number_field), res.doc_key, decision, deadline,
            json_bytes(found) if found else _NO_FINDINGS, errors,
            len(found) - errors,
        )

    # -- change -------------------------------------------------------------------------------------
    def _get(self, s, client_id: str) -> Record:
        rec = s.scalars(select(Record).where(Record.client_id == client_id)).first()
        if rec is None:
            raise UserError(f"找不到记录 {client_id}。", "not_found")
        return rec

    def get(self, client_id: str) -> Record:
        with self.store.session() as s:
            return self._get(s, client_id)

    def _audit(self, s, rec: Record, action: str, old_state: str | None, actor: str | None,
               detail: dict | None = None) -> None:
        s.add(AuditEvent(client_id=rec.client_id, at=now(), actor=actor or _actor(), action=action,
                         old_state=old_state, new_state=rec.state, detail=detail))

    def _move(self, rec: Record, new: str) -> None:
        if not st.can_move(rec.state, new):
            raise UserError(f"记录处于“{st.LABELS[rec.state]}”状态，不能改为“{st.LABELS[new]}”。", "bad_state")
        rec.state = new
        rec.updated_at = now()

    def _apply_check(self, rec: Record, kind: Kind, res: CheckResult) -> None:
        rec.fields = res.fields
        rec.catalog_version = self.catalog.version
        rec.subject_name = res.fields.get(kind.subject["name"])
        rec.subject_key = res.subject_key
        rec.doc_number = res.fields.get(kind.doc_number_field)
        rec.doc_key = res.doc_key
        rec.decision_date, rec.deadline = self._deadline(kind, res.fields)
        rec.findings = [f.to_dict() for f in res.findings]
        rec.error_count, rec.warning_count = res.errors, res.warnings

    def edit(self, client_id: str, raw: dict[str, object], *, ready: bool = True,
             actor: str | None = None) -> CheckResult:
        """Replace a record's fields. It becomes ready when valid and `ready` is asked, else a draft
        (a returned record stays returned until it passes). An edit of an accepted record is an
        amendment: a new revision sent as an update. An edit while sending is kept and the record
        goes back to ready once the platform's answer has arrived."""
        with self.store.session() as s:
            rec = self._get(s, client_id)
            if rec.state not in st.EDITABLE:
                raise UserError(f"记录处于“{st.LABELS[rec.state]}”状态，不能修改。", "bad_state")
            kind = self.kind(rec.kind)
            res = self.validator.check_batch([(rec.kind, raw)], self.duplicate_index(s, [(rec.kind, raw)]), today(),
                                             owners=[client_id])[0]
            old_state, old_fields = rec.state, dict(rec.fields)
            self._apply_check(rec, kind, res)
            if rec.state == st.SENDING:
                rec.edited_while_sending = 1
            else:
                if rec.accepted_revision >= rec.revision:  # the platform holds this revision: amend
                    rec.revision += 1
                    rec.pending_action = "update"
                if res.ok and ready:
                    target = st.READY
                elif rec.state == st.RETURNED:
                    target = st.RETURNED
                else:
                    target = st.DRAFT
                self._move(rec, target)
            rec.updated_at = now()
            self._audit(s, rec, "edit", old_state, actor, {"fields": _diff(kind, old_fields, res.fields)})
            return res

    def revalidate(self, client_ids: Iterable[str] | None = None, *, promote: bool = False,
                   actor: str | None = None) -> dict[str, int]:
        """Check records again against the active catalog (after a new catalog or calendar).
        Ready records with errors go back to drafts; with `promote`, valid drafts become ready."""
        counts = {"checked": 0, "ready": 0, "draft": 0}
        with self.store.session() as s:
            q = select(Record).where(Record.state.in_((st.DRAFT, st.READY, st.RETURNED)))
            if client_ids is not None:
                q = q.where(Record.client_id.in_(list(client_ids)))
            recs = list(s.scalars(q))
            index = self.duplicate_index(s, [(r.kind, r.fields) for r in recs])
            results = self.validator.check_batch([(r.kind, r.fields) for r in recs], index, today(),
                                                 owners=[r.client_id for r in recs], where="队列中已有的记录")
            for rec, res in zip(recs, results, strict=True):
                kind = self.catalog.kinds.get(rec.kind)
                if kind is None:
                    continue
                old = rec.state
                self._apply_check(rec, kind, res)
                if rec.state == st.READY and not res.ok:
                    self._move(rec, st.DRAFT)
                elif rec.state == st.DRAFT and res.ok and promote:
                    self._move(rec, st.READY)
                if rec.state != old:
                    self._audit(s, rec, "revalidate", old, actor)
                counts["checked"] += 1
                counts[rec.state] = counts.get(rec.state, 0) + 1
        return counts

    def recompute_deadlines(self) -> int:
        """Deadlines of every record again, after the calendar changed (a new year, a correction)."""
        changed = 0
        with self.store.session() as s:
            rows = s.execute(select(Record.id, Record.kind, Record.decision_date, Record.deadline)).all()
            updates = []
            for rid, kind_id, decision, old in rows:
                kind = self.catalog.kinds.get(kind_id)
                d = iso_date(decision)
                new = None
                if kind is not None and d is not None:
                    dl = deadline_for(self.ctx.calendar, d, kind.deadline_days)
                    new = dl.isoformat() if dl else None
                if new != old:
                    updates.append({"id": rid, "deadline": new})
            if updates:
                s.execute(update(Record), updates)  # ORM bulk update by primary key
                changed = len(updates)
        return changed

    def mark_ready(self, client_ids: Iterable[str], actor: str | None = None) -> int:
        return self.revalidate(client_ids, promote=True, actor=actor)["ready"]

    def withdraw(self, client_id: str, reason: str, actor: str | None = None) -> str:
        """Withdraw a record. One the platform holds goes out as a `withdraw` with the next revision;
        one it never stored is simply closed here."""
        reason = (reason or "").strip()
        if not reason:
            raise UserError("撤销须填写撤销原因。", "missing_reason")
        with self.store.session() as s:
            rec = self._get(s, client_id)
            old = rec.state
            if rec.accepted_revision > 0 and rec.state in (st.ACCEPTED, st.RETURNED):
                rec.revision += 1
                rec.pending_action = "withdraw"
                rec.withdraw_reason = reason
                self._move(rec, st.READY)
            elif rec.accepted_revision == 0 and rec.state in (st.DRAFT, st.READY, st.RETURNED):
                rec.withdraw_reason = reason
                rec.state = st.WITHDRAWN
                rec.updated_at = now()
            else:
                raise UserError(f"记录处于“{st.LABELS[rec.state]}”状态，现在不能撤销。", "bad_state")
            self._audit(s, rec, "withdraw", old, actor, {"reason": reason})
            return rec.state

    # -- read ---------------------------------------------------------------------------------------
    def list(self, state: str | None = None, kind: str | None = None) -> list[Record]:
        with self.store.session() as s:
            q = select(Record).order_by(Record.deadline.is_(None), Record.deadline, Record.id)
            if state:
                q = q.where(Record.state == state)
            if kind:
                q = q.where(Record.kind == kind)
            return list(s.scalars(q))

    def history(self, client_id: str) -> list[AuditEvent]:
        with self.store.session() as s:
            return list(s.scalars(select(AuditEvent).where(AuditEvent.client_id == client_id)
                                  .order_by(AuditEvent.id)))


def _diff(kind: Kind, old: dict[str, str], new: dict[str, str]) -> dict[str, list]:
    from app.privacy import mask_id

    out = {}
    personal = {f.code for f in kind.fields if f.personal_id}
    for code in sorted(set(old) | set(new)):
        a, b = old.get(code), new.get(code)
        if a != b:
            out[code] = [mask_id(a), mask_id(b)] if code in personal else [a, b]
    return out
