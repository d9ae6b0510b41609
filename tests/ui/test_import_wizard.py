"""The import wizard over real .xlsx files: detected kind and columns, a hand-made mapping and unit,
the dry-run findings grouped by problem, the import, the error report, a second import of the same
file, a refused file and stopping an import."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import QWizard

from app.excel.history import history
from app.queue import states as st
from tests.test_excel_books import codes, table, write_xlsx
from ui.import_wizard import ImportWizard, open_import_wizard
from ui.main_window import MainWindow

WAIT = 20_000


def faulty_file(path, n: int = 5):
    """n penalties; row 3 has a wrong check digit, row 4 no decision date; 备注 is headed 情况说明,
    the fine is headed 罚款金额 (no unit) and given in 元, and a column 经办人 is not in the catalog."""
    rows = table("penalty", n)
    cs = codes("penalty")
    header = rows[0]
    header[cs.index("BZ")] = "情况说明"
    header[cs.index("CF_NR_FK")] = "罚款金额"
    header.append("经办人")
    for r in rows[1:]:
        r[cs.index("CF_NR_FK")] = 2000
        r[cs.index("BZ")] = "已整改"
        r.append("李四")
    rows[2][cs.index("CF_XDR_SHXYM")] = "91110000600037341N"
    rows[3][cs.index("CF_JDRQ")] = None
    return write_xlsx(path, rows)


def wizard_for(qtbot, ctx, parent=None) -> ImportWizard:
    w = ImportWizard(ctx, parent)
    qtbot.addWidget(w)
    w.show()
    return w


def wait_idle(qtbot, w: ImportWizard) -> None:
    qtbot.waitUntil(lambda: w.task is None, timeout=WAIT)


def test_import_with_errors_through_the_wizard(qtbot, ctx, tmp_path):
    path = faulty_file(tmp_path / "十一月处罚.xlsx")
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    w = open_import_wizard(ctx, window)  # a child of the window: deleted with it, or by Qt when closed
    assert w.currentId() == w.PAGE_FILE and not w.button(QWizard.WizardButton.NextButton).isEnabled()
    w.file_page.set_file(path)
    assert w.button(QWizard.WizardButton.NextButton).isEnabled()

    # 列的对应: the detected kind, the recognised columns, the unknown ones listed and mappable.
    w.next()
    assert w.currentId() == w.PAGE_COLUMNS
    wait_idle(qtbot, w)
    page = w.columns_page
    assert "识别为「行政处罚」" in page.info.text() and "表头在第 1 行" in page.info.text()
    assert "共 5 行数据" in page.info.text()
    assert {text for text, _combo, default in page.combos.values() if not default} == {"情况说明", "经办人"}
    assert "情况说明" in page.unknown.text() and "经办人" in page.unknown.text()
    assert set(page.unit_combos) == {"CF_NR_FK"}
    page.map_column("情况说明", "BZ")
    page.unit_combos["CF_NR_FK"].setCurrentIndex(page.unit_combos["CF_NR_FK"].findData("元"))
    assert w.plan.mapping == {"情况说明": "BZ"} and w.plan.units == {"CF_NR_FK": "元"}

    # 检查结果: checked again with the mapping; findings grouped, with rows and columns.
    w.next()
    assert w.currentId() == w.PAGE_FINDINGS
    wait_idle(qtbot, w)
    findings = w.findings_page
    assert findings.counts.text().startswith("共 5 行数据：3 行通过检查，2 行有错误。")
    groups = [findings.tree.topLevelItem(i) for i in range(findings.tree.topLevelItemCount())]
    assert [g.text(0) for g in groups] == ["错误：1 行", "错误：1 行", "提示：整个文件"]
    places = [g.child(j).text(0) for g in groups for j in range(g.childCount())]
    assert "第 3 行 C 列" in places  # the check digit of 统一社会信用代码
    assert any(p.startswith("第 4 行") for p in places)  # the missing decision date
    messages = " ".join(findings.tree.topLevelItem(i).text(1) for i in range(findings.tree.topLevelItemCount()))
    assert "校验位" in messages and "处罚决定日期" in messages
    assert "经办人" in messages  # the column that stays out is said once, for the file
    assert not any("罚款金额" in m and "单位" in m for m in messages.split())  # the unit was given
    report = tmp_path / "错误报告.xlsx"
    findings.save_report(str(report))
    qtbot.waitUntil(report.exists, timeout=WAIT)
    sheet = load_workbook(report)["错误行"]
    assert [row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [3, 4]
    assert ctx.queue.list() == []  # a dry run stores nothing

    # 导入: the commit button imports; valid rows become ready, faulty ones drafts.
    assert w.button(QWizard.WizardButton.CommitButton).text() == "导入(&I)"
    w.next()
    assert w.currentId() == w.PAGE_IMPORT
    wait_idle(qtbot, w)
    done = w.import_page
    assert done.isComplete()
    assert "已保存 5 条记录：3 条待报送，2 条草稿。" in done.summary.text()
    assert done.report_button.isVisible()
    records = ctx.queue.list()
    assert sorted(r.state for r in records) == [st.DRAFT, st.DRAFT, st.READY, st.READY, st.READY]
    assert {r.fields.get("BZ") for r in records} == {"已整改"}
    assert {r.fields.get("CF_NR_FK") for r in records} == {"0.2"}  # 2000 元 = 0.2 万元
    assert window.model.rowCount() == 5  # the main window was refreshed
    assert "导入 5 条记录" in window.notice.text()
    w.accept()


def test_importing_the_same_file_again_asks_first(qtbot, ctx, tmp_path):
    path = write_xlsx(tmp_path / "许可.xlsx", table("license", 3))
    first = wizard_for(qtbot, ctx)
    first.file_page.set_file(path)
    for _ in range(3):
        first.next()
        wait_idle(qtbot, first)
    assert len(ctx.queue.list()) == 3

    w = wizard_for(qtbot, ctx)
    w.file_page.set_file(path, "license")
    w.next()
    wait_idle(qtbot, w)
    w.next()
    wait_idle(qtbot, w)
    w.next()
    wait_idle(qtbot, w)
    page = w.import_page
    assert "已于" in page.banner.text() and "导入过（保存了 3 条记录）" in page.banner.text()
    assert page.again_button.isVisible() and page.isComplete()  # 关闭 means: do not import
    assert len(ctx.queue.list()) == 3  # nothing stored before the clerk confirms
    page.again_button.click()
    wait_idle(qtbot, w)
    assert "已保存 3 条记录" in page.summary.text()
    assert len(ctx.queue.list()) == 6
    assert len(history(ctx.store)) == 2


def test_a_file_without_a_header_is_refused_on_the_columns_page(qtbot, ctx, tmp_path):
    path = write_xlsx(tmp_path / "杂表.xlsx", [["姓名", "电话"], ["张三", "13800000000"]])
    w = wizard_for(qtbot, ctx)
    w.file_page.set_file(path)
    w.next()
    wait_idle(qtbot, w)
    page = w.columns_page
    assert "没有找到表头" in page.banner.text() and "没有保存任何记录" in page.banner.text()
    assert not page.isComplete() and not w.button(QWizard.WizardButton.NextButton).isEnabled()


def test_a_file_with_a_missing_required_column_cannot_be_imported(qtbot, ctx, tmp_path):
    rows = [r[:13] + r[14:] for r in table("penalty", 2)]  # no 行政处罚决定书文号 column
    path = write_xlsx(tmp_path / "缺列.xlsx", rows)
    w = wizard_for(qtbot, ctx)
    w.file_page.set_file(path, "penalty")
    w.next()
    wait_idle(qtbot, w)
    w.next()
    wait_idle(qtbot, w)
    page = w.findings_page
    assert "现在不能导入" in page.banner.text()
    top = [page.tree.topLevelItem(i) for i in range(page.tree.topLevelItemCount())]
    assert any(t.text(0) == "错误：整个文件" and "行政处罚决定书文号" in t.text(1) for t in top)
    assert not page.isComplete()


def test_stopping_an_import_stores_nothing(qtbot, ctx, tmp_path):
    path = write_xlsx(tmp_path / "大表.xlsx", table("inspection", 3000))
    w = wizard_for(qtbot, ctx)
    w.file_page.set_file(path)
    w.next()
    wait_idle(qtbot, w)
    w.next()
    wait_idle(qtbot, w)
    w.next()
    page = w.import_page
    assert page.working.isVisible()
    page.working.stop_button.click()
    wait_idle(qtbot, w)
    assert "已取消导入，没有保存任何记录" in page.banner.text()
    assert ctx.queue.list() == [] and history(ctx.store) == []
    assert page.isComplete()  # the wizard can be closed


@pytest.mark.parametrize("name", ["notes.txt", "missing.xlsx"])
def test_the_file_page_accepts_only_existing_spreadsheets(qtbot, ctx, tmp_path, name):
    if name.endswith(".txt"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    w = wizard_for(qtbot, ctx)
    w.file_page.set_file(tmp_path / name)
    assert not w.file_page.isComplete()
    assert w.file_page.hint.text()


def test_a_recognised_column_can_be_set_to_not_imported(qtbot, ctx, tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", table("penalty", 2))
    w = wizard_for(qtbot, ctx)
    w.file_page.set_file(path)
    w.next()
    wait_idle(qtbot, w)
    page = w.columns_page
    recognised = {text: default for text, _combo, default in page.combos.values() if default}
    assert recognised["备注"] == "BZ"
    page.map_column("备注", "")
    assert w.plan.mapping == {"备注": ""}
    page.map_column("备注", "BZ")  # back to what the header said: no hand-made choice left
    assert w.plan.mapping == {}


def test_a_file_with_two_sheets_of_records_lets_the_clerk_choose_the_sheet(qtbot, ctx, tmp_path):
    """11月 and 12月 in one file: the first is read, the columns page offers both, and choosing 12月
    reads and imports that sheet (the findings page names the other one until then)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "11月"
    for r in table("penalty", 2, seed=1):
        wb.active.append(r)
    december = wb.create_sheet("12月")
    for r in table("penalty", 3, seed=9):
        december.append(r)
    wb.save(tmp_path / "两个月.xlsx")
    w = wizard_for(qtbot, ctx)
    w.file_page.set_file(tmp_path / "两个月.xlsx")
    w.next()
    wait_idle(qtbot, w)
    page = w.columns_page
    assert page.sheet.isVisible() and [page.sheet.itemText(i) for i in range(page.sheet.count())] == ["11月", "12月"]
    assert "工作表「11月」" in page.info.text() and "共 2 行数据" in page.info.text()
    page.sheet.setCurrentIndex(1)
    page.sheet.activated.emit(1)
    wait_idle(qtbot, w)
    assert w.plan.sheet == "12月" and "工作表「12月」" in page.info.text() and "共 3 行数据" in page.info.text()
    assert page.sheet.currentText() == "12月" and page.sheet.count() == 2
    w.next()
    wait_idle(qtbot, w)
    w.next()
    wait_idle(qtbot, w)
    assert len(ctx.queue.list()) == 3
    w.accept()


def test_a_file_with_one_sheet_of_records_shows_no_sheet_choice(qtbot, ctx, tmp_path):
    w = wizard_for(qtbot, ctx)
    w.file_page.set_file(write_xlsx(tmp_path / "p.xlsx", table("penalty", 2)))
    w.next()
    wait_idle(qtbot, w)
    assert not w.columns_page.sheet.isVisible()
    w.reject()
