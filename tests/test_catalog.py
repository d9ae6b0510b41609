"""The catalog format, the default catalog against domain.md's tables, and catalog versions."""

from __future__ import annotations

import copy
import json

import pytest

from app.catalog import CatalogError, default_catalog, load_document, parse_catalog
from app.paths import resource

SUBJECT = [  # (suffix, label, type, length) of rows 1–13, domain.md §2
    ("XDR_MC", "行政相对人名称", "S", 200), ("XDR_LB", "行政相对人类别", "E", 16),
    ("XDR_SHXYM", "统一社会信用代码", "U", 18), ("XDR_GSZC", "工商注册号", "S", 50),
    ("XDR_ZZJG", "组织机构代码", "S", 9), ("XDR_SWDJ", "税务登记号", "S", 50),
    ("XDR_SYDW", "事业单位证书号", "S", 120), ("XDR_SHZZ", "社会组织登记证号", "S", 64),
    ("FRDB", "法定代表人", "S", 100), ("FR_ZJLX", "法定代表人证件类型", "E", 64),
    ("FR_ZJHM", "法定代表人证件号码", "S", 64), ("XDR_ZJLX", "证件类型", "E", 64), ("XDR_ZJHM", "证件号码", "S", 64),
]
# (code, label, type, length, required) after the subject block, domain.md §3–§6.
REST = {
    "license": [
        ("XK_XKWS", "行政许可决定文书名称", "S", 64, True), ("XK_WSH", "行政许可决定文书号", "S", 64, True),
        ("XK_XKLB", "许可类别", "E", 16, True), ("XK_XKZS", "许可证书名称", "S", 64, False),
        ("XK_XKBH", "许可编号", "S", 64, False), ("XK_NR", "许可内容", "T", 4000, True),
        ("XK_JDRQ", "许可决定日期", "D", 10, True), ("XK_YXQZ", "有效期自", "D", 10, True),
        ("XK_YXQZI", "有效期至", "D", 10, True), ("XK_XKJG", "许可机关", "S", 200, True),
        ("XK_XKJGDM", "许可机关统一社会信用代码", "U", 18, True), ("XK_ZT", "当前状态", "E", 1, True),
        ("XK_LYDW", "数据来源单位", "S", 200, True), ("XK_LYDWDM", "数据来源单位统一社会信用代码", "U", 18, True),
        ("BZ", "备注", "T", 512, False),
    ],
    "penalty": [
        ("CF_WSH", "行政处罚决定书文号", "S", 128, True), ("CF_WFXW", "违法行为类型", "S", 2000, True),
        ("CF_SY", "违法事实", "T", 4000, True), ("CF_YJ", "处罚依据", "T", 2000, True),
        ("CF_CFLB", "处罚类别", "M", 200, True), ("CF_NR", "处罚内容", "T", 4000, True),
        ("CF_NR_FK", "罚款金额（万元）", "A", None, False),
        ("CF_NR_WFFF", "没收违法所得、没收非法财物的金额（万元）", "A", None, False),
        ("CF_NR_ZKDX", "暂扣或吊销证照名称及编号", "S", 200, False), ("CF_JDRQ", "处罚决定日期", "D", 10, True),
        ("CF_YXQ", "处罚有效期", "D", 10, True), ("CF_GSJZQ", "公示截止期", "D", 10, False),
        ("CF_CFJG", "处罚机关", "S", 200, True), ("CF_CFJGDM", "处罚机关统一社会信用代码", "U", 18, True),
        ("CF_SJLY", "数据来源单位", "S", 200, True), ("CF_SJLYDM", "数据来源单位统一社会信用代码", "U", 18, True),
        ("BZ", "备注", "T", 512, False),
    ],
    "enforcement": [
        ("QZ_WSH", "行政强制决定书文号", "S", 128, True), ("QZ_LB", "行政强制类别", "E", 16, True),
        ("QZ_FS", "强制措施或执行方式", "M", 500, True), ("QZ_SY", "行政强制事由", "T", 4000, True),
        ("QZ_YJ", "行政强制依据", "T", 2000, True), ("QZ_NR", "行政强制内容", "T", 4000, True),
        ("QZ_JDRQ", "行政强制决定日期", "D", 10, True), ("QZ_QXZ", "强制期限自", "D", 10, False),
        ("QZ_QXZI", "强制期限至", "D", 10, False), ("QZ_ZT", "当前状态", "E", 1, True),
        ("QZ_JCRQ", "解除日期", "D", 10, False), ("QZ_SSJG", "实施机关", "S", 200, True),
        ("QZ_SSJGDM", "实施机关统一社会信用代码", "U", 18, True), ("QZ_LYDW", "数据来源单位", "S", 200, True),
        ("QZ_LYDWDM", "数据来源单位统一社会信用代码", "U", 18, True), ("BZ", "备注", "T", 512, False),
    ],
    "inspection": [
        ("JC_WSH", "检查记录编号", "S", 128, True), ("JC_SXMC", "检查事项名称", "S", 200, True),
        ("JC_SXBM", "检查事项编码", "S", 64, False), ("JC_FS", "检查方式", "E", 64, True),
        ("JC_YJ", "检查依据", "T", 2000, True), ("JC_RQ", "检查日期", "D", 10, True),
        ("JC_JG", "检查结果", "E", 64, True), ("JC_WT", "发现问题及处理情况", "T", 4000, False),
        ("JC_JCJG", "检查机关", "S", 200, True), ("JC_JCJGDM", "检查机关统一社会信用代码", "U", 18, True),
        ("JC_LYDW", "数据来源单位", "S", 200, True), ("JC_LYDWDM", "数据来源单位统一社会信用代码", "U", 18, True),
        ("BZ", "备注", "T", 512, False),
    ],
}
PREFIX = {"license": "XK", "penalty": "CF", "enforcement": "QZ", "inspection": "JC"}
DECISION = {"license": "XK_JDRQ", "penalty": "CF_JDRQ", "enforcement": "QZ_JDRQ", "inspection": "JC_RQ"}
DOC = {"license": "XK_WSH", "penalty": "CF_WSH", "enforcement": "QZ_WSH", "inspection": "JC_WSH"}
COUNTS = {"license": 28, "penalty": 30, "enforcement": 29, "inspection": 26}


