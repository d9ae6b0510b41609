"""The HTTP side: reading requests, routing under the base path, faults, writing answers."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import sys
import time
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.platform import control
from tests.platform.clock import iso
from tests.platform.errors import ApiError, Response, dumps, error_body, json_response, malformed
from tests.platform.faults import HTML_PAGE, Fault
from tests.platform.submissions import submit

if TYPE_CHECKING:
    from tests.platform.server import PlatformServer

# Bodies up to this size are read (and then judged); a larger one is not read and the connection closes.
READ_LIMIT = 32 * 1024 * 1024
CONTROL_PREFIX = "/_control"

ROUTES: list[tuple[str, re.Pattern[str], str, bool]] = [
    ("POST", re.compile(r"^/auth/token$"), "token", False),
    ("GET", re.compile(r"^/catalog$"), "catalog", True),
    ("GET", re.compile(r"^/calendar/(?P<year>[^/]+)$"), "calendar", True),
    ("GET", re.compile(r"^/blacklist$"), "blacklist", True),
    ("POST", re.compile(r"^/submissions$"), "submissions", True),
    ("GET", re.compile(r"^/submissions/(?P<client_id>[^/]+)$"), "submission", True),
    ("GET", re.compile(r"^/feedback$"), "feedback", True),
]


def etag_matches(header: str, etag: str) -> bool:
    for part in header.split(","):
        tag = part.strip()
        if tag == "*":
            return True
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag == etag:
            return True
    return False


def _retry_after(seconds: int | None) -> dict[str, str]:
    return {"Retry-After": str(1 if seconds is None else int(seconds))}


def fault_response(fault: Fault, real: Response | None, current_version: str = "") -> Response | None:
    """What the client gets under a fault; None: the connection is closed with no answer."""
    kind = fault.kind
    if kind == "delay":
        return real
    if fault.closes:
        return None
    if kind == "http_500":
        return ApiError(500, "internal_error").response()
    if kind == "http_503":
        return ApiError(503, "service_unavailable", headers=_retry_after(fault.retry_after)).response()
    if kind == "http_429":
        return ApiError(429, "rate_limited", headers=_retry_after(fault.retry_after)).response()
    if kind == "status":
        headers = _retry_after(fault.retry_after) if fault.retry_after is not None else {}
        extra = dict(fault.extra or {})
        if fault.code == "catalog_outdated":
            extra.setdefault("current_version", current_version)
        return ApiError(int(fault.status or 500), fault.code or "error", fault.body, headers, **extra).response()
    if kind == "token_expired":
        return ApiError(401, fault.code or "token_expired",
                        headers={"WWW-Authenticate": 'Bearer realm="platform"'}).response()
    if kind == "malformed_json":
        if fault.body is not None:
            return Response(200, fault.body.encode("utf-8"))
        whole = real.body if real is not None and len(real.body) >= 2 else b'{"results": ['
        return Response(200, whole[: max(1, len(whole) // 2)])
    if kind == "bad_shape":
        return Response(200, (fault.body or '{"status": "ok", "data": null}').encode("utf-8"))
    # wrong_content_type
    return Response(200, (fault.body or HTML_PAGE).encode("utf-8"),
                    content_type=fault.content_type or "text/html; charset=utf-8")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ShangraoCreditPlatform/1.0"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection is closed after this

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection)  # type: ignore[attr-defined]

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)  # type: ignore[attr-defined]

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (bad request line, unsupported method...) in the envelope too."""
        codes = {400: "malformed", 404: "not_found", 405: "method_not_allowed", 501: "method_not_allowed"}
        self.close_connection = True
        self._send(json_response(code, error_body(codes.get(code, "http_error"), message or explain)))

    def version_string(self) -> str:
        return self.server_version

    @property
    def platform(self) -> PlatformServer:
        return self.server.platform  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        if self.platform.verbose:
            sys.stderr.write("platform: " + (format % args) + "\n")

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    # ---- reading and writing -----------------------------------------------------------------
    def _read_body(self) -> tuple[bytes, int]:
        """(body, size as sent). A body over READ_LIMIT is not read; the connection will close."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.close_connection = True
            return b"", 0
        if length > READ_LIMIT:
            self.close_connection = True
            return b"", length
        return (self.rfile.read(length) if length > 0 else b""), length

    def _read_chunked(self) -> tuple[bytes, int]:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";")[0].strip() or b"0", 16)
            except ValueError:
                self.close_connection = True
                return b"", total
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts), total
            total += size
            if total > READ_LIMIT:
                self.close_connection = True
                return b"", total
            parts.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _send(self, resp: Response) -> None:
        self.send_response(resp.status)
        if resp.status != 304:
            if resp.content_type:
                self.send_header("Content-Type", resp.content_type)
            self.send_header("Content-Length", str(len(resp.body)))
        for name, value in resp.headers.items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        # Head and body leave in one write: two small writes meet Nagle and delayed ACK (40 ms each).
        self._headers_buffer.append(b"\r\n")  # type: ignore[attr-defined]
        if resp.status != 304 and resp.body and self.command != "HEAD":
            self._headers_buffer.append(resp.body)  # type: ignore[attr-defined]
        try:
            self.flush_headers()
        except OSError:  # the client gave up (time-out) and closed its end
            self.close_connection = True

    def _drop(self) -> None:
        """Close the connection without a byte of answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    # ---- dispatch ----------------------------------------------------------------------------
    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        path, query = split.path, parse_qs(split.query)
        body, size = self._read_body()
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            self._send(control.handle(self.platform, method, path[len(CONTROL_PREFIX):] or "/", query, body))
            return
        base = self.platform.base_path
        if base and path != base and not path.startswith(base + "/"):
            self._send(ApiError(404, "not_found", "请求的接口不存在。").response())
            return
        self._api(method, path[len(base):] or "/", query, body, size)

    def _api(self, method: str, rel: str, query: dict[str, list[str]], body: bytes, size: int) -> None:
        state = self.platform.state
        log: dict[str, Any] = {"method": method, "path": rel, "query": {k: v[-1] for k, v in query.items()},
                               "status": None, "idempotency_key": self.headers.get("Idempotency-Key"),
                               "username": None, "fault": None, "replayed": False, "at": iso(state.now()),
                               "time": time.time(), "user_agent": self.headers.get("User-Agent")}
        fault = self.platform.faults.take(method, rel)
        held: list[str] = []
        paused = [False]

        def pause() -> None:
            if fault is not None and not fault.after and fault.seconds > 0 and not paused[0]:
                paused[0] = True
                time.sleep(fault.seconds)

        try:
            if fault is not None:
                log["fault"] = fault.kind
            resp: Response | None
            if fault is not None and not fault.process:
                pause()
                resp = fault_response(fault, None, state.current_catalog().version)
            else:
                try:
                    resp = self._route(method, rel, query, body, size, log, pause, held)
                except ApiError as exc:
                    resp = exc.response()
                except Exception:
                    traceback.print_exc()
                    resp = ApiError(500, "internal_error").response()
                pause()
                if fault is not None:
                    if fault.after and fault.seconds > 0:
                        time.sleep(fault.seconds)
                    resp = fault_response(fault, resp, state.current_catalog().version)
            # Released and logged before the answer leaves: a client that sends its next request as
            # soon as it has this answer must find the account free and this request in the log.
            if resp is None:
                log["dropped"] = True
            else:
                log["status"] = resp.status
            self._release(held, log)
            if resp is None:
                self._drop()
            else:
                self._send(resp)
        finally:
            self._release(held, log)

    def _release(self, held: list[str], log: dict[str, Any]) -> None:
        state = self.platform.state
        while held:
            state.end_submission(held.pop())
        if not log.get("_logged"):
            log["_logged"] = True
            state.log_request({k: v for k, v in log.items() if k != "_logged"})

    def _route(self, method: str, rel: str, query: dict[str, list[str]], body: bytes, size: int,
               log: dict[str, Any], pause: Callable[[], None], held: list[str]) -> Response:
        state = self.platform.state
        allowed = []
        for route_method, pattern, name, needs_auth in ROUTES:
            m = pattern.match(rel)
            if not m:
                continue
            if route_method != method:
                allowed.append(route_method)
                continue
            params = {k: unquote(v) for k, v in m.groupdict().items()}
            account = None
            if needs_auth:
                account = state.authenticate(self.headers.get("Authorization"))
                log["username"] = account.username
            if name == "submissions":
                assert account is not None
                if not state.begin_submission(account.username):
                    raise ApiError(429, "rate_limited", "本账号已有一批数据正在报送，请稍后重试。",
                                   headers=_retry_after(state.config.busy_retry_after))
                held.append(account.username)
            pause()
            if name == "token":
                return self._token(body)
            if name == "catalog":
                return self._catalog()
            if name == "calendar":
                return self._calendar(params["year"])
            if name == "blacklist":
                return json_response(200, state.blacklist_page(_one(query, "cursor")))
            if name == "feedback":
                assert account is not None
                return json_response(200, state.feedback_page(account.username, _one(query, "cursor")))
            if name == "submission":
                assert account is not None
                found = state.submission(account.username, params["client_id"])
                if found is None:
                    raise ApiError(404, "not_found", "平台没有该记录。")
                return json_response(200, found)
            assert account is not None
            return submit(state, account, self.headers.get("Idempotency-Key"), body, log, size)
        if allowed:
            raise ApiError(405, "method_not_allowed", headers={"Allow": ", ".join(sorted(set(allowed)))})
        raise ApiError(404, "not_found", "请求的接口不存在。")

    # ---- endpoints ---------------------------------------------------------------------------
    def _token(self, body: bytes) -> Response:
        try:
            obj = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise malformed("请求体不是有效的 JSON。") from None
        if not isinstance(obj, dict) or not isinstance(obj.get("username"), str) \
                or not isinstance(obj.get("password"), str):
            raise malformed("应包含 username 和 password。")
        return json_response(200, self.platform.state.login(obj["username"], obj["password"]))

    def _catalog(self) -> Response:
        entry = self.platform.state.current_catalog()
        etag = f'"{entry.version}"'
        match = self.headers.get("If-None-Match")
        if match and etag_matches(match, etag):
            return Response(304, b"", {"ETag": etag}, content_type=None)
        return Response(200, entry.body, {"ETag": etag})

    def _calendar(self, year_text: str) -> Response:
        if not re.fullmatch(r"\d{4}", year_text):
            raise ApiError(404, "not_found", "年份格式错误，应为四位数字。")
        doc = self.platform.state.calendar(int(year_text))
        if doc is None:
            raise ApiError(404, "not_published", f"{year_text}年工作日历尚未发布。")
        return Response(200, dumps(doc))


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None
