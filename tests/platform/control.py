"""`/_control/...`: steering the platform over HTTP, for a test in another process.

No authentication (the server listens on 127.0.0.1 only). Bodies and answers are JSON; a bad
request gets 400 and an unknown record 404, with the platform's error envelope.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from tests.platform.errors import ApiError, Response, json_response

if TYPE_CHECKING:
    from tests.platform.server import PlatformServer

Body = dict[str, Any]
Query = dict[str, list[str]]
Action = Callable[["PlatformServer", Body, Query, dict[str, str]], Any]

_ROUTES: list[tuple[str, re.Pattern[str], Action]] = []


def route(method: str, pattern: str) -> Callable[[Action], Action]:
    def register(fn: Action) -> Action:
        _ROUTES.append((method, re.compile(f"^{pattern}$"), fn))
        return fn
    return register


def _need(body: Body, name: str) -> Any:
    if name not in body:
        raise ValueError(f"missing {name!r}")
    return body[name]


def _user(query: Query, body: Body) -> str | None:
    return body.get("username") or (query.get("username") or [None])[-1]


@route("GET", "/state")
def _state(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return p.summary()


@route("POST", "/reset")
def _reset(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    p.reset()
    return {"ok": True}


@route("GET", "/clock")
def _clock(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return {"now": p.now_iso()}


@route("POST", "/clock")
def _set_clock(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    if body.get("real"):
        p.clock.real()
    if "set" in body:
        p.set_clock(body["set"], frozen=bool(body.get("frozen", False)))
    if "advance" in body:
        p.advance_clock(float(body["advance"]))
    return {"now": p.now_iso()}


@route("POST", "/config")
def _config(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return p.configure(**body)


@route("POST", "/accounts")
def _account(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return p.add_account(**body)


@route("POST", "/accounts/(?P<username>[^/]+)/unlock")
def _unlock(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    p.unlock_account(args["username"])
    return {"ok": True}


@route("POST", "/tokens/expire")
def _expire(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return {"tokens": p.expire_tokens()}


@route("POST", "/tokens/revoke")
def _revoke(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return {"tokens": p.revoke_tokens()}


@route("POST", "/catalog")
def _catalog(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return p.publish_catalog(**body)


@route("POST", "/catalog/outdated")
def _outdated(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    p.mark_catalog_outdated(*body.get("versions", []))
    return {"outdated": sorted(p.state.outdated)}


@route("POST", "/calendar")
def _calendar(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return p.publish_calendar(int(_need(body, "year")), body.get("document"))


@route("DELETE", "/calendar/(?P<year>\\d+)")
def _unpublish(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    p.unpublish_calendar(int(args["year"]))
    return {"ok": True}


@route("POST", "/blacklist")
def _blacklist(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return p.add_blacklist(**body)


@route("POST", "/blacklist/(?P<entry_id>[^/]+)/remove")
def _unlist(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return p.remove_blacklist(args["entry_id"])


@route("POST", "/feedback/return")
def _return(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return p.return_record(_need(body, "client_id"), _need(body, "reason"), body.get("fields", []), body.get("revision"),
                           _user(query, body))


@route("POST", "/feedback/publish")
def _publish(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return p.publish_record(_need(body, "client_id"), body.get("revision"), _user(query, body))


@route("POST", "/feedback/end_publicity")
def _end(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return p.end_publicity(_need(body, "client_id"), body.get("revision"), _user(query, body))


@route("POST", "/feedback")
def _feedback(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return p.add_feedback(**body)


@route("POST", "/faults")
def _inject(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return p.inject(**body).dump()


@route("GET", "/faults")
def _faults(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return {"faults": [f.dump() for f in p.pending_faults()]}


@route("DELETE", "/faults")
def _clear_faults(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    p.clear_faults()
    return {"ok": True}


@route("GET", "/records")
def _records(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return {"records": p.records(_user(query, body))}


@route("GET", "/records/(?P<client_id>[^/]+)")
def _record(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    found = p.record(args["client_id"], _user(query, body))
    if found is None:
        raise ApiError(404, "not_found", "平台没有该记录。")
    return found


@route("GET", "/accepted_creates")
def _creates(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return {"accepted_creates": p.accepted_creates(_user(query, body))}


@route("GET", "/result_counts")
def _counts(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return {"result_counts": p.result_counts(_user(query, body))}


@route("GET", "/requests")
def _requests(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    return {"requests": p.requests()}


@route("DELETE", "/requests")
def _clear_requests(p: PlatformServer, body: Body, query: Query, args: dict[str, str]) -> Any:
    p.clear_requests()
    return {"ok": True}


def handle(platform: PlatformServer, method: str, path: str, query: Query, raw: bytes) -> Response:
    try:
        body = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (UnicodeDecodeError, ValueError):
        return ApiError(400, "malformed", "控制接口的请求体不是有效的 JSON。").response()
    if not isinstance(body, dict):
        return ApiError(400, "malformed", "控制接口的请求体应为 JSON 对象。").response()
    known = False
    for route_method, pattern, action in _ROUTES:
        m = pattern.match(path)
        if not m:
            continue
        known = True
        if route_method != method:
            continue
        try:
            return json_response(200, action(platform, body, query, {k: unquote(v) for k, v in m.groupdict().items()}))
        except ApiError as exc:
            return exc.response()
        except KeyError as exc:
            return ApiError(404, "not_found", f"not found: {exc}").response()
        except (TypeError, ValueError) as exc:
            return ApiError(400, "malformed", f"bad control request: {exc}").response()
    if known:
        return ApiError(405, "method_not_allowed").response()
    return ApiError(404, "not_found", f"no control endpoint {method} {path}").response()
