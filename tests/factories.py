"""Realistic records for tests and benchmarks, with check digits computed here independently of
app.validation (so a bug there cannot hide behind the data)."""

from __future__ import annotations

import random
from datetime import date, timedelta

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

AUTHORITY = ("上饶市市场监督管理局",)


def org_check(body: str) -> str:
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc(rng: random.Random, head: str = "91", region: str = "361100") -> str:
    body = "".join(rng.choice("0123456789") for _ in range(8))
    first17 = head + region + body + org_check(body)
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return first17 + USCC_ALPHABET[(31 - total % 31) % 31]


def fix_uscc(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return first17 + USCC_ALPHABET[(31 - total % 31) % 31]


def id_number(rng: random.Random, birth: date | None = None, region: str = "361102") -> str:
    birth = birth or date(1960, 1, 1) + timedelta(days=rng.randrange(365 * 40))
    body = region + birth.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    total = sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


# A real-looking authority code, with the check character computed.
AUTHORITY_USCC = fix_uscc("11361100MB012345" + org_check("MB012345"))


def _authority(prefix: str) -> dict[str, str]:
    names = {"XK": ("XK_XKJG", "XK_XKJGDM", "XK_LYDW", "XK_LYDWDM"),
             "CF": ("CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM"),
             "QZ": ("QZ_SSJG", "QZ_SSJGDM", "QZ_LYDW", "QZ_LYDWDM"),
             "JC": ("JC_JCJG", "JC_JCJGDM", "JC_LYDW", "JC_LYDWDM")}[prefix]
    return {names[0]: AUTHORITY[0], names[1]: AUTHORITY_USCC, names[2]: AUTHORITY[0], names[3]: AUTHORITY_USCC}


def subject(prefix: str, rng: random.Random, category: str = "法人及非法人组织") -> dict[str, str]:
    p = prefix
    if category == "自然人":
        return {f"{p}_XDR_MC": rng.choice(["王小明", "李华", "赵敏"]), f"{p}_XDR_LB": category,
                f"{p}_XDR_ZJLX": "身份证", f"{p}_XDR_ZJHM": id_number(rng)}
    head = "92" if category == "个体工商户" else "91"
    return {f"{p}_XDR_MC": f"上饶市{rng.choice(['信州区', '广丰区', '广信区'])}某某{rng.randrange(10000)}商贸有限公司",
            f"{p}_XDR_LB": category, f"{p}_XDR_SHXYM": uscc(rng, head), f"{p}_FRDB": "张伟"}


def penalty(rng: random.Random, n: int = 1, decided: date = date(2026, 11, 20), **over) -> dict[str, str]:
    fields = {
        **subject("CF", rng),
        "CF_WSH": f"饶市监罚〔2026〕{n}号",
        "CF_WFXW": "违反《中华人民共和国产品质量法》第四十九条",
        "CF_SY": "经查，当事人销售不合格建筑材料，货值金额12000元。",
        "CF_YJ": "《中华人民共和国产品质量法》第四十九条",
        "CF_CFLB": "警告;罚款",
        "CF_NR": "警告，并处罚款2000元",
        "CF_NR_FK": "0.2",
        "CF_JDRQ": decided.isoformat(),
        "CF_YXQ": (decided + timedelta(days=365)).isoformat(),
        "CF_GSJZQ": (decided + timedelta(days=365)).isoformat(),
        **_authority("CF"),
    }
    fields.update(over)
    return {k: v for k, v in fields.items() if v is not None}


def license(rng: random.Random, n: int = 1, decided: date = date(2026, 11, 20), **over) -> dict[str, str]:
    fields = {
        **subject("XK", rng),
        "XK_XKWS": "食品经营许可决定书",
        "XK_WSH": f"饶市监食许〔2026〕{n}号",
        "XK_XKLB": "普通",
        "XK_XKZS": "食品经营许可证",
        "XK_XKBH": f"JY3361100{n:07d}",
        "XK_NR": "准予食品经营许可，经营项目：预包装食品销售。",
        "XK_JDRQ": decided.isoformat(),
        "XK_YXQZ": decided.isoformat(),
        "XK_YXQZI": (decided + timedelta(days=5 * 365)).isoformat(),
        **_authority("XK"),
        "XK_ZT": "1",
    }
    fields.update(over)
    return {k: v for k, v in fields.items() if v is not None}


def enforcement(rng: random.Random, n: int = 1, decided: date = date(2026, 11, 2), **over) -> dict[str, str]:
    fields = {
        **subject("QZ", rng),
        "QZ_WSH": f"饶市监强〔2026〕{n}号",
        "QZ_LB": "行政强制措施",
        "QZ_FS": "查封场所、设施或者财物",
        "QZ_SY": "涉嫌生产不合格产品",
        "QZ_YJ": "《中华人民共和国行政强制法》第二十二条",
        "QZ_NR": "查封生产设备3台，期限30日",
        "QZ_JDRQ": decided.isoformat(),
        "QZ_QXZ": decided.isoformat(),
        "QZ_QXZI": (decided + timedelta(days=30)).isoformat(),
        "QZ_ZT": "3",
        **_authority("QZ"),
    }
    fields.update(over)
    return {k: v for k, v in fields.items() if v is not None}


def inspection(rng: random.Random, n: int = 1, decided: date = date(2026, 11, 20), **over) -> dict[str, str]:
    fields = {
        **subject("JC", rng),
        "JC_WSH": f"饶市监检〔2026〕{n}号",
        "JC_SXMC": "食品销售环节监督检查",
        "JC_FS": "双随机一公开抽查",
        "JC_YJ": "《中华人民共和国食品安全法》第一百一十条",
        "JC_RQ": decided.isoformat(),
        "JC_JG": "未发现问题",
        **_authority("JC"),
    }
    fields.update(over)
    return {k: v for k, v in fields.items() if v is not None}


MAKERS = {"penalty": penalty, "license": license, "enforcement": enforcement, "inspection": inspection}


def record(kind: str, rng: random.Random | None = None, n: int = 1, **over) -> dict[str, str]:
    return MAKERS[kind](rng or random.Random(n), n, **over)
