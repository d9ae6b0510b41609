"""Writes resources/catalog/default.json, the catalog CreditDesk ships, from domain.md's tables.

The four kinds share the 13-field subject block; writing it once here keeps the JSON (which is
explicit, field by field, as the published format requires) free of copy-and-paste mistakes.
Run: python tools/make_default_catalog.py  (a test checks the committed file is up to date).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "resources" / "catalog" / "default.json"

VERSION = "2026.0-default"
PLACEHOLDER = "00000000000000000X"
LEGAL = "法人及非法人组织"
PERSON = "自然人"
SOLE = "个体工商户"

ID_CHARSET = r"^[0-9A-Z()]+$"


def code_lists() -> dict:
    def simple(label, values, other=True, legacy=None):
        out = {"label": label, "items": [{"code": v} for v in values]}
        if other:
            out["other_prefix"] = "其他-"
        if legacy:
            out["legacy"] = legacy
        return out

    legacy_suspend = {
        "severity": "warning",
        "message": "是2021年修订前《行政处罚法》的处罚种类，现行种类为「暂扣许可证件」或「吊销许可证件」，请按决定书内容选择其一",
        "suggest": ["暂扣许可证件", "吊销许可证件"],
    }
    return {
        "xdr_lb": simple("行政相对人类别", [LEGAL, PERSON, SOLE], other=False),
        "zjlx": simple(
            "证件类型",
            ["身份证", "护照号", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "外国人永久居留身份证"],
        ),
        "xk_xklb": simple("许可类别", ["普通", "特许", "认可", "核准", "登记"]),
        "xk_zt": {"label": "当前状态", "items": [{"code": "1", "label": "有效"}, {"code": "2", "label": "无效"}]},
        "cf_cflb": simple(
            "处罚类别",
            [
                "警告", "通报批评",
                "罚款", "没收违法所得", "没收非法财物",
                "暂扣许可证件", "降低资质等级", "吊销许可证件",
                "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业",
                "行政拘留",
            ],
            legacy=[
                dict(legacy_suspend, value="暂扣或者吊销许可证"),
                dict(legacy_suspend, value="暂扣或者吊销执照"),
            ],
        ),
        "qz_lb": simple("行政强制类别", ["行政强制措施", "行政强制执行"], other=False),
        "qz_fs_cs": simple(
            "行政强制措施方式", ["限制公民人身自由", "查封场所、设施或者财物", "扣押财物", "冻结存款、汇款"]
        ),
        "qz_fs_zx": simple(
            "行政强制执行方式",
            [
                "加处罚款或者滞纳金", "划拨存款、汇款", "拍卖或者依法处理查封、扣押的场所、设施或者财物",
                "排除妨碍、恢复原状", "代履行",
            ],
        ),
        "qz_zt": {
            "label": "当前状态",
            "items": [
                {"code": "1", "label": "实施中"}, {"code": "2", "label": "已解除"}, {"code": "3", "label": "已执行完毕"},
            ],
        },
        "jc_fs": simple("检查方式", ["双随机一公开抽查", "重点检查", "专项检查", "日常检查"]),
        "jc_jg": simple("检查结果", ["未发现问题", "发现问题已责令整改", "发现问题已立案查处", "未发现检查对象"]),
    }


def f(code, label, type_, length=None, required=False, section="decision", **extra):
    out = {"code": code, "label": label, "type": type_}
    if length is not None:
        out["length"] = length
    out["required"] = required
    out["section"] = section
    out.update(extra)
    return out


def reg_number(code, label, length, hint, pattern=r"^[0-9A-Z]+$", **extra):
    return f(
        code, label, "S", length, section="subject", identifier=True,
        checks=[{"type": "pattern", "pattern": pattern, "severity": "warning", "rule_id": "reg_number_format",
                 "hint": hint}],
        **extra,
    )


def subject_fields(p: str) -> list[dict]:
    lb = f"{p}_XDR_LB"
    license_codes = p == "XK"
    return [
        f(f"{p}_XDR_MC", "行政相对人名称", "S", 200, True, "subject",
          aliases=["相对人名称"] + (["XK_XDR"] if license_codes else []),
          help="法人、非法人组织或个体工商户填写登记的全称；自然人填写姓名"),
        f(lb, "行政相对人类别", "E", 16, True, "subject", code_list="xdr_lb",
          help="法人及非法人组织、自然人、个体工商户三选一"),
        f(f"{p}_XDR_SHXYM", "统一社会信用代码", "U", 18, False, "subject", identifier=True,
          placeholder={"allowed_when": {"field": lb, "equals": SOLE}},
          aliases=["行政相对人代码_1(统一社会信用代码)", "行政相对人代码_1"],
          help="18位统一社会信用代码；无代码的个体工商户填 00000000000000000X 并填写工商注册号；自然人不填"),
        reg_number(f"{p}_XDR_GSZC", "工商注册号", 50, "工商注册号一般为数字",
                   aliases=["行政相对人代码_2(工商注册号)", "行政相对人代码_3(工商登记码)", "工商登记码"]
                   + (["XK_XDR_GSDJ"] if license_codes else []),
                   help="个体工商户统一社会信用代码为占位码时必填"),
        f(f"{p}_XDR_ZZJG", "组织机构代码", "S", 9, False, "subject", identifier=True,
          checks=[{"type": "org_code"}],
          aliases=["行政相对人代码_3(组织机构代码)", "行政相对人代码_2(组织机构代码)"]
          + (["XK_XDR_ZDM"] if license_codes else []),
          help="9位组织机构代码（不含“-”），可不填"),
        reg_number(f"{p}_XDR_SWDJ", "税务登记号", 50, "税务登记号只应包含数字和大写字母",
                   aliases=["行政相对人代码_4(税务登记号)"]),
        reg_number(f"{p}_XDR_SYDW", "事业单位证书号", 120, "事业单位证书号只应包含数字、字母、汉字和括号",
                   pattern=r"^[0-9A-Z()\u4e00-\u9fff]+$", aliases=["行政相对人代码_5(事业单位证书号)"]),
        reg_number(f"{p}_XDR_SHZZ", "社会组织登记证号", 64, "社会组织登记证号只应包含数字、字母、汉字和括号",
                   pattern=r"^[0-9A-Z()\u4e00-\u9fff]+$", aliases=["行政相对人代码_6(社会组织登记证号)"]),
        f(f"{p}_FRDB", "法定代表人", "S", 100, False, "subject",
          aliases=["法定代表人姓名", "法人"] + (["XK_FR"] if license_codes else []),
          help="法人及非法人组织填写法定代表人（负责人）姓名；个体工商户填写经营者姓名；自然人不填"),
        f(f"{p}_FR_ZJLX", "法定代表人证件类型", "E", 64, False, "subject", code_list="zjlx",
          aliases=["法人证件类型"], help="与法定代表人证件号码同时填写或同时不填"),
        f(f"{p}_FR_ZJHM", "法定代表人证件号码", "S", 64, False, "subject", identifier=True, personal_id=True,
          checks=[{"type": "id_document", "type_field": f"{p}_FR_ZJLX"}],
          aliases=[{"name": "法定代表人身份证号", "sets": {f"{p}_FR_ZJLX": "身份证"}}, "法人身份证件号码"]
          + [{"name": c, "sets": {f"{p}_FR_ZJLX": "身份证"}} for c in (["XK_FR_SFZH"] if license_codes else [])]
          + ([{"name": "CF_FR_SFZH", "sets": {"CF_FR_ZJLX": "身份证"}}] if p == "CF" else []),
          help="证件类型为身份证时按18位居民身份证号码校验"),
        f(f"{p}_XDR_ZJLX", "证件类型", "E", 64, False, "subject", code_list="zjlx",
          help="行政相对人为自然人时必填"),
        f(f"{p}_XDR_ZJHM", "证件号码", "S", 64, False, "subject", identifier=True, personal_id=True,
          checks=[{"type": "id_document", "type_field": f"{p}_XDR_ZJLX"}],
          aliases=[{"name": "行政相对人代码_5(居民身份证号)", "sets": {f"{p}_XDR_ZJLX": "身份证"}}]
          + ([{"name": "XK_XDR_SFZ", "sets": {"XK_XDR_ZJLX": "身份证"}}] if license_codes else []),
          help="行政相对人为自然人时必填；只在本条记录的编辑窗口中完整显示"),
    ]


def subject_rules(p: str) -> list[dict]:
    lb = f"{p}_XDR_LB"
    org = {"field": lb, "in": [LEGAL, SOLE]}
    person = {"field": lb, "equals": PERSON}
    person_reason = "行政相对人类别为自然人时"
    rules: list[dict] = [
        {"type": "required", "field": f"{p}_XDR_SHXYM", "when": org,
         "reason": "行政相对人类别为法人及非法人组织或个体工商户时"},
        {"type": "required", "field": f"{p}_XDR_GSZC",
         "when": {"all": [{"field": lb, "equals": SOLE}, {"field": f"{p}_XDR_SHXYM", "equals": PLACEHOLDER}]},
         "reason": "个体工商户的统一社会信用代码为占位码时"},
        {"type": "required", "field": f"{p}_FRDB", "when": org,
         "reason": "行政相对人类别为法人及非法人组织或个体工商户时（个体工商户填写经营者姓名）"},
        {"type": "both_or_neither", "fields": [f"{p}_FR_ZJLX", f"{p}_FR_ZJHM"], "when": org},
        {"type": "required", "field": f"{p}_XDR_ZJLX", "when": person, "reason": person_reason},
        {"type": "required", "field": f"{p}_XDR_ZJHM", "when": person, "reason": person_reason},
    ]
    for code in ("XDR_SHXYM", "XDR_GSZC", "XDR_ZZJG", "XDR_SWDJ", "XDR_SYDW", "XDR_SHZZ",
                 "FRDB", "FR_ZJLX", "FR_ZJHM"):
        rules.append({"type": "empty", "field": f"{p}_{code}", "when": person, "severity": "error",
                      "reason": person_reason})
    for code in ("XDR_ZJLX", "XDR_ZJHM"):
        rules.append({"type": "empty", "field": f"{p}_{code}", "when": org, "severity": "warning",
                      "reason": "行政相对人类别为法人及非法人组织或个体工商户时（证件类型和证件号码仅用于自然人）"})
    rules += [
        {"type": "uscc_prefix", "uscc": f"{p}_XDR_SHXYM", "category": lb, "severity": "warning",
         "expect": [{"category": SOLE, "prefix": "92", "must": True},
                    {"category": LEGAL, "prefix": "92", "must": False}]},
        {"type": "org_code_match", "uscc": f"{p}_XDR_SHXYM", "org_code": f"{p}_XDR_ZZJG", "severity": "warning"},
    ]
    return rules


def authority(code_name, code_uscc, label, src_name, src_uscc, name_aliases=()):
    return [
        f(code_name, label, "S", 200, True, "authority", aliases=list(name_aliases),
          help=f"{label}的全称", default_from="department_name"),
        f(code_uscc, f"{label}统一社会信用代码", "U", 18, True, "authority", identifier=True,
          help="18位统一社会信用代码，不能填写占位码", default_from="department_uscc"),
        f(src_name, "数据来源单位", "S", 200, True, "authority", help="报送数据的单位全称",
          default_from="department_name"),
        f(src_uscc, "数据来源单位统一社会信用代码", "U", 18, True, "authority", identifier=True,
          help="18位统一社会信用代码，不能填写占位码", default_from="department_uscc"),
    ]


BZ = f("BZ", "备注", "T", 512, False, "decision", pii_scan=True, help="其他需要说明的事项；不得填写身份证号、电话、家庭住址等个人信息")

SECTIONS = [
    {"id": "subject", "label": "相对人信息"},
    {"id": "decision", "label": "决定信息"},
    {"id": "authority", "label": "机关与来源"},
]

SUBJECT_KEYS = {
    "name": "_XDR_MC", "category": "_XDR_LB", "uscc": "_XDR_SHXYM", "business_reg": "_XDR_GSZC",
    "id_type": "_XDR_ZJLX", "id_number": "_XDR_ZJHM",
}


def kind(kid, label, prefix, decision, doc, fields, rules, basis):
    return {
        "id": kid, "label": label, "prefix": prefix, "basis": basis,
        "deadline": {"working_days": 7, "decision_date_field": decision},
        "doc_number_field": doc,
        "subject": {k: prefix + v for k, v in SUBJECT_KEYS.items()},
        "sections": SECTIONS,
        "fields": subject_fields(prefix) + fields,
        "rules": subject_rules(prefix) + rules,
    }


def license_kind() -> dict:
    fields = [
        f("XK_XKWS", "行政许可决定文书名称", "S", 64, True,
          help="决定文书的标题，不含文号，例如“关于××公司××的批复”"),
        f("XK_WSH", "行政许可决定文书号", "S", 64, True, aliases=["行政许可决定书文号"],
          help="决定文书的文号；没有文号的填写许可编号"),
        f("XK_XKLB", "许可类别", "E", 16, True, code_list="xk_xklb", aliases=["审批类别", "XK_SPLB"],
          help="普通、特许、认可、核准、登记；其他类别写作“其他-类别名称”，如“其他-备案”"),
        f("XK_XKZS", "许可证书名称", "S", 64, help="例如“煤矿生产许可证”"),
        f("XK_XKBH", "许可编号", "S", 64),
        f("XK_NR", "许可内容", "T", 4000, True, pii_scan=True, help="行政许可决定书的主要内容"),
        f("XK_JDRQ", "许可决定日期", "D", 10, True, not_future=True,
          help="作出许可决定的日期，报送期限从次日起算7个工作日"),
        f("XK_YXQZ", "有效期自", "D", 10, True),
        f("XK_YXQZI", "有效期至", "D", 10, True, long_term=True, aliases=["许可截止期", "XK_JZQ"],
          help="长期有效填 2099-12-31"),
        *authority("XK_XKJG", "XK_XKJGDM", "许可机关", "XK_LYDW", "XK_LYDWDM",
                   name_aliases=["许可决定机关", "XK_XZJG"]),
        f("XK_ZT", "当前状态", "E", 1, True, code_list="xk_zt", help="1 有效，2 无效"),
        BZ,
    ]
    # Keep domain.md's field order: 许可机关, 许可机关代码, 当前状态, 数据来源单位, 数据来源单位代码, 备注.
    order = ["XK_XKWS", "XK_WSH", "XK_XKLB", "XK_XKZS", "XK_XKBH", "XK_NR", "XK_JDRQ", "XK_YXQZ", "XK_YXQZI",
             "XK_XKJG", "XK_XKJGDM", "XK_ZT", "XK_LYDW", "XK_LYDWDM", "BZ"]
    by_code = {x["code"]: x for x in fields}
    rules = [
        {"type": "date_order", "earlier": "XK_YXQZ", "later": "XK_YXQZI", "severity": "error"},
        {"type": "date_order", "earlier": "XK_JDRQ", "later": "XK_YXQZ", "severity": "warning"},
        {"type": "status_outdated", "status_field": "XK_ZT", "status": "1", "date_field": "XK_YXQZI",
         "suggest": "2", "severity": "warning"},
    ]
    return kind("license", "行政许可", "XK", "XK_JDRQ", "XK_WSH", [by_code[c] for c in order], rules,
                "national practice (2019 format)")


PENALTY_NEW_2021 = ["通报批评", "降低资质等级", "限制开展生产经营活动", "责令关闭", "限制从业"]


def penalty_kind() -> dict:
    amount = {"precision": 18, "scale": 6, "unit": "万元", "warn_at": "100000"}
    fields = [
        f("CF_WSH", "行政处罚决定书文号", "S", 128, True, aliases=["行政处罚决定文书号"]),
        f("CF_WFXW", "违法行为类型", "S", 2000, True, pii_scan=True, help="违反的法律、法规或规章的条款"),
        f("CF_SY", "违法事实", "T", 4000, True, pii_scan=True, aliases=["处罚事由"], help="违法事实的主要内容"),
        f("CF_YJ", "处罚依据", "T", 2000, True, pii_scan=True),
        f("CF_CFLB", "处罚类别", "M", 200, True, code_list="cf_cflb",
          aliases=[{"name": "处罚类别1", "join": True}, {"name": "处罚类别2", "join": True},
                   {"name": "CF_CFLB1", "join": True}, {"name": "CF_CFLB2", "join": True}],
          help="可多选，用英文分号“;”分隔；其他处罚写作“其他-处罚名称”"),
        f("CF_NR", "处罚内容", "T", 4000, True, pii_scan=True, aliases=["处罚结果", "CF_JG"]),
        f("CF_NR_FK", "罚款金额（万元）", "A", None, False, amount=amount,
          aliases=["处罚金额(万元)", {"name": "罚款金额", "confirm_unit": True},
                   {"name": "罚款金额(元)", "unit": "元"}],
          help="单位为万元，例如罚款2000元填 0.2；最多6位小数"),
        f("CF_NR_WFFF", "没收违法所得、没收非法财物的金额（万元）", "A", None, False, amount=amount,
          aliases=["没收违法所得、没收非法财务的金额(万元)",
                   {"name": "没收违法所得、没收非法财物的金额(元)", "unit": "元"}],
          help="单位为万元；最多6位小数"),
        f("CF_NR_ZKDX", "暂扣或吊销证照名称及编号", "S", 200, False, pii_scan=True,
          help="处罚类别含暂扣许可证件或吊销许可证件时必填"),
        f("CF_JDRQ", "处罚决定日期", "D", 10, True, not_future=True,
          help="作出处罚决定的日期，报送期限从次日起算7个工作日"),
        f("CF_YXQ", "处罚有效期", "D", 10, True, long_term=True, help="不早于处罚决定日期；长期填 2099-12-31"),
        f("CF_GSJZQ", "公示截止期", "D", 10, False, help="不早于处罚决定日期"),
        *authority("CF_CFJG", "CF_CFJGDM", "处罚机关", "CF_SJLY", "CF_SJLYDM", name_aliases=["CF_XZJG"]),
        BZ,
    ]
    suspend = ["暂扣许可证件", "吊销许可证件", "暂扣或者吊销许可证", "暂扣或者吊销执照"]
    rules = [
        {"type": "amount_for_categories", "categories_field": "CF_CFLB", "amount_field": "CF_NR_FK",
         "values": ["罚款"]},
        {"type": "amount_for_categories", "categories_field": "CF_CFLB", "amount_field": "CF_NR_WFFF",
         "values": ["没收违法所得", "没收非法财物"]},
        {"type": "required", "field": "CF_NR_ZKDX", "when": {"field": "CF_CFLB", "contains_any": suspend},
         "reason": "处罚类别含暂扣许可证件或吊销许可证件时"},
        {"type": "values_before_date", "field": "CF_CFLB", "values": PENALTY_NEW_2021, "date_field": "CF_JDRQ",
         "before": "2021-07-15", "severity": "warning",
         "reason": "是2021年7月15日施行的新《行政处罚法》才设立的处罚种类"},
        {"type": "date_order", "earlier": "CF_JDRQ", "later": "CF_YXQ", "severity": "error"},
        {"type": "date_order", "earlier": "CF_JDRQ", "later": "CF_GSJZQ", "severity": "error"},
    ]
    return kind("penalty", "行政处罚", "CF", "CF_JDRQ", "CF_WSH", fields, rules, "national practice (2019 format)")


def enforcement_kind() -> dict:
    seize = ["查封场所、设施或者财物", "扣押财物", "冻结存款、汇款"]
    fields = [
        f("QZ_WSH", "行政强制决定书文号", "S", 128, True),
        f("QZ_LB", "行政强制类别", "E", 16, True, code_list="qz_lb", help="行政强制措施或行政强制执行"),
        f("QZ_FS", "强制措施或执行方式", "M", 500, True,
          code_list={"by_field": "QZ_LB", "lists": {"行政强制措施": "qz_fs_cs", "行政强制执行": "qz_fs_zx"}},
          help="按行政强制类别选择，可多选，用英文分号“;”分隔；其他方式写作“其他-方式名称”"),
        f("QZ_SY", "行政强制事由", "T", 4000, True, pii_scan=True),
        f("QZ_YJ", "行政强制依据", "T", 2000, True),
        f("QZ_NR", "行政强制内容", "T", 4000, True, pii_scan=True, help="强制对象、财物清单、期限等"),
        f("QZ_JDRQ", "行政强制决定日期", "D", 10, True, not_future=True,
          help="作出行政强制决定的日期，报送期限从次日起算7个工作日"),
        f("QZ_QXZ", "强制期限自", "D", 10, False),
        f("QZ_QXZI", "强制期限至", "D", 10, False, help="查封、扣押的期限一般不超过30日，延长后不超过60日"),
        f("QZ_ZT", "当前状态", "E", 1, True, code_list="qz_zt", help="1 实施中，2 已解除，3 已执行完毕"),
        f("QZ_JCRQ", "解除日期", "D", 10, False, not_future=True, help="当前状态为已解除时必填"),
        *authority("QZ_SSJG", "QZ_SSJGDM", "实施机关", "QZ_LYDW", "QZ_LYDWDM"),
        BZ,
    ]
    rules = [
        {"type": "date_order", "earlier": "QZ_QXZ", "later": "QZ_QXZI", "severity": "error"},
        {"type": "enforcement_term", "from": "QZ_QXZ", "to": "QZ_QXZI",
         "when": {"field": "QZ_FS", "contains_any": seize}, "warn_days": 30, "max_days": 60,
         "max_severity": "error"},
        {"type": "required", "field": "QZ_JCRQ", "when": {"field": "QZ_ZT", "equals": "2"},
         "reason": "当前状态为已解除时"},
        {"type": "empty", "field": "QZ_JCRQ", "when": {"field": "QZ_ZT", "in": ["1", "3"]}, "severity": "warning",
         "reason": "当前状态不是已解除时"},
        {"type": "date_order", "earlier": "QZ_JDRQ", "later": "QZ_JCRQ", "severity": "error"},
        {"type": "status_outdated", "status_field": "QZ_ZT", "status": "1", "date_field": "QZ_QXZI",
         "suggest": "2 或 3", "severity": "warning"},
    ]
    return kind("enforcement", "行政强制", "QZ", "QZ_JDRQ", "QZ_WSH", fields, rules,
                "CreditDesk field set (no national standard)")


def inspection_kind() -> dict:
    fields = [
        f("JC_WSH", "检查记录编号", "S", 128, True),
        f("JC_SXMC", "检查事项名称", "S", 200, True, help="按本单位检查事项清单中的名称填写"),
        f("JC_SXBM", "检查事项编码", "S", 64),
        f("JC_FS", "检查方式", "E", 64, True, code_list="jc_fs", help="其他方式写作“其他-方式名称”"),
        f("JC_YJ", "检查依据", "T", 2000, True),
        f("JC_RQ", "检查日期", "D", 10, True, not_future=True, help="报送期限从次日起算7个工作日"),
        f("JC_JG", "检查结果", "E", 64, True, code_list="jc_jg", help="其他结果写作“其他-结果说明”"),
        f("JC_WT", "发现问题及处理情况", "T", 4000, False, pii_scan=True, help="检查结果为发现问题时必填"),
        *authority("JC_JCJG", "JC_JCJGDM", "检查机关", "JC_LYDW", "JC_LYDWDM"),
        BZ,
    ]
    rules = [
        {"type": "required", "field": "JC_WT", "when": {"field": "JC_JG", "starts_with": "发现问题"},
         "reason": "检查结果为发现问题时"},
    ]
    return kind("inspection", "行政检查", "JC", "JC_RQ", "JC_WSH", fields, rules,
                "CreditDesk field set (no national standard)")


def catalog() -> dict:
    return {
        "format": 1,
        "version": VERSION,
        "published_at": "2026-11-26",
        "name": "上饶市公共信用信息报送目录（CreditDesk 默认目录）",
        "settings": {
            "placeholder_uscc": PLACEHOLDER,
            "long_term_date": "2099-12-31",
            "severity_overrides": {},
        },
        "unmapped_headers": ["地方编码", "数据更新时间戳", "项目名称", "处罚名称", "信息使用范围", "权力编码",
                             "许可事项编码"],
        "code_lists": code_lists(),
        "kinds": [license_kind(), penalty_kind(), enforcement_kind(), inspection_kind()],
    }


def render() -> str:
    return json.dumps(catalog(), ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(render(), encoding="utf-8")
    counts = {k["id"]: len(k["fields"]) for k in catalog()["kinds"]}
    print(f"wrote {OUT} {counts}", file=sys.stderr)
