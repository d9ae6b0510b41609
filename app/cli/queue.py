"""`creditdesk queue add FILE.json` and `creditdesk queue list [--state S] [--kind K] [--json]`."""

from __future__ import annotations

from app.cli.common import context, print_json
from app.cli.validate import findings_as_issues
from app.errors import UserError
from app.queue import states as st
from app.recordfile import read_records_json


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
        print(f"{skipped} 条记录的类别不在数据目录中，未加入。")
    return 0


def record_summary(rec, kinds: dict) -> dict:
    return {
        "client_id": rec.client_id, "kind": rec.kind, "kind_label": getattr(kinds.get(rec.kind), "label", rec.kind),
        "state": rec.state, "revision": rec.revision, "subject_name": rec.subject_name,
        "doc_number": rec.doc_number, "decision_date": rec.decision_date, "deadline": rec.deadline,
        "errors": rec.error_count, "warnings": rec.warning_count, "catalog_version": rec.catalog_version,
        "platform_id": rec.platform_id, "platform_message": rec.platform_message,
        "updated_at": rec.updated_at.isoformat() if rec.updated_at else None,
    }


def run_list(args) -> int:
    if args.state and args.state not in st.STATES:
        raise UserError(f"没有“{args.state}”这个状态，可用：{'、'.join(st.STATES)}。", "bad_argument")
    ctx = context(args)
    kinds = ctx.catalogs.active().kinds
    if args.kind and args.kind not in kinds:
        raise UserError(f"没有“{args.kind}”这个类别，可用：{'、'.join(kinds)}。", "bad_argument")
    records = ctx.queue.list(state=args.state, kind=args.kind)
    rows = [record_summary(r, kinds) for r in records]
    if args.json:
        print_json(rows)
        return 0
    if not rows:
        print("队列中没有符合条件的记录。")
        return 0
    for r in rows:
        print(f"{st.LABELS[r['state']]:<4} {r['kind_label']} {r['doc_number'] or '（无文书号）'} "
              f"决定日期 {r['decision_date'] or '—'} 截止 {r['deadline'] or '未知'} {r['subject_name'] or ''}")
    print(f"共 {len(rows)} 条。")
    return 0
