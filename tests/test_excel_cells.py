"""Cell values as spreadsheets hold them: date cells and serial numbers, dates typed several ways,
numbers in code and ID columns, float artefacts, line breaks, amounts headed in 元."""

from __future__ import annotations

import random
from datetime import date, datetime

import pytest

from app.catalog import default_catalog
from app.catalog.model import Alias
from app.excel import ImportOptions, import_file
from app.excel.cells import column_letter, converter, number_text, tidy_line
from tests import factories
from tests.test_excel_books import codes, errors_of, table, write_csv, write_xlsx

KIND = default_catalog().kind("penalty")


def conv(code: str, value: object, alias: Alias | None = None) -> tuple[str, list]:
    notes: list = []
    return converter(KIND.field(code), alias, "C")(value, notes), notes


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]


def test_number_text_has_no_float_artefacts():
    assert number_text(1.0) == "1"
    assert number_text(0.1 + 0.2) == "0.3"
    assert number_text(1e-06) == "0.000001"
    assert number_text(123456789012345.0) == "123456789012345"


@pytest.mark.parametrize("value", [
    "2026-11-20", "2026/11/20", "2026年11月20日", "2026.11.20", "20261120", "２０２６／１１／２０",
    date(2026, 11, 20), datetime(2026, 11, 20), 46346, 46346.0, 20261120, 20261120.0])
def test_date_values(value):
    text, notes = conv("CF_JDRQ", value)
    assert notes == []
    from app.validation.normalize import Normalizer

    fields, _ = Normalizer(default_catalog(), KIND).normalize({"CF_JDRQ": text})
    assert fields == {"CF_JDRQ": "2026-11-20"}


def test_date_with_a_time_part_warns():
    text, notes = conv("CF_JDRQ", datetime(2026, 11, 20, 14, 5))
    assert text == "2026-11-20" and [n.rule for n in notes] == ["date_time_part"] and "14:05" in notes[0].message
    text, notes = conv("CF_JDRQ", 46346.5)  # a serial number with half a day
    assert text == "2026-11-20" and [n.rule for n in notes] == ["date_time_part"]


def test_numbers_in_id_columns():
    assert conv("CF_XDR_GSZC", 361100000012345.0) == ("361100000012345", [])  # 15 digits: exact
    assert conv("CF_XDR_GSZC", 3611000012345) == ("3611000012345", [])
    for lost in (3.61102198001011e17, 361102198001010014, "3.61102E+17", " 3.61102198001011E+17 "):
        text, notes = conv("CF_XDR_ZJHM", lost)
        assert text == "" and [(n.field, n.severity, n.rule) for n in notes] == [
            ("CF_XDR_ZJHM", "error", "number_lost_digits")]
        assert "文本" in notes[0].message and "C 列" in notes[0].message and "「证件号码」" in notes[0].message
        assert "3611" not in notes[0].message


def test_text_cells_lose_line_breaks_and_zero_width_characters():
    assert conv("CF_XDR_MC", "上饶市某某\n商贸有限公司\u200b") == ("上饶市某某商贸有限公司", [])
    assert conv("CF_FRDB", "John\r\nSmith") == ("John Smith", [])
    assert conv("CF_SY", "第一段\r\n第二段")[0] == "第一段\n第二段"  # long text keeps its paragraphs
    assert conv("CF_XDR_SHXYM", "9111 0000 6000\n37341L")[0] == "9111 0000 6000 37341L"
    assert tidy_line("a\tb") == "a b"
    assert conv("CF_CFLB", 1.0) == ("1", [])


def test_amounts():
    assert conv("CF_NR_FK", 0.2) == ("0.2", [])
    assert conv("CF_NR_FK", 0.1 + 0.2) == ("0.3", [])
    yuan = Alias("罚款金额(元)", unit="元")
    assert conv("CF_NR_FK", 2000, yuan) == ("0.2", [])
    assert conv("CF_NR_FK", "2,500", yuan) == ("0.25", [])
    assert conv("CF_NR_FK", "0.2万元", yuan) == ("0.2万元", [])  # its own unit: the normaliser converts


def test_messy_cells_end_to_end(ctx, tmp_path):
    """Dates typed five ways and as cells, numeric IDs, artefacts and breaks, in one sheet."""
    rows = table("penalty", 9)
    cs = codes("penalty")
    col = cs.index
    for r, when in enumerate(["2026-11-20", "2026/11/20", "2026年11月20日", "2026.11.20", "20261120",
                              date(2026, 11, 20), 46346, 20261120, "2026/11/20 "], 1):
        rows[r][col("CF_JDRQ")] = when
    rows[1][col("CF_XDR_MC")] = "  上饶市某某\n商贸有限公司 "
    rows[2][col("CF_NR_FK")] = 0.1 + 0.2
    rows[3][col("CF_XDR_GSZC")] = 361100000012345.0
    # A natural person whose ID number Excel turned into 3.61102E+17.
    person = next(p for seed in range(50) if (p := factories.subject("CF", random.Random(seed), "自然人"))
                  ["CF_XDR_ZJHM"][-1] != "X")
    for code in ("CF_XDR_SHXYM", "CF_FRDB"):
        rows[4][col(code)] = None
    rows[4][col("CF_XDR_LB")] = "自然人"
    rows[4][col("CF_XDR_ZJLX")] = "身份证"
    rows[4][col("CF_XDR_ZJHM")] = float(person["CF_XDR_ZJHM"])
    rows[5][col("CF_XDR_SHXYM")] = "３.６１１０２Ｅ＋１７"  # typed as text, full-width
    result = import_file(ctx, write_xlsx(tmp_path / "m.xlsx", rows))
    got = [(i.row, i.column, i.field, i.rule) for i in result.issues]
    assert got == [(5, "M", "CF_XDR_ZJHM", "number_lost_digits"), (6, "C", "CF_XDR_SHXYM", "number_lost_digits")]
    assert all(person["CF_XDR_ZJHM"][:6] not in i.message for i in result.issues)
    recs = {r.doc_number: r for r in ctx.queue.list()}
    assert {r.decision_date for r in recs.values()} == {"2026-11-20"}
    assert recs["饶市监罚〔2026〕1号"].subject_name == "上饶市某某商贸有限公司"
    assert recs["饶市监罚〔2026〕2号"].fields["CF_NR_FK"] == "0.3"
    assert recs["饶市监罚〔2026〕3号"].fields["CF_XDR_GSZC"] == "361100000012345"
    assert recs["饶市监罚〔2026〕4号"].state == "draft" and "CF_XDR_ZJHM" not in recs["饶市监罚〔2026〕4号"].fields
    assert [f["rule"] for f in recs["饶市监罚〔2026〕4号"].findings] == ["number_lost_digits"]
    assert recs["饶市监罚〔2026〕5号"].state == "draft"
    assert result.valid == 7 and result.invalid == 2


def test_csv_text_in_scientific_notation(ctx, tmp_path):
    rows = table("penalty", 1)
    rows[1][codes("penalty").index("CF_XDR_SHXYM")] = "9.13611E+17"
    result = import_file(ctx, write_csv(tmp_path / "p.csv", rows), ImportOptions(dry_run=True))
    assert [(i.row, i.column, i.rule) for i in errors_of(result)] == [(2, "C", "number_lost_digits")]
