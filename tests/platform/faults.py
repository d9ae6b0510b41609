"""Faults injected for the next N requests that match a method and a path pattern.

Kinds (`process` says whether the platform handles the request for real before the fault shows;
each kind has a default, and `process=` overrides it):

| kind               | what the client sees                                        | processed |
|--------------------|-------------------------------------------------------------|-----------|
| delay              | the normal answer, `seconds` late (after=True: sleep after  | yes       |
|                    | the request was handled, before answering)                  |           |
| drop               | the connection closes with no answer                        | no        |
| drop_after_store   | the request is handled (a batch is stored), then the        | yes       |
|                    | connection closes with no answer                            |           |
| http_500           | 500 internal_error                                          | no        |
| http_503           | 503 service_unavailable with Retry-After                    | no        |
| http_429           | 429 rate_limited with Retry-After                           | no        |
| status             | any `status`/`code`/`extra` members (Retry-After when       | no        |
|                    | `retry_after` given; `catalog_outdated` gets current_version)|           |
| token_expired      | 401 token_expired (or `code="invalid_token"`)               | no        |
| malformed_json     | 200, Content-Type JSON, a body cut in half (not JSON)       | yes       |
| bad_shape          | 200, valid JSON that is not the document described          | yes       |
| wrong_content_type | 200, `text/html` page (a proxy or portal answered)          | no        |

Every kind also takes `seconds` (a delay before answering). Paths are matched with fnmatch against
the path after the base path (`/submissions`, `/submissions/*`, `/calendar/2027`, `*`).
"""

from __future__ import annotations

import fnmatch
import itertools
import threading
from dataclasses import asdict, dataclass
from typing import Any

PROCESSES: dict[str, bool] = {
    "delay": True, "drop": False, "drop_after_store": True, "http_500": False, "http_503": False,
    "http_429": False, "status": False, "token_expired": False, "malformed_json": True, "bad_shape": True,
    "wrong_content_type": False,
}
HTML_PAGE = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>网络认证</title></head>"
             "<body><p>请先登录网络认证系统。</p></body></html>")
_ids = itertools.count(1)


@dataclass
class Fault:
    kind: str
    method: str = "*"
    path: str = "*"
    count: int | None = 1  # None: every matching request until cleared
    seconds: float = 0.0
    after: bool = False  # delay after handling the request instead of before
    retry_after: int | None = None
    status: int | None = None
    code: str | None = None
    process: bool | None = None
    content_type: str | None = None
    body: str | None = None
    extra: dict[str, Any] | None = None  # more members of the error object (`status` kind)
    id: int = 0
    hits: int = 0

    def __post_init__(self) -> None:
        if self.kind not in PROCESSES:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(PROCESSES)}")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be >= 1 (or None for every request)")
        if self.retry_after is not None and not 0 <= int(self.retry_after) <= 3600:
            raise ValueError("Retry-After is whole seconds, at most 3600")
        if self.kind == "status" and self.status is None:
            raise ValueError("a `status` fault needs status=")
        self.method = self.method.upper()
        if self.path != "*" and not self.path.startswith("/"):
            self.path = "/" + self.path
        if not self.id:
            self.id = next(_ids)
        if self.process is None:
            self.process = PROCESSES[self.kind] or self.kind == "drop_after_store"

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and fnmatch.fnmatchcase(path, self.path)

    @property
    def closes(self) -> bool:
        return self.kind in ("drop", "drop_after_store")

    def dump(self) -> dict[str, Any]:
        return asdict(self)


class FaultBook:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching this request, used up by one."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.hits += 1
                    if fault.count is not None:
                        fault.count -= 1
                        if fault.count == 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def pending(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
