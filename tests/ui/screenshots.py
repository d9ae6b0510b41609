"""Screenshots of the desktop program with realistic data, for people to look at.

    python -m tests.ui.screenshots OUTDIR                     # offscreen
    xvfb-run -a -s "-screen 0 1600x1000x24" python -m tests.ui.screenshots OUTDIR

A temporary data folder is filled the way a bureau's would be after a year of work: the reference
platform runs in-process on 127.0.0.1 and a year of records (four kinds) is reported through the
real sync, week by week with the platform's clock and "today" moved along, so on-time and late
receipts, returns by review with the platform's reasons, a re-sent correction, withdrawn records,
drafts with errors, records overdue or due soon and a batch still in flight all come from the core
as in real use. The in-memory keyring is used; the real one is never touched.

PNGs written: main_window, record_form_errors, import_columns, import_findings, sync_summary,
dashboard, settings, settings_department, settings_reminders, login.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

TODAY = date(2026, 11, 26)
USERNAME, PASSWORD = "srscjg_01", "demo-password"
DEPARTMENT = "上饶市市场监督管理局"
PLACES = ("信州区", "广丰区", "广信区", "鄱阳县", "婺源县", "玉山县", "德兴市", "弋阳县", "铅山县", "万年县")
TRADES = ("恒达建材", "绿源食品", "晨光文具", "鑫盛五金", "康宁大药房", "聚福楼餐饮", "佳美超市", "顺通物流",
          "金桥电器", "华源茶业", "福满园酒楼", "安心母婴", "新天地通讯", "宏远汽修", "明珠眼镜", "百草堂药店")
FORMS = ("有限公司", "商贸有限公司", "经营部", "股份有限公司")
PERSONS = ("王建华", "李秀英", "张志强", "刘芳", "陈明", "杨丽娟", "黄国平", "周小燕")
DOC_PREFIX = {"penalty": "饶市监罚", "license": "饶市监食许", "enforcement": "饶市监强", "inspection": "饶市监检"}
FIELD_PREFIX = {"penalty": "CF", "license": "XK", "enforcement": "QZ", "inspection": "JC"}
KIND_WEIGHTS = {"penalty": 5, "license": 4, "enforcement": 1, "inspection": 2}
RETURN_REASONS = {
    "penalty": ("处罚依据与违法事实不对应，请核实后更正。", "CF_YJ"),
    "license": ("许可证书编号与电子证照库登记信息不一致。", "XK_XKBH"),
    "enforcement": ("强制措施期限与决定书不一致，请核对。", "QZ_QXZI"),
    "inspection": ("检查结果表述不规范，请按检查结论填写。", "JC_JG"),
}


def wait_until(app, condition: Callable[[], bool], timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("screenshot step timed out")
        app.processEvents()
        time.sleep(0.01)
    for _ in range(5):  # let layouts and paints settle
        app.processEvents()


def settle(app, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


class Filler:
    """A year of a market-supervision bureau's records, reported through the real sync."""

    def __init__(self, ctx, platform):
        from tests import factories
        from tests.sync_helpers import FAST

        self.ctx, self.platform = ctx, platform
        self.factories, self.retry = factories, FAST
        self.rng = random.Random(2026)
        self.numbers: dict[tuple[str, int], int] = defaultdict(int)
        self.sent: list[tuple[str, str, date]] = []  # (client_id, kind, decided)

    # -- records ---------------------------------------------------------------------------------------
    def item(self, kind: str, decided: date, skip: int = 0, person: bool = False, **over) -> tuple[str, dict]:
        rng, p = self.rng, FIELD_PREFIX[kind]
        self.numbers[(kind, decided.year)] += 1 + skip
        n = self.numbers[(kind, decided.year)]
        fields = self.factories.record(kind, rng, n, decided=decided)
        fields[f"{p}_WSH"] = f"{DOC_PREFIX[kind]}〔{decided.year}〕{n}号"
        if person:
            for code in self.factories.subject(p, rng):  # the organisation's subject fields go
                fields.pop(code, None)
            fields.update(self.factories.subject(p, rng, "自然人"))
            fields[f"{p}_XDR_MC"] = rng.choice(PERSONS)
        else:
            fields[f"{p}_XDR_MC"] = f"上饶市{rng.choice(PLACES)}{rng.choice(TRADES)}{rng.choice(FORMS)}"
        if kind == "license":
            fields["XK_XKBH"] = f"JY3{decided.year}{n:08d}"
        fields.update(over)
        return kind, {k: v for k, v in fields.items() if v is not None}

    def add(self, items: list[tuple[str, dict]], today: date) -> list[str]:
        os.environ["CREDITDESK_TODAY"] = today.isoformat()
        return [r.client_id for r in self.ctx.queue.add(items, source="screenshots", today_=today)]

    def workdays(self, first: date, last: date) -> list[date]:
        cal = self.ctx.calendar
        return [first + timedelta(days=i) for i in range((last - first).days + 1)
                if cal.is_workday(first + timedelta(days=i))]

    # -- the platform's side ---------------------------------------------------------------------------
    def sync(self, day: date):
        from app.platform.sync import client_from_settings, run_sync

        os.environ["CREDITDESK_TODAY"] = day.isoformat()
        self.platform.set_clock(f"{day.isoformat()}T16:30:00+08:00", frozen=True)
        summary = run_sync(self.ctx, client=client_from_settings(self.ctx, retry=self.retry))
        if not summary.ok and summary.error_code != "network":
            raise RuntimeError(f"sync failed: {summary.error}")
        return summary

    def history(self, first: date, last: date) -> None:
        """Records decided from `first` to `last`, each reported a few working days later (a few late)."""
        cal = self.ctx.calendar
        by_send: dict[date, list[tuple[str, dict, date]]] = defaultdict(list)
        for day in self.workdays(first, last):
            for _ in range(self.rng.choice((0, 1, 1, 2))):
                kind = self.rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
                lag = self.rng.choice((1, 2, 3, 4, 5, 6)) if self.rng.random() > 0.08 else self.rng.choice((9, 12, 15))
                send = cal.add_workdays(day, lag)
                if send is None or send >= TODAY:
                    continue
                skip = 1 if self.rng.random() < 0.02 else 0  # now and then a number never entered
                k, fields = self.item(kind, day, skip=skip, person=self.rng.random() < 0.12)
                by_send[send].append((k, fields, day))
        returned_at = {date(2026, 3, 18), date(2026, 6, 10), date(2026, 9, 16)}
        for send in sorted(by_send):
            batch = by_send[send]
            ids = self.add([(k, f) for k, f, _d in batch], send)
            self.sent += [(cid, k, d) for cid, (k, _f, d) in zip(ids, batch, strict=True)]
            if send in returned_at or any(send > d > send - timedelta(days=7) for d in returned_at):
                self.return_and_fix(send)
            self.sync(send)

    def return_and_fix(self, day: date) -> None:
        """The platform returns one record by review; the clerk corrects it and it goes out again."""
        cid, kind, _decided = self.rng.choice(self.sent[-20:])
        reason, field = RETURN_REASONS[kind]
        self.platform.return_record(cid, reason, fields=[field], username=USERNAME)
        self.sync(day)
        rec = self.ctx.queue.get(cid)
        if rec.state == "returned":
            self.ctx.queue.edit(cid, dict(rec.fields), ready=True)


