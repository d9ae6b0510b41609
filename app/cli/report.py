"""`creditdesk report --month YYYY-MM [--json] [--out FILE.xlsx]`: the monthly monitoring figures.

With --json exactly one JSON object on stdout (figures per kind and in total, the rates with their
formulas, the omission hints, and the report path when --out was given). A malformed month or an
unusable --out path is a UserError (exit 2).
"""

from __future__ import annotations

from pathlib import Path

from app.cli.common import context, print_json
from app.errors import UserError
from app.reports.figures import ERROR_RATE_FORMULA, LATE_RATE_FORMULA, Figures, MonthFigures, monthly_figures
from app.reports.figures import parse_month as _parse_month

MAX_PRINTED_GAPS = 20


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report",
        help="月度监测数据与月报（按时、迟报、被退回、逾期、可能漏报）",
        description="统计某月作出决定的记录的报送情况，可导出 Excel 月报（证件号码已遮蔽）。",
    )
    parser.add_argument("--month", required=True, metavar="YYYY-MM", help="统计月份，例如 2026-11")
    parser.add_argument("--json", action="store_true", help="以一个 JSON 对象输出")
    parser.add_argument("--out", metavar="FILE.xlsx", help="把月报写入 Excel 文件")
    parser.set_defaults(func=run)


def _check_out(text: str) -> Path:
    path = Path(text).expanduser()
    if path.suffix.lower() != ".xlsx":
        raise UserError(f"月报文件名应以 .xlsx 结尾：{text}", "invalid_output")
    if not path.parent.is_dir():
        raise UserError(f"保存月报的文件夹不存在：{path.parent}", "invalid_output")
    if path.is_dir():
        raise UserError(f"{text} 是一个文件夹，请给出文件名，例如 月报-2026-11.xlsx", "invalid_output")
    return path


def run(args) -> int:
    month = _parse_month(args.month)  # before opening anything: a typo costs nothing
    out = _check_out(args.out) if args.out else None
    ctx = context(args)
    try:
        figures = monthly_figures(ctx, month, listings=out is not None)
    finally:
        ctx.close()
    written = None
    if out is not None:
        from app.reports.workbook import write_report  # openpyxl only when a file is asked for

        try:
            written = write_report(figures, out)
        except OSError as exc:
            raise UserError(f"无法写入月报文件 {out}：{exc.strerror or exc}", "write_failed") from None
    if args.json:
        data = figures.to_dict()
        data["out"] = str(written) if written else None
        print_json(data)
        return 0
    _print_summary(figures)
    if written:
        print(f"月报已保存到：{written}")
    return 0


def _pct(rate: float | None) -> str:
    return "—（无可计算的记录）" if rate is None else f"{rate * 100:.2f}%"


def _line(f: Figures) -> str:
    return (f"{f.label}：决定 {f.decisions} 条，已报送 {f.submitted} 条，按时 {f.accepted_on_time} 条，"
            f"迟报 {f.accepted_late} 条，未判定 {f.unjudged} 条，被退回 {f.returned} 条（仍待修改 {f.returned_open} 条），"
            f"逾期未报 {f.outstanding_overdue} 条，即将到期 {f.outstanding_due_soon} 条，"
            f"可能漏报 {f.possible_omissions} 个；迟报率 {_pct(f.late_rate)}，差错率 {_pct(f.error_rate)}")


def _print_summary(figures: MonthFigures) -> None:
    print(f"{figures.month} 月报送情况（按决定日期统计，统计日期 {figures.today.isoformat()}）")
    for f in figures.kinds:
        if f.decisions or f.possible_omissions:
            print("  " + _line(f))
    print("  " + _line(figures.total))
    print(f"  {LATE_RATE_FORMULA}；{ERROR_RATE_FORMULA}")
    if figures.omissions:
        print(f"可能漏报的文书号（{len(figures.omissions)} 处缺号，请核对是否有未录入的决定）：")
        for gap in figures.omissions[:MAX_PRINTED_GAPS]:
            print(f"  {gap.describe()}（前：{gap.before.doc_number}，后：{gap.after.doc_number}）")
        if len(figures.omissions) > MAX_PRINTED_GAPS:
            print(f"  ……另有 {len(figures.omissions) - MAX_PRINTED_GAPS} 处，完整清单请用 --out 导出 Excel。")
