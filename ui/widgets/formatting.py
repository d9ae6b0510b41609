"""Showing core values to people: Chinese dates, countdowns, the platform's reasons."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QCoreApplication

from app.catalog.model import Kind
from app.privacy import mask_id
from app.workdays.deadline import Countdown


def _tr(text: str) -> str:
    return QCoreApplication.translate("formatting", text)


def cn_date(value: str | date | None) -> str:
    """2026-11-26 -> 2026年11月26日; a value that is not a date is shown as it is."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    return _tr("{y}年{m}月{d}日").format(y=value.year, m=value.month, d=value.day)


def cn_datetime(value: str | datetime | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return f"{cn_date(value.date())} {value:%H:%M}"


def countdown_text(cd: Countdown) -> str:
    if cd.days_left is None:
        return _tr("已逾期") if cd.band == "overdue" else _tr("日历未覆盖")
    if cd.days_left == 0:
        return _tr("今日到期")
    if cd.days_left > 0:
        return _tr("剩 {n} 个工作日").format(n=cd.days_left)
    return _tr("逾期 {n} 个工作日").format(n=-cd.days_left)


def platform_text(kind: Kind | None, message: object, fields: dict | None = None,
                  head: int = 6, tail: int = 4) -> str:
    """The platform's reasons as one line, each prefixed by the field's label; the record's personal
    ID numbers are masked wherever the platform quoted them (lists never show them in full)."""
    items = platform_items(message)
    parts = []
    for code, text in items:
        label = kind.label_of(code) if kind is not None and code else code
        parts.append(f"{label}：{text}" if label else text)
    line = "；".join(p for p in parts if p)
    if kind is not None and fields:
        for f in kind.fields:
            value = fields.get(f.code)
            if f.personal_id and value:
                line = line.replace(value, mask_id(value, head, tail))
    return line


def platform_items(message: object) -> list[tuple[str | None, str]]:
    """[(field code or None, reason)] from the stored platform message (a list of dicts, a dict or text)."""
    if not message:
        return []
    if isinstance(message, str):
        return [(None, message)]
    if isinstance(message, dict):
        message = [message]
    out: list[tuple[str | None, str]] = []
    for item in message if isinstance(message, list) else [message]:
        if isinstance(item, dict):
            text = str(item.get("message") or item.get("reason") or item.get("code") or "")
            code = item.get("field") if isinstance(item.get("field"), str) else None
            out.append((code, text))
        else:
            out.append((None, str(item)))
    return out