def fill(ctx, platform) -> Filler:
    """The account, then the year up to last week."""
    from tests.sync_helpers import log_in

    platform.add_account(USERNAME, PASSWORD, department_name=DEPARTMENT,
                         department_uscc=_authority_uscc(), kinds=list(DOC_PREFIX))
    platform.unpublish_calendar(2027)  # published just before the last sync: its note in the summary
    log_in(ctx, platform, USERNAME, PASSWORD)
    f = Filler(ctx, platform)
    f.history(date(2025, 12, 1), date(2026, 11, 17))
    return f


def _authority_uscc() -> str:
    from tests.factories import AUTHORITY_USCC

    return AUTHORITY_USCC


def before_the_last_sync(f: Filler) -> None:
    """What the clerk typed this week, and what the platform did meanwhile."""
    recent = f.workdays(date(2026, 11, 18), date(2026, 11, 25))
    items = [f.item(f.rng.choice(list(DOC_PREFIX)), f.rng.choice(recent)) for _ in range(11)]
    f.add(items, TODAY)
    for cid, kind, _d in f.sent[-7::3]:  # among last week's: near the top of the queue
        reason, field = RETURN_REASONS[kind]
        f.platform.return_record(cid, reason, fields=[field], username=USERNAME)
    f.platform.publish_calendar(2027)
    for name in ("上饶市广信区恒达建材有限公司", "上饶市鄱阳县福满园酒楼有限公司"):
        f.platform.add_blacklist(name, uscc=f.factories.uscc(random.Random(name)), list_name="严重失信主体名单")
    os.environ["CREDITDESK_TODAY"] = TODAY.isoformat()
    f.platform.set_clock(f"{TODAY.isoformat()}T10:05:00+08:00", frozen=False)


