"""The `creditdesk` command: the same core functions the windows use, for scripts and tests.

With no sub-command it starts the desktop program.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import sys

from app import __version__
from app.errors import UserError

# Each module has register(subparsers), which adds its sub-command(s) and sets `func`.
COMMAND_MODULES = ("validate", "queue", "deadline", "calendar", "catalog", "platform", "report", "backup", "importer", "template")

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="creditdesk", description="CreditDesk 信用信息报送客户端")
    parser.add_argument("--version", action="version", version=f"CreditDesk {__version__}")
    parser.add_argument("--data-dir", help="数据目录（默认：用户数据目录，或环境变量 CREDITDESK_HOME）")
    parser.add_argument("--self-test", action="store_true", help="在临时目录中自检（数据库、目录、日历、校验、主窗口）")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"app.cli.{name}").register(sub)
    return parser


def _configure_stdio() -> None:
    # Chinese messages must print on a Windows console or a C-locale terminal as well.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(encoding="utf-8", errors="replace")


def main(argv: list[str] | None = None) -> int:
    _configure_stdio()
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_test:
        from app.selftest import run_self_test

        return run_self_test()
    if not args.command:
        from ui.app import run_gui  # imported late: the command line never needs Qt

        return run_gui(args.data_dir)
    from app.logs import setup_logging
    from app.paths import data_dir

    try:
        setup_logging(data_dir(args.data_dir))
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("已取消。", file=sys.stderr)
        return 130
    except Exception:  # the last line of defence: a clear sentence instead of a traceback
        log.exception("unexpected failure in %s", args.command)
        print("错误：程序内部出错，详细信息已写入日志文件，请联系技术支持。", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
