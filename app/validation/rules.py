"""Record-level rules declared in the catalog (`kind.rules`), each type implemented once.

A finding goes on the field the user has to change: a conditional requirement on the required
field, "both or neither" on the empty one, a date order on the later date, the enforcement term on
强制期限至 (domain.md, "Where a finding is attached").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from app.catalog.model import Catalog, Kind
from app.validation import checkdigits
from app.validation.conditions import Namespace, compile_condition, condition_source
from app.validation.fields import Emit, amount_value, iso_date
from app.validation.findings import ERROR, WARNING
from app.validation.normalize import multi_values

# A rule is given the normalised fields of a record: only non-empty values, by field code.
Rule = Callable[[dict[str, str], date, Emit], None]


class RuleContext:
    def __init__(self, catalog: Catalog, kind: Kind, calendar):
        self.catalog = catalog
        self.kind = kind
        self.calendar = calendar

    def q(self, code: str) -> str:
        return f"「{self.kind.label_of(code)}」"


def _always(_fields: dict[str, str]) -> bool:
    return True


def compile_rules(ctx: RuleContext, rules: list[dict] | tuple[dict, ...]) -> Rule:
    """All rules of a kind as one function, which emits their findings in the order of `rules`.

    Written out as Python source and compiled once per catalog: 100,000 records meet a dozen rules
    each, and a function call per rule and per condition cost more than the rules' own tests
    (the rules and required fields of 100,000 records: 0.46 s as a function per rule, 0.29 s so). "required"/"empty" rules that share a condition are tested under one `if`
    (the subject block declares a dozen of them per kind), at the place of the first of them; the
    other kinds of rule are functions of their own, called only when a cheap test on the fields
    says they may have something to report."""
    ns = Namespace()
    groups: dict[str, list[dict]] = {}
    order: list[dict | str] = []
    for rule in rules:
        if rule["type"] in ("required", "empty"):
            key = json.dumps([rule["type"], rule.get("when")], sort_keys=True, ensure_ascii=False)
            if key not in groups:
                groups[key] = []
                order.append(key)
            groups[key].append(rule)
        else:
            order.append(rule)
    lines: list[str] = []
    for item in order:
        lines += _group_source(ctx, ns, groups[item]) if isinstance(item, str) else _rule_source(ctx, ns, item)
    return _function(ctx, ns, lines)


def compile_rule(ctx: RuleContext, rule: dict) -> Rule:
    """One rule as a function of its own: as compile_rules() writes it, or the rule type's own
    function without the tests compile_rules() puts before it (so each can be checked against the other)."""
    if rule["type"] in _BUILDERS:
        return _own_function(ctx, rule)
    ns = Namespace()
    return _function(ctx, ns, _rule_source(ctx, ns, rule))


def _own_function(ctx: RuleContext, rule: dict) -> Rule:
    return _BUILDERS[rule["type"]](ctx, rule, compile_condition(rule["when"]) if "when" in rule else _always)


def _function(ctx: RuleContext, ns: Namespace, lines: list[str]) -> Rule:
    body = "".join(f"    {line}\n" for line in lines) or "    pass\n"
    return ns.define(f"def rules(fields, today, emit):\n    get = fields.get\n{body}", "rules",
                     f"<rules of {ctx.kind.id}>")


def _when(rule: dict, ns: Namespace) -> str | None:
    return condition_source(rule["when"], ns.const) if "when" in rule else None


def _guarded(test: str | None, body: list[str]) -> list[str]:
    return body if test is None else [f"if {test}:", *(f"    {line}" for line in body)]


def _group_source(ctx: RuleContext, ns: Namespace, rules: list[dict]) -> list[str]:
    """"required" or "empty" rules with one condition. Merged ones look the codes up among the
    record's keys (its fields hold only non-empty values); a rule alone tests its value."""
    merged = len(rules) > 1
    body: list[str] = []
    for rule in rules:
        code = ns.const(rule["field"])
        severity, rid, msg = (ns.const(t) for t in _required_or_empty_text(ctx, rule))
        if rule["type"] == "required":
            test = f"{code} not in fields" if merged else f"not get({code})"
        else:
            test = f"{code} in fields" if merged else f"get({code})"
        body += [f"if {test}:", f"    emit({code}, {severity}, {rid}, {msg})"]
    return _guarded(_when(rules[0], ns), body)


