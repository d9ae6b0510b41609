"""Real workbooks made here (openpyxl .xlsx, xlwt .xls, odfpy .ods, .csv in UTF-8 and GBK), and the
readers on each format. The writers are shared with the other tests/test_excel_* modules."""

from __future__ import annotations

import json
import random
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

import app.cli
from app.catalog import default_catalog
from app.excel import ImportOptions, ImportRefused, import_file
from app.store.models import Record
from tests import factories

TODAY = "2026-11-26"


# -- writers --------------------------------------------------------------------------------------
def labels(kind_id: str) -> list[str]:
    return [f.label for f in default_catalog().kind(kind_id).fields]


def codes(kind_id: str) -> list[str]:
    return [f.code for f in default_catalog().kind(kind_id).fields]


def records(kind_id: str, n: int, seed: int = 1) -> list[dict[str, str]]:
    rng = random.Random(seed)
    return [factories.record(kind_id, rng, i + 1) for i in range(n)]


def table(kind_id: str, n: int, seed: int = 1) -> list[list[object]]:
    """Header of catalog labels, then n valid records in catalog order."""
    cs = codes(kind_id)
    return [labels(kind_id)] + [[r.get(c) for c in cs] for r in records(kind_id, n, seed)]


def write_xlsx(path: Path, rows: list[list[object]], *, sheet: str = "数据", before: list[list[object]] = (),
               hidden: dict[str, list[list[object]]] | None = None, merges: list[str] = ()) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in [*before, *rows]:
        ws.append(row)
    for ref in merges:
        ws.merge_cells(ref)
    for name, hrows in (hidden or {}).items():
        hs = wb.create_sheet(name)
        hs.sheet_state = "hidden"
        for row in hrows:
            hs.append(row)
    wb.save(path)
    return path


def write_xls(path: Path, rows: list[list[object]], sheet: str = "数据") -> Path:
    xlwt = pytest.importorskip("xlwt")
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet(sheet)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, date):
                ws.write(r, c, v, date_style)
            else:
                ws.write(r, c, v)
    wb.save(str(path))
    return path


def write_ods(path: Path, rows: list[list[object]], sheet: str = "数据",
              spans: dict[tuple[int, int], tuple[int, int]] | None = None) -> Path:
    """spans: (row, col) -> (rows spanned, columns spanned), for merged cells."""
    pytest.importorskip("odf")
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import CoveredTableCell, Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    t = Table(name=sheet)
    spans = spans or {}
    covered = {(r + i, c + j) for (r, c), (rs, cs) in spans.items() for i in range(rs) for j in range(cs)
               if (i, j) != (0, 0)}
    for r, row in enumerate(rows):
        tr = TableRow()
        for c, v in enumerate(row):
            if (r, c) in covered:
                tr.addElement(CoveredTableCell())
                continue
            extra = {}
            if (r, c) in spans:
                extra = {"numberrowsspanned": spans[(r, c)][0], "numbercolumnsspanned": spans[(r, c)][1]}
            if v is None or v == "":
                cell = TableCell(**extra)
            elif isinstance(v, bool | int | float):
                cell = TableCell(valuetype="float", value=v, **extra)
                cell.addElement(P(text=str(v)))
            elif isinstance(v, date):
                cell = TableCell(valuetype="date", datevalue=v.isoformat(), **extra)
                cell.addElement(P(text=v.isoformat()))
            else:
                cell = TableCell(valuetype="string", **extra)
                cell.addElement(P(text=str(v)))
            tr.addElement(cell)
        t.addElement(tr)
    doc.spreadsheet.addElement(t)
    doc.save(str(path))
    return path


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def cli(data: Path, *args: str, capsys) -> tuple[int, str, str]:
    capsys.readouterr()
    status = app.cli.main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return status, out, err


def stored(ctx) -> int:
    from sqlalchemy import func, select

    with ctx.store.session() as s:
        return s.scalar(select(func.count()).select_from(Record))


def errors_of(result) -> list:
    return [i for i in result.issues if i.severity == "error"]


