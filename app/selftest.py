"""`creditdesk --self-test`: the checks that prove a build works (run on every frozen build in CI).

Everything happens in a temporary data folder; the user's data is never touched. One line per
step; the exit status is 0 only when every step passed."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path


def _steps(data: Path, state: dict) -> list[tuple[str, Callable[[], str]]]:
    def store() -> str:
        from app.context import AppContext
        from app.store.migrate import current_revision

        state["ctx"] = ctx = AppContext(data)
        return f"数据库已创建并升级到 {current_revision(ctx.store.engine)}"

    def catalog() -> str:
        cat = state["ctx"].catalogs.active()
        return f"数据目录 {cat.version}：{'、'.join(k.label for k in cat.kinds.values())}"

    def calendar() -> str:
        years = state["ctx"].calendar.covered_years()
        return f"工作日历覆盖 {years[0]}–{years[-1]} 年" if years else "没有工作日历"

    def validate_sample() -> str:
        result = state["ctx"].queue.validator.check("penalty", _sample(), date(2026, 11, 26))
        if not result.ok:
            raise RuntimeError("; ".join(f.rule for f in result.findings))
        return f"示例处罚记录校验通过（{len(result.fields)} 个字段）"

    def save_sample() -> str:
        # The whole write path of an import: helper thread, block inserts, audit events, commit.
        ctx = state["ctx"]
        [added] = ctx.queue.add([("penalty", _sample())], source="self-test", today_=date(2026, 11, 26))
        if added.state != "ready" or [e.action for e in ctx.queue.history(added.client_id)] != ["create"]:
            raise RuntimeError(f"示例记录保存后状态为 {added.state}")
        return f"示例记录已保存为待报送（报送截止日 {ctx.queue.get(added.client_id).deadline}）"

    def deadline() -> str:
        from app.workdays.deadline import deadline_for

        got = deadline_for(state["ctx"].calendar, date(2023, 9, 29))
        if got != date(2023, 10, 13):
            raise RuntimeError(f"2023-09-29 的报送截止日应为 2023-10-13，得到 {got}")
        return "2023-09-29 决定的报送截止日为 2023-10-13"

    def window() -> str:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from ui.app import make_application
        from ui.main_window import MainWindow

        app = make_application()
        win = MainWindow(state["ctx"])
        win.show()
        app.processEvents()
        title = win.windowTitle()
        win.close()
        app.processEvents()
        return f"主窗口已打开并关闭（{title}）"

    return [("打开并升级数据库", store), ("加载数据目录", catalog), ("加载工作日历", calendar),
            ("校验示例记录", validate_sample), ("保存示例记录", save_sample), ("计算报送截止日", deadline),
            ("打开主窗口", window)]


def _sample() -> dict[str, str]:
    return {
        "CF_XDR_MC": "上饶市示例建材有限公司", "CF_XDR_LB": "法人及非法人组织", "CF_XDR_SHXYM": "91110000600037341L",
        "CF_FRDB": "张伟", "CF_WSH": "饶市监罚〔2026〕1号", "CF_WFXW": "违反《中华人民共和国产品质量法》第四十九条",
        "CF_SY": "销售不合格建筑材料", "CF_YJ": "《中华人民共和国产品质量法》第四十九条", "CF_CFLB": "警告;罚款",
        "CF_NR": "警告，并处罚款2000元", "CF_NR_FK": "0.2", "CF_JDRQ": "2026-11-20", "CF_YXQ": "2027-11-20",
        "CF_CFJG": "上饶市市场监督管理局", "CF_CFJGDM": "121200004013590816", "CF_SJLY": "上饶市市场监督管理局",
        "CF_SJLYDM": "121200004013590816",
    }


def run_self_test() -> int:
    started = time.perf_counter()
    failed = 0
    state: dict = {}
    with tempfile.TemporaryDirectory(prefix="creditdesk-selftest-") as tmp:
        steps = _steps(Path(tmp), state)
        for name, step in steps:
            t0 = time.perf_counter()
            try:
                detail = step()
                print(f"[通过] {name}：{detail}（{(time.perf_counter() - t0) * 1000:.0f} ms）", flush=True)
            except Exception as exc:  # a self-test reports every failure and goes on
                failed += 1
                print(f"[失败] {name}：{exc.__class__.__name__}: {exc}", flush=True)
        if "ctx" in state:
            state["ctx"].close()  # release the database before the folder is removed
    total = time.perf_counter() - started
    print(f"自检{'通过' if not failed else '失败'}：{len(steps) - failed}/{len(steps)} 项通过，"
          f"用时 {total:.2f} 秒", flush=True)
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(run_self_test())
