"""Scans log files for what must never be logged: personal ID numbers, passwords, tokens."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from app.validation.checkdigits import id_number_problem

ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
TOKEN = re.compile(r"(Bearer\s+\S{8,}|access_token\W{1,4}\S{8,})", re.I)
# The passwords the suite uses (the reference platform's demo account and the test accounts).
PASSWORDS = ("demo-password", "pw-123456", "wrong-password-x")


def scan_text(text: str, secrets: tuple[str, ...] = PASSWORDS) -> list[str]:
    problems = []
    for m in ID_CANDIDATE.finditer(text):
        if id_number_problem(m.group().upper(), date(2026, 11, 26)) is None:
            problems.append(f"ID number {m.group()[:6]}…")
    problems += [f"token {m.group()[:12]}…" for m in TOKEN.finditer(text)]
    problems += [f"password {s[:3]}…" for s in secrets if s in text]
    return problems


def scan_logs(folder: Path, extra: list[Path] = ()) -> dict[str, list[str]]:
    found = {}
    for path in [*folder.rglob("*.log*"), *extra]:
        if not path.is_file():
            continue
        problems = scan_text(path.read_text(encoding="utf-8", errors="replace"))
        if problems:
            found[str(path)] = sorted(set(problems))[:10]
    return found
