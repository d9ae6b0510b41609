"""`creditdesk import FILE [--kind K] [--sheet NAME] [--dry-run] [--errors OUT.xlsx] [--skip-invalid]
[--force] [--map 表头=字段] [--unit 字段=元] [--json]`: import a spreadsheet (.xlsx/.xls/.ods/.csv) into
the queue, or check it."""

from __future__ import annotations

import sys
from pathlib import Path

from app.cli.common import context, print_json
from app.errors import UserError
from app.excel import ImportOptions, ImportRefused, ImportResult, import_file
from app.validation.findings import ERROR

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv", ".et")
MAX_LINES = 200  # text output; the rest is in --errors and --json


def register(sub) -> None:
    p = sub.add_parser("import", help="导入 Excel/WPS/ODS/CSV 表格（通过校验的为待报送，其余为草稿）")
    p.add_argument("file", help="表格文件（.xlsx、.xls、.ods、.csv）")
    p.add_argument("--kind", help="记录类别：license、penalty、enforcement、inspection（默认按表头判断）")
    p.add_argument("--sheet", help="工作表名称（默认：第一个表头匹配的可见工作表）")
    p.add_argument("--dry-run", action="store_true", help="只检查，不保存")
    p.add_argument("--errors", metavar="OUT.xlsx", help="把有错误的行写入错误报告（可修改后直接导入）")
    p.add_argument("--skip-invalid", action="store_true", help="有错误的行不导入（默认作为草稿导入）")
    p.add_argument("--force", action="store_true", help="同一文件已导入过时仍然导入")
    p.add_argument("--map", action="append", default=[], metavar="表头=字段代码",
                   help="指定某列对应的数据项，如 --map 执法机关=CF_CFJG；字段代码留空表示不导入（可重复）")
    p.add_argument("--unit", action="append", default=[], metavar="字段代码=元|万元",
                   help="表头没有写单位的金额列按什么单位填写，如 --unit CF_NR_FK=元（可重复）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    p.set_defaults(func=run)


def _pairs(values: list[str], what: str) -> dict[str, str]:
    out = {}
    for v in values:
        key, sep, value = v.partition("=")
        if not sep or not key.strip():
            raise UserError(f"{what}应写作“名称=值”，例如 {'执法机关=CF_CFJG' if what == '--map ' else 'CF_NR_FK=元'}。",
                            "bad_argument")
        out[key.strip()] = value.strip()
    return out


def run(args) -> int:
    units = _pairs(args.unit, "--unit ")
    bad = [u for u in units.values() if u not in ("元", "万元")]
    if bad:
        raise UserError(f"--unit 的单位只能是“元”或“万元”，不能是“{bad[0]}”。", "bad_argument")
    options = ImportOptions(kind=args.kind, sheet=args.sheet, dry_run=args.dry_run,
                            skip_invalid=args.skip_invalid, force=args.force, keep_rows=bool(args.errors),
                            mapping=_pairs(args.map, "--map "), units=units)
    return run_with(args, options)


def run_dry_run(args) -> int:
    """`creditdesk validate FILE.xlsx`: the same as `import --dry-run`."""
    options = ImportOptions(kind=getattr(args, "kind", None), sheet=getattr(args, "sheet", None), dry_run=True,
                            keep_rows=bool(getattr(args, "errors", None)))
    return run_with(args, options)


def run_with(args, options: ImportOptions) -> int:
    ctx = context(args)
    try:
        try:
            result = import_file(ctx, args.file, options)
        except ImportRefused as exc:
            return _refused(args, exc)
        report_rows = None
        errors_out = getattr(args, "errors", None)
        if errors_out:
            from app.excel.report import write_error_report

            report_rows = write_error_report(result, errors_out)
        if args.json:
            print_json(result.to_json())
        else:
            _print(result, errors_out, report_rows)
        return 1 if result.refused else 0
    finally:
        ctx.close()


def _refused(args, exc: ImportRefused) -> int:
    if args.json:
        print_json({"file": Path(args.file).name, "kind": None, "rows": 0, "valid": 0, "invalid": 0, "imported": 0,
                    "issues": [i.to_dict() for i in exc.issues]})
    else:
        for i in exc.issues:
            tag = "错误" if i.severity == ERROR else "提示"
            where = f"{i.where}：" if i.row is not None or i.column else ""
            print(f"{tag}：{where}{i.message}", file=sys.stderr)
        print("没有保存任何记录。", file=sys.stderr)
    return 2


def _print(r: ImportResult, errors_out: str | None, report_rows: int | None) -> None:
    print(f"文件「{r.file}」：工作表「{r.sheet}」，表头在第 {r.header_row} 行，类别 {r.kind}。")
    print(f"共 {r.rows} 行数据：{r.valid} 行通过，{r.invalid} 行有错误。")
    if r.refused:
        print("文件存在必须先修改的问题（见下），不能导入；没有保存任何记录。")
    elif r.dry_run:
        print("这是检查（试导入），没有保存任何记录。")
    else:
        drafts = r.imported - r.valid if r.imported >= r.valid else 0
        print(f"已保存 {r.imported} 条记录（{r.imported - drafts} 条待报送，{drafts} 条草稿）"
              + (f"，{r.skipped} 行有错误未导入。" if r.skipped else "。"))
    if r.issues:
        print("问题汇总（按规则）：")
        for rule, severity, count, message in r.summary():
            print(f"  {'错误' if severity == ERROR else '提示'} {rule} × {count}：{message}")
        print("明细：")
        for i in r.issues[:MAX_LINES]:
            print(f"  {i.where} {'错误' if i.severity == ERROR else '提示'} {i.message}")
        if len(r.issues) > MAX_LINES:
            print(f"  …… 另有 {len(r.issues) - MAX_LINES} 条，请用 --errors 导出错误报告或用 --json 查看全部。")
    if errors_out:
        print(f"错误报告已写入 {errors_out}（{report_rows} 行有错误）。")
