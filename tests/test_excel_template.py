"""The import template: its layout, drop-downs and formats, a round trip with valid records for every
kind, and (when LibreOffice is installed) a clean headless conversion."""

from __future__ import annotations

import random
import shutil
import subprocess
from datetime import date

import pytest
from openpyxl import load_workbook

from app.catalog import default_catalog
from app.excel import ImportOptions, import_file
from app.excel.cells import column_letter
from app.excel.template import LISTS_SHEET, write_template
from tests import factories
from tests.test_excel_books import cli, stored

TODAY = "2026-11-26"
KINDS = ["license", "penalty", "enforcement", "inspection"]


def test_template_layout(tmp_path):
    catalog = default_catalog()
    kind = catalog.kind("penalty")
    path = write_template(catalog, kind, tmp_path / "t.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["行政处罚", "填写说明", LISTS_SHEET]
    ws = wb["行政处罚"]
    assert wb[LISTS_SHEET].sheet_state == "hidden" and ws.sheet_state == "visible"
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header == [("*" if f.required else "") + f.label for f in kind.fields]
    for i, f in enumerate(kind.fields):
        cell = ws.cell(row=1, column=i + 1)
        assert f.label in cell.comment.text and f.code in cell.comment.text
        assert ws.column_dimensions[column_letter(i)].width >= 12
        if f.identifier:
            assert ws.column_dimensions[column_letter(i)].number_format == "@", f.code
    assert "必填" in ws["A1"].comment.text and "法人、非法人组织" in ws["A1"].comment.text
    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    lb = validations[f"B2:B{2001}"]
    assert lb.type == "list" and lb.formula1.startswith(f"'{LISTS_SHEET}'!") and lb.errorStyle == "stop"
    cflb = validations[f"R2:R{2001}"]  # 处罚类别: several values, so other input is allowed
    assert cflb.errorStyle == "warning"
    lists = wb[LISTS_SHEET]
    assert [c.value for c in lists["A"]][:4] == ["行政相对人类别", "法人及非法人组织", "自然人", "个体工商户"]
    guide = [r[0] for r in wb["填写说明"].iter_rows(values_only=True)]
    assert guide[0].startswith("行政处罚信息导入模板") and any("万元" in (g or "") for g in guide)


def test_status_drop_down_shows_labels(tmp_path):
    catalog = default_catalog()
    wb = load_workbook(write_template(catalog, catalog.kind("license"), tmp_path / "t.xlsx"))
    values = [[c.value for c in col if c.value is not None] for col in wb[LISTS_SHEET].iter_cols()]
    assert ["当前状态", "有效", "无效"] in values


@pytest.mark.parametrize("kind_id", KINDS)
def test_round_trip(tmp_path, capsys, monkeypatch, kind_id):
    monkeypatch.setenv("CREDITDESK_TODAY", TODAY)
    data = tmp_path / "data"
    out = tmp_path / f"{kind_id}.xlsx"
    status, text, _ = cli(data, "template", kind_id, str(out), capsys=capsys)
    assert status == 0 and "已生成" in text
    catalog = default_catalog()
    kind = catalog.kind(kind_id)
    wb = load_workbook(out)
    ws = wb.worksheets[0]
    rng = random.Random(3)
    for n in range(1, 9):
        category = ["法人及非法人组织", "个体工商户", "自然人"][n % 3]
        rec = factories.record(kind_id, rng, n)
        for code in [c for c in rec if c.split("_", 1)[1].startswith(("XDR_", "FR"))]:
            del rec[code]
        rec.update(factories.subject(kind.prefix, rng, category))
        row = []
        for f in kind.fields:
            value = rec.get(f.code)
            if f.type == "D" and value and n % 2:  # half as date cells, half as typed text
                value = date.fromisoformat(value)
            row.append(value)
        ws.append(row)
    wb.save(out)
    from app.context import AppContext

    ctx = AppContext(data)
    try:
        result = import_file(ctx, out)
        assert result.kind == kind_id and result.rows == 8
        assert result.issues == [], result.issues
        assert result.imported == 8 and stored(ctx) == 8
        assert {r.state for r in ctx.queue.list()} == {"ready"}
    finally:
        ctx.close()


def test_template_of_an_unknown_kind(tmp_path, capsys):
    status, out, err = cli(tmp_path / "data", "template", "fine", str(tmp_path / "x.xlsx"), capsys=capsys)
    assert status == 2 and "penalty（行政处罚）" in err
    status, out, _ = cli(tmp_path / "data", "template", "行政检查", str(tmp_path / "x.xlsx"), capsys=capsys)
    assert status == 0 and (tmp_path / "x.xlsx").exists()


def test_empty_template_is_not_imported_as_data(ctx, tmp_path):
    catalog = default_catalog()
    path = write_template(catalog, catalog.kind("penalty"), tmp_path / "t.xlsx")
    with pytest.raises(Exception) as exc:
        import_file(ctx, path, ImportOptions(dry_run=True))
    assert getattr(exc.value, "code", "") == "no_data_rows"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_template_opens_cleanly_in_libreoffice(tmp_path):
    catalog = default_catalog()
    src = write_template(catalog, catalog.kind("penalty"), tmp_path / "t.xlsx")
    out = tmp_path / "out"
    done = subprocess.run(["soffice", "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo",
                           "--convert-to", "ods", "--outdir", str(out), str(src)],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    converted = out / "t.ods"
    assert converted.exists() and converted.stat().st_size > 0
    # What LibreOffice wrote back reads as the same header.
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(converted))
    assert wb.sheet_names[:2] == ["行政处罚", "填写说明"]
    first = next(wb.get_sheet_by_name("行政处罚").iter_rows())
    assert first[0] == "*行政相对人名称" and first[17] == "*处罚类别"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_filled_template_saved_by_libreoffice_as_xls_and_ods(ctx, tmp_path):
    """What a clerk gets after WPS/LibreOffice re-saves the file: the same records import cleanly."""
    catalog = default_catalog()
    kind = catalog.kind("penalty")
    src = write_template(catalog, kind, tmp_path / "t.xlsx")
    wb = load_workbook(src)
    rng = random.Random(5)
    for n in range(1, 4):
        rec = factories.record("penalty", rng, n)
        wb.worksheets[0].append([rec.get(f.code) for f in kind.fields])
    wb.save(src)
    for fmt in ("xls", "ods"):
        out = tmp_path / fmt
        done = subprocess.run(["soffice", "--headless", "--norestore",
                               f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", fmt,
                               "--outdir", str(out), str(src)], capture_output=True, text=True, timeout=180,
                              check=False)
        assert done.returncode == 0, done.stderr
        result = import_file(ctx, out / f"t.{fmt}", ImportOptions(dry_run=True))
        assert (result.rows, result.issues) == (3, []), (fmt, result.issues)
