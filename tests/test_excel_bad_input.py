"""Files that cannot be imported as they are: each gets a clear Chinese message, nothing is stored and
no traceback is shown."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from app.excel import ImportLimits, ImportOptions, ImportRefused, import_file
from tests.test_excel_books import cli, codes, errors_of, stored, table, write_ods, write_xls, write_xlsx

TODAY = "2026-11-26"


def refused(ctx, path: Path, **options) -> ImportRefused:
    with pytest.raises(ImportRefused) as exc:
        import_file(ctx, path, ImportOptions(**options))
    assert stored(ctx) == 0
    assert exc.value.message and "Traceback" not in exc.value.message
    return exc.value


def test_not_a_spreadsheet(ctx, tmp_path):
    png = tmp_path / "photo.xlsx"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    assert refused(ctx, png).code == "not_a_spreadsheet"
    other = tmp_path / "notes.pdf"
    other.write_bytes(b"%PDF-1.4\n")
    assert "请使用 .xlsx、.xls、.ods 或 .csv" in refused(ctx, other).message
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    assert refused(ctx, empty).code == "file_empty"
    assert refused(ctx, tmp_path / "missing.xlsx").code == "file_not_found"
    docx = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    assert "Word" in refused(ctx, docx).message


def test_html_saved_as_xls(ctx, tmp_path):
    path = tmp_path / "export.xls"
    path.write_text("<html><body><table><tr><td>行政相对人名称</td></tr></table></body></html>", encoding="utf-8")
    exc = refused(ctx, path)
    assert exc.code == "html_not_spreadsheet" and "另存为 .xlsx" in exc.message


def test_corrupt_archive(ctx, tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", table("penalty", 20))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    exc = refused(ctx, bad)
    assert exc.code == "file_corrupt" and "已损坏" in exc.message
    # The directory is intact but a part's data is damaged.
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 10, start + 200):
        data[i] ^= 0x5A
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(bytes(data))
    assert refused(ctx, broken).code == "file_corrupt"


def test_password_protected_xlsx(ctx, tmp_path):
    msoffcrypto = pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = write_xlsx(tmp_path / "plain.xlsx", table("penalty", 2))
    enc = tmp_path / "secret.xlsx"
    with plain.open("rb") as fh, enc.open("wb") as out:
        OOXMLFile(fh).encrypt("123456", out)
    assert msoffcrypto is not None and enc.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    exc = refused(ctx, enc)
    assert exc.code == "file_encrypted" and "密码" in exc.message


def test_compound_file_that_is_not_a_workbook(ctx, tmp_path):
    """An OLE compound file is not always an .xls: a Word .doc, or an unknown one."""
    xls = write_xls(tmp_path / "a.xls", table("penalty", 1)).read_bytes()
    renamed = xls.replace("Workbook".encode("utf-16-le"), "Wxrkbxxk".encode("utf-16-le"))
    unknown = tmp_path / "unknown.xls"
    unknown.write_bytes(renamed)
    assert refused(ctx, unknown).code == "not_a_spreadsheet"
    doc = tmp_path / "letter.xls"
    doc.write_bytes(renamed.replace("Wxrkbxxk".encode("utf-16-le"), "WordDocu".encode("utf-16-le"))
                    + "WordDocument".encode("utf-16-le"))
    assert "Word" in refused(ctx, doc).message


def test_empty_sheet_and_header_without_rows(ctx, tmp_path):
    wb = Workbook()
    wb.save(tmp_path / "empty.xlsx")
    assert refused(ctx, tmp_path / "empty.xlsx").code == "sheet_empty"
    path = write_xlsx(tmp_path / "header.xlsx", table("penalty", 0))
    exc = refused(ctx, path)
    assert exc.code == "no_data_rows" and "没有数据行" in exc.message


def test_formulas_without_saved_results(ctx, tmp_path):
    rows = table("penalty", 2)
    at = codes("penalty").index("CF_NR_FK")
    rows[1][at] = "=2000/10000"
    rows[2][at] = "=ROUND(0.25,2)"
    path = write_xlsx(tmp_path / "f.xlsx", rows)
    exc = refused(ctx, path)
    assert exc.issues[0].rule == "formula_without_value"
    assert "T2、T3" in exc.message and "粘贴为数值" in exc.message
    result = import_file(ctx, path, ImportOptions(dry_run=True))
    assert result.refused and [i.rule for i in errors_of(result)][0] == "formula_without_value"


def test_formulas_with_saved_results_are_read(ctx, tmp_path):
    """A workbook saved by Excel keeps each formula's result, which is what is imported."""
    rows = table("penalty", 1)
    path = write_xlsx(tmp_path / "f.xlsx", rows)
    at = codes("penalty").index("CF_NR_FK")
    from app.excel.cells import column_letter

    cell = f"{column_letter(at)}2"
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    start = sheet.index(f'<c r="{cell}"')
    end = sheet.index("</c>", start) + 4
    parts["xl/worksheets/sheet1.xml"] = (sheet[:start] + f'<c r="{cell}"><f>2000/10000</f><v>0.2</v></c>'
                                         + sheet[end:]).encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    result = import_file(ctx, path, ImportOptions(dry_run=True))
    assert result.issues == []


