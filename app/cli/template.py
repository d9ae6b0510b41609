"""`creditdesk template KIND OUT.xlsx`: write the import template of a record kind."""

from __future__ import annotations

from app.cli.common import context
from app.errors import UserError
from app.excel.template import kind_by_name, write_template


def register(sub) -> None:
    p = sub.add_parser("template", help="生成某一类记录的 Excel 导入模板")
    p.add_argument("kind", help="记录类别：license、penalty、enforcement、inspection（或中文名称）")
    p.add_argument("out", help="输出文件，例如 行政处罚模板.xlsx")
    p.set_defaults(func=run)


def run(args) -> int:
    ctx = context(args)
    try:
        catalog = ctx.catalogs.active()
        kind = kind_by_name(catalog, args.kind)
        if kind is None:
            known = "、".join(f"{k.id}（{k.label}）" for k in catalog.kinds.values())
            raise UserError(f"没有“{args.kind}”这个记录类别，可用：{known}。", "bad_argument")
        try:
            path = write_template(catalog, kind, args.out)
        except OSError as exc:
            raise UserError(f"无法写入 {args.out}（{exc.strerror or exc.__class__.__name__}）。", "unwritable") from None
        print(f"已生成{kind.label}导入模板：{path}（{len(kind.fields)} 列，带 * 的为必填）。")
        return 0
    finally:
        ctx.close()
