"""`creditdesk backup [FILE]` and `creditdesk restore FILE`."""

from __future__ import annotations

from pathlib import Path

from app.cli.common import context
from app.paths import data_dir
from app.store.backup import make_backup, restore
from app.store.migrate import current_revision


def register(sub) -> None:
    p = sub.add_parser("backup", help="备份数据库（可在程序运行时进行）")
    p.add_argument("file", nargs="?", help="备份文件（默认：数据目录下的 backups 文件夹）")
    p.set_defaults(func=run_backup)
    p = sub.add_parser("restore", help="从备份恢复数据库（先检查备份的完整性；当前数据库会先另存一份）")
    p.add_argument("file")
    p.set_defaults(func=run_restore)


def run_backup(args) -> int:
    ctx = context(args)
    folder = ctx.store.path.parent  # opening the store creates and migrates it when needed
    path = make_backup(folder, Path(args.file) if args.file else None)
    ctx.close()
    print(f"已备份到 {path}")
    return 0


def run_restore(args) -> int:
    folder = data_dir(args.data_dir)
    count, safety = restore(folder, Path(args.file))
    ctx = context(args)
    revision = current_revision(ctx.store.engine)  # opening migrates: an older backup is upgraded
    ctx.close()
    print(f"已从备份恢复 {count} 条记录（数据库版本 {revision}）。"
          + (f"恢复前的数据库已另存为 {safety}。" if safety else ""))
    return 0