# -- every format reads the same records -----------------------------------------------------------
@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods", "csv-utf8", "csv-utf8-bom", "csv-gbk", "csv-tab"])
def test_every_format_imports_the_same_valid_records(ctx, tmp_path, fmt):
    rows = table("penalty", 4)
    if fmt == "xlsx":
        path = write_xlsx(tmp_path / "p.xlsx", rows)
    elif fmt == "xls":
        path = write_xls(tmp_path / "p.xls", rows)
    elif fmt == "ods":
        path = write_ods(tmp_path / "p.ods", rows)
    elif fmt == "csv-utf8":
        path = write_csv(tmp_path / "p.csv", rows)
    elif fmt == "csv-utf8-bom":
        path = write_csv(tmp_path / "p.csv", rows, "utf-8-sig")
    elif fmt == "csv-gbk":
        path = write_csv(tmp_path / "p.csv", rows, "gbk")
    else:
        path = write_csv(tmp_path / "p.csv", rows, "utf-8", delimiter="\t")
    result = import_file(ctx, path)
    assert result.kind == "penalty" and result.rows == 4
    assert result.issues == [], result.issues
    assert result.imported == 4 and stored(ctx) == 4
    names = sorted(r.subject_name for r in ctx.queue.list())
    assert names == sorted(r["CF_XDR_MC"] for r in records("penalty", 4))


def test_xls_and_ods_date_and_number_cells(ctx, tmp_path):
    rec = records("penalty", 1)[0]
    header = labels("penalty")
    cs = codes("penalty")
    row = [rec.get(c) for c in cs]
    row[cs.index("CF_JDRQ")] = date(2026, 11, 20)
    row[cs.index("CF_NR_FK")] = 0.2
    for path in (write_xls(tmp_path / "d.xls", [header, row]), write_ods(tmp_path / "d.ods", [header, row])):
        result = import_file(ctx, path, ImportOptions(dry_run=True))
        assert result.issues == [], (path.suffix, result.issues)


def test_gbk_csv_is_detected_and_utf8_is_preferred(tmp_path):
    from app.excel.readers import decode_csv

    text = "行政相对人名称,处罚机关\n上饶市某某公司,上饶市市场监督管理局\n"
    assert decode_csv(text.encode("gbk"), "x.csv") == (text, "gb18030")
    assert decode_csv(text.encode("utf-8"), "x.csv") == (text, "utf-8")
    assert decode_csv(b"\xef\xbb\xbf" + text.encode("utf-8"), "x.csv")[0] == text
    with pytest.raises(ImportRefused) as exc:
        decode_csv(b"\xff\xfe\x00\xd8\x00\x00" * 3 + b"\x81", "x.csv")  # neither UTF-8 nor GB18030
    assert "编码" in exc.value.message


def test_csv_row_numbers_are_line_numbers(ctx, tmp_path):
    rows = table("penalty", 3)
    rows[2][codes("penalty").index("CF_XDR_SHXYM")] = "91110000600037341N"
    path = write_csv(tmp_path / "p.csv", rows)
    result = import_file(ctx, path, ImportOptions(dry_run=True))
    [issue] = errors_of(result)
    assert (issue.row, issue.column, issue.field) == (3, "C", "CF_XDR_SHXYM")


