"""Importing: one transaction, drafts with findings, duplicates by row number, dry runs, progress and
cancellation, the same file twice, the import history and the error report."""

from __future__ import annotations

import random
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.excel import ImportLimits, ImportOptions, ImportRefused, import_file
from app.excel.history import history
from app.excel.report import write_error_report
from app.privacy import mask_id
from app.queue.service import Cancelled
from app.store.models import AuditEvent, ImportHistory, Record
from tests import factories
from tests.test_excel_books import cli, codes, errors_of, stored, table, write_xlsx

TODAY = "2026-11-26"


def test_valid_rows_become_ready_and_faulty_rows_drafts_with_findings(ctx, tmp_path):
    rows = table("penalty", 3)
    cs = codes("penalty")
    rows[2][cs.index("CF_XDR_SHXYM")] = "91110000600037341N"
    result = import_file(ctx, write_xlsx(tmp_path / "p.xlsx", rows))
    assert (result.rows, result.valid, result.invalid, result.imported) == (3, 2, 1, 3)
    states = {r.doc_number: (r.state, [f["rule"] for f in r.findings]) for r in ctx.queue.list()}
    assert states["饶市监罚〔2026〕2号"] == ("draft", ["uscc_checksum"])
    assert states["饶市监罚〔2026〕1号"] == ("ready", [])


def test_skip_invalid(ctx, tmp_path):
    rows = table("penalty", 3)
    rows[3][codes("penalty").index("CF_JDRQ")] = "明天"
    result = import_file(ctx, write_xlsx(tmp_path / "p.xlsx", rows), ImportOptions(skip_invalid=True))
    assert (result.imported, result.skipped, stored(ctx)) == (2, 1, 2)
    assert [(i.row, i.rule) for i in errors_of(result)] == [(4, "date_format")]


def test_duplicates_within_the_file_and_against_the_queue_name_rows(ctx, tmp_path):
    rows = table("penalty", 2)
    rows.append(list(rows[1]))  # the same decision twice
    result = import_file(ctx, write_xlsx(tmp_path / "p.xlsx", rows, before=[["标题"]]))
    [dup] = errors_of(result)
    assert (dup.row, dup.column, dup.rule) == (5, "N", "duplicate_record") and "与第 3 行重复" in dup.message
    more = table("penalty", 1)
    more[1][0] = "另一家公司"  # same number, different subject (other code) -> warning only
    more[1][codes("penalty").index("CF_XDR_SHXYM")] = factories.uscc(random.Random(77))
    result = import_file(ctx, write_xlsx(tmp_path / "q.xlsx", more))
    assert [(i.row, i.rule, i.severity) for i in result.issues] == [(2, "duplicate_doc_number", "warning")]
    assert "队列中已有的记录" in result.issues[0].message


def test_dry_run_stores_nothing_and_finds_the_same(ctx, tmp_path):
    rows = table("penalty", 4)
    rows[2][codes("penalty").index("CF_CFLB")] = "警告、罚款"
    path = write_xlsx(tmp_path / "p.xlsx", rows)
    dry = import_file(ctx, path, ImportOptions(dry_run=True))
    assert stored(ctx) == 0 and dry.imported == 0 and dry.dry_run
    real = import_file(ctx, path)
    assert [i.to_dict() for i in dry.issues] == [i.to_dict() for i in real.issues]
    assert (dry.valid, dry.invalid) == (real.valid, real.invalid) == (3, 1)


