"""Reading a catalog document: JSON Schema first, then the cross-references the schema cannot express."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from app.catalog.model import Alias, Catalog, CodeList, Field, Kind
from app.errors import UserError
from app.paths import resource

SCHEMA_PATH = ("catalog", "catalog.schema.json")
DEFAULT_PATH = ("catalog", "default.json")


class CatalogError(UserError):
    code = "catalog_invalid"


@cache
def _schema_validator():
    from jsonschema import Draft202012Validator

    schema = json.loads(resource(*SCHEMA_PATH).read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def _schema_errors(doc: Any) -> list[str]:
    errors = sorted(_schema_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    out = []
    for err in errors[:5]:
        where = "/".join(str(p) for p in err.absolute_path) or "(根)"
        out.append(f"{where}: {err.message[:160]}")
    return out


def _condition_fields(cond: dict) -> list[str]:
    if "all" in cond or "any" in cond:
        return [f for sub in cond.get("all", cond.get("any", [])) for f in _condition_fields(sub)]
    return [cond["field"]]


_RULE_FIELD_KEYS = ("field", "earlier", "later", "uscc", "category", "org_code", "categories_field",
                    "amount_field", "date_field", "status_field", "from", "to")


def _check_references(doc: dict) -> list[str]:
    problems: list[str] = []
    lists = doc["code_lists"]
    kind_ids = [k["id"] for k in doc["kinds"]]
    if len(set(kind_ids)) != len(kind_ids):
        problems.append("记录类别 id 重复")
    for k in doc["kinds"]:
        codes = [f["code"] for f in k["fields"]]
        known = set(codes)
        if len(known) != len(codes):
            problems.append(f"{k['id']}: 字段代码重复")

        def need(code: str, where: str, kind_id: str = k["id"], known: set[str] = known,
                 problems: list[str] = problems) -> None:
            if code not in known:
                problems.append(f"{kind_id}: {where} 引用了不存在的字段 {code}")

        need(k["deadline"]["decision_date_field"], "deadline.decision_date_field")
        need(k["doc_number_field"], "doc_number_field")
        for role, code in k["subject"].items():
            need(code, f"subject.{role}")
        for f in k["fields"]:
            cl = f.get("code_list")
            if isinstance(cl, str) and cl not in lists:
                problems.append(f"{k['id']}.{f['code']}: 代码表 {cl} 不存在")
            elif isinstance(cl, dict):
                need(cl["by_field"], f"{f['code']}.code_list.by_field")
                problems += [f"{k['id']}.{f['code']}: 代码表 {x} 不存在" for x in cl["lists"].values() if x not in lists]
            if f.get("placeholder"):
                for c in _condition_fields(f["placeholder"]["allowed_when"]):
                    need(c, f"{f['code']}.placeholder")
            for check in f.get("checks", []):
                if check["type"] == "id_document":
                    need(check["type_field"], f"{f['code']}.checks")
                elif check["type"] == "pattern":
                    try:
                        re.compile(check["pattern"])
                    except re.error:
                        problems.append(f"{k['id']}.{f['code']}: 正则表达式无效")
            if f["type"] == "D" and f.get("length", 10) < 10:
                problems.append(f"{k['id']}.{f['code']}: 日期字段长度不能小于10")
        for i, rule in enumerate(k.get("rules", [])):
            for key in _RULE_FIELD_KEYS:
                if key in rule:
                    need(rule[key], f"rules[{i}].{key}")
            for c in rule.get("fields", []):
                need(c, f"rules[{i}].fields")
            if "when" in rule:
                for c in _condition_fields(rule["when"]):
                    need(c, f"rules[{i}].when")
    return problems


def _field(d: dict) -> Field:
    cl = d.get("code_list")
    amount = d.get("amount") or {}
    aliases = tuple(
        Alias(name=a) if isinstance(a, str)
        else Alias(name=a["name"], sets=a.get("sets", {}), join=a.get("join", False), unit=a.get("unit"),
                   confirm_unit=a.get("confirm_unit", False))
        for a in d.get("aliases", [])
    )
    return Field(
        code=d["code"], label=d["label"], type=d["type"], length=d.get("length"), required=d["required"],
        section=d.get("section", "decision"), help=d.get("help", ""), aliases=aliases,
        identifier=d.get("identifier", False) or d["type"] == "U", personal_id=d.get("personal_id", False),
        pii_scan=d.get("pii_scan", False), not_future=d.get("not_future", False),
        long_term=d.get("long_term", False), local_only=d.get("local_only", False),
        default_from=d.get("default_from"),
        code_list=cl if isinstance(cl, str) else None,
        code_list_by=(cl["by_field"], dict(cl["lists"])) if isinstance(cl, dict) else None,
        placeholder_when=(d.get("placeholder") or {}).get("allowed_when"),
        precision=amount.get("precision"), scale=amount.get("scale"), amount_unit=amount.get("unit"),
        amount_warn_at=Decimal(amount["warn_at"]) if amount.get("warn_at") else None,
        checks=tuple(d.get("checks", [])),
    )


def _code_list(list_id: str, d: dict) -> CodeList:
    items = d["items"]
    return CodeList(
        id=list_id, label=d["label"], codes=tuple(i["code"] for i in items),
        labels={i["code"]: i.get("label", i["code"]) for i in items},
        other_prefix=d.get("other_prefix"),
        legacy={x["value"]: x for x in d.get("legacy", [])},
    )


def parse_catalog(doc: Any) -> Catalog:
    """Check a catalog document and build the catalog; raise CatalogError saying what is wrong."""
    if not isinstance(doc, dict):
        raise CatalogError("目录文件格式错误：内容不是 JSON 对象。")
    errors = _schema_errors(doc)
    if errors:
        raise CatalogError("目录文件不符合目录格式（catalog.schema.json）：" + "；".join(errors))
    problems = _check_references(doc)
    if problems:
        raise CatalogError("目录文件内容不一致：" + "；".join(problems[:5]))
    settings = doc.get("settings", {})
    kinds = {}
    for k in doc["kinds"]:
        kinds[k["id"]] = Kind(
            id=k["id"], label=k["label"], prefix=k["prefix"],
            deadline_days=k["deadline"]["working_days"],
            decision_date_field=k["deadline"]["decision_date_field"],
            doc_number_field=k["doc_number_field"], subject=dict(k["subject"]),
            sections=tuple((s["id"], s["label"]) for s in k.get("sections", [])),
            fields=tuple(_field(f) for f in k["fields"]), rules=tuple(k.get("rules", [])),
        )
    return Catalog(
        version=doc["version"], name=doc.get("name", doc["version"]), published_at=doc.get("published_at"),
        placeholder_uscc=settings.get("placeholder_uscc", "00000000000000000X"),
        long_term_date=settings.get("long_term_date", "2099-12-31"),
        severity_overrides=dict(settings.get("severity_overrides", {})),
        unmapped_headers=tuple(doc.get("unmapped_headers", [])),
        code_lists={cid: _code_list(cid, d) for cid, d in doc["code_lists"].items()},
        kinds=kinds, document=doc,
    )


def load_document(path: Path) -> Catalog:
    """Read a catalog file; every failure is a CatalogError with a Chinese message."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CatalogError(f"找不到目录文件：{path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"无法读取目录文件 {Path(path).name}：{exc.__class__.__name__}") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogError(f"目录文件 {Path(path).name} 不是有效的 JSON（第 {exc.lineno} 行）。") from None
    return parse_catalog(doc)


@cache
def default_catalog() -> Catalog:
    return load_document(resource(*DEFAULT_PATH))
