"""Answers: the JSON response, the error envelope and the platform's Chinese messages."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JSON_TYPE = "application/json; charset=utf-8"

MESSAGES: dict[str, str] = {
    "malformed": "请求格式错误。",
    "invalid_credentials": "用户名或密码错误。",
    "account_locked": "密码错误次数过多，账号已被锁定，请稍后再试或联系平台管理员解锁。",
    "token_expired": "访问令牌已过期，请重新登录。",
    "invalid_token": "访问令牌无效，请重新登录。",
    "not_found": "请求的资源不存在。",
    "not_published": "该年度工作日历尚未发布。",
    "method_not_allowed": "不支持该请求方法。",
    "payload_too_large": "请求过大：每次最多报送 500 条记录，请求体不超过 5 MiB。",
    "idempotency_key_reused": "该幂等键（Idempotency-Key）已用于内容不同的另一批数据，请为新批次生成新的幂等键。",
    "catalog_outdated": "数据目录版本已停用，请更新数据目录并重新校验后报送。",
    "rate_limited": "请求过于频繁，请稍后重试。",
    "submission_in_progress": "本账号已有一批数据正在报送，请稍后重试。",
    "service_unavailable": "平台维护中，请稍后重试。",
    "internal_error": "平台内部错误，请稍后重试。",
}


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = JSON_TYPE


def json_response(status: int, obj: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, dumps(obj), dict(headers or {}))


def error_body(code: str, message: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message or MESSAGES.get(code, code), **extra}}


class ApiError(Exception):
    """An error answer: status, machine code, Chinese message, extra members of the error object."""

    def __init__(self, status: int, code: str, message: str | None = None,
                 headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message or MESSAGES.get(code, code)
        self.headers = dict(headers or {})
        self.extra = extra

    def response(self) -> Response:
        return json_response(self.status, error_body(self.code, self.message, **self.extra), self.headers)


def malformed(message: str) -> ApiError:
    return ApiError(400, "malformed", f"请求格式错误：{message}")
