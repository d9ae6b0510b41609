"""Typed outcomes of talking to the platform, each with a Chinese message for the clerk.

`systemic` failures (credentials, network, server, rate limit) stop a sync and leave records as they
were; the others concern one request or one record and the sync goes on."""

from __future__ import annotations

from app.errors import UserError


class PlatformError(UserError):
    code = "platform_error"
    systemic = True


class CredentialsError(PlatformError):
    code = "credentials"


class AccountLocked(CredentialsError):
    code = "account_locked"


class NotLoggedIn(CredentialsError):
    code = "not_logged_in"


class NetworkError(PlatformError):
    """No answer: connection refused, time-out, TLS failure, proxy trouble. The outcome is unknown."""

    code = "network"


class ServerError(PlatformError):
    """5xx or an answer that is not the JSON the contract describes. The outcome is unknown."""

    code = "server"


class RateLimited(PlatformError):
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class RequestRefused(PlatformError):
    """A definite 4xx answer: nothing was stored."""

    code = "refused"
    systemic = False

    def __init__(self, message: str, status: int, error_code: str, body: dict | None = None):
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.body = body or {}


class CatalogOutdated(RequestRefused):
    code = "catalog_outdated"

    @property
    def current_version(self) -> str | None:
        return (self.body.get("error") or {}).get("current_version")


class NotFound(RequestRefused):
    code = "not_found"
