"""HTTP client for the platform contract (platform-api.md): one requests Session, time-outs, TLS with
an optional CA bundle, proxy, User-Agent, token handling, Retry-After and back-off with jitter.

A request whose outcome is unknown (network error, time-out, 5xx, a 200 that is not the JSON
described) is repeated unchanged: for POST /submissions with the same Idempotency-Key and the same
body bytes, which is what makes a repeat safe."""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from app import __version__
from app.platform.errors import (
    AccountLocked,
    CatalogOutdated,
    CredentialsError,
    NetworkError,
    NotFound,
    NotLoggedIn,
    PlatformError,
    RateLimited,
    RequestRefused,
    ServerError,
)

log = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 64 * 1024 * 1024  # a catalog or a page is far smaller; more is refused unread
TOKEN_ERRORS = ("token_expired", "invalid_token")


# The members a 200 answer must have, by endpoint (platform-api.md); anything else is malformed.
Shape = tuple[tuple[str, type], ...]
CATALOG: Shape = (("version", str), ("catalog", dict))
CALENDAR: Shape = (("year", int), ("holidays", list), ("workdays", list))
PAGE: Shape = (("items", list), ("next_cursor", str), ("has_more", bool))
SUBMISSION: Shape = (("client_id", str), ("revision", int), ("status", str))
BATCH_ANSWER: Shape = (("results", list),)


def _fits(body: Any, shape: Shape) -> bool:
    return isinstance(body, dict) and all(
        isinstance(body.get(name), kind) and not (kind is int and isinstance(body.get(name), bool))
        for name, kind in shape)


@dataclass(frozen=True)
class Account:
    username: str
    department_name: str
    department_uscc: str
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class Response:
    status: int
    body: Any
    headers: dict[str, str]
    raw: bytes


@dataclass
class RetryPolicy:
    attempts: int = 4  # tries of one request with an unknown outcome before the sync stops
    base_delay: float = 1.0
    max_delay: float = 30.0
    max_retry_after: int = 120  # a longer Retry-After stops the sync and tells the clerk when to retry


