"""`creditdesk login`, `creditdesk logout` and `creditdesk sync [--json]`."""

from __future__ import annotations

import getpass
import os
import sys

from app.cli.common import context, print_json
from app.errors import UserError

PASSWORD_ENV = "CREDITDESK_PASSWORD"


def register(sub) -> None:
    p = sub.add_parser("login", help="登录平台账号（密码保存在系统钥匙串中）")
    p.add_argument("--url", required=True, help="平台接口地址，例如 https://credit.example.gov.cn/api/v1")
    p.add_argument("--username", required=True)
    p.add_argument("--ca-bundle", help="内部 CA 证书文件（PEM）")
    p.add_argument("--proxy", help="HTTP 代理，例如 http://10.1.1.1:8080")
    p.set_defaults(func=run_login)
    p = sub.add_parser("logout", help="退出平台账号（从系统钥匙串删除密码）")
    p.set_defaults(func=run_logout)
    p = sub.add_parser("sync", help="一键报送：同步目录、日历、名单，报送待报送记录，获取平台反馈")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_sync_command)


def run_login(args) -> int:
    from app.platform.client import PlatformClient
    from app.platform.credentials import save_password

    password = os.environ.get(PASSWORD_ENV)
    if not password:
        if not sys.stdin or not sys.stdin.isatty():
            raise UserError(f"请输入密码（或设置环境变量 {PASSWORD_ENV}）。", "no_password")
        password = getpass.getpass("平台密码：")
    ctx = context(args)
    st = ctx.settings
    client = PlatformClient(args.url, username=args.username, password=password,
                            ca_bundle=args.ca_bundle or st.ca_bundle, proxy=args.proxy or st.proxy,
                            connect_timeout=st.connect_timeout, read_timeout=st.read_timeout)
    try:
        account = client.login()
    finally:
        client.close()
    try:
        save_password(args.url, args.username, password)
        saved = True
    except UserError:
        saved = False  # no keyring service (a headless server): the password is never written elsewhere
    st.platform_url, st.username = args.url.rstrip("/"), args.username
    st.ca_bundle = args.ca_bundle or st.ca_bundle
    st.proxy = args.proxy or st.proxy
    st.department_name, st.department_uscc = account.department_name, account.department_uscc
    st.allowed_kinds = list(account.kinds)
    ctx.save_settings()
    print(f"登录成功：{account.username}（{account.department_name}）。"
          + ("密码已保存在系统钥匙串中。" if saved else
             f"这台电脑没有可用的系统钥匙串，密码没有保存：报送时请用环境变量 {PASSWORD_ENV} 提供密码。"))
    return 0


def run_logout(args) -> int:
    from app.platform.credentials import delete_password

    ctx = context(args)
    st = ctx.settings
    removed = delete_password(st.platform_url, st.username) if st.username else False
    print("已退出登录，密码已从系统钥匙串删除。" if removed else "没有已保存的平台密码。")
    return 0


def run_sync_command(args) -> int:
    from app.platform.sync import PHASES, run_sync

    ctx = context(args)

    def progress(phase: str, done: int, total: int) -> None:
        if not args.json and done == 0:
            print(f"… {PHASES.get(phase, phase)}", file=sys.stderr)

    summary = run_sync(ctx, progress=progress)
    if args.json:
        print_json(summary.to_json())
    else:
        print(f"报送 {summary.sent} 条：接收 {summary.accepted + summary.duplicate} 条，退回 {summary.rejected} 条，"
              f"冲突 {summary.conflict} 条，撤销 {summary.withdrawn} 条；平台反馈退回 {summary.returned} 条。")
        print(f"数据目录 {summary.catalog_version}；工作日历 {'、'.join(map(str, summary.calendar_years))} 年；"
              f"严重失信主体名单 {summary.blacklist_entries} 条。")
        for note in summary.notes:
            print(f"· {note}")
        if not summary.ok:
            print(f"错误：{summary.error}", file=sys.stderr)
    return 0 if summary.ok else 1
