"""`creditdesk calendar show YEAR` and `creditdesk calendar import FILE.json`.

`show` exits with status 1 when no source covers the year: like `grep` finding nothing, the
command worked but has nothing to show, and a script can tell without parsing text. A bad
argument or a bad file is a UserError (exit 2).
"""

from __future__ import annotations

from datetime import date

from app.cli.common import context, print_json
from app.errors import UserError
from app.workdays.calendar import WEEKDAY_NAMES, WorkCalendar, YearTable
from app.workdays.sources import SOURCE_LABELS, import_calendar_file

HOW_TO_COVER = "请同步平台日历，或导入日历文件 (creditdesk calendar import FILE.json)"


def _days(days: frozenset[date]) -> str:
    return "、".join(f"{d:%m-%d}（{WEEKDAY_NAMES[d.weekday()]}）" for d in sorted(days)) or "无"


def _covered_text(calendar: WorkCalendar) -> str:
    years = calendar.covered_years()
    return "、".join(str(y) for y in years) if years else "无"


def _source_text(table: YearTable) -> str:
    label = SOURCE_LABELS[table.source]
    return f"{label}（{table.note}）" if table.note else label


def _parse_year(text: str) -> int:
    if text.strip().isdigit() and 1900 <= int(text) <= 2200:
        return int(text)
    raise UserError(f"年份应为四位数字，例如 2027，实际为：{text}", "invalid_year")


def show(args) -> int:
    year = _parse_year(args.year)
    ctx = context(args)
    try:
        calendar = ctx.calendar
        table = calendar.year_source(year)
        if table is None:
            if args.json:
                print_json({"year": year, "covered": False, "covered_years": calendar.covered_years()})
            else:
                print(f"{year} 年的工作日历未覆盖：{HOW_TO_COVER}")
                print(f"已覆盖的年份：{_covered_text(calendar)}")
            return 1
        count = table.workday_count()
        if args.json:
            print_json(
                {
                    "year": year,
                    "covered": True,
                    "source": table.source,
                    "note": table.note,
                    "workday_count": count,
                    "holidays": sorted(d.isoformat() for d in table.holidays),
                    "workdays": sorted(d.isoformat() for d in table.workdays),
                }
            )
            return 0
        print(f"{year} 年工作日历")
        print(f"来源：{_source_text(table)}")
        print(f"工作日：{count} 天")
        print(f"放假的工作日（{len(table.holidays)} 天）：{_days(table.holidays)}")
        print(f"调休上班日（{len(table.workdays)} 天）：{_days(table.workdays)}")
        return 0
    finally:
        ctx.close()


def import_file(args) -> int:
    ctx = context(args)
    try:
        table = import_calendar_file(ctx.store, args.file)
        in_use = ctx.reload_calendar().year_source(table.year)
        print(
            f"已导入 {table.year} 年日历：放假的工作日 {len(table.holidays)} 天，"
            f"调休上班日 {len(table.workdays)} 天，全年工作日 {table.workday_count()} 天。"
        )
        print(f"{table.year} 年现在使用：{_source_text(in_use)}")
        changed = ctx.queue.recompute_deadlines()
        print(f"已重新计算 {changed} 条记录的报送截止日。")
        if in_use.source != "file":
            print("（平台日历优先于导入的文件，导入的文件已保存，仅在没有平台日历时使用。）")
        covered = ctx.calendar.covered_years()
        gaps = [y for y in range(covered[0], table.year) if y not in covered]
        if gaps:
            # Counting never crosses an uncovered year, so say which years still block it.
            print(f"注意：{'、'.join(map(str, gaps))} 年尚未覆盖，跨越这些年份的期限仍无法计算。")
        return 0
    finally:
        ctx.close()


def register(subparsers) -> None:
    parser = subparsers.add_parser("calendar", help="查看或导入工作日历", description="查看或导入工作日历")
    sub = parser.add_subparsers(dest="calendar_command", metavar="ACTION", required=True)
    p_show = sub.add_parser("show", help="显示某一年的工作日历；未覆盖的年份退出码为 1")
    p_show.add_argument("year", metavar="YEAR", help="年份，例如 2026")
    p_show.add_argument("--json", action="store_true", help="以 JSON 输出")
    p_show.set_defaults(func=show)
    p_import = sub.add_parser("import", help="导入日历文件（平台 /calendar/{year} 格式的 JSON）")
    p_import.add_argument("file", metavar="FILE.json", help="日历 JSON 文件")
    p_import.set_defaults(func=import_file)
