"""Header rows (domain.md §7): title rows above them, normalised names, aliases of the 2015/2016 and
2017/2018 formats, kind detection, unknown, ambiguous, duplicate and missing columns."""

from __future__ import annotations

import random

import pytest
from openpyxl.utils import get_column_letter

from app.catalog import default_catalog
from app.excel import ImportOptions, ImportRefused, import_file
from app.excel.headers import HeaderIndex, normalize_header
from tests import factories
from tests.test_excel_books import codes, errors_of, labels, records, stored, table, write_xlsx


def test_normalize_header():
    assert normalize_header("＊罚款金额（万元）") == "罚款金额(万元)"
    assert normalize_header(" 行政相对人\n名称：") == "行政相对人名称"
    assert normalize_header("※※处罚机关:*") == "处罚机关"
    assert normalize_header("行政相对人代码_1（统一社会信用代码）") == "行政相对人代码_1(统一社会信用代码)"
    assert normalize_header(None) == ""
    # Templates that number their columns; the unit written as （单位：元）.
    assert normalize_header("1.行政相对人名称") == normalize_header("12、行政相对人名称") == "行政相对人名称"
    assert normalize_header("（３）处罚类别") == normalize_header("*3．处罚类别") == "处罚类别"
    assert normalize_header("罚款金额（单位：元）") == "罚款金额(元)"
    assert normalize_header("2015年版名称") == "2015年版名称" and normalize_header("123.名称") == "123.名称"
    # Required marks and tags other templates use.
    assert normalize_header("★行政相对人名称") == normalize_header("行政相对人名称☆") == "行政相对人名称"
    assert normalize_header("【必填】行政相对人名称") == normalize_header("(选填项)*行政相对人名称") == "行政相对人名称"
    assert normalize_header("行政相对人名称【必填】") == "行政相对人名称(必填)"


def test_lookup_by_label_code_and_alias():
    ix = HeaderIndex(default_catalog(), default_catalog().kind("penalty"))
    assert ix.lookup("*行政处罚决定书文号")[0].code == "CF_WSH"
    assert ix.lookup("cf_wsh")[0].code == "CF_WSH"
    assert ix.lookup("行政处罚决定文书号")[0].code == "CF_WSH"
    assert ix.lookup("罚款金额(万元)")[0].code == "CF_NR_FK"
    f, alias = ix.lookup("处罚类别１")
    assert f.code == "CF_CFLB" and alias.join
    f, alias = ix.lookup("法定代表人身份证号")
    assert f.code == "CF_FR_ZJHM" and alias.sets == {"CF_FR_ZJLX": "身份证"}
    assert ix.lookup("行政相对人代码_2") is None
    # Filling hints in brackets are not part of the name; brackets that are part of it stay.
    assert ix.lookup("行政相对人名称（必填）")[0].code == "CF_XDR_MC"
    assert ix.lookup("*处罚决定日期\n(格式：2026-01-01)")[0].code == "CF_JDRQ"
    assert ix.lookup("处罚决定日期（yyyy-mm-dd）（必填）")[0].code == "CF_JDRQ"
    assert ix.lookup("备注（如有）")[0].code == "BZ"
    assert ix.lookup("罚款金额（元）（选填）")[1].unit == "元"
    assert ix.lookup("行政相对人代码_1（统一社会信用代码）")[0].code == "CF_XDR_SHXYM"
    assert ix.lookup("行政相对人名称（个人）") is None
    assert ix.lookup("【必填】行政相对人名称")[0].code == ix.lookup("行政相对人名称【必填】")[0].code == "CF_XDR_MC"
    assert ix.lookup("▲处罚决定日期【格式：2026-01-01】")[0].code == "CF_JDRQ"