def test_progress_and_cancellation(ctx, tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", table("penalty", 1200))
    seen: list[tuple[int, int]] = []
    result = import_file(ctx, path, ImportOptions(dry_run=True), progress=lambda d, t: seen.append((d, t)))
    assert result.rows == 1200
    assert seen[-1][0] == seen[-1][1] and all(a[0] <= b[0] for a, b in zip(seen, seen[1:], strict=False))

    def cancel_while_reading(done, total):
        return False if done >= 1000 else None

    with pytest.raises(Cancelled):
        import_file(ctx, path, progress=cancel_while_reading)
    assert stored(ctx) == 0

    def cancel_while_checking(done, total):
        return False if done > total // 2 + 500 else None

    with pytest.raises(Cancelled):
        import_file(ctx, path, progress=cancel_while_checking)
    assert stored(ctx) == 0

    def cancel_at_the_end(done, total):
        return False if done == total else None

    with pytest.raises(Cancelled):
        import_file(ctx, path, progress=cancel_at_the_end)
    assert stored(ctx) == 0
    with ctx.store.session() as s:
        assert s.scalars(select(ImportHistory)).all() == []


def test_a_large_import_cancelled_late_or_refused_while_read_keeps_nothing(ctx, tmp_path):
    """9,001 records go to SQLite in chunks (of 2,000) while the next ones are checked. A cancel after
    four chunks were written, or a row limit found only while a CSV is read, still leaves nothing; a
    duplicate names a row four chunks earlier; progress only rises, to its total."""
    from tests.test_excel_books import write_csv

    rows = table("penalty", 9000)
    rows.append(list(rows[1]))  # row 9002 repeats row 2, four chunks earlier
    path = write_csv(tmp_path / "p.csv", rows)

    def cancel_late(done, total):
        return False if done >= total - 500 else None

    with pytest.raises(Cancelled):
        import_file(ctx, path, progress=cancel_late)
    with ctx.store.session() as s:
        assert stored(ctx) == 0
        assert s.scalars(select(ImportHistory)).all() == s.scalars(select(AuditEvent)).all() == []

    # A CSV has no row count up front: the limit is found while it is read, at row 8,031.
    with pytest.raises(ImportRefused, match="超过一次导入的上限 8,000 行"):
        import_file(ctx, path, ImportOptions(limits=ImportLimits(max_rows=8000)))
    assert stored(ctx) == 0

    seen: list[tuple[int, int]] = []
    result = import_file(ctx, path, progress=lambda d, t: seen.append((d, t)))
    assert (result.rows, result.imported, stored(ctx)) == (9001, 9001, 9001)
    assert seen[-1][0] == seen[-1][1] and all(a[0] <= b[0] for a, b in zip(seen, seen[1:], strict=False))
    [dup] = errors_of(result)
    assert (dup.row, dup.rule) == (9002, "duplicate_record") and "与第 2 行重复" in dup.message
    with ctx.store.session() as s:
        assert s.scalar(select(ImportHistory.rows).where(ImportHistory.file_name == "p.csv")) == 9001


def test_refused_import_stores_nothing(ctx, tmp_path):
    rows = table("penalty", 2)
    rows[0][0] = "名称"  # no longer a known header: the required name column is missing
    with pytest.raises(ImportRefused):
        import_file(ctx, write_xlsx(tmp_path / "p.xlsx", rows))
    assert stored(ctx) == 0
    with ctx.store.session() as s:
        assert s.scalars(select(AuditEvent)).all() == [] and s.scalars(select(ImportHistory)).all() == []


def test_the_same_file_twice_needs_force(ctx, tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", table("penalty", 2))
    import_file(ctx, path)
    with pytest.raises(ImportRefused) as exc:
        import_file(ctx, path)
    assert exc.value.code == "already_imported" and "--force" in exc.value.message and "p.xlsx" in exc.value.message
    assert stored(ctx) == 2
    copy = tmp_path / "副本.xlsx"  # the same bytes under another name are the same file
    copy.write_bytes(path.read_bytes())
    with pytest.raises(ImportRefused):
        import_file(ctx, copy)
    assert import_file(ctx, path, ImportOptions(dry_run=True)).rows == 2  # a check is always allowed
    again = import_file(ctx, path, ImportOptions(force=True))
    assert again.imported == 2 and again.invalid == 2  # the duplicates are findings, as drafts
    [h2, h1] = history(ctx.store)
    assert (h1.file_name, h1.kind, h1.rows, h1.valid, h1.invalid, h1.imported) == ("p.xlsx", "penalty", 2, 2, 0, 2)
    assert len(h1.sha256) == 64 and h1.sha256 == h2.sha256 and isinstance(h1.imported_at, datetime)


def test_the_history_entry_is_kept_exactly_when_the_records_are(ctx, tmp_path):
    """The history entry, the remembered column choices and the records are one transaction: when
    the entry cannot be written (a trigger refuses it here), no record stays either, and the same
    file imports normally afterwards."""
    from sqlalchemy.exc import IntegrityError

    from app.excel.history import remembered_choices

    path = write_xlsx(tmp_path / "p.xlsx", table("penalty", 40))
    with ctx.store.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON import_history "
                             "BEGIN SELECT RAISE(ABORT, 'refused'); END")
    with pytest.raises(IntegrityError):
        import_file(ctx, path, ImportOptions(mapping={"备注": "BZ"}))
    assert stored(ctx) == 0 and history(ctx.store) == []
    assert remembered_choices(ctx.store, "penalty") == ({}, {})
    with ctx.store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER refuse")
    done = import_file(ctx, path)
    assert done.imported == 40 and [h.imported for h in history(ctx.store)] == [40]


def test_the_same_file_twice_on_the_command_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CREDITDESK_TODAY", TODAY)
    path = write_xlsx(tmp_path / "p.xlsx", table("penalty", 2))
    data = tmp_path / "data"
    status, out, _ = cli(data, "import", str(path), capsys=capsys)
    assert status == 0 and "已保存 2 条记录（2 条待报送，0 条草稿）" in out
    status, out, err = cli(data, "import", str(path), capsys=capsys)
    assert status == 2 and "已于" in err and "--force" in err
    status, out, _ = cli(data, "import", str(path), "--force", "--skip-invalid", capsys=capsys)
    assert status == 0 and "2 行有错误未导入" in out


def test_records_are_stored_as_the_orm_reads_them(ctx, tmp_path):
    rows = table("penalty", 2)
    rows[2][codes("penalty").index("CF_NR_FK")] = "2000元"
    import_file(ctx, write_xlsx(tmp_path / "p.xlsx", rows), ImportOptions(actor="clerk"))
    recs = ctx.queue.list()
    rec = next(r for r in recs if r.doc_number == "饶市监罚〔2026〕2号")
    assert rec.fields["CF_NR_FK"] == "0.2" and rec.fields["CF_XDR_MC"].startswith("上饶市")
    assert rec.findings == [{"field": "CF_NR_FK", "severity": "warning", "rule": "amount_unit_converted",
                             "message": rec.findings[0]["message"]}]
    assert (rec.state, rec.revision, rec.accepted_revision, rec.pending_action, rec.platform_message) == (
        "ready", 1, 0, "create", None)
    assert rec.decision_date == "2026-11-20" and rec.deadline == "2026-12-01"
    assert rec.warning_count == 1 and rec.error_count == 0 and rec.created_at is not None
    assert ctx.queue.get(rec.client_id).client_id == rec.client_id
    with ctx.store.session() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.client_id == rec.client_id)).all()
        raw = s.execute(select(Record.fields).where(Record.client_id == rec.client_id)).scalar_one()
    assert [(e.action, e.actor, e.new_state, e.detail) for e in events] == [
        ("create", "clerk", "ready", {"source": "excel:p.xlsx"})]
    assert raw["CF_XDR_MC"] == rec.fields["CF_XDR_MC"]
    # The queue still edits an imported record like any other.
    fixed = dict(rec.fields, CF_NR_FK="0.3")
    assert ctx.queue.edit(rec.client_id, fixed).ok