@pytest.mark.parametrize("kind_id", list(REST))
def test_default_catalog_fields_match_domain(kind_id):
    kind = default_catalog().kind(kind_id)
    p = PREFIX[kind_id]
    expected = [(f"{p}_{s}", label, t, n, s in ("XDR_MC", "XDR_LB")) for s, label, t, n in SUBJECT] + REST[kind_id]
    got = [(f.code, f.label, f.type, f.length, f.required) for f in kind.fields]
    assert got == expected
    assert len(kind.fields) == COUNTS[kind_id]
    assert kind.deadline_days == 7
    assert kind.decision_date_field == DECISION[kind_id]
    assert kind.doc_number_field == DOC[kind_id]


def test_amount_fields_are_18_6_in_wan_yuan():
    kind = default_catalog().kind("penalty")
    for code in ("CF_NR_FK", "CF_NR_WFFF"):
        f = kind.field(code)
        assert (f.precision, f.scale, f.amount_unit) == (18, 6, "万元")


def test_code_lists_match_domain():
    lists = default_catalog().code_lists
    assert lists["xdr_lb"].codes == ("法人及非法人组织", "自然人", "个体工商户")
    assert lists["zjlx"].codes == ("身份证", "护照号", "港澳居民来往内地通行证", "台湾居民来往大陆通行证",
                                   "外国人永久居留身份证")
    assert lists["zjlx"].other_prefix == "其他-"
    assert lists["xk_xklb"].codes == ("普通", "特许", "认可", "核准", "登记")
    assert lists["xk_zt"].labels == {"1": "有效", "2": "无效"}
    assert lists["qz_zt"].labels == {"1": "实施中", "2": "已解除", "3": "已执行完毕"}
    assert set(lists["cf_cflb"].codes) == {
        "警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件", "降低资质等级", "吊销许可证件",
        "限制开展生产经营活动", "责令停产停业", "责令关闭", "限制从业", "行政拘留"}
    assert set(lists["cf_cflb"].legacy) == {"暂扣或者吊销许可证", "暂扣或者吊销执照"}
    assert lists["qz_fs_cs"].codes == ("限制公民人身自由", "查封场所、设施或者财物", "扣押财物", "冻结存款、汇款")
    assert lists["qz_fs_zx"].codes == ("加处罚款或者滞纳金", "划拨存款、汇款",
                                       "拍卖或者依法处理查封、扣押的场所、设施或者财物", "排除妨碍、恢复原状", "代履行")
    assert lists["jc_fs"].codes == ("双随机一公开抽查", "重点检查", "专项检查", "日常检查")
    assert lists["jc_jg"].codes == ("未发现问题", "发现问题已责令整改", "发现问题已立案查处", "未发现检查对象")


