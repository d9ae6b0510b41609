"""Conditions of the catalog ("when"): compiled once into plain functions of the record's fields.

A condition is written out as one Python expression over `get` (the record's fields.get) and named
constants, so that the record rules of a kind can test it inline (rules.py) and a single condition
becomes a function of its own; both from the same text.
"""

from __future__ import annotations

from collections.abc import Callable

from app.validation.normalize import multi_values

Fields = dict[str, str]
Condition = Callable[[Fields], bool]
Const = Callable[[object], str]  # binds a value to a name the expression can use


def condition_source(cond: dict, const: Const) -> str:
    """The expression, true exactly when the condition holds."""
    if "all" in cond:
        return "(" + " and ".join([condition_source(c, const) for c in cond["all"]] or ["True"]) + ")"
    if "any" in cond:
        return "(" + " or ".join([condition_source(c, const) for c in cond["any"]] or ["False"]) + ")"
    code = const(cond["field"])
    if "equals" in cond:
        return f"(get({code}) == {const(cond['equals'])})"
    if "not_equals" in cond:
        return f"(get({code}, '') != {const(cond['not_equals'])})"
    if "in" in cond:
        return f"(get({code}) in {const(frozenset(cond['in']))})"
    if "contains_any" in cond:
        return f"(not {const(frozenset(cond['contains_any']))}.isdisjoint({const(multi_values)}(get({code}, ''))))"
    if "starts_with" in cond:
        return f"get({code}, '').startswith({const(cond['starts_with'])})"
    if "filled" in cond:
        return f"(bool(get({code})) is {const(bool(cond['filled']))})"
    raise ValueError(f"unknown condition {cond!r}")  # the schema admits no other form


class Namespace:
    """Values bound to names for generated code: each value once, under a name of its own."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}
        self._by_id: dict[int, str] = {}

    def const(self, value: object) -> str:
        name = self._by_id.get(id(value))
        if name is None:
            name = self._by_id[id(value)] = f"_k{len(self.values)}"
            self.values[name] = value
        return name

    def define(self, source: str, name: str, where: str) -> Callable:
        """The function `name` that `source` defines, with these values in its globals."""
        scope = dict(self.values)
        exec(compile(source, where, "exec"), scope)  # noqa: S102 - text built here from the catalog's rules
        return scope[name]


def compile_condition(cond: dict) -> Condition:
    ns = Namespace()
    expr = condition_source(cond, ns.const)
    return ns.define(f"def condition(fields):\n    get = fields.get\n    return {expr}\n", "condition",
                     "<condition>")