def test_error_report_is_for_fixing_and_importing_again(ctx, tmp_path):
    rng = random.Random(11)
    rows = table("penalty", 3)
    cs = codes("penalty")
    col = cs.index
    person = factories.subject("CF", rng, "自然人")
    wrong_id = person["CF_XDR_ZJHM"][:-1] + ("0" if person["CF_XDR_ZJHM"][-1] != "0" else "1")
    for code in ("CF_XDR_SHXYM", "CF_FRDB"):
        rows[2][col(code)] = None
    rows[2][col("CF_XDR_LB")] = "自然人"
    rows[2][col("CF_XDR_ZJLX")] = "身份证"
    rows[2][col("CF_XDR_ZJHM")] = wrong_id
    rows[3][col("CF_JDRQ")] = datetime(2026, 11, 20, 10, 30)
    rows[3][col("CF_YXQ")] = "2026-02-30"
    path = write_xlsx(tmp_path / "p.xlsx", rows, before=[["上饶市行政处罚信息"]])
    source = load_workbook(path)  # a text that starts with "=" (not a formula) in the clerk's file
    cell = source.active.cell(row=5, column=col("CF_CFJGDM") + 1)
    cell.value, cell.data_type = '=HYPERLINK("x")', "s"
    source.save(path)
    result = import_file(ctx, path, ImportOptions(dry_run=True, keep_rows=True))
    assert [i.row for i in errors_of(result)] == [4, 5, 5]
    out = tmp_path / "错误报告.xlsx"
    assert write_error_report(result, out) == 2
    wb = load_workbook(out)
    ws = wb["错误行"]
    header = [c.value for c in ws[1]]
    assert header[:len(rows[0])] == rows[0] and header[-2:] == ["校验结果", "原文件行号"]
    data = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[-1] for r in data] == [4, 5]
    zjhm = ws.cell(row=2, column=col("CF_XDR_ZJHM") + 1)
    assert zjhm.value == mask_id(wrong_id)  # masked as in every report (domain.md §12)
    assert zjhm.fill.fgColor.rgb.endswith("FFC7CE") and "校验位" in zjhm.comment.text
    assert "脱敏" in zjhm.comment.text
    assert ws.cell(row=3, column=col("CF_JDRQ") + 1).value == datetime(2026, 11, 20, 10, 30)
    assert ws.cell(row=3, column=col("CF_CFJGDM") + 1).data_type == "s"  # never a formula
    findings_text = "\n".join(str(r[-2]) for r in data) + "\n".join(
        c.comment.text for row in ws.iter_rows() for c in row if c.comment)
    assert wrong_id not in findings_text and wrong_id[:10] not in findings_text
    cells = [str(c.value) for row in ws.iter_rows() for c in row]
    assert wrong_id not in cells and person["CF_XDR_ZJHM"] not in cells
    assert any("脱敏" in str(r[3]) for r in wb["问题汇总"].iter_rows(values_only=True))

    # Imported again as it is, the masked number is an error that asks for the full number.
    unchanged = import_file(ctx, out, ImportOptions(dry_run=True))
    assert ("CF_XDR_ZJHM", "id_masked") in {(i.field, i.rule) for i in errors_of(unchanged)}
    assert "第 4 行 M 列" in data[0][-2] and "[错误]" in data[0][-2]
    summary = [r for r in wb["问题汇总"].iter_rows(values_only=True)]
    assert any(r[0] == "id_checksum" for r in summary)

    # The clerk corrects the marked cells and imports the report itself.
    ws.cell(row=2, column=col("CF_XDR_ZJHM") + 1).value = person["CF_XDR_ZJHM"]
    ws.cell(row=3, column=col("CF_YXQ") + 1).value = "2027-11-20"
    ws.cell(row=3, column=col("CF_CFJGDM") + 1).value = factories.AUTHORITY_USCC
    wb.save(out)
    again = import_file(ctx, out)
    assert again.rows == 2 and errors_of(again) == []
    assert [i.rule for i in again.issues] == ["date_time_part"]
    assert stored(ctx) == 2


