"""Conditions of the catalog ("when"): compiled once into plain functions of the record's fields."""

from __future__ import annotations

from collections.abc import Callable

from app.validation.normalize import multi_values

Fields = dict[str, str]
Condition = Callable[[Fields], bool]


def compile_condition(cond: dict) -> Condition:
    if "all" in cond:
        parts = [compile_condition(c) for c in cond["all"]]
        if len(parts) == 2:
            first, second = parts
            return lambda fields: first(fields) and second(fields)
        return lambda fields: all(p(fields) for p in parts)
    if "any" in cond:
        parts = [compile_condition(c) for c in cond["any"]]
        return lambda fields: any(p(fields) for p in parts)
    code = cond["field"]
    if "equals" in cond:
        want = cond["equals"]
        return lambda fields: fields.get(code) == want
    if "not_equals" in cond:
        avoid = cond["not_equals"]
        return lambda fields: fields.get(code, "") != avoid
    if "in" in cond:
        allowed = frozenset(cond["in"])
        return lambda fields: fields.get(code) in allowed
    if "contains_any" in cond:
        wanted = frozenset(cond["contains_any"])
        return lambda fields: bool(wanted & multi_values(fields.get(code, "")))
    if "starts_with" in cond:
        prefix = cond["starts_with"]
        return lambda fields: fields.get(code, "").startswith(prefix)
    if "filled" in cond:
        filled = bool(cond["filled"])
        return lambda fields: bool(fields.get(code)) is filled
    raise ValueError(f"unknown condition {cond!r}")  # the schema admits no other form
