"""`creditdesk catalog list` and `creditdesk catalog import FILE.json` (a catalog received as a file)."""

from __future__ import annotations

from app.catalog.loader import load_document
from app.cli.common import context, print_json

SOURCES = {"bundled": "程序自带", "platform": "平台", "file": "文件导入"}


def register(sub) -> None:
    p = sub.add_parser("catalog", help="数据目录的版本与导入")
    cs = p.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)
    ls = cs.add_parser("list", help="列出已保存的目录版本")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=run_list)
    imp = cs.add_parser("import", help="导入目录文件并启用（通过格式校验才会启用）")
    imp.add_argument("file")
    imp.set_defaults(func=run_import)


def run_list(args) -> int:
    ctx = context(args)
    ctx.catalogs.active()
    rows = [{"version": v, "source": src, "active": a} for v, src, a in ctx.catalogs.versions()]
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        mark = "（使用中）" if r["active"] else ""
        print(f"{r['version']}  来源：{SOURCES.get(r['source'], r['source'])}{mark}")
    return 0


def run_import(args) -> int:
    catalog = load_document(args.file)  # raises CatalogError (exit 2) before anything changes
    ctx = context(args)
    ctx.catalogs.install(catalog.document, "file")
    counts = ctx.queue.revalidate()
    print(f"已启用数据目录 {catalog.version}，重新校验 {counts['checked']} 条记录"
          f"（{counts.get('ready', 0)} 条待报送，{counts.get('draft', 0)} 条草稿）。")
    return 0