def test_title_rows_merged_title_and_messy_header_names(ctx, tmp_path):
    rows = table("penalty", 2)
    header = rows[0]
    cs = codes("penalty")
    header[cs.index("CF_NR_FK")] = "罚款金额（万元）"
    header[cs.index("CF_XDR_MC")] = "*行政相对人\n名称"
    header[cs.index("CF_CFJG")] = " 处罚机关： "
    header[cs.index("CF_WSH")] = "※行政处罚决定书文号"
    before = [["上饶市市场监督管理局行政处罚信息"], ["填报单位：上饶市市场监督管理局", None, None, "2026年11月"], []]
    path = write_xlsx(tmp_path / "p.xlsx", rows, before=before, merges=["A1:AD1"])
    result = import_file(ctx, path, ImportOptions(dry_run=True))
    assert result.header_row == 4 and result.rows == 2 and result.kind == "penalty"
    assert result.issues == []
    # A finding names the row as the sheet shows it: title rows and header counted.
    rows[2][cs.index("CF_JDRQ")] = "2026-13-01"
    result = import_file(ctx, write_xlsx(tmp_path / "q.xlsx", rows, before=before), ImportOptions(dry_run=True))
    assert [(i.row, i.column, i.field, i.rule) for i in errors_of(result)] == [(6, "W", "CF_JDRQ", "date_invalid")]


@pytest.mark.parametrize("kind_id", ["license", "penalty", "enforcement", "inspection"])
def test_kind_is_detected_from_the_header(ctx, tmp_path, kind_id):
    path = write_xlsx(tmp_path / f"{kind_id}.xlsx", table(kind_id, 2))
    result = import_file(ctx, path, ImportOptions(dry_run=True))
    assert result.kind == kind_id and result.issues == []


def test_subject_columns_only_cannot_tell_the_kind(ctx, tmp_path):
    rows = [["行政相对人名称", "统一社会信用代码", "备注"], ["上饶市某某公司", "91110000600037341L", ""]]
    path = write_xlsx(tmp_path / "s.xlsx", rows)
    with pytest.raises(ImportRefused) as exc:
        import_file(ctx, path)
    assert exc.value.code == "kind_ambiguous" and "--kind" in exc.value.message
    result = import_file(ctx, path, ImportOptions(kind="penalty", dry_run=True))
    assert result.kind == "penalty"
    assert [i.rule for i in result.issues if i.row is None or i.rule == "missing_columns"] == [
        "missing_columns", "older_format"]


def test_header_not_found(ctx, tmp_path):
    path = write_xlsx(tmp_path / "x.xlsx", [["姓名", "年龄"], ["张三", 30]])
    with pytest.raises(ImportRefused) as exc:
        import_file(ctx, path)
    assert exc.value.code == "header_not_found" and "表头" in exc.value.message
    assert stored(ctx) == 0


def test_missing_required_columns_stop_the_import_and_are_named(ctx, tmp_path):
    rows = table("penalty", 3)
    cs = codes("penalty")
    drop = {cs.index("CF_CFJG"), cs.index("CF_YJ")}
    rows = [[v for i, v in enumerate(r) if i not in drop] for r in rows]
    path = write_xlsx(tmp_path / "p.xlsx", rows)
    with pytest.raises(ImportRefused) as exc:
        import_file(ctx, path)
    assert exc.value.code == "import_refused"
    assert "「处罚依据」" in exc.value.message and "「处罚机关」" in exc.value.message
    assert stored(ctx) == 0
    result = import_file(ctx, path, ImportOptions(dry_run=True))
    assert result.refused
    # Said once for the file, not on each of the rows.
    assert [(i.row, i.rule) for i in errors_of(result)] == [(1, "missing_columns")]


