"""The platform password in the operating system's keyring (never in settings, the database or logs)."""

from __future__ import annotations

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

from app.errors import UserError

SERVICE = "CreditDesk"


def _service(url: str) -> str:
    return f"{SERVICE}:{url.rstrip('/')}"


def save_password(url: str, username: str, password: str) -> None:
    try:
        keyring.set_password(_service(url), username, password)
    except KeyringError as exc:
        raise UserError(f"无法把密码保存到系统钥匙串（{exc.__class__.__name__}），请检查系统的凭据管理服务。",
                        "keyring") from None


def load_password(url: str, username: str) -> str | None:
    if not url or not username:
        return None
    try:
        return keyring.get_password(_service(url), username)
    except KeyringError:
        return None


def delete_password(url: str, username: str) -> bool:
    try:
        keyring.delete_password(_service(url), username)
        return True
    except (PasswordDeleteError, KeyringError):
        return False
