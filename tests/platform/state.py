"""The platform's memory, all in one object guarded by one lock: accounts and tokens, catalog
versions, calendars, the serious-dishonesty list, stored records, feedback, idempotency answers and
the request log."""

from __future__ import annotations

import copy
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from app.workdays import WorkCalendar
from app.workdays.sources import parse_calendar_document
from tests.platform import content
from tests.platform.checks import RecordChecks
from tests.platform.clock import SettableClock, iso
from tests.platform.errors import ApiError, dumps, malformed

DEMO_USERNAME = "srfgw_01"
DEMO_PASSWORD = "demo-password"
DEMO_DEPARTMENT = "上饶市发展和改革委员会"
DEMO_USCC = "113611000145004524"
ALL_KINDS = ("license", "penalty", "enforcement", "inspection")
FEEDBACK_TYPES = ("returned", "published", "publicity_ended")


@dataclass
class Config:
    expires_in: int = 7200  # seconds a token lives
    max_failures: int = 5  # wrong passwords in a row that lock the account
    lock_seconds: int = 1800  # how long a lock lasts (platform clock)
    page_size: int = 100  # items per /blacklist and /feedback page
    idempotency_ttl: int = 24 * 3600  # how long a 200 answer is remembered for its key
    max_records: int = 500
    max_bytes: int = 5 * 1024 * 1024
    concurrency_429: bool = True  # a second concurrent POST /submissions of an account gets 429
    busy_retry_after: int = 1  # Retry-After of that 429
    accept_unknown_catalog_versions: bool = False  # else a never-published version is outdated


@dataclass
class Account:
    username: str
    password: str
    department_name: str
    department_uscc: str
    kinds: list[str]
    failures: int = 0
    locked_until: datetime | None = None

    def public(self) -> dict[str, Any]:
        return {"username": self.username, "department_name": self.department_name,
                "department_uscc": self.department_uscc, "kinds": list(self.kinds)}


@dataclass
class Token:
    value: str
    username: str
    expires_at: datetime
    state: str = "valid"  # valid | expired | revoked


@dataclass
class Revision:
    revision: int
    action: str
    kind: str
    fields: dict[str, Any] | None
    withdraw_reason: str | None
    status: str  # accepted | returned | withdrawn
    received_at: datetime
    batch_id: str
    idempotency_key: str
    catalog_version: str
    content: str  # canonical JSON of kind, action, fields: "identical content"

    def dump(self) -> dict[str, Any]:
        return {"revision": self.revision, "action": self.action, "kind": self.kind, "fields": self.fields,
                "withdraw_reason": self.withdraw_reason, "status": self.status,
                "received_at": iso(self.received_at), "batch_id": self.batch_id,
                "idempotency_key": self.idempotency_key, "catalog_version": self.catalog_version}


@dataclass
class StoredRecord:
    username: str
    client_id: str
    kind: str
    platform_id: str
    revisions: dict[int, Revision] = field(default_factory=dict)
    deadline: date | None = None
    late: bool | None = None
    published: bool = False
    publicity_ended: bool = False

    @property
    def latest(self) -> Revision:
        return self.revisions[max(self.revisions)]

    @property
    def first(self) -> Revision:
        return self.revisions[min(self.revisions)]

    def dump(self) -> dict[str, Any]:
        return copy.deepcopy(self._dump())

    def _dump(self) -> dict[str, Any]:
        return {"username": self.username, "client_id": self.client_id, "kind": self.kind,
                "platform_id": self.platform_id, "revision": self.latest.revision, "status": self.latest.status,
                "first_received_at": iso(self.first.received_at),
                "deadline": self.deadline.isoformat() if self.deadline else None, "late": self.late,
                "published": self.published, "publicity_ended": self.publicity_ended,
                "revisions": [self.revisions[r].dump() for r in sorted(self.revisions)]}


@dataclass
class CatalogVersion:
    version: str
    published_at: str
    document: Any
    body: bytes = b""


@dataclass
class Remembered:
    canonical: str
    body: bytes
    stored_at: datetime


@dataclass
class Counts:
    creates: int = 0  # accepted creates
    accepted: int = 0  # `accepted` results of any action
    duplicate: int = 0
    conflict: int = 0


_CURSOR = re.compile(r"^(?P<prefix>[a-z]+)\.(?P<seq>\d{1,12})$")


def _after(cursor: str | None, prefix: str) -> int:
    if not cursor:
        return 0
    m = _CURSOR.match(cursor)
    if not m or m.group("prefix") != prefix:
        raise malformed("cursor 无效，请使用上一页返回的 next_cursor。")
    return int(m.group("seq"))