def test_cli_errors_option_and_text_summary(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CREDITDESK_TODAY", TODAY)
    rows = table("penalty", 3)
    rows[1][codes("penalty").index("CF_JDRQ")] = date(2026, 12, 1)
    path = write_xlsx(tmp_path / "p.xlsx", rows)
    report = tmp_path / "errors.xlsx"
    status, out, err = cli(tmp_path / "data", "import", str(path), "--dry-run", "--errors", str(report),
                           capsys=capsys)
    assert status == 0 and err == ""
    assert "共 3 行数据：2 行通过，1 行有错误" in out and "错误 date_future × 1" in out
    assert "第 2 行 W 列 错误" in out and "错误报告已写入" in out and report.exists()


def test_messy_workbook(ctx, tmp_path):
    """A month's cases as a bureau keeps them: title rows, a merged title, full-width brackets and
    2017/2018 names in the header, dates typed every way, numeric IDs, an amount in 元, a hidden sheet."""
    rng = random.Random(21)
    header = ["序号", "行政相对人名称", "行政相对人代码_1（统一社会信用代码）", "行政相对人代码_2（工商注册号）",
              "法定代表人", "行政处罚决定文书号", "违法行为类型", "处罚事由", "处罚依据", "处罚类别", "处罚结果",
              "罚款金额（元）", "处罚决定日期", "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码",
              "数据来源单位", "数据来源单位统一社会信用代码", "备注"]
    base = factories.penalty(rng, 1)
    dates = ["2026-11-20", "2026/11/20", "2026年11月20日", "2026.11.20", "20261120", date(2026, 11, 20), 46346]
    body = []
    for n, when in enumerate(dates, 1):
        code = factories.uscc(rng, "92" if n % 3 == 0 else "91")
        body.append([n, f"上饶市某某{n}号商行 ", code, None, "张伟", f"饶市监罚（2026）{n}号", base["CF_WFXW"],
                     base["CF_SY"] + "\n（详见决定书）", base["CF_YJ"], "警告；罚款", base["CF_NR"], 2000 * n,
                     when, "2027/11/19", None, base["CF_CFJG"], base["CF_CFJGDM"], base["CF_SJLY"],
                     base["CF_SJLYDM"], None])
    body[1][3] = 361100000012345.0  # a 15-digit registration number typed as a number: exact
    body[2][2] = 9.13611e17  # Excel has turned the code into 9.13611E+17
    before = [["上饶市市场监督管理局行政处罚信息公示表"], ["（2026年11月）"]]
    path = write_xlsx(tmp_path / "messy.xlsx", [header, *body], sheet="11月", before=before, merges=["A1:T1"],
                      hidden={"代码表": [["警告"], ["罚款"]]})
    result = import_file(ctx, path)
    assert (result.sheet, result.header_row, result.kind, result.rows) == ("11月", 3, "penalty", 7)
    got = [(i.row, i.column, i.rule) for i in result.issues if i.rule != "category_inferred"]
    assert got == [(None, None, "older_format"), (3, "L", "amount_in_yuan"),  # 序号 (column A) is left alone
                   (6, "C", "number_lost_digits"), (6, None, "category_unknown")]
    assert len([i for i in result.issues if i.rule == "category_inferred"]) == 6
    assert (result.valid, result.invalid, result.imported) == (6, 1, 7)
    recs = {r.doc_number: r for r in ctx.queue.list()}
    assert {r.decision_date for r in recs.values()} == {"2026-11-20"}
    first = recs["饶市监罚(2026)1号"]
    assert first.fields["CF_NR_FK"] == "0.2" and first.fields["CF_CFLB"] == "警告;罚款"
    assert first.fields["CF_XDR_MC"] == "上饶市某某1号商行" and first.fields["CF_YXQ"] == "2027-11-19"
    assert first.fields["CF_SY"].endswith("\n(详见决定书)")
    assert recs["饶市监罚(2026)2号"].fields["CF_XDR_GSZC"] == "361100000012345"
    assert recs["饶市监罚(2026)3号"].state == "draft"
    assert recs["饶市监罚(2026)6号"].fields["CF_XDR_LB"] == "个体工商户"


def test_row_numbers_total_rows_and_numbered_empty_rows_are_not_records(ctx, tmp_path):
    """A bureau's sheet: a 序号 column, rows numbered in advance but left empty, and a 合计 row at
    the end. Only the filled rows are records; the total row is named in a warning, 序号 is not."""
    rows = table("penalty", 4)
    amount = 1 + codes("penalty").index("CF_NR_FK")
    header = ["序号", *rows[0]]
    body = [[i + 1, *r] for i, r in enumerate(rows[1:])]
    total = [None] * len(header)
    total[0], total[amount] = "合 计", 0.9
    subtotal = [None] * len(header)
    subtotal[1] = "小计：4条"
    numbered = [[n, *([None] * len(rows[0]))] for n in range(5, 40)]
    path = write_xlsx(tmp_path / "p.xlsx", [header, *body, subtotal, total, *numbered],
                      before=[["行政处罚信息汇总表"], ["填报单位：上饶市市场监督管理局"]])
    result = import_file(ctx, path)
    assert (result.rows, result.valid, result.imported) == (4, 4, 4) and stored(ctx) == 4
    assert [(i.row, i.rule) for i in result.issues] == [(8, "total_row")]
    assert "第 8 行、第 9 行" in result.issues[0].message


def test_a_total_with_a_count_and_the_signature_lines_under_the_table_are_not_records(ctx, tmp_path):
    """合计 in the 序号 column with the count (14条) where the document numbers stand, then a blank
    row and the lines a bureau signs (制表人：… 审核人：…, 注：…): one warning each, no record, no error."""
    rows = table("penalty", 3)
    doc = 1 + codes("penalty").index("CF_WSH")
    header = ["序号", *rows[0]]
    body = [[i + 1, *r] for i, r in enumerate(rows[1:])]
    total = [None] * len(header)
    total[0], total[doc] = "合计", "3条"
    signed = [None] * len(header)
    signed[1], signed[5], signed[9] = "制表人：张三", "审核人：李四", "填报日期：2026年11月25日"
    note = [None, "注：金额单位为万元。"]  # under the names (序号 alone would be an empty row)
    path = write_xlsx(tmp_path / "p.xlsx", [header, *body, total, [], signed, note])
    result = import_file(ctx, path)
    assert (result.rows, result.valid, result.imported) == (3, 3, 3) and stored(ctx) == 3
    assert [(i.row, i.rule) for i in result.issues] == [(5, "total_row"), (7, "footer_row")]
    assert "第 7 行、第 8 行" in result.issues[1].message and "制表人" in result.issues[1].message


def test_a_record_is_never_taken_for_a_footer_or_a_total(ctx, tmp_path):
    """A row with a document number stays a record, whatever its first cells say (a subject named
    合计…, a 备注 with a colon): it is checked like any other."""
    rows = table("penalty", 2)
    cs = codes("penalty")
    rows[1][cs.index("CF_XDR_MC")] = "合计"
    rows[2][cs.index("BZ")] = "说明：已当场缴纳"
    result = import_file(ctx, write_xlsx(tmp_path / "p.xlsx", rows))
    assert (result.rows, result.imported) == (2, 2)
    assert not [i for i in result.issues if i.rule in ("total_row", "footer_row")]


def test_records_in_another_sheet_are_not_missed_without_a_word(ctx, tmp_path):
    """One import reads one sheet; a later sheet with a header of its own (11月, 12月) is named in a
    warning so that its records are imported too, not omitted. A chosen --sheet says nothing."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "11月"
    for r in table("penalty", 2, seed=1):
        wb.active.append(r)
    for name, rows in (("说明", [["填表说明"], ["日期格式为 2026-01-01"]]), ("12月", table("penalty", 3, seed=9))):
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(tmp_path / "two.xlsx")
    result = import_file(ctx, tmp_path / "two.xlsx", ImportOptions(dry_run=True))
    assert (result.sheet, result.rows) == ("11月", 2)
    [more] = [i for i in result.issues if i.rule == "more_sheets"]
    assert more.severity == "warning" and "工作表「12月」也有行政处罚数据" in more.message
    assert "--sheet 12月" in more.message and result.sheets == ["11月", "12月"]
    chosen = import_file(ctx, tmp_path / "two.xlsx", ImportOptions(sheet="12月"))
    assert (chosen.rows, chosen.imported) == (3, 3)
    assert not [i for i in chosen.issues if i.rule == "more_sheets"]


def test_the_header_again_further_down_is_not_a_record(ctx, tmp_path):
    """Two months' exports pasted into one sheet, each with its header (the second one with *
    marks): the repeated header is skipped with one warning, the records of both are imported."""
    first, second = table("penalty", 2, seed=1), table("penalty", 2, seed=5)
    cs = codes("penalty")
    for r in second[1:]:
        r[cs.index("CF_WSH")] = r[cs.index("CF_WSH")].replace("〔2026〕", "〔2025〕")
    second[0] = ["*" + h for h in second[0]]
    result = import_file(ctx, write_xlsx(tmp_path / "p.xlsx", [*first, [None] * len(cs), *second]))
    assert (result.rows, result.valid, result.imported) == (4, 4, 4)
    assert [(i.row, i.rule) for i in result.issues] == [(5, "header_row")]
    assert "第 5 行又是一行表头" in result.issues[0].message


@pytest.mark.parametrize("where", [0, 5])
def test_the_title_of_a_pasted_table_is_not_a_record(ctx, tmp_path, where):
    """A title line (one cell) just above the repeated header is part of the pasted table; a record
    with one cell filled elsewhere stays a record with its errors."""
    first, second = table("penalty", 2, seed=1), table("penalty", 2, seed=5)
    cs = codes("penalty")
    for r in second[1:]:
        r[cs.index("CF_WSH")] = r[cs.index("CF_WSH")].replace("〔2026〕", "〔2025〕")
    title = [None] * len(cs)
    title[where] = "2025年12月行政处罚信息"
    lone = [None] * len(cs)
    lone[cs.index("CF_XDR_MC")] = "上饶市某某商店"
    path = write_xlsx(tmp_path / "p.xlsx", [*first, lone, [None] * len(cs), title, *second])
    result = import_file(ctx, path, ImportOptions(dry_run=True))
    assert (result.rows, result.valid, result.invalid) == (5, 4, 1)  # the lone name (row 4) is a draft
    assert [(i.row, i.rule) for i in result.issues if i.rule in ("header_row", "title_row")] == \
        [(7, "header_row"), (6, "title_row")]
    assert "第 6 行只填写了一个单元格" in next(i.message for i in result.issues if i.rule == "title_row")


@pytest.mark.parametrize("style", ["ints", "texts", "brackets", "circled"])
def test_a_row_of_column_numbers_under_the_header_is_not_a_record(ctx, tmp_path, style):
    """Government templates often number the columns (栏次) in the row under the header."""
    rows = table("penalty", 3)
    n = len(rows[0])
    numbers = {"ints": list(range(1, n + 1)), "texts": [str(i) for i in range(1, n + 1)],
               "brackets": [f"（{i}）" for i in range(1, n + 1)],
               "circled": [chr(0x2460 + i) for i in range(min(n, 20))] + [None] * (n - 20)}[style]
    path = write_xlsx(tmp_path / "p.xlsx", [rows[0], numbers, *rows[1:]])
    result = import_file(ctx, path, ImportOptions(dry_run=True))
    assert (result.rows, result.valid) == (3, 3)
    assert [(i.row, i.rule) for i in result.issues] == [(2, "header_row")]
    assert "栏次" in result.issues[0].message


def test_a_number_too_large_for_a_float_under_the_header_is_read_as_a_cell(ctx, tmp_path):
    """1.7976931348623157e308 comes back from the file as infinity: no column number, and no traceback
    (found by the random-workbook test)."""
    rows = table("penalty", 1)
    odd = [None] * len(rows[0])
    odd[0] = 1.7976931348623157e308
    result = import_file(ctx, write_xlsx(tmp_path / "p.xlsx", [rows[0], odd, *rows[1:]]), ImportOptions(dry_run=True))
    assert result.rows == 2 and result.valid == 1


@pytest.mark.parametrize("second", ["codes", "hints"])
def test_a_second_header_row_is_not_a_record(ctx, tmp_path, second):
    """Templates from other systems put the field codes (CF_XDR_MC …) or 必填/选填 next to the labels.
    A row of hints under the labels is skipped with a warning; of two header rows (labels and codes,
    either order) the lower one is the header and the upper one is left above it like a title."""
    rows = table("penalty", 3)
    cs = codes("penalty")
    extra = cs if second == "codes" else ["*必填" if i % 3 else "选填项" for i in range(len(cs))]
    # A 序号 column numbers the second row too.
    numbered = [["序号", *rows[0]], ["", *extra], *([n, *r] for n, r in enumerate(rows[1:], 1))]
    result = import_file(ctx, write_xlsx(tmp_path / "n.xlsx", numbered), ImportOptions(dry_run=True))
    assert (result.rows, result.valid) == (3, 3)
    want = [] if second == "codes" else [(2, "header_row")]
    assert [(i.row, i.rule) for i in result.issues] == want
    result = import_file(ctx, write_xlsx(tmp_path / "p.xlsx", [rows[0], extra, *rows[1:]]))
    assert (result.header_row, result.rows, result.valid, result.imported) == (1 + (second == "codes"), 3, 3, 3)
    assert [(i.row, i.rule) for i in result.issues] == want
    if second == "codes":  # codes above the labels
        above = import_file(ctx, write_xlsx(tmp_path / "q.xlsx", [cs, *rows]), ImportOptions(dry_run=True))
        assert (above.header_row, above.rows, above.valid) == (2, 3, 0)  # all duplicates of the stored ones
        assert not [i for i in above.issues if i.rule != "duplicate_record"]
    # A hint row with a number in the 序号 column is still a hint row.
    numbered[1][0] = 0
    again = import_file(ctx, write_xlsx(tmp_path / "m.xlsx", numbered), ImportOptions(dry_run=True))
    assert (again.rows, again.invalid) == (3, 3)  # duplicates of the stored ones, no fourth record


def test_cells_that_say_nothing_are_empty(ctx, tmp_path):
    """Clerks write 无, / or - where a column does not apply (法定代表人 of a natural person, 备注):
    read as empty cells, so they are neither sent nor reported as wrong values; one warning says so."""
    rng = random.Random(12)
    rows = table("penalty", 3)
    cs = codes("penalty")
    col = cs.index
    person = factories.subject("CF", rng, "自然人")
    for code in cs:
        if code.startswith(("CF_XDR_", "CF_FR")) and code not in ("CF_XDR_MC", "CF_XDR_LB"):
            rows[2][col(code)] = person.get(code) or rng.choice(["无", "/", " - ", "——", "暂无"])
    rows[2][col("CF_XDR_MC")], rows[2][col("CF_XDR_LB")] = person["CF_XDR_MC"], "自然人"
    rows[1][col("BZ")] = "无"
    result = import_file(ctx, write_xlsx(tmp_path / "p.xlsx", rows))
    assert (result.rows, result.valid, result.imported) == (3, 3, 3), [i.message for i in result.issues]
    [note] = result.issues
    assert note.rule == "cell_means_nothing" and note.row == 2 and "已按空白处理" in note.message
    fields = [r.fields for r in ctx.queue.list()]
    assert not any(v in ("无", "/", "-", "——", "暂无") for f in fields for v in f.values())