def test_unknown_not_imported_ambiguous_and_duplicate_columns(ctx, tmp_path):
    rows = table("penalty", 1)
    width = len(rows[0])
    rows[0] += ["地方编码", "经办人"]
    rows[1] += ["361100", "李四"]
    result = import_file(ctx, write_xlsx(tmp_path / "a.xlsx", rows), ImportOptions(dry_run=True))
    from app.excel.cells import column_letter

    assert [(i.column, i.severity, i.rule) for i in result.issues] == [
        (column_letter(width + 1), "warning", "column_unknown"),
        (column_letter(width), "warning", "column_not_imported")]
    assert "经办人" in result.issues[0].message and result.issues[0].row == 1

    rows = table("penalty", 1)
    rows[0].append("行政相对人代码_2")
    rows[1].append("123")
    with pytest.raises(ImportRefused) as exc:
        import_file(ctx, write_xlsx(tmp_path / "b.xlsx", rows))
    assert exc.value.issues[0].rule == "column_ambiguous" and "带括号" in exc.value.message

    rows = table("penalty", 1)
    rows[0].append("相对人名称")
    rows[1].append("另一个名称")
    with pytest.raises(ImportRefused) as exc:
        import_file(ctx, write_xlsx(tmp_path / "c.xlsx", rows))
    assert exc.value.issues[0].rule == "column_duplicate" and "「行政相对人名称」" in exc.value.message
    assert stored(ctx) == 0


def test_2017_2018_penalty_headers(ctx, tmp_path):
    rng = random.Random(3)
    header = ["行政相对人名称", "行政相对人代码_1（统一社会信用代码）", "行政相对人代码_2（工商注册号）",
              "行政相对人代码_3（组织机构代码）", "法定代表人", "法定代表人身份证号", "行政处罚决定文书号",
              "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容", "处罚金额（万元）",
              "没收违法所得、没收非法财务的金额（万元）", "处罚决定日期", "处罚有效期", "处罚机关",
              "处罚机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码"]
    base = factories.penalty(rng, 1)
    org = factories.uscc(rng, "91")
    sole = factories.uscc(rng, "92")
    rows = [header]
    for n, (code, cflb, wfff) in enumerate([(org, "警告;罚款", None), (sole, "罚款;没收违法所得", "0.05")], 1):
        rows.append([f"上饶市某某{n}号", code, None, code[8:17], "张伟", factories.id_number(rng), f"饶市监罚〔2026〕{n}号",
                     base["CF_WFXW"], base["CF_SY"], base["CF_YJ"], cflb, base["CF_NR"], "0.2", wfff,
                     "2026-11-20", "2027-11-20", base["CF_CFJG"], base["CF_CFJGDM"], base["CF_SJLY"],
                     base["CF_SJLYDM"]])
    result = import_file(ctx, write_xlsx(tmp_path / "old.xlsx", rows))
    assert result.kind == "penalty" and result.rows == 2
    assert [(i.row, i.field, i.rule) for i in result.issues] == [
        (None, "CF_XDR_LB", "older_format"),
        (2, "CF_XDR_LB", "category_inferred"), (3, "CF_XDR_LB", "category_inferred")]
    assert all("行政相对人类别由导入推断" in i.message for i in result.issues)
    assert "法人及非法人组织" in result.issues[1].message and "个体工商户" in result.issues[2].message
    recs = {r.fields["CF_XDR_MC"]: r.fields for r in ctx.queue.list()}
    assert recs["上饶市某某1号"]["CF_XDR_LB"] == "法人及非法人组织"
    assert recs["上饶市某某1号"]["CF_FR_ZJLX"] == "身份证"  # set by 法定代表人身份证号
    assert recs["上饶市某某2号"]["CF_XDR_LB"] == "个体工商户"
    assert recs["上饶市某某2号"]["CF_NR_WFFF"] == "0.05"