def _rule_source(ctx: RuleContext, ns: Namespace, rule: dict) -> list[str]:
    kind = rule["type"]
    if kind in ("required", "empty"):
        return _group_source(ctx, ns, [rule])
    when = _when(rule, ns)
    if kind == "both_or_neither":
        return _both_or_neither(ctx, ns, rule, when)
    run = ns.const(_own_function(ctx, rule))
    # The function tests the condition itself; tested here as well, a false one costs no call.
    tests = [t for t in (_PRETESTS[kind](rule, ns.const) if kind in _PRETESTS else None, when) if t]
    return _guarded(" and ".join(tests) or None, [f"{run}(fields, today, emit)"])


def _required_or_empty_text(ctx: RuleContext, rule: dict) -> tuple[str, str, str]:
    code, reason = rule["field"], rule.get("reason", "")
    severity = rule.get("severity", ERROR)
    if rule["type"] == "required":
        msg = f"{reason}，{ctx.q(code)}必须填写。" if reason else f"{ctx.q(code)}必须填写。"
        return severity, rule.get("rule_id", "required_if"), msg
    if severity == ERROR:
        return severity, rule.get("rule_id", "must_be_empty"), f"{reason}，{ctx.q(code)}应为空，请删除该项内容。"
    return severity, rule.get("rule_id", "not_used"), f"{reason}不使用{ctx.q(code)}，请确认是否填错位置。"


def _both_or_neither(ctx: RuleContext, ns: Namespace, rule: dict, when: str | None) -> list[str]:
    a, b = rule["fields"]
    severity, rid = ns.const(rule.get("severity", ERROR)), ns.const(rule.get("rule_id", "both_or_neither"))

    def finding(empty: str) -> str:  # the source that reports `empty`
        msg = f"{ctx.q(a)}和{ctx.q(b)}应同时填写或同时不填，请补充{ctx.q(empty)}（或删除另一项）。"
        return f"emit({ns.const(empty)}, {severity}, {rid}, {ns.const(msg)})"
    test = f"bool(get({ns.const(a)})) != bool(get({ns.const(b)}))" + (f" and {when}" if when else "")
    return [f"if {test}:", f"    if get({ns.const(a)}):", f"        {finding(b)}", "    else:", f"        {finding(a)}"]


def _date_order(ctx: RuleContext, rule: dict, when) -> Rule:
    earlier, later = rule["earlier"], rule["later"]
    severity = rule.get("severity", ERROR)
    rid = rule.get("rule_id", "date_order")
    if severity == ERROR:
        msg = f"{ctx.q(later)}不能早于{ctx.q(earlier)}，请核对这两个日期。"
    else:
        msg = f"{ctx.q(later)}早于{ctx.q(earlier)}，请确认日期是否正确。"

    def run(fields, today, emit):
        first, then = fields.get(earlier), fields.get(later)
        # A date iso_date() accepts is ASCII YYYY-MM-DD, so the texts are in date order unless one is
        # not a date at all (reported by the field's own check): only a text out of order is parsed.
        if not first or not then or then >= first:
            return
        a, b = iso_date(first), iso_date(then)
        if a is not None and b is not None and b < a and when(fields):
            emit(later, severity, rid, msg)
    return run


def _uscc_prefix(ctx: RuleContext, rule: dict, when) -> Rule:
    uscc_code, cat_code = rule["uscc"], rule["category"]
    severity = rule.get("severity", WARNING)
    rid = rule.get("rule_id", "uscc_prefix")
    placeholder = ctx.catalog.placeholder_uscc
    expectations = [(e["category"], e["prefix"], e.get("must", True)) for e in rule["expect"]]

    def run(fields, today, emit):
        uscc, cat = fields.get(uscc_code), fields.get(cat_code)
        if not uscc or not cat or uscc == placeholder or len(uscc) != 18 or not when(fields):
            return
        for category, prefix, must in expectations:
            if cat != category or uscc.startswith(prefix) == must:
                continue
            if must:
                msg = (f"{ctx.q(cat_code)}为“{category}”，但{ctx.q(uscc_code)}不以 {prefix} 开头，"
                       f"请确认类别是否填错。")
            else:
                msg = (f"{ctx.q(cat_code)}为“{category}”，但{ctx.q(uscc_code)}以 {prefix} 开头"
                       f"（通常是个体工商户），请确认类别是否填错。")
            emit(cat_code, severity, rid, msg)
    return run


