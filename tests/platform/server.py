"""The reference platform: an HTTP server on 127.0.0.1 and the Python API tests steer it with."""

from __future__ import annotations

import contextlib
import copy
import socket
import sys
import threading
from dataclasses import asdict, fields
from datetime import datetime
from http.server import ThreadingHTTPServer
from typing import Any

from tests.platform.clock import SettableClock, iso
from tests.platform.faults import Fault, FaultBook
from tests.platform.handlers import Handler
from tests.platform.state import DEMO_PASSWORD, DEMO_USERNAME, Config, PlatformState

HOST = "127.0.0.1"  # never any other address


def normalise_base(base_path: str) -> str:
    """`/api/v1/` -> `/api/v1`; `` and `/` -> `` (paths directly under the root)."""
    base = base_path.strip().rstrip("/")
    if base and not base.startswith("/"):
        base = "/" + base
    return base


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64
    platform: PlatformServer

    def __init__(self, address: tuple[str, int], handler: type[Handler]):
        super().__init__(address, handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that closed its end (a time-out, a killed process) is no error of the platform."""
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    def track(self, conn: socket.socket) -> None:
        with self._open_lock:
            self._open.add(conn)

    def untrack(self, conn: socket.socket) -> None:
        with self._open_lock:
            self._open.discard(conn)

    def close_connections(self) -> None:
        """A stopped platform answers nothing, also on kept-alive connections."""
        with self._open_lock:
            conns = list(self._open)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class PlatformServer:
    """One platform. Construct (binds the port), `start()` it in a thread, `stop()` it.

    Steering methods are thread-safe and take effect at once; the same operations are reachable
    over HTTP under `/_control/` (see control.py).
    """

    def __init__(self, port: int = 0, base_path: str = "/api/v1", *, now: datetime | str | None = None,
                 frozen: bool = False, catalog_version: str | None = None, demo: bool = False,
                 verbose: bool = False, **config: Any):
        self.host = HOST
        self.base_path = normalise_base(base_path)
        self.verbose = verbose
        self.username = DEMO_USERNAME
        self.password = DEMO_PASSWORD
        self._init = {"now": now, "frozen": frozen, "catalog_version": catalog_version, "demo": demo,
                      "config": dict(config)}
        self.clock = SettableClock(now, frozen)
        self.state = PlatformState(self._config(config), self.clock, catalog_version, demo)
        self.faults = FaultBook()
        self._httpd = _HTTPServer((HOST, port), Handler)
        self._httpd.platform = self
        self.port: int = self._httpd.server_address[1]
        self._thread: threading.Thread | None = None

    @staticmethod
    def _config(overrides: dict[str, Any]) -> Config:
        names = {f.name for f in fields(Config)}
        unknown = set(overrides) - names
        if unknown:
            raise TypeError(f"unknown platform settings: {sorted(unknown)}; known: {sorted(names)}")
        return Config(**overrides)

    # ---- running -----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}{self.base_path}"

    @property
    def control_url(self) -> str:
        return f"http://{HOST}:{self.port}/_control"

    def start(self) -> PlatformServer:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        name=f"platform-{self.port}", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()
        self._httpd.close_connections()

    def __enter__(self) -> PlatformServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Back to the state right after start (same port): records, tokens, faults, log, clock."""
        init = self._init
        self.clock = SettableClock(init["now"], init["frozen"])
        self.state = PlatformState(self._config(init["config"]), self.clock, init["catalog_version"],
                                   init["demo"])
        self.faults.clear()

    def summary(self) -> dict[str, Any]:
        s = self.state
        with s.lock:
            return {"base_url": self.base_url, "now": self.now_iso(), "username": self.username,
                    "catalog_version": s.current_catalog().version,
                    "catalog_versions": [c.version for c in s.catalogs], "outdated": sorted(s.outdated),
                    "calendar_years": sorted(s.calendars), "blacklist_items": len(s.blacklist),
                    "feedback_items": len(s.feedback), "records": len(s.records),
                    "accounts": sorted(s.accounts), "config": asdict(s.config)}

    # ---- clock and settings ------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    def now_iso(self) -> str:
        return iso(self.clock.now())

    def set_clock(self, when: datetime | str, frozen: bool = False) -> datetime:
        return self.clock.set(when, frozen)

    def advance_clock(self, seconds: float) -> datetime:
        return self.clock.advance(seconds)

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change settings of Config (expires_in, max_failures, lock_seconds, page_size, ...)."""
        with self.state.lock:
            merged = {**asdict(self.state.config), **settings}
            self.state.config = self._config(merged)
            return asdict(self.state.config)

    # ---- accounts and tokens -----------------------------------------------------------------
    def add_account(self, username: str, password: str, department_name: str | None = None,
                    department_uscc: str | None = None, kinds: list[str] | None = None) -> dict[str, Any]:
        extra = {k: v for k, v in (("department_name", department_name), ("department_uscc", department_uscc))
                 if v is not None}
        return self.state.add_account(username, password, kinds=kinds, **extra).public()

    def unlock_account(self, username: str) -> None:
        self.state.unlock_account(username)

    def expire_tokens(self) -> int:
        """Every token issued so far now answers 401 token_expired."""
        return self.state.expire_tokens()

    def revoke_tokens(self) -> int:
        """Every token issued so far now answers 401 invalid_token."""
        return self.state.revoke_tokens()

    # ---- catalog and calendars ---------------------------------------------------------------
    @property
    def catalog_version(self) -> str:
        return self.state.current_catalog().version

    def catalog_document(self) -> Any:
        return copy.deepcopy(self.state.current_catalog().document)

    def publish_catalog(self, version: str, document: Any = None, outdate_older: bool = False,
                        published_at: str | None = None) -> dict[str, Any]:
        entry = self.state.publish_catalog(version, document, outdate_older, published_at)
        return {"version": entry.version, "published_at": entry.published_at}

    def mark_catalog_outdated(self, *versions: str) -> None:
        self.state.mark_catalog_outdated(*versions)

    def publish_calendar(self, year: int, document: Any = None) -> Any:
        """Serve `/calendar/{year}`: the document given, or a plausible one (content.example_calendar)."""
        return self.state.publish_calendar(year, document)

    def unpublish_calendar(self, year: int) -> None:
        self.state.unpublish_calendar(year)

    # ---- the list ----------------------------------------------------------------------------
    def add_blacklist(self, subject_name: str, uscc: str | None = None, id_number: str | None = None,
                      id_sha256: str | None = None, list_name: str | None = None, listed_on: str | None = None,
                      entry_id: str | None = None, removed: bool = False) -> dict[str, Any]:
        extra = {"list_name": list_name} if list_name else {}
        return self.state.add_blacklist(subject_name, uscc, id_number, id_sha256, listed_on=listed_on,
                                        entry_id=entry_id, removed=removed, **extra)

    def remove_blacklist(self, entry_id: str) -> dict[str, Any]:
        return self.state.remove_blacklist(entry_id)

    # ---- review feedback ---------------------------------------------------------------------
    def return_record(self, client_id: str, reason: str, fields: list[str] | tuple[str, ...] = (),
                      revision: int | None = None, username: str | None = None) -> dict[str, Any]:
        return self.state.return_record(client_id, reason, fields, revision, username)

    def publish_record(self, client_id: str, revision: int | None = None,
                       username: str | None = None) -> dict[str, Any]:
        return self.state.publish_record(client_id, revision, username)

    def end_publicity(self, client_id: str, revision: int | None = None,
                      username: str | None = None) -> dict[str, Any]:
        return self.state.end_publicity(client_id, revision, username)

    def add_feedback(self, client_id: str, revision: int, type: str, reason: str | None = None,
                     fields: list[str] | tuple[str, ...] = (), platform_id: str | None = None,
                     username: str | None = None) -> dict[str, Any]:
        return self.state.add_feedback(username or self.username, client_id, revision, type, reason, fields,
                                       platform_id)

    # ---- faults ------------------------------------------------------------------------------
    def inject(self, kind: str, method: str = "*", path: str = "*", count: int | None = 1,
               **params: Any) -> Fault:
        """Fault the next `count` requests matching method and path (see faults.py for kinds)."""
        return self.faults.add(Fault(kind, method, path, count, **params))

    def pending_faults(self) -> list[Fault]:
        return self.faults.pending()

    def clear_faults(self) -> None:
        self.faults.clear()

    # ---- read-back ---------------------------------------------------------------------------
    def records(self, username: str | None = None) -> dict[str, dict[str, Any]]:
        """client_id -> the stored record with all its revisions (all accounts unless one is named;
        name the account when two accounts use the same client_id)."""
        return {r["client_id"]: r for r in self.state.dump_records(username)}

    def record(self, client_id: str, username: str | None = None) -> dict[str, Any] | None:
        try:
            return self.state.find_record(client_id, username).dump()
        except KeyError:
            return None

    def accepted_creates(self, username: str | None = None) -> dict[str, int]:
        """client_id -> how many times a create of it was accepted (1 = "accepted exactly once")."""
        return self.state.accepted_creates(username)

    def result_counts(self, username: str | None = None) -> dict[str, dict[str, int]]:
        """client_id -> counts of creates accepted, accepted, duplicate and conflict results."""
        return self.state.result_counts(username)

    def requests(self) -> list[dict[str, Any]]:
        """The request log: method, path (after the base), query, status (None: dropped),
        idempotency_key, username, fault, replayed, at, and batch_id for stored batches."""
        return self.state.requests()

    def clear_requests(self) -> None:
        self.state.clear_requests()