def test_2015_2016_license_headers(ctx, tmp_path):
    rng = random.Random(5)
    header = ["行政相对人名称", "行政相对人代码_1（统一社会信用代码）", "行政相对人代码_2（组织机构代码）",
              "行政相对人代码_3（工商登记码）", "行政相对人代码_5（居民身份证号）", "法定代表人姓名",
              "行政许可决定文书名称", "行政许可决定书文号", "审批类别", "许可内容", "许可决定日期", "有效期自",
              "许可截止期", "许可决定机关", "许可机关统一社会信用代码", "当前状态", "数据来源单位",
              "数据来源单位统一社会信用代码", "地方编码", "数据更新时间戳"]
    lic = factories.license(rng, 1)
    person_id = factories.id_number(rng)
    common = [lic["XK_XKWS"], None, "普通", lic["XK_NR"], "2026-11-20", "2026-11-20", "2031-11-19",
              lic["XK_XKJG"], lic["XK_XKJGDM"], None, lic["XK_LYDW"], lic["XK_LYDWDM"], "361100", "2026-11-20 10:00"]
    rows = [header]
    org = factories.uscc(rng, "91")
    rows.append(["上饶市甲公司", org, None, None, None, "张伟", *common])
    rows.append(["王小明", None, None, None, person_id, None, *common])
    rows.append(["上饶市乙公司", None, None, "361100000012345", None, "李华", *common])
    for n, row in enumerate(rows[1:], 1):
        row[7] = f"饶市监食许〔2026〕{n}号"
    rows[1][15] = "有效"
    rows[2][15] = "有效"
    rows[3][15] = 1  # the 2015/2016 numeric code: not carried over
    result = import_file(ctx, write_xlsx(tmp_path / "old.xlsx", rows), ImportOptions(dry_run=True))
    got = [(i.row, i.column, i.field, i.severity, i.rule) for i in result.issues]
    assert got == [
        (1, "S", None, "warning", "column_not_imported"), (1, "T", None, "warning", "column_not_imported"),
        (None, None, "XK_XDR_LB", "warning", "older_format"),
        (2, None, "XK_XDR_LB", "warning", "category_inferred"),
        (3, None, "XK_XDR_LB", "warning", "category_inferred"),
        (4, "P", "XK_ZT", "error", "legacy_code"),
        (4, None, "XK_XDR_LB", "warning", "category_inferred"),
        (4, "B", "XK_XDR_SHXYM", "error", "required_if"),  # a 法人 needs its code: the validator says so
    ], result.issues
    assert "自然人" in result.issues[4].message and "法人及非法人组织" in result.issues[6].message
    assert "有效" in result.issues[5].message
    assert result.valid == 2 and result.invalid == 1


def test_2015_2016_penalty_two_category_columns_are_joined(ctx, tmp_path):
    rows = table("penalty", 1)
    cs = codes("penalty")
    at = cs.index("CF_CFLB")
    rows[0][at] = "处罚类别1"
    rows[0].append("处罚类别2")
    rows[1][at] = "警告"
    rows[1].append("罚款")
    rows[0][cs.index("CF_SY")] = "处罚事由"
    rows[0][cs.index("CF_NR")] = "处罚结果"
    result = import_file(ctx, write_xlsx(tmp_path / "p.xlsx", rows))
    assert result.issues == []
    assert ctx.queue.list()[0].fields["CF_CFLB"] == "警告;罚款"


def test_amount_headed_in_yuan_is_converted(ctx, tmp_path):
    rows = table("penalty", 2)
    cs = codes("penalty")
    at = cs.index("CF_NR_FK")
    rows[0] = [f"{n}.{h}" for n, h in enumerate(rows[0], 1)]  # a template that numbers its columns
    rows[0][at] = f"{at + 1}、罚款金额（单位：元）"
    rows[1][at] = 2000
    rows[2][at] = "1500"
    result = import_file(ctx, write_xlsx(tmp_path / "p.xlsx", rows))
    assert [(i.row, i.column, i.rule, i.severity) for i in result.issues] == [(1, "T", "amount_in_yuan", "warning")]
    assert sorted(r.fields["CF_NR_FK"] for r in ctx.queue.list()) == ["0.15", "0.2"]