def _org_code_match(ctx: RuleContext, rule: dict, when) -> Rule:
    uscc_code, org_field = rule["uscc"], rule["org_code"]
    severity = rule.get("severity", WARNING)
    rid = rule.get("rule_id", "org_code_mismatch")
    placeholder = ctx.catalog.placeholder_uscc

    def run(fields, today, emit):
        uscc, org = fields.get(uscc_code), fields.get(org_field)
        if not uscc or not org or uscc == placeholder or len(uscc) != 18 or not when(fields):
            return
        # The cheap comparison first: the code's own check digits are only worked out on a mismatch.
        if checkdigits.org_code_of_uscc(uscc) != org and checkdigits.uscc_problem(uscc) is None:
            emit(org_field, severity, rid,
                 f"{ctx.q(org_field)}与{ctx.q(uscc_code)}第9至17位不一致，请核对是否为同一主体。")
    return run


def _amount_for_categories(ctx: RuleContext, rule: dict, when) -> Rule:
    cats_code, amount_code = rule["categories_field"], rule["amount_field"]
    wanted = frozenset(rule["values"])
    names = "、".join(rule["values"])
    listed = ctx.catalog.code_lists.get(ctx.kind.field(cats_code).code_list or "")
    known = frozenset(listed.codes) if listed is not None else None

    def run(fields, today, emit):
        if not when(fields):
            return
        selected = multi_values(fields.get(cats_code, ""))
        text = fields.get(amount_code)
        value = amount_value(text)
        if text and value is None:
            return  # not a number: reported by the field check
        if selected & wanted:
            if value is None or value == 0:
                emit(amount_code, ERROR, rule.get("rule_id", "amount_required"),
                     f"{ctx.q(cats_code)}含{names}，{ctx.q(amount_code)}必须填写且大于0（单位万元）。")
        elif value is not None and value > Decimal(0) and (known is None or selected <= known):
            # Only categories that are all valid say that none of `wanted` was chosen: 警告、罚款 (the
            # wrong separator) is reported on the categories, and does mean a fine.
            emit(amount_code, WARNING, "amount_without_category",
                 f"填写了{ctx.q(amount_code)}，但{ctx.q(cats_code)}中没有{names}，请补选处罚类别或删除金额。")
    return run


def _values_before_date(ctx: RuleContext, rule: dict, when) -> Rule:
    code, date_code = rule["field"], rule["date_field"]
    values = rule["values"]
    before = date.fromisoformat(rule["before"])
    before_text = before.isoformat()
    severity = rule.get("severity", WARNING)
    rid = rule.get("rule_id", "category_before_law")
    reason = rule.get("reason", "只适用于较新的规定")

    def run(fields, today, emit):
        text = fields.get(date_code)
        if not text or text >= before_text:  # in date order as text (see _date_order); most dates are later
            return
        d = iso_date(text)
        if d is None or d >= before or not when(fields):
            return
        selected = multi_values(fields.get(code, ""))
        hits = [v for v in values if v in selected]
        if hits:
            emit(code, severity, rid,
                 f"{ctx.q(code)}中的“{'、'.join(hits)}”{reason}，而{ctx.q(date_code)}早于 {before.isoformat()}，"
                 f"请核对处罚类别或日期。")
    return run


def _status_outdated(ctx: RuleContext, rule: dict, when) -> Rule:
    status_code, date_code = rule["status_field"], rule["date_field"]
    status = rule["status"]
    severity = rule.get("severity", WARNING)
    rid = rule.get("rule_id", "status_outdated")
    suggest = rule.get("suggest")

    def run(fields, today, emit):
        d = iso_date(fields.get(date_code))
        if fields.get(status_code) == status and d is not None and d < today and when(fields):
            tail = f"，请确认是否应将状态改为 {suggest}" if suggest else "，请确认当前状态"
            emit(status_code, severity, rid,
                 f"{ctx.q(date_code)}（{d.isoformat()}）已过，{ctx.q(status_code)}仍为 {status}{tail}。")
    return run