def test_header_aliases_of_domain_section_7():
    kind = default_catalog().kind("license")
    names = {f.code: {a.name for a in f.aliases} for f in kind.fields}
    assert {"相对人名称", "XK_XDR"} <= names["XK_XDR_MC"]
    assert {"行政相对人代码_2(工商注册号)", "行政相对人代码_3(工商登记码)", "XK_XDR_GSDJ"} <= names["XK_XDR_GSZC"]
    assert {"行政相对人代码_3(组织机构代码)", "行政相对人代码_2(组织机构代码)"} <= names["XK_XDR_ZZJG"]
    assert {"许可截止期", "XK_JZQ"} <= names["XK_YXQZI"]
    sets = {a.name: a.sets for a in kind.field("XK_FR_ZJHM").aliases}
    assert sets["法定代表人身份证号"] == {"XK_FR_ZJLX": "身份证"}
    penalty = default_catalog().kind("penalty")
    joins = {a.name for a in penalty.field("CF_CFLB").aliases if a.join}
    assert joins == {"处罚类别1", "处罚类别2", "CF_CFLB1", "CF_CFLB2"}
    units = {a.name: a.unit for a in penalty.field("CF_NR_FK").aliases}
    assert units["罚款金额(元)"] == "元"


def test_committed_default_catalog_is_what_the_generator_writes():
    from tools.make_default_catalog import render

    assert resource("catalog", "default.json").read_text(encoding="utf-8") == render()


def test_default_catalog_passes_its_schema():
    from jsonschema import Draft202012Validator

    schema = json.loads(resource("catalog", "catalog.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    doc = json.loads(resource("catalog", "default.json").read_text(encoding="utf-8"))
    assert list(Draft202012Validator(schema).iter_errors(doc)) == []


def _doc():
    return copy.deepcopy(default_catalog().document)


@pytest.mark.parametrize("breakage, words", [
    (lambda d: d.pop("kinds"), "kinds"),
    (lambda d: d["kinds"][0]["fields"][0].update(type="X"), "type"),
    (lambda d: d["kinds"][0].update(doc_number_field="XK_NOPE"), "XK_NOPE"),
    (lambda d: d["kinds"][1]["fields"][17].update(code_list="missing_list"), "missing_list"),
    (lambda d: d["kinds"][0]["rules"].append({"type": "date_order", "earlier": "XK_JDRQ", "later": "XK_GONE"}),
     "XK_GONE"),
    (lambda d: d.update(format=2), "format"),
])
def test_a_broken_document_is_refused_with_a_clear_message(breakage, words):
    doc = _doc()
    breakage(doc)
    with pytest.raises(CatalogError) as err:
        parse_catalog(doc)
    assert words in err.value.message
    assert err.value.message.startswith("目录文件")


def test_unreadable_files(tmp_path):
    with pytest.raises(CatalogError, match="找不到"):
        load_document(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CatalogError, match="不是有效的 JSON"):
        load_document(bad)


def test_registry_keeps_versions_and_the_previous_catalog_on_failure(ctx):
    registry = ctx.catalogs
    first = registry.active()
    assert first.version == default_catalog().version
    newer = _doc()
    newer["version"] = "2026.4"
    newer["kinds"][1]["fields"][14]["length"] = 300  # CF_WSH longer
    registry.install(newer, "platform")
    assert registry.active().version == "2026.4"
    broken = _doc()
    broken["version"] = "2026.5"
    del broken["kinds"][0]["fields"]
    with pytest.raises(CatalogError):
        registry.install(broken, "platform")
    assert registry.active().version == "2026.4"
    assert [v for v, _src, _a in registry.versions()] == [first.version, "2026.4"]
    assert registry.get(first.version).version == first.version
    # A fresh registry over the same store finds the active version again.
    from app.catalog.registry import CatalogRegistry

    assert CatalogRegistry(ctx.store).active().version == "2026.4"


def test_records_remember_the_catalog_version_they_were_validated_against(ctx):
    import random

    from tests import factories

    ctx.queue.add([("penalty", factories.penalty(random.Random(1), 1))])
    newer = _doc()
    newer["version"] = "2026.4"
    ctx.catalogs.install(newer, "platform")
    ctx.queue.add([("penalty", factories.penalty(random.Random(2), 2))])
    assert sorted(r.catalog_version for r in ctx.queue.list()) == [default_catalog().version, "2026.4"]