def after_the_last_sync(f: Filler) -> str:
    """The queue as it stands today: due soon, overdue, drafts with errors, withdrawn, in flight.
    Returns the client id of a draft with several errors (for the form screenshot)."""
    ctx, rng = f.ctx, f.rng
    due = f.workdays(date(2026, 11, 18), date(2026, 11, 25))
    # Two of this week's records come back from review the same afternoon.
    newest = [r for r in ctx.queue.list(state="accepted") if r.decision_date >= "2026-11-20"][:2]
    for rec in newest:
        reason, field = RETURN_REASONS[rec.kind]
        f.platform.return_record(rec.client_id, reason, fields=[field], username=USERNAME)
    f.sync(TODAY)
    # Two records in flight: their batch went out and the answer was lost (it will be replayed).
    f.add([f.item("penalty", rng.choice(due)) for _ in range(2)], TODAY)
    f.platform.inject("drop", "POST", "/submissions", count=None)
    f.sync(TODAY)
    f.platform.clear_faults()
    f.add([f.item(rng.choice(list(DOC_PREFIX)), rng.choice(due)) for _ in range(9)], TODAY)
    overdue = f.workdays(date(2026, 11, 2), date(2026, 11, 13))
    f.add([f.item(rng.choice(("penalty", "license")), rng.choice(overdue)) for _ in range(4)], TODAY)
    blacklisted = "上饶市广信区恒达建材有限公司"
    drafts = [
        f.item("penalty", date(2026, 11, 20), CF_XDR_MC=blacklisted,
               CF_XDR_SHXYM=f.factories.uscc(random.Random(blacklisted)), CF_FRDB=None,
               CF_XDR_GSZC="36110012345", CF_YJ=None, CF_CFLB="警告、罚款"),
        f.item("penalty", date(2026, 11, 23), CF_XDR_SHXYM="91361100MA35XXXX1Q"),
        f.item("license", date(2026, 11, 24), XK_WSH=None),
        f.item("inspection", date(2026, 11, 9), JC_JG=None),
        f.item("enforcement", date(2026, 11, 19), QZ_QXZI="2026-11-01"),
        f.item("penalty", date(2026, 11, 6), person=True, CF_XDR_ZJHM="36110219900101123X"),
        f.item("license", date(2026, 11, 25), XK_XKLB="临时"),
    ]
    draft_ids = f.add(drafts, TODAY)
    withdrawn = f.add([f.item("inspection", date(2026, 11, 16)), f.item("license", date(2026, 11, 12))], TODAY)
    ctx.queue.withdraw(withdrawn[0], "检查记录重复录入")
    ctx.queue.withdraw(withdrawn[1], "申请人撤回许可申请，决定未生效")
    return draft_ids[0]


def spreadsheet(path: Path, f: Filler) -> Path:
    """A clerk's own monthly sheet: a title row, a column the catalog does not know, a fine in 元
    under a header without a unit, and the usual slips (check digit, date, missing values)."""
    from openpyxl import Workbook

    from tests.test_excel_books import codes, labels

    cs, head = codes("penalty"), labels("penalty")
    rng = random.Random(7)
    rows = []
    for n in range(1, 39):
        _k, fields = f.item("penalty", date(2026, 11, rng.choice((2, 3, 4, 5, 6, 9, 10, 11, 12, 13))))
        fields["CF_WSH"] = f"饶市监罚〔2026〕{300 + n}号"
        rows.append([fields.get(c) for c in cs] + [rng.choice(("王建华", "刘芳", "陈明"))])
    i = {c: cs.index(c) for c in cs}
    rows[4][i["CF_XDR_SHXYM"]] = rows[4][i["CF_XDR_SHXYM"]][:-1] + "0"
    rows[9][i["CF_JDRQ"]] = "2026年11月31日"
    rows[13][i["CF_XDR_MC"]] = None
    rows[17][i["CF_CFLB"]] = "警告、罚款"
    rows[21][i["CF_XDR_SHXYM"]] = rows[21][i["CF_XDR_SHXYM"]][:-1] + "0"
    rows[26][i["CF_JDRQ"]] = "2026-12-02"
    rows[30][i["CF_YJ"]] = None
    rows[33] = list(rows[32])  # the same decision twice
    header = list(head)
    header[i["CF_NR_FK"]] = "罚款金额"
    wb = Workbook()
    ws = wb.active
    ws.title = "11月处罚"
    ws.append(["上饶市市场监督管理局 2026年11月行政处罚信息汇总表"])
    ws.append([*header, "经办人"])
    for r in rows:
        r[i["CF_NR_FK"]] = 2000
        ws.append(r)
    wb.save(path)
    return path


