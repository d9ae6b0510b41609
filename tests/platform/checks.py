"""The platform's own checks on incoming fields, with the project's validator.

Unknown (and local-only) field codes are ignored, values must be strings, and only single-record
checks run (no duplicate rules: the platform answers duplicates with `duplicate`/`conflict`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.catalog import Catalog
from app.validation.engine import Validator
from app.validation.fields import iso_date
from app.validation.findings import ERROR
from app.workdays import WorkCalendar


def record_error(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message}


class RecordChecks:
    """Checks for one catalog version and one calendar, built once and reused for every record."""

    def __init__(self, catalog: Catalog, calendar: WorkCalendar | None):
        self.catalog = catalog
        self.calendar = calendar
        self.validator = Validator(catalog, calendar)
        self.known = {k.id: {f.code for f in k.fields if not f.local_only} for k in catalog.kinds.values()}

    def errors(self, kind: str, fields: object, today: date) -> list[dict[str, Any]]:
        """The rejection errors of a create/update; empty when the record may be accepted."""
        known = self.known.get(kind)
        if known is None:
            return [record_error("kind_not_allowed", f"记录类别“{str(kind)[:30]}”不在平台数据目录中。")]
        if not isinstance(fields, dict):
            return [record_error("missing_fields", "记录缺少字段（fields），新增和更正必须报送完整字段。")]
        relevant = {code: value for code, value in fields.items() if code in known}
        bad = [record_error("invalid_value", "字段值必须是文本（字符串）。", code)
               for code, value in relevant.items() if not isinstance(value, str)]
        if bad:
            return bad
        filled = {code: value for code, value in relevant.items() if value != ""}
        if not filled:
            return [record_error("missing_fields", "记录没有任何非空字段，新增和更正必须报送完整字段。")]
        result = self.validator.check(kind, filled, today)
        return [record_error(f.rule, f.message, f.field) for f in result.findings if f.severity == ERROR]

    def deadline(self, kind: str, fields: dict[str, Any]) -> date | None:
        """The reporting deadline: decision date + the kind's working days (None when unknown)."""
        kind_obj = self.catalog.kinds.get(kind)
        if kind_obj is None or self.calendar is None:
            return None
        value = fields.get(kind_obj.decision_date_field)
        decided = iso_date(value) if isinstance(value, str) else None
        if decided is None:
            return None
        return self.calendar.add_workdays(decided, kind_obj.deadline_days)