class PlatformClient:
    def __init__(self, base_url: str, *, username: str = "", password: str = "", ca_bundle: str = "",
                 proxy: str = "", connect_timeout: float = 10.0, read_timeout: float = 60.0,
                 retry: RetryPolicy | None = None, sleep: Callable[[float], None] = time.sleep,
                 cancelled: Callable[[], bool] = lambda: False):
        if not base_url:
            raise NotLoggedIn("尚未设置平台地址，请先登录（设置平台地址和账号）。")
        self.base_url = base_url.rstrip("/")
        self.username = username
        self._password = password
        self.timeout = (connect_timeout, read_timeout)
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self.cancelled = cancelled
        self.session = requests.Session()
        self.session.headers["User-Agent"] = f"CreditDesk/{__version__}"
        self.session.headers["Accept"] = "application/json"
        # Passed with every request: a Session-level `verify` loses to REQUESTS_CA_BUNDLE in the
        # environment, and the bundle the bureau configured must win.
        self.verify: str | bool = ca_bundle or True
        # A proxy from the settings wins; without one, the system's (environment) proxy is used.
        self.proxies = {"http": proxy, "https": proxy} if proxy else None
        self._token: str | None = None
        self.account: Account | None = None

    def close(self) -> None:
        self.session.close()

    # -- authentication -------------------------------------------------------------------------------
    def login(self) -> Account:
        if not self.username or not self._password:
            raise NotLoggedIn("尚未登录平台账号，请先登录。")
        resp = self._send("POST", "/auth/token", json_body={"username": self.username, "password": self._password},
                          auth=False)
        if resp.status == 200:
            body = resp.body
            token = body.get("access_token") if isinstance(body, dict) else None
            acct = body.get("account") if isinstance(body, dict) else None
            if not isinstance(token, str) or not token or not isinstance(acct, dict):
                raise ServerError("平台登录应答格式不正确，请稍后再试或联系平台管理员。")
            self._token = token
            self.account = Account(str(acct.get("username", self.username)), str(acct.get("department_name", "")),
                                   str(acct.get("department_uscc", "")),
                                   tuple(k for k in acct.get("kinds", []) if isinstance(k, str)))
            return self.account
        code = _error_code(resp)
        if resp.status == 423 or code == "account_locked":
            raise AccountLocked("平台账号已被锁定（密码错误次数过多），请联系平台管理员解锁；系统不会自动重试。")
        if resp.status == 401:
            raise CredentialsError("平台用户名或密码不正确，请重新登录。")
        raise _refused(resp)

    # -- the endpoints --------------------------------------------------------------------------------
    def get_catalog(self, etag: str | None) -> Response:
        headers = {"If-None-Match": etag} if etag else {}
        return self._call("GET", "/catalog", headers=headers, ok=(200, 304), shape=CATALOG)

    def get_calendar(self, year: int) -> Response:
        return self._call("GET", f"/calendar/{int(year)}", ok=(200, 404), shape=CALENDAR)

    def get_blacklist(self, cursor: str | None) -> Response:
        return self._call("GET", "/blacklist", params={"cursor": cursor} if cursor else None, shape=PAGE)

    def get_feedback(self, cursor: str | None) -> Response:
        return self._call("GET", "/feedback", params={"cursor": cursor} if cursor else None, shape=PAGE)

    def get_submission(self, client_id: str) -> Response:
        return self._call("GET", f"/submissions/{client_id}", ok=(200, 404), shape=SUBMISSION)

    def post_submissions(self, idempotency_key: str, body: bytes) -> Response:
        return self._call("POST", "/submissions", raw_body=body, headers={"Idempotency-Key": idempotency_key},
                          shape=BATCH_ANSWER)

    # -- the machinery --------------------------------------------------------------------------------
    def _call(self, method: str, path: str, *, headers: dict | None = None, params: dict | None = None,
              raw_body: bytes | None = None, ok: tuple[int, ...] = (200,), shape: Shape = ()) -> Response:
        """One logical call: log in when needed, renew an expired token once, repeat on unknown
        outcomes with back-off, honour Retry-After. Raises a PlatformError subclass otherwise."""
        if self._token is None:
            self.login()
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            try:
                resp = self._send(method, path, headers=headers, params=params, raw_body=raw_body)
            except (NetworkError, ServerError) as exc:
                self._backoff(attempt, exc)
                continue
            if resp.status in ok and (resp.status != 200 or _fits(resp.body, shape)):
                return resp
            if resp.status == 200:  # a 200 whose body is not the JSON described: outcome unknown
                self._backoff(attempt, ServerError("平台返回的内容无法识别，请稍后再试。"))
                continue
            if resp.status == 401:
                if renewed:
                    raise CredentialsError("平台拒绝了登录凭据（重新登录后仍未通过），请检查账号和密码后重新登录。")
                renewed = True
                self._token = None
                self.login()
                continue
            if resp.status == 423:
                raise AccountLocked("平台账号已被锁定，请联系平台管理员解锁；系统不会自动重试。")
            if resp.status in (429, 503):
                wait = _retry_after(resp)
                if wait > self.retry.max_retry_after or attempt >= self.retry.attempts:
                    minutes = max(1, -(-wait // 60))
                    raise RateLimited(f"平台繁忙（{resp.status}），请约 {minutes} 分钟后再报送。", wait)
                self._wait(wait)
                continue
            if resp.status >= 500:
                self._backoff(attempt, ServerError(f"平台暂时出错（HTTP {resp.status}），请稍后再试。"))
                continue
            raise _refused(resp)

    def _backoff(self, attempt: int, exc: PlatformError) -> None:
        if attempt >= self.retry.attempts:
            raise exc
        delay = min(self.retry.max_delay, self.retry.base_delay * 2 ** (attempt - 1))
        self._wait(delay * (0.5 + random.random() / 2))  # jitter: clients of many bureaus never retry in step

    def _wait(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if self.cancelled():
                raise PlatformError("已取消。")
            self.sleep(min(left, 0.5))

    def _send(self, method: str, path: str, *, headers: dict | None = None, params: dict | None = None,
              json_body: Any = None, raw_body: bytes | None = None, auth: bool = True) -> Response:
        h = dict(headers or {})
        if auth and self._token:
            h["Authorization"] = f"Bearer {self._token}"
        data = raw_body
        if json_body is not None:
            data = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        if data is not None:
            h["Content-Type"] = "application/json; charset=utf-8"
        url = self.base_url + path
        try:
            r = self.session.request(method, url, headers=h, params=params, data=data, timeout=self.timeout,
                                     stream=True, allow_redirects=False, verify=self.verify,
                                     proxies=self.proxies)
        except requests.exceptions.SSLError:
            raise NetworkError("无法建立安全连接（证书校验失败），请在设置中检查平台地址和 CA 证书。") from None
        except requests.exceptions.ProxyError:
            raise NetworkError("无法通过代理服务器连接平台，请检查代理设置。") from None
        except requests.exceptions.Timeout:
            raise NetworkError("连接平台超时，请检查网络后再试。") from None
        except requests.exceptions.RequestException:
            raise NetworkError("无法连接平台，请检查网络连接和平台地址。") from None
        try:
            raw = _read_limited(r)
        except requests.exceptions.RequestException:
            raise NetworkError("与平台的连接中断，请稍后再试。") from None
        finally:
            r.close()
        log.info("%s %s -> %s (%d bytes)", method, path.split("?")[0], r.status_code, len(raw))
        body: Any = None
        if raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                body = None
        return Response(r.status_code, body, dict(r.headers), raw)


def _read_limited(r: requests.Response) -> bytes:
    length = r.headers.get("Content-Length")
    if length and length.isdigit() and int(length) > MAX_RESPONSE_BYTES:
        raise ServerError("平台返回的数据过大，已拒绝接收。")
    chunks, size = [], 0
    for chunk in r.iter_content(64 * 1024):
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise ServerError("平台返回的数据过大，已拒绝接收。")
        chunks.append(chunk)
    return b"".join(chunks)


def _error_code(resp: Response) -> str:
    err = resp.body.get("error") if isinstance(resp.body, dict) else None
    return str(err.get("code", "")) if isinstance(err, dict) else ""


def _error_message(resp: Response) -> str:
    err = resp.body.get("error") if isinstance(resp.body, dict) else None
    msg = err.get("message") if isinstance(err, dict) else None
    return str(msg)[:300] if msg else ""


def _retry_after(resp: Response) -> int:
    value = resp.headers.get("Retry-After", "")
    try:
        return min(max(int(value.strip()), 0), 3600)
    except ValueError:
        return 5  # missing or not whole seconds: a short, polite pause


def _refused(resp: Response) -> RequestRefused:
    code = _error_code(resp) or f"http_{resp.status}"
    text = _error_message(resp)
    detail = f"：{text}" if text else ""
    if code == "catalog_outdated":
        return CatalogOutdated(f"平台已更新数据目录{detail}", resp.status, code, resp.body)
    if resp.status == 404:
        return NotFound(f"平台上没有找到该记录{detail}", resp.status, code, resp.body)
    return RequestRefused(f"平台拒绝了请求（HTTP {resp.status}，{code}）{detail}", resp.status, code,
                          resp.body if isinstance(resp.body, dict) else None)
