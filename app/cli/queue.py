"""`creditdesk queue add FILE.json` and `creditdesk queue list [--state S] [--kind K] [--json]`."""

from __future__ import annotations

from datetime import date

from app.cli.common import context, print_json
from app.cli.validate import findings_as_issues
from app.clock import today
from app.errors import UserError
from app.queue import states as st
from app.recordfile import read_records_json
from app.workdays.deadline import BAND_LABELS, countdown, timeliness


def register(sub) -> None:
    p = sub.add_parser("queue", help="本地报送队列")
    qs = p.add_subparsers(dest="queue_command", metavar="ACTION", required=True)
    a = qs.add_parser("add", help="把记录文件加入队列（通过校验的为待报送，其余为草稿）")
    a.add_argument("file")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=run_add)
    ls = qs.add_parser("list", help="列出队列中的记录")
    ls.add_argument("--state", help="状态：" + "、".join(f"{s}（{st.LABELS[s]}）" for s in st.STATES))
    ls.add_argument("--kind", help="类别：license、penalty、enforcement、inspection")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_list)


def run_add(args) -> int:
    items = read_records_json(args.file)
    ctx = context(args)
    results = ctx.queue.add(items, source=f"file:{args.file}")
    ready = sum(1 for r in results if r.state == st.READY)
    draft = sum(1 for r in results if r.state == st.DRAFT)
    skipped = sum(1 for r in results if r.client_id is None)
    if args.json:
        print_json({
            "records": len(results), "added": ready + draft, "ready": ready, "draft": draft, "skipped": skipped,
            "items": [{"index": i, "client_id": r.client_id, "state": r.state} for i, r in enumerate(results)],
            "issues": findings_as_issues(results),
        })
        return 0
    print(f"已加入 {ready + draft} 条记录：{ready} 条待报送，{draft} 条草稿（有错误待修改）。")
    if skipped:
        print(f"{skipped} 条记录无法识别（类别不在数据目录中，或不是完整的记录），未加入。")
    return 0


def _timing(rec, calendar, today_, due_soon: int) -> dict:
    """Countdown band for records still to be reported; on time/late for accepted ones."""
    deadline = date.fromisoformat(rec.deadline) if rec.deadline else None
    if rec.first_received_at:
        return {"days_left": None, "band": None, "timeliness": timeliness(deadline, rec.first_received_at)}
    if rec.state == st.WITHDRAWN:
        return {"days_left": None, "band": None, "timeliness": None}
    cd = countdown(calendar, deadline, today_, due_soon)
    return {"days_left": cd.days_left, "band": cd.band, "timeliness": None}


def record_summary(rec, kinds: dict, calendar=None, today_=None, due_soon: int = 2) -> dict:
    timing = _timing(rec, calendar, today_, due_soon) if calendar is not None else {}
    return {
        "client_id": rec.client_id, "kind": rec.kind, "kind_label": getattr(kinds.get(rec.kind), "label", rec.kind),
        "state": rec.state, "revision": rec.revision, "subject_name": rec.subject_name,
        "doc_number": rec.doc_number, "decision_date": rec.decision_date, "deadline": rec.deadline,
        "errors": rec.error_count, "warnings": rec.warning_count, "catalog_version": rec.catalog_version,
        "platform_id": rec.platform_id, "platform_message": rec.platform_message,
        "updated_at": rec.updated_at.isoformat() if rec.updated_at else None,
        **timing,
    }


def run_list(args) -> int:
    if args.state and args.state not in st.STATES:
        raise UserError(f"没有“{args.state}”这个状态，可用：{'、'.join(st.STATES)}。", "bad_argument")
    ctx = context(args)
    kinds = ctx.catalogs.active().kinds
    if args.kind and args.kind not in kinds:
        raise UserError(f"没有“{args.kind}”这个类别，可用：{'、'.join(kinds)}。", "bad_argument")
    records = ctx.queue.list(state=args.state, kind=args.kind)
    calendar, now_ = ctx.calendar, today()
    rows = [record_summary(r, kinds, calendar, now_, ctx.settings.due_soon_days) for r in records]
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("队列中没有符合条件的记录。")
        return 0
    for r in rows:
        if r["deadline"]:
            due = f"截止 {r['deadline']}"
        elif r["decision_date"]:
            due = "截止日未知：日历未覆盖，请同步平台日历或导入日历文件（creditdesk calendar import）"
        else:
            due = "截止日未知：缺少决定日期"
        state = st.LABELS[r["state"]]
        if r.get("timeliness"):
            state += "（按时）" if r["timeliness"] == "on_time" else "（迟报）"
        elif r.get("band") and r["band"] != "normal":
            state += f"（{BAND_LABELS[r['band']]}）"
        print(f"{state} {r['kind_label']} {r['doc_number'] or '（无文书号）'} "
              f"决定日期 {r['decision_date'] or '—'} {due} {r['subject_name'] or ''}")
    print(f"共 {len(rows)} 条。")
    return 0