def page(items: list[dict[str, Any]], cursor: str | None, prefix: str, size: int,
         hidden: tuple[str, ...] = ()) -> dict[str, Any]:
    """One page of a change log ordered by `seq`, after the cursor."""
    after = _after(cursor, prefix)
    rest = [item for item in items if item["seq"] > after]
    chunk = rest[:size]
    last = chunk[-1]["seq"] if chunk else after
    return {"items": [{k: v for k, v in item.items() if k not in hidden} for item in chunk],
            "next_cursor": f"{prefix}.{last}", "has_more": len(rest) > len(chunk)}


class PlatformState:
    def __init__(self, config: Config | None = None, clock: SettableClock | None = None,
                 catalog_version: str | None = None, demo: bool = False):
        self.lock = threading.RLock()
        self.config = config or Config()
        self.clock = clock or SettableClock()
        self.accounts: dict[str, Account] = {}
        self.tokens: dict[str, Token] = {}
        self.catalogs: list[CatalogVersion] = []
        self.outdated: set[str] = set()
        self.calendars: dict[int, Any] = content.bundled_calendars()
        self.blacklist: list[dict[str, Any]] = []
        self.feedback: list[dict[str, Any]] = []
        self.records: dict[tuple[str, str], StoredRecord] = {}
        self.counts: dict[tuple[str, str], Counts] = {}
        self.idempotency: dict[tuple[str, str], Remembered] = {}
        self.request_log: list[dict[str, Any]] = []
        self.in_flight: set[str] = set()
        self._seq = 0
        self._batches = 0
        self._platform_ids = 0
        self._entries = 0
        self._checks: RecordChecks | None = None
        self._checks_catalog: Any = None
        doc = content.default_catalog_document()
        version = catalog_version or str(doc["version"])
        doc["version"] = version
        self._add_catalog(version, doc, self._published_at(doc.get("published_at")))
        self.add_account(DEMO_USERNAME, DEMO_PASSWORD)
        if demo:
            for entry in content.demo_blacklist(self.today()):
                self.add_blacklist(**entry)

    # ---- time and counters -------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.now().date()

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def next_batch_id(self, now: datetime) -> str:
        self._batches += 1
        return f"B{now:%Y%m%d}-{self._batches:06d}"

    def next_platform_id(self, prefix: str, now: datetime) -> str:
        self._platform_ids += 1
        return f"SR-{prefix}-{now.year}-{self._platform_ids:06d}"

    @staticmethod
    def _published_at(value: Any) -> str:
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return f"{value}T00:00:00+08:00"
        return value if isinstance(value, str) else ""

    # ---- accounts and tokens -----------------------------------------------------------------
    def add_account(self, username: str, password: str, department_name: str = DEMO_DEPARTMENT,
                    department_uscc: str = DEMO_USCC, kinds: list[str] | tuple[str, ...] | None = None) -> Account:
        with self.lock:
            account = Account(username, password, department_name, department_uscc,
                              list(ALL_KINDS if kinds is None else kinds))
            self.accounts[username] = account
            return account

    def login(self, username: str, password: str) -> dict[str, Any]:
        with self.lock:
            now = self.now()
            account = self.accounts.get(username)
            if account is None:
                raise ApiError(401, "invalid_credentials")
            if account.locked_until is not None:
                if now < account.locked_until:
                    raise ApiError(423, "account_locked")
                account.locked_until = None
                account.failures = 0
            if not secrets.compare_digest(password.encode(), account.password.encode()):
                account.failures += 1
                if account.failures >= self.config.max_failures:
                    account.locked_until = now + timedelta(seconds=self.config.lock_seconds)
                raise ApiError(401, "invalid_credentials")
            account.failures = 0
            value = secrets.token_urlsafe(32)
            self.tokens[value] = Token(value, username, now + timedelta(seconds=self.config.expires_in))
            return {"access_token": value, "token_type": "Bearer", "expires_in": self.config.expires_in,
                    "account": account.public()}

    def authenticate(self, authorization: str | None) -> Account:
        scheme, _, value = (authorization or "").strip().partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="platform"'}
        if scheme.lower() != "bearer" or not value.strip():
            raise ApiError(401, "invalid_token", "缺少访问令牌或格式错误，请重新登录。", challenge)
        with self.lock:
            token = self.tokens.get(value.strip())
            if token is None or token.state == "revoked" or token.username not in self.accounts:
                raise ApiError(401, "invalid_token", headers=challenge)
            if token.state == "expired" or self.now() >= token.expires_at:
                raise ApiError(401, "token_expired", headers=challenge)
            return self.accounts[token.username]

    def expire_tokens(self) -> int:
        with self.lock:
            for token in self.tokens.values():
                if token.state == "valid":
                    token.state = "expired"
            return len(self.tokens)

    def revoke_tokens(self) -> int:
        with self.lock:
            for token in self.tokens.values():
                token.state = "revoked"
            return len(self.tokens)

    def unlock_account(self, username: str) -> None:
        with self.lock:
            account = self.accounts[username]
            account.failures = 0
            account.locked_until = None

    # ---- catalog -----------------------------------------------------------------------------
    def _add_catalog(self, version: str, document: Any, published_at: str) -> CatalogVersion:
        entry = CatalogVersion(version, published_at, document)
        entry.body = dumps({"version": version, "published_at": published_at, "catalog": document})
        self.catalogs.append(entry)
        return entry

    def current_catalog(self) -> CatalogVersion:
        with self.lock:
            return self.catalogs[-1]

    def publish_catalog(self, version: str, document: Any = None, outdate_older: bool = False,
                        published_at: str | None = None) -> CatalogVersion:
        """Serve a new catalog version. Without a document, the current one with the new version
        (and publication date). A document that is not a valid catalog is served as given, but the
        platform goes on checking records with the last valid one."""
        with self.lock:
            if any(c.version == version for c in self.catalogs):
                raise ValueError(f"catalog version {version} already published")
            now = self.now()
            if document is None:
                base = self.catalogs[-1].document
                if not isinstance(base, dict):
                    base = content.default_catalog_document()
                document = content.catalog_with_version(base, version, now.date().isoformat())
            older = [c.version for c in self.catalogs]
            entry = self._add_catalog(version, document, published_at or iso(now))
            if outdate_older:
                self.outdated.update(older)
            self._invalidate_checks()
            return entry

    def mark_catalog_outdated(self, *versions: str) -> None:
        with self.lock:
            self.outdated.update(versions)

    def is_outdated(self, version: str) -> bool:
        with self.lock:
            if version in self.outdated:
                return True
            known = any(c.version == version for c in self.catalogs)
            return not known and not self.config.accept_unknown_catalog_versions

    def checks(self) -> RecordChecks:
        """Checks with the newest valid catalog and the calendars served now."""
        with self.lock:
            if self._checks is None:
                catalog = None
                for entry in reversed(self.catalogs):
                    catalog = content.parse_document(entry.document)
                    if catalog is not None:
                        break
                assert catalog is not None, "the first catalog is the project's own valid default"
                tables = []
                for doc in self.calendars.values():
                    try:
                        tables.append(parse_calendar_document(doc, "platform"))
                    except Exception:  # a deliberately bad year served for a test
                        continue
                self._checks = RecordChecks(catalog, WorkCalendar(tables))
            return self._checks

    def _invalidate_checks(self) -> None:
        self._checks = None

    # ---- calendars ---------------------------------------------------------------------------
    def calendar(self, year: int) -> Any:
        with self.lock:
            return self.calendars.get(year)

    def publish_calendar(self, year: int, document: Any = None) -> Any:
        with self.lock:
            doc = document if document is not None else content.example_calendar(year)
            self.calendars[year] = doc
            self._invalidate_checks()
            return doc

    def unpublish_calendar(self, year: int) -> None:
        with self.lock:
            self.calendars.pop(year, None)
            self._invalidate_checks()

    # ---- the serious-dishonesty list ---------------------------------------------------------
    def add_blacklist(self, subject_name: str, uscc: str | None = None, id_number: str | None = None,
                      id_sha256: str | None = None, list_name: str = content.DEFAULT_LIST,
                      listed_on: str | None = None, entry_id: str | None = None,
                      removed: bool = False) -> dict[str, Any]:
        """Append an item to the list's change log (a new entry, or a correction of `entry_id`)."""
        if id_number is not None:
            id_sha256 = content.id_sha256(id_number)
        with self.lock:
            if entry_id is None:
                self._entries += 1
                entry_id = f"HM-{self.today().year}-{self._entries:05d}"
            item = {"seq": self.next_seq(), "entry_id": entry_id, "subject_name": subject_name,
                    "uscc": uscc, "id_sha256": id_sha256, "list_name": list_name,
                    "listed_on": listed_on or self.today().isoformat(), "removed": bool(removed)}
            self.blacklist.append(item)
            return {k: v for k, v in item.items() if k != "seq"}

    def remove_blacklist(self, entry_id: str) -> dict[str, Any]:
        """The entry leaves the list: its latest item again, with `removed: true`."""
        with self.lock:
            latest = next((i for i in reversed(self.blacklist) if i["entry_id"] == entry_id), None)
            if latest is None:
                raise KeyError(entry_id)
            item = {**latest, "seq": self.next_seq(), "removed": True}
            self.blacklist.append(item)
            return {k: v for k, v in item.items() if k != "seq"}

    def blacklist_page(self, cursor: str | None) -> dict[str, Any]:
        with self.lock:
            return page(self.blacklist, cursor, "bl", self.config.page_size, hidden=("seq",))

    # ---- records and feedback ----------------------------------------------------------------
    def find_record(self, client_id: str, username: str | None = None) -> StoredRecord:
        with self.lock:
            if username is not None:
                return self.records[(username, client_id)]
            for (_, cid), record in self.records.items():
                if cid == client_id:
                    return record
            raise KeyError(client_id)

    def add_feedback(self, username: str, client_id: str, revision: int, type: str, reason: str | None = None,
                     fields: list[str] | tuple[str, ...] = (), platform_id: str | None = None) -> dict[str, Any]:
        """Append a raw feedback item (also for a client_id the platform does not hold)."""
        if type not in FEEDBACK_TYPES:
            raise ValueError(f"feedback type must be one of {FEEDBACK_TYPES}")
        with self.lock:
            item = {"seq": self.next_seq(), "client_id": client_id, "revision": revision,
                    "platform_id": platform_id, "type": type, "reason": reason, "fields": list(fields),
                    "at": iso(self.now()), "username": username}
            self.feedback.append(item)
            return {k: v for k, v in item.items() if k != "username"}

    def _review(self, client_id: str, type: str, reason: str | None, fields: list[str] | tuple[str, ...],
                revision: int | None, username: str | None) -> dict[str, Any]:
        with self.lock:
            record = self.find_record(client_id, username)
            latest = record.latest
            rev = latest.revision if revision is None else revision
            if rev not in record.revisions:
                raise KeyError(f"{client_id} has no revision {rev}")
            if record.revisions[rev].status == "withdrawn":
                raise ValueError(f"{client_id} revision {rev} is withdrawn")
            if rev == latest.revision:
                if type == "returned":
                    latest.status = "returned"
                elif type == "published":
                    record.published = True
                else:
                    record.publicity_ended = True
            return self.add_feedback(record.username, client_id, rev, type, reason, fields, record.platform_id)

    def return_record(self, client_id: str, reason: str, fields: list[str] | tuple[str, ...] = (),
                      revision: int | None = None, username: str | None = None) -> dict[str, Any]:
        """Review returns the record (latest revision unless given): feedback `returned`."""
        return self._review(client_id, "returned", reason, fields, revision, username)

    def publish_record(self, client_id: str, revision: int | None = None,
                       username: str | None = None) -> dict[str, Any]:
        return self._review(client_id, "published", None, (), revision, username)

    def end_publicity(self, client_id: str, revision: int | None = None,
                      username: str | None = None) -> dict[str, Any]:
        return self._review(client_id, "publicity_ended", None, (), revision, username)

    def feedback_page(self, username: str, cursor: str | None) -> dict[str, Any]:
        with self.lock:
            mine = [i for i in self.feedback if i["username"] == username]
            return page(mine, cursor, "fb", self.config.page_size, hidden=("username",))

    def submission(self, username: str, client_id: str) -> dict[str, Any] | None:
        with self.lock:
            record = self.records.get((username, client_id))
            if record is None:
                return None
            latest = record.latest
            return {"client_id": client_id, "revision": latest.revision, "status": latest.status,
                    "platform_id": record.platform_id, "received_at": iso(latest.received_at),
                    "first_received_at": iso(record.first.received_at)}

    # ---- read-back for tests -----------------------------------------------------------------
    def dump_records(self, username: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [r.dump() for (user, _), r in self.records.items() if username in (None, user)]

    def accepted_creates(self, username: str | None = None) -> dict[str, int]:
        with self.lock:
            return {cid: c.creates for (user, cid), c in self.counts.items() if username in (None, user)}

    def result_counts(self, username: str | None = None) -> dict[str, dict[str, int]]:
        with self.lock:
            return {cid: vars(c).copy() for (user, cid), c in self.counts.items() if username in (None, user)}

    def log_request(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.request_log.append(entry)

    def requests(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(e) for e in self.request_log]

    def clear_requests(self) -> None:
        with self.lock:
            self.request_log.clear()

    # ---- one POST /submissions per account at a time -----------------------------------------
    def begin_submission(self, username: str) -> bool:
        with self.lock:
            if self.config.concurrency_429 and username in self.in_flight:
                return False
            self.in_flight.add(username)
            return True

    def end_submission(self, username: str) -> None:
        with self.lock:
            self.in_flight.discard(username)
