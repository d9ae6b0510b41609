"""`creditdesk deadline DATE …`: the reporting deadline for decision dates.

Exit status 0 whenever every date could be read, also for dates the calendar does not cover:
"uncovered" is an answer (the `covered` field says so), not a failure. An unreadable date is a
UserError (exit 2).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from app.cli.common import context, print_json
from app.errors import UserError
from app.workdays.calendar import WEEKDAY_NAMES, WorkCalendar
from app.workdays.deadline import DEFAULT_DAYS, deadlines_for

UNCOVERED_HINT = "日历未覆盖：请同步平台日历或导入日历文件 (creditdesk calendar import FILE.json)"
_DATE = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})")


def parse_date_arg(text: str) -> date:
    """YYYY-MM-DD or YYYY/MM/DD, one-digit month and day allowed (full-width digits too)."""
    match = _DATE.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match:
        try:
            return date(int(match[1]), int(match[3]), int(match[4]))
        except ValueError:
            raise UserError(f"日期不存在：{text}", "invalid_date") from None
    raise UserError(
        f"无法识别的日期：{text}（请写成 YYYY-MM-DD 或 YYYY/MM/DD，例如 2023-09-27）", "invalid_date"
    )


def parse_days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        days = 0
    if days < 1:
        raise UserError(f"--days 应为正整数（工作日天数），实际为：{text}", "invalid_days")
    return days


def day_label(calendar: WorkCalendar, d: date) -> str:
    working = calendar.is_workday(d)
    if working is None:
        kind = "未覆盖"
    elif working:
        kind = "调休上班" if d.weekday() >= 5 else "工作日"
    else:
        kind = "休息日"
    return f"{WEEKDAY_NAMES[d.weekday()]}，{kind}"


def run(args) -> int:
    decisions = [parse_date_arg(text) for text in args.dates]
    days = parse_days(args.days)
    ctx = context(args)
    try:
        calendar = ctx.calendar
        deadlines = deadlines_for(calendar, list(decisions), days)
        if args.json:
            print_json(
                [
                    {
                        "decision_date": d.isoformat(),
                        "deadline": dl.isoformat() if dl else None,
                        "covered": dl is not None,
                    }
                    for d, dl in zip(decisions, deadlines, strict=True)
                ]
            )
            return 0
        print(f"报送期限：决定日期后第 {days} 个工作日（决定当日不计）")
        for d, dl in zip(decisions, deadlines, strict=True):
            shown = f"{dl.isoformat()}（{WEEKDAY_NAMES[dl.weekday()]}）" if dl else UNCOVERED_HINT
            print(f"{d.isoformat()}（{day_label(calendar, d)}）  →  {shown}")
        return 0
    finally:
        ctx.close()


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "deadline",
        help="计算报送期限（决定日期后第 7 个工作日）",
        description="按工作日历计算决定日期的报送期限：决定日期后第 N 个工作日，决定当日不计。",
    )
    parser.add_argument("dates", nargs="+", metavar="DATE", help="决定日期，YYYY-MM-DD 或 YYYY/MM/DD")
    parser.add_argument("--json", action="store_true", help="以 JSON 数组输出")
    parser.add_argument("--days", default=str(DEFAULT_DAYS), metavar="N", help="工作日天数（默认 7）")
    parser.set_defaults(func=run)
