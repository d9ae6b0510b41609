"""Errors meant for the user: a Chinese message and a stable machine code, never a traceback."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix (a bad file, a missing calendar, a wrong argument)."""

    code = "user_error"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