def test_cli_json_is_one_object(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CREDITDESK_TODAY", TODAY)
    rows = table("penalty", 2)
    rows[1][codes("penalty").index("CF_XDR_SHXYM")] = "91110000600037341N"
    path = write_xlsx(tmp_path / "p.xlsx", rows)
    status, out, err = cli(tmp_path / "data", "import", str(path), "--json", capsys=capsys)
    assert status == 0 and err == "" and out.count("\n") == 1
    doc = json.loads(out)
    assert set(doc) == {"file", "kind", "rows", "valid", "invalid", "imported", "issues"}
    assert (doc["file"], doc["kind"], doc["rows"], doc["valid"], doc["invalid"], doc["imported"]) == (
        "p.xlsx", "penalty", 2, 1, 1, 2)
    assert doc["issues"] == [{"row": 2, "column": "C", "field": "CF_XDR_SHXYM", "severity": "error",
                              "rule": "uscc_checksum", "message": doc["issues"][0]["message"]}]


def test_validate_on_a_spreadsheet_is_a_dry_run(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CREDITDESK_TODAY", TODAY)
    path = write_xlsx(tmp_path / "p.xlsx", table("penalty", 3))
    data = tmp_path / "data"
    status, out, _ = cli(data, "validate", str(path), "--json", capsys=capsys)
    assert status == 0
    assert json.loads(out) == {"file": "p.xlsx", "kind": "penalty", "rows": 3, "valid": 3, "invalid": 0,
                               "imported": 0, "issues": []}
    status, out, _ = cli(data, "import", str(path), "--dry-run", capsys=capsys)
    assert status == 0 and "没有保存任何记录" in out
    status, out, _ = cli(data, "queue", "list", "--json", capsys=capsys)
    assert json.loads(out) == []


def test_validate_json_file_keeps_its_output(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CREDITDESK_TODAY", TODAY)
    path = tmp_path / "r.json"
    path.write_text(json.dumps([{"kind": "penalty", "fields": records("penalty", 1)[0]}], ensure_ascii=False),
                    encoding="utf-8")
    status, out, _ = cli(tmp_path / "data", "validate", str(path), "--json", capsys=capsys)
    assert status == 0 and json.loads(out) == {"records": 1, "valid": 1, "invalid": 0, "issues": []}


def test_datetime_cells_in_xlsx(ctx, tmp_path):
    rows = table("penalty", 2)
    cs = codes("penalty")
    rows[1][cs.index("CF_JDRQ")] = datetime(2026, 11, 20)
    rows[2][cs.index("CF_JDRQ")] = datetime(2026, 11, 20, 9, 30)
    result = import_file(ctx, write_xlsx(tmp_path / "p.xlsx", rows), ImportOptions(dry_run=True))
    assert [(i.row, i.column, i.severity, i.rule) for i in result.issues] == [
        (3, "W", "warning", "date_time_part")]
    assert "09:30" in result.issues[0].message


def test_cli_map_and_unit(tmp_path, capsys, monkeypatch):
    """The command line says what the wizard's column page says: a column's field and a bare amount's unit."""
    monkeypatch.setenv("CREDITDESK_TODAY", TODAY)
    rows = table("penalty", 2)
    cs = codes("penalty")
    rows[0][cs.index("CF_CFJG")] = "执法机关"
    rows[0][cs.index("CF_NR_FK")] = "罚款金额"
    for r in rows[1:]:
        r[cs.index("CF_NR_FK")] = 2000
    path = write_xlsx(tmp_path / "p.xlsx", rows)
    status, _out, err = cli(tmp_path / "data", "import", str(path), capsys=capsys)
    assert status == 2 and "没有保存任何记录" in err
    status, out, _err = cli(tmp_path / "data", "import", str(path), "--map", "执法机关=CF_CFJG", "--unit",
                            "CF_NR_FK=元", "--json", capsys=capsys)
    doc = json.loads(out)
    assert status == 0 and doc["imported"] == 2 and doc["invalid"] == 0
    from app.context import AppContext

    ctx = AppContext(tmp_path / "data")
    assert {r.fields["CF_NR_FK"] for r in ctx.queue.list()} == {"0.2"}
    ctx.close()
    status, _out, err = cli(tmp_path / "data", "import", str(path), "--unit", "CF_NR_FK=千元", capsys=capsys)
    assert status == 2 and "元" in err


def test_column_choices_are_remembered_for_the_next_file(tmp_path, capsys, monkeypatch):
    """§7: a hand-made mapping is saved; the next file with the same headers needs no flags."""
    monkeypatch.setenv("CREDITDESK_TODAY", TODAY)
    cs = codes("penalty")

    def book(name: str, seed: int):
        rows = table("penalty", 2, seed=seed)
        rows[0][cs.index("CF_CFJG")] = "执法机关"
        rows[0][cs.index("CF_NR_FK")] = "罚款金额"
        for r in rows[1:]:
            r[cs.index("CF_NR_FK")] = 5000
        return write_xlsx(tmp_path / name, rows)

    first, second = book("十月.xlsx", 1), book("十一月.xlsx", 2)
    status, out, _ = cli(tmp_path / "data", "import", str(first), "--map", "执法机关=CF_CFJG", "--unit",
                         "CF_NR_FK=元", "--json", capsys=capsys)
    assert status == 0 and json.loads(out)["imported"] == 2
    status, out, err = cli(tmp_path / "data", "import", str(second), "--json", capsys=capsys)
    assert status == 0, err
    assert json.loads(out)["imported"] == 2
