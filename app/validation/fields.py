"""Checks of one field's value by its catalog type: required, length, dates, amounts, code lists,
check digits, patterns and the personal-data scan of free text. Each rule is implemented once here.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import lru_cache

from app.catalog.model import Catalog, CodeList, Field, Kind
from app.validation import checkdigits, pii
from app.validation.conditions import compile_condition
from app.validation.findings import ERROR, WARNING
from app.validation.normalize import looks_like_date, parse_amount, split_multi

Emit = Callable[[str | None, str, str, str], None]  # (field, severity, rule, message)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ID_DOC_CHARSET = re.compile(r"^[0-9A-Z()]+$")
_NOT_SEPARATORS = re.compile(r"[、,]")  # what clerks use between values of a list field; only ";" separates
PII_KINDS = {"id_number": "身份证号码", "phone": "手机号码", "bank_card": "银行卡号"}
ID_CARD = "身份证"


def iso_date(text: str | None) -> date | None:
    """A stored (normalised) date value as a date, or None when empty or not a valid date."""
    if not text or len(text) != 10:
        return None
    return _iso_date(text)


@lru_cache(maxsize=8192)
def _iso_date(text: str) -> date | None:
    # Cached: a batch holds a few thousand distinct dates, each parsed many times by the rules.
    if not _ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _q(label: str) -> str:
    return f"「{label}」"


class FieldChecker:
    """The checks of one field, prepared once per catalog."""

    def __init__(self, catalog: Catalog, kind: Kind, f: Field):
        self.f = f
        self.label = _q(f.label)
        self.kind = kind
        self.catalog = catalog
        self.placeholder = catalog.placeholder_uscc
        self.placeholder_ok = compile_condition(f.placeholder_when) if f.placeholder_when else None
        self.code_list: CodeList | None = catalog.code_lists[f.code_list] if f.code_list else None
        self.lists_by: tuple[str, dict[str, CodeList]] | None = None
        if f.code_list_by:
            by_field, lists = f.code_list_by
            self.lists_by = (by_field, {v: catalog.code_lists[cid] for v, cid in lists.items()})
        self.patterns = [(re.compile(c["pattern"]), c) for c in f.checks if c["type"] == "pattern"]
        self.org_code = any(c["type"] == "org_code" for c in f.checks)
        self.id_type_field = next((c["type_field"] for c in f.checks if c["type"] == "id_document"), None)
        # Text whose only check is its length: the validator checks it inline, without a call.
        self.length_only = (f.type in ("S", "T") and not f.checks and not f.pii_scan and not f.code_list
                            and f.length is not None)
        # What check_value finds depends on the value (and today's date) alone; for 统一社会信用代码
        # except the placeholder, which the subject's category allows or not.
        self.value_only = self.lists_by is None and self.id_type_field is None

    # -- entry point --------------------------------------------------------------------------
    def too_long(self, value: str, emit: Emit) -> None:
        emit(self.f.code, ERROR, "length", f"{self.label}最多 {self.f.length} 个字符，现有 {len(value)} 个，请删减。")

    def missing(self, emit: Emit) -> None:
        if self.f.required:
            emit(self.f.code, ERROR, "required", f"{self.label}为必填项，请填写。")

    def check(self, value: str | None, fields: dict[str, str], today: date, emit: Emit) -> None:
        if not value:
            self.missing(emit)
            return
        self.check_value(value, fields, today, emit)

    def check_value(self, value: str, fields: dict[str, str], today: date, emit: Emit) -> None:
        f = self.f
        t = f.type
        if f.personal_id and "*" in value:
            # A number copied from a list, an export or an error report, masked there (domain.md §12).
            emit(f.code, ERROR, "id_masked",
                 f"{self.label}是脱敏显示的号码（含“*”），不能报送。请填写完整的证件号码。")
            return
        if t == "D":
            self._date(value, today, emit)
            return
        if t == "A":
            self._amount(value, emit)
            return
        if t == "U":
            self._uscc(value, fields, emit)
            return
        if f.length is not None and len(value) > f.length:
            self.too_long(value, emit)
        if t == "E":
            if self.lists_by is None:
                self._code(value, self.code_list, emit)
            else:
                self._multi(value, fields, emit)
        elif t == "M":
            self._multi(value, fields, emit)
        if self.id_type_field:
            self._id_document(value, fields.get(self.id_type_field), today, emit)
        if self.org_code:
            self._org_code(value, emit)
        for pattern, check in self.patterns:
            if not pattern.match(value):
                emit(f.code, check.get("severity", WARNING), check.get("rule_id", "pattern"),
                     f"{self.label}格式可能有误：{check.get('hint', '请核对')}。")
        if f.pii_scan:
            self._pii(value, emit)

    # -- by type ------------------------------------------------------------------------------
    def _date(self, value: str, today: date, emit: Emit) -> None:
        f = self.f
        d = iso_date(value)
        if d is None:
            if _ISO_DATE.match(value) or looks_like_date(value):
                emit(f.code, ERROR, "date_invalid", f"{self.label}不是真实存在的日期，请核对年、月、日。")
            else:
                emit(f.code, ERROR, "date_format",
                     f"{self.label}不是可识别的日期，请按 2026-11-20 的格式填写"
                     f"（也可写作 2026/11/20、2026年11月20日）。")
            return
        if f.not_future and d > today:
            emit(f.code, ERROR, "date_future",
                 f"{self.label}晚于今天（{today.isoformat()}），不能填写将来的日期，请核对。")

    def _amount(self, value: str, emit: Emit) -> None:
        f = self.f
        amount = amount_value(value)
        if amount is None:
            emit(f.code, ERROR, "amount_format",
                 f"{self.label}应为数字（单位{f.amount_unit or ''}），例如 0.2，请不要填写文字或符号。")
            return
        if amount < 0:
            emit(f.code, ERROR, "amount_negative", f"{self.label}不能为负数，请核对。")
        exponent = amount.as_tuple().exponent
        decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        if f.scale is not None and decimals > f.scale:
            emit(f.code, ERROR, "amount_decimals",
                 f"{self.label}最多 {f.scale} 位小数（单位万元，1元 = 0.0001万元），现有 {decimals} 位；"
                 f"系统不会自动四舍五入，请核对后重新填写。")
        if f.precision is not None and f.scale is not None:
            integer_digits = len(str(abs(int(amount)))) if abs(amount) >= 1 else 0
            if integer_digits > f.precision - f.scale:
                emit(f.code, ERROR, "amount_digits",
                     f"{self.label}整数部分最多 {f.precision - f.scale} 位，请核对金额和单位。")
        if f.amount_warn_at is not None and amount >= f.amount_warn_at:
            emit(f.code, WARNING, "amount_unit_suspect",
                 f"{self.label}为 {value} 万元，数额异常大，请确认是否把“元”当成了“万元”"
                 f"（罚款2000元应填 0.2）。")

    def _uscc(self, value: str, fields: dict[str, str], emit: Emit) -> None:
        f = self.f
        if value == self.placeholder:
            if self.placeholder_ok is None or not self.placeholder_ok(fields):
                where = "只有行政相对人类别为个体工商户时，统一社会信用代码才能填写占位码"
                emit(f.code, ERROR, "uscc_placeholder",
                     f"{self.label}不能填写占位码 {self.placeholder}（{where}），请填写真实的统一社会信用代码。")
            return
        problem = _uscc_problem(value)
        if problem is None:
            return
        pid, details = problem
        if pid == "uscc_length":
            msg = f"{self.label}应为18位，现为 {details.get('length', len(value))} 位，请核对。"
        elif pid == "uscc_charset":
            pos, ch = details.get("position"), details.get("char", "")
            msg = (f"{self.label}第 {pos} 位“{ch}”不是统一社会信用代码使用的字符"
                   f"（代码中没有字母 I、O、S、V、Z）")
            if details.get("typo_of"):
                msg += f"，是否应为“{details['typo_of']}”？"
            msg += "请对照证照核对。"
        elif pid == "uscc_region":
            msg = f"{self.label}第3至8位是行政区划代码，只能是数字（第 {details.get('position')} 位不是），请核对。"
        elif pid == "uscc_org_code":
            msg = f"{self.label}第9至17位（组织机构代码部分）校验不通过，可能抄错了其中一位，请对照证照逐位核对。"
        else:
            msg = f"{self.label}校验位（第18位）不正确，可能抄错了其中一位，请对照营业执照等证照逐位核对。"
        emit(f.code, ERROR, pid, msg)

    def _code(self, value: str, cl: CodeList | None, emit: Emit) -> None:
        if cl is None or value in cl.code_set:
            return
        f = self.f
        legacy = cl.legacy.get(value)
        if legacy is not None:
            msg = f"{self.label}中的“{value}”{legacy['message']}。"
            emit(f.code, legacy.get("severity", WARNING), "legacy_value", msg)
            return
        prefix = cl.other_prefix
        if prefix and (value == "其他" or value.startswith(prefix) or value.startswith("其他")):
            if value.startswith(prefix) and value[len(prefix):].strip():
                return
            emit(f.code, ERROR, "other_without_name",
                 f"{self.label}选择“其他”时必须写明名称，格式为“{prefix}名称”，例如“{prefix}{_other_example(cl)}”。")
            return
        if self.f.type == "M" and ("、" in value or "," in value):
            parts = [p.strip() for p in _NOT_SEPARATORS.split(value) if p.strip()]
            if len(parts) > 1 and all(p in cl.code_set for p in parts):
                emit(f.code, ERROR, "code_list", f"{self.label}的值“{value[:30]}”中的“、”或“,”不是分隔符，"
                                                 f"多个值之间请用英文分号“;”分隔，应写作“{';'.join(parts)}”。")
                return
        allowed = "、".join(cl.display(c) for c in cl.codes)
        hint = f"；其他情况写作“{prefix}名称”" if prefix else ""
        msg = f"{self.label}的值“{value[:30]}”不在代码表中，"
        near = _near_code(value, cl)
        if near is not None:
            msg += f"是否应为“{cl.display(near)}”？"
        msg += f"可选：{allowed}{hint}。"
        if self.f.type == "M" and ("、" in value or "," in value):
            msg += "多个值之间请用英文分号“;”分隔。"
        emit(f.code, ERROR, "code_list", msg)

    def _multi(self, value: str, fields: dict[str, str], emit: Emit) -> None:
        values = split_multi(value) if ";" in value else (value,)
        if self.lists_by is None:
            if self.code_list is not None:
                for v in values:
                    self._code(v, self.code_list, emit)
            return
        by_field, lists = self.lists_by
        chosen = lists.get(fields.get(by_field, ""))
        for v in values:
            if chosen is not None:
                if v in chosen.code_set:
                    continue
                other = next((cl for key, cl in lists.items() if cl is not chosen and v in cl.code_set), None)
                if other is not None:
                    emit(self.f.code, ERROR, "value_wrong_category",
                         f"{self.label}中的“{v}”属于「{self.kind.label_of(by_field)}」的另一类，"
                         f"与所选的“{fields.get(by_field)}”不符，请改选类别或方式。")
                    continue
                self._code(v, chosen, emit)
            elif not any(v in cl.code_set for cl in lists.values()):
                # The deciding field is empty or wrong (reported there); judge the value against all lists.
                self._code(v, _union(lists), emit)

    def _id_document(self, value: str, id_type: str | None, today: date, emit: Emit) -> None:
        code, label = self.f.code, self.label
        if id_type == ID_CARD:
            problem = checkdigits.id_number_problem(value, today)
            if problem is None:
                return
            pid, severity, _details = problem
            messages = {
                "id_format": f"{label}不是有效的居民身份证号码（应为18位数字，最后一位可以是X），请核对。",
                "id_birth_date": f"{label}中的出生日期不是有效日期或晚于今天，请对照身份证核对。",
                "id_checksum": f"{label}校验位（第18位）不正确，可能抄错了其中一位，请对照身份证逐位核对。",
                "id_province": f"{label}前两位不是已知的省级行政区划代码，请核对。",
                "id_legacy_15": f"{label}是15位的旧身份证号码，建议改填18位号码（需本人确认）。",
            }
            emit(code, severity, pid, messages.get(pid, f"{label}不是有效的居民身份证号码，请核对。"))
        elif id_type and not _ID_DOC_CHARSET.match(value):
            emit(code, WARNING, "id_document_format",
                 f"{label}只应包含数字、字母和括号，请核对证件号码。")

    def _org_code(self, value: str, emit: Emit) -> None:
        problem = checkdigits.org_code_problem(value)
        if problem is None:
            return
        pid, _ = problem
        if pid == "org_code_checksum":
            msg = f"{self.label}校验位（最后一位）不正确，请对照证照逐位核对。"
        else:
            msg = f"{self.label}应为8位数字或大写字母加1位校验码（共9位，可不写“-”），请核对。"
        emit(self.f.code, ERROR, pid, msg)

    def _pii(self, value: str, emit: Emit) -> None:
        for kind, pos in pii.scan_text(value):
            emit(self.f.code, WARNING, f"pii_{kind}",
                 f"{self.label}第 {pos} 个字符起疑似含有{PII_KINDS.get(kind, '个人信息')}。公开信息不得包含自然人的"
                 f"身份证号码、通信方式、银行账号、家庭住址等，请删除或改写（家庭住址无法自动识别，请一并检查）。")


def _near_code(value: str, cl: CodeList) -> str | None:
    """The one value a clerk's wording most likely means: it contains the value or is contained in
    it (居民身份证 → 身份证, 法人 → 法人及非法人组织), or it is spelled almost the same (个体户 →
    个体工商户). None when no single value stands out; the message then only lists them."""
    if len(value) < 2:
        return None
    inside = [c for c in cl.codes if len(c) >= 2 and (c in value or value in c)]
    if len(inside) == 1:
        return inside[0]
    if inside:
        return None
    close = difflib.get_close_matches(value, cl.codes, n=2, cutoff=0.7)
    return close[0] if len(close) == 1 else None


def _other_example(cl: CodeList) -> str:
    return {"处罚类别": "责令改正", "许可类别": "备案"}.get(cl.label, "名称")


_unions: dict[tuple[str, ...], CodeList] = {}


def _union(lists: dict[str, CodeList]) -> CodeList:
    key = tuple(sorted(cl.id for cl in lists.values()))
    if key not in _unions:
        first = next(iter(lists.values()))
        codes = tuple(c for cl in lists.values() for c in cl.codes)
        _unions[key] = CodeList(id="+".join(key), label=first.label, codes=codes,
                                labels={c: c for c in codes}, other_prefix=first.other_prefix,
                                legacy={k: v for cl in lists.values() for k, v in cl.legacy.items()})
    return _unions[key]


def amount_value(text: str | None) -> Decimal | None:
    if not text:
        return None
    return _amount(text)


# The same few values recur across a batch (a bureau's own authority codes on every record, the
# usual fine amounts and category combinations), so their parse results are kept.
@lru_cache(maxsize=4096)
def _amount(text: str) -> Decimal | None:
    return parse_amount(text)[0]


_uscc_problem = lru_cache(maxsize=4096)(checkdigits.uscc_problem)