def _enforcement_term(ctx: RuleContext, rule: dict, when) -> Rule:
    start_code, end_code = rule["from"], rule["to"]
    warn_days, max_days = int(rule["warn_days"]), int(rule["max_days"])
    max_severity = rule.get("max_severity", ERROR)
    calendar = ctx.calendar

    def limit(start: date, days: int) -> tuple[date, bool]:
        """Last allowed day; moved to the next working day when it is not one (民法典 Art. 203).
        Returns (day, covered): when the calendar does not cover it, no extension is applied."""
        day = start + timedelta(days=days)
        if calendar is None or not calendar.is_covered(day):
            return day, False
        moved = calendar.next_workday_on_or_after(day)
        return (moved, True) if moved is not None else (day, False)

    def run(fields, today, emit):
        if not when(fields):
            return
        start_text, end_text = fields.get(start_code), fields.get(end_code)
        if not start_text or not end_text:
            missing = end_code if not end_text else start_code
            emit(missing, WARNING, "enforcement_term_dates",
                 f"查封、扣押、冻结应在决定中写明期限，请填写{ctx.q(start_code)}和{ctx.q(end_code)}。")
            return
        start, end = iso_date(start_text), iso_date(end_text)
        if start is None or end is None or end < start:
            return  # reported by the date checks
        term = (end - start).days
        for days, severity, rid in ((max_days, max_severity, "enforcement_term_max"),
                                    (warn_days, WARNING, "enforcement_term_long")):
            last, covered = limit(start, days)
            if end <= last:
                continue
            note = "" if covered else f"（{last.year}年工作日历缺失，未按节假日顺延，请同步或导入该年日历）"
            if rid == "enforcement_term_max":
                msg = (f"强制期限为 {term} 日，超过法定最长 {days} 日（截止 {last.isoformat()}）{note}，"
                       f"请核对{ctx.q(end_code)}；法律、行政法规另有规定的请在备注中说明。")
            else:
                msg = (f"强制期限为 {term} 日，超过 {days} 日（截止 {last.isoformat()}）{note}，"
                       f"延长期限须经行政机关负责人批准，请确认{ctx.q(end_code)}。")
            emit(end_code, severity, rid, msg)
            return
    return run


_BUILDERS: dict[str, Callable[[RuleContext, dict, Callable], Rule]] = {
    "date_order": _date_order,
    "uscc_prefix": _uscc_prefix,
    "org_code_match": _org_code_match,
    "amount_for_categories": _amount_for_categories,
    "values_before_date": _values_before_date,
    "status_outdated": _status_outdated,
    "enforcement_term": _enforcement_term,
}


# What must hold of the fields for a rule to have anything to report (each function returns at once
# otherwise): a test in the generated source, so that most records never call the rule.
_PRETESTS: dict[str, Callable[[dict, Callable[[object], str]], str]] = {
    # Only a pair of dates out of order as text is parsed (see _date_order).
    "date_order": lambda r, k: f"(_a := get({k(r['earlier'])})) and (_b := get({k(r['later'])})) and _b < _a",
    "values_before_date": lambda r, k: (f"(_a := get({k(r['date_field'])})) and "
                                        f"_a < {k(date.fromisoformat(r['before']).isoformat())}"),
    "uscc_prefix": lambda r, k: f"get({k(r['uscc'])}) and get({k(r['category'])})",
    "org_code_match": lambda r, k: f"get({k(r['uscc'])}) and get({k(r['org_code'])})",
    "status_outdated": lambda r, k: f"get({k(r['status_field'])}) == {k(r['status'])}",
    # An amount filled in, or one of the categories that needs it chosen.
    "amount_for_categories": lambda r, k: (f"(get({k(r['amount_field'])}) or not {k(frozenset(r['values']))}"
                                           f".isdisjoint({k(multi_values)}(get({k(r['categories_field'])}, ''))))"),
}