def test_merged_cells_in_the_data(ctx, tmp_path):
    rows = table("penalty", 3)
    at = codes("penalty").index("CF_CFJG")
    rows[2][at] = rows[3][at] = None
    path = write_xlsx(tmp_path / "m.xlsx", rows, before=[["行政处罚信息"]], merges=["A1:F1", "Z3:Z5"])
    exc = refused(ctx, path)
    assert exc.issues[0].rule == "merged_cells" and "Z3:Z5" in exc.message and "A1:F1" not in exc.message
    assert "取消合并" in exc.message
    # Merged cells in a column that is not imported do no harm.
    extra = table("penalty", 3)
    for r, row in enumerate(extra):
        row.append("经办人" if r == 0 else ("李四" if r == 1 else None))
    from app.excel.cells import column_letter

    last = column_letter(len(extra[0]) - 1)
    result = import_file(ctx, write_xlsx(tmp_path / "ok.xlsx", extra, merges=[f"{last}2:{last}4"]),
                         ImportOptions(dry_run=True))
    assert [i.rule for i in result.issues] == ["column_unknown"]
    ods = write_ods(tmp_path / "m.ods", table("penalty", 3), spans={(1, at): (2, 1)})
    exc = refused(ctx, ods)
    assert exc.issues[0].rule == "merged_cells" and "Z2:Z3" in exc.message


def test_hidden_sheets(ctx, tmp_path):
    rows = table("penalty", 2)
    only_hidden = write_xlsx(tmp_path / "h.xlsx", [["说明：数据见另一工作表"]], sheet="说明", hidden={"数据": rows})
    exc = refused(ctx, only_hidden)
    assert exc.code == "data_in_hidden_sheet" and "取消隐藏" in exc.message and "--sheet 数据" in exc.message
    result = import_file(ctx, only_hidden, ImportOptions(sheet="数据", dry_run=True))
    assert [(i.rule, i.severity) for i in result.issues] == [("sheet_hidden", "warning")]
    # A hidden sheet beside the visible data (a code list, an old copy) is left alone.
    both = write_xlsx(tmp_path / "b.xlsx", rows, hidden={"旧数据": table("penalty", 5, seed=9)})
    result = import_file(ctx, both, ImportOptions(dry_run=True))
    assert result.sheet == "数据" and result.rows == 2 and result.issues == []
    exc = refused(ctx, both, sheet="不存在")
    assert exc.code == "sheet_not_found" and "数据、旧数据" in exc.message


def test_a_million_rows_is_refused_before_reading_it_all(ctx, tmp_path):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("数据")
    for row in table("penalty", 1):
        ws.append(row)
    wb.save(tmp_path / "small.xlsx")
    # The same sheet, but with a cell on row 1,000,001: the dimension tells before any loading.
    with zipfile.ZipFile(tmp_path / "small.xlsx") as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml = xml.replace("</sheetData>", '<row r="1000001"><c r="A1000001" t="inlineStr"><is><t>x</t></is></c></row>'
                      "</sheetData>")
    xml = xml.replace("<sheetData>", '<dimension ref="A1:AD1000001"/><sheetData>', 1) if "<dimension" not in xml \
        else xml
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    big = tmp_path / "big.xlsx"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    exc = refused(ctx, big)
    assert exc.code == "too_many_rows" and "1,000,001" in exc.message and "拆" in exc.message


def test_configurable_row_and_size_limits(ctx, tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", table("penalty", 5))
    exc = refused(ctx, path, limits=ImportLimits(max_rows=1, max_file_bytes=10**9))
    assert exc.code == "too_many_rows"
    exc = refused(ctx, path, limits=ImportLimits(max_file_bytes=1000))
    assert exc.code == "file_too_large" and "MB" in exc.message
    from tests.test_excel_books import write_csv

    csv_path = write_csv(tmp_path / "p.csv", table("penalty", 150))
    assert refused(ctx, csv_path, limits=ImportLimits(max_rows=10)).code == "too_many_rows"


def test_unbalanced_quotes_in_csv(ctx, tmp_path):
    from tests.test_excel_books import write_csv

    path = write_csv(tmp_path / "p.csv", table("penalty", 1))
    path.write_bytes(path.read_bytes() + '"未闭合的引号,\r\n'.encode() + b"x\x00y\r\n")
    exc = refused(ctx, path)
    assert exc.code in ("file_corrupt", "not_a_spreadsheet")


def test_cli_shows_a_sentence_not_a_traceback(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CREDITDESK_TODAY", TODAY)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    status, out, err = cli(tmp_path / "data", "import", str(bad), capsys=capsys)
    assert status == 2 and out == "" and "已损坏" in err and "没有保存任何记录" in err and "Traceback" not in err
    status, out, err = cli(tmp_path / "data", "import", str(bad), "--json", capsys=capsys)
    doc = json.loads(out)
    assert status == 2 and doc["imported"] == 0 and doc["issues"][0]["rule"] == "file_corrupt"
    assert doc["issues"][0]["row"] is None and doc["issues"][0]["column"] is None


def test_xlsx_inside_a_csv_name_is_read_by_content(ctx, tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", table("penalty", 1))
    renamed = tmp_path / "p.csv"
    renamed.write_bytes(path.read_bytes())
    assert import_file(ctx, renamed, ImportOptions(dry_run=True)).issues == []
    assert io is not None


def test_formula_errors_are_not_read_as_blanks(ctx, tmp_path):
    """#N/A from a failed VLOOKUP reads as an empty cell; the clerk is told instead."""
    path = write_xlsx(tmp_path / "e.xlsx", table("penalty", 2))
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    start = xml.index('<c r="I2"')
    end = xml.index("</c>", start) + 4
    xml = xml[:start] + '<c r="I2" t="e"><f>VLOOKUP(A2,Sheet2!A:B,2,0)</f><v>#N/A</v></c>' + xml[end:]
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)
    exc = refused(ctx, path)
    assert exc.issues[0].rule == "formula_error" and "I2" in exc.message and "#N/A" in exc.message
