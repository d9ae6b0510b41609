"""`creditdesk validate FILE.json [--json]`: check records offline without storing them.

A JSON file is checked on its own (duplicates within the file included), against the catalog,
calendar and list the data folder holds: the same file gives the same answer whatever the queue
holds. `queue add` checks against the queue as well. A spreadsheet (.xlsx/.xls/.ods/.csv) is
checked as `creditdesk import FILE --dry-run` does, which predicts the import, queue included."""

from __future__ import annotations

from app.cli.common import context, print_json
from app.recordfile import read_records_json
from app.validation.findings import ERROR


def register(sub) -> None:
    p = sub.add_parser("validate", help="离线校验记录文件（不保存）")
    p.add_argument("file", help="记录文件（JSON 数组），或 .xlsx/.xls/.ods/.csv 表格")
    p.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    p.set_defaults(func=run)


def findings_as_issues(results) -> list[dict]:
    return [{"index": i, "field": f.field, "severity": f.severity, "rule": f.rule, "message": f.message}
            for i, res in enumerate(results) for f in res.findings]


def run(args) -> int:
    from app.cli.importer import SPREADSHEET_SUFFIXES, run_dry_run

    if str(args.file).lower().endswith(SPREADSHEET_SUFFIXES):
        return run_dry_run(args)
    items = read_records_json(args.file)
    ctx = context(args)
    results = ctx.queue.validator.check_batch(items)
    valid = sum(1 for r in results if r.ok)
    issues = findings_as_issues(results)
    if args.json:
        print_json({"records": len(results), "valid": valid, "invalid": len(results) - valid, "issues": issues})
        return 0
    print(f"共 {len(results)} 条记录：{valid} 条通过，{len(results) - valid} 条有错误。")
    for issue in issues:
        tag = "错误" if issue["severity"] == ERROR else "提示"
        where = f"[{issue['field']}]" if issue["field"] else "[整条记录]"
        print(f"  第 {issue['index'] + 1} 条 {tag} {where} {issue['message']}")
    return 0