def test_amount_without_unit_must_be_confirmed(ctx, tmp_path):
    rows = table("penalty", 1)
    at = codes("penalty").index("CF_NR_FK")
    rows[0][at] = "罚款金额"
    rows[1][at] = 2000
    path = write_xlsx(tmp_path / "p.xlsx", rows)
    with pytest.raises(ImportRefused) as exc:
        import_file(ctx, path)
    assert exc.value.issues[0].rule == "amount_unit_unknown" and "元还是万元" in exc.value.message
    assert stored(ctx) == 0
    result = import_file(ctx, path, ImportOptions(units={"CF_NR_FK": "元"}))
    assert result.imported == 1 and ctx.queue.list()[0].fields["CF_NR_FK"] == "0.2"


def test_header_merged_down_from_the_row_above(ctx, tmp_path):
    """A two-level header: group titles above, and columns whose name is merged over both rows."""
    rows = table("penalty", 1)
    header = rows[0]
    group = [None] * len(header)
    group[0] = header[0]
    group[1] = "相对人信息"
    header[0] = None
    path = write_xlsx(tmp_path / "p.xlsx", [group, header, rows[1]], merges=["A1:A2", "B1:M1"])
    result = import_file(ctx, path, ImportOptions(dry_run=True))
    assert result.header_row == 2 and result.issues == []
    assert labels("penalty")[0] == "行政相对人名称"
    assert records("penalty", 1)[0]["CF_XDR_MC"]


def test_group_title_and_short_names_below_make_the_field_names(ctx, tmp_path):
    """行政相对人 merged over 名称 | 类别 | 统一社会信用代码: the short names are read with their group's
    name; names that need no group (统一社会信用代码) match by themselves; a 序号 above stays a name."""
    rows = table("penalty", 2)
    header = rows[0]
    group = [None, *header]
    below = [None] * len(group)
    group[0] = "序号"
    group[1], below[1], below[2] = "行政相对人", "名称", "类别"
    below[3] = "统一社会信用代码"
    group[2] = group[3] = None
    body = [[n, *r] for n, r in enumerate(rows[1:], 1)]
    merges = ["B1:D1"] + [f"{c}1:{c}2" for c in map(get_column_letter, range(5, len(group) + 1))]
    path = write_xlsx(tmp_path / "p.xlsx", [group, below, *body], merges=merges)
    result = import_file(ctx, path, ImportOptions(dry_run=True))
    assert result.header_row == 2 and (result.rows, result.valid) == (2, 2), [i.message for i in result.issues]
    assert result.issues == []
    by_field = {c.field.code: c.letter for c in result.columns}
    assert (by_field["CF_XDR_MC"], by_field["CF_XDR_LB"], by_field["CF_XDR_SHXYM"]) == ("B", "C", "D")


def test_columns_mapped_by_hand(ctx, tmp_path):
    """What §7 does not know, the clerk maps (the window asks; the API takes the mapping)."""
    rows = table("penalty", 1)
    at = codes("penalty").index("CF_CFJG")
    rows[0][at] = "执法机关"
    path = write_xlsx(tmp_path / "p.xlsx", rows)
    with pytest.raises(ImportRefused) as exc:
        import_file(ctx, path)
    assert "「处罚机关」" in exc.value.message
    result = import_file(ctx, path, ImportOptions(mapping={"执法机关": "CF_CFJG"}))
    assert result.issues == [] and result.imported == 1


def test_a_recognised_column_can_be_remapped_or_left_out(ctx, tmp_path):
    """The clerk's choice wins over what a header matched by itself: 备注 read as 违法行为类型's
    neighbour field, or 不导入 ("")."""
    rows = table("penalty", 1)
    path = write_xlsx(tmp_path / "p.xlsx", rows)
    result = import_file(ctx, path, ImportOptions(dry_run=True, mapping={"备注": ""}))
    assert "BZ" not in {c.field.code for c in result.columns}
    result = import_file(ctx, path, ImportOptions(dry_run=True, mapping={"备注": "CF_NR_ZKDX"}))
    assert {c.field.code for c in result.columns if c.header == "备注"} == {"CF_NR_ZKDX"}