def shoot(widget, path: Path) -> None:
    image = widget.grab()
    if image.isNull() or not image.save(str(path)):
        raise RuntimeError(f"could not write {path}")
    print(path)


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "/tmp/creditdesk-shots")
    out.mkdir(parents=True, exist_ok=True)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["CREDITDESK_TODAY"] = TODAY.isoformat()
    import keyring

    from tests.memory_keyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())  # never the real keyring
    from app.context import AppContext
    from tests.platform.server import PlatformServer
    from ui.app import make_application

    app = make_application()
    platform = PlatformServer(port=0, now=f"{TODAY.isoformat()}T10:00:00+08:00")
    platform.start()
    folder = tempfile.TemporaryDirectory(prefix="creditdesk-shots-")
    ctx = AppContext(Path(folder.name))
    try:
        t = time.perf_counter()
        f = fill(ctx, platform)
        before_the_last_sync(f)
        print(f"filled a year of records in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        return shots(app, ctx, f, out)
    finally:
        ctx.close()
        platform.stop()
        folder.cleanup()


def shots(app, ctx, f: Filler, out: Path) -> int:
    from PySide6.QtCore import Qt

    from ui.dashboard import open_dashboard
    from ui.import_wizard import open_import_wizard
    from ui.login_dialog import open_login
    from ui.main_window import MainWindow
    from ui.queue_model import COL_DEADLINE
    from ui.record_form import RecordForm
    from ui.reminders import install_reminders
    from ui.settings_dialog import open_settings
    from ui.sync_dialog import start_sync

    window = MainWindow(ctx)
    window.resize(1440, 880)
    window.show()
    settle(app)

    # 一键报送 with this week's records, three returns by review, a new calendar and list entries.
    sync = start_sync(ctx, window)
    wait_until(app, lambda: not sync.running)
    sync.adjustSize()
    settle(app)
    shoot(sync, out / "sync_summary.png")
    sync.accept()

    draft = after_the_last_sync(f)
    window.refresh()
    # Newest deadlines first: what a clerk looks at in the morning (the window keeps the choice).
    window.table.sortByColumn(COL_DEADLINE, Qt.SortOrder.DescendingOrder)
    reminders = install_reminders(ctx, window)
    reminders.check()
    wait_until(app, lambda: reminders.last is not None)
    settle(app)
    shoot(window, out / "main_window.png")

    form = RecordForm(ctx, client_id=draft, parent=window)
    form.resize(1100, 860)
    form.show()
    settle(app)
    shoot(form, out / "record_form_errors.png")
    form.reject()

    sheet = spreadsheet(Path(ctx.data_dir) / "11月处罚信息.xlsx", f)
    wizard = open_import_wizard(ctx, window)
    wizard.file_page.set_file(sheet)
    wizard.next()
    wait_until(app, lambda: wizard.task is None)
    settle(app)
    shoot(wizard, out / "import_columns.png")
    wizard.columns_page.unit_combos["CF_NR_FK"].setCurrentIndex(
        wizard.columns_page.unit_combos["CF_NR_FK"].findData("元"))
    wizard.next()
    wait_until(app, lambda: wizard.task is None)
    settle(app)
    shoot(wizard, out / "import_findings.png")
    wizard.reject()

    dashboard = open_dashboard(ctx, window)
    wait_until(app, lambda: dashboard.task is None and dashboard.figures is not None)
    settle(app)
    shoot(dashboard, out / "dashboard.png")
    dashboard.accept()

    settings = open_settings(ctx, window)
    settle(app)
    shoot(settings, out / "settings.png")
    settings.tabs.setCurrentIndex(1)
    settle(app)
    shoot(settings, out / "settings_department.png")
    settings.tabs.setCurrentIndex(2)
    settle(app)
    shoot(settings, out / "settings_reminders.png")
    settings.reject()

    login = open_login(ctx, window, "平台用户名或密码不正确，请重新登录。")
    settle(app)
    shoot(login, out / "login.png")
    login.reject()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
