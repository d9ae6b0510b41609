"""Spreadsheet import throughput: a 100,000-row × 28-column penalty workbook read three ways.

Run: .venv/bin/python -m tests.bench.bench_import [N] [--runs R]   (default N = 100,000, R = 5)

The workbook (realistic values: varied names, codes with check digits, decision texts of a few
hundred characters, some natural persons, fines) is written once with openpyxl's write-only mode
and kept in the temporary folder for later runs. Each pass then runs in its own process, so that
its time and peak memory (ru_maxrss) are its own:

  openpyxl   openpyxl read-only mode, values only, every row
  calamine   python-calamine, load the sheet and iterate every row (the baseline)
  import     app.excel.import_file: read, convert cells, normalise, validate, store into a
             temporary data folder in one transaction (the store opened and migrated beforehand)

The calamine and import passes run R times, alternating, and their medians are compared: on a
shared virtual machine two identical runs can differ by a tenth, and the ratio of single runs
wandered from 2.9 to 3.4 with the same code. Five runs rather than three: one slow run in a loaded spell
then moves the median less (about 25 s more). openpyxl (half a minute) runs once.

Target: import ≤ 3 × calamine.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from tests import factories

COLUMNS = 28  # the penalty kind's 30 fields less 事业单位证书号 and 社会组织登记证号, rarely used
DISTRICTS = ["信州区", "广丰区", "广信区", "玉山县", "铅山县", "横峰县", "弋阳县", "余干县", "鄱阳县", "万年县",
             "婺源县", "德兴市"]
SHOPS = ["商贸有限公司", "食品店", "超市", "建材经营部", "餐饮管理有限公司", "汽车运输有限公司", "大药房", "五金店"]
STREETS = ["中山路", "解放路", "五三大道", "紫阳大道", "龙潭路", "滨江东路"]
ACTS = [
    ("违反《中华人民共和国食品安全法》第三十四条", "《中华人民共和国食品安全法》第一百二十四条第一款", "经营超过保质期的食品"),
    ("违反《中华人民共和国产品质量法》第三十九条", "《中华人民共和国产品质量法》第五十条", "销售以次充好的产品"),
    ("违反《中华人民共和国广告法》第二十八条", "《中华人民共和国广告法》第五十五条第一款", "发布虚假广告"),
    ("违反《中华人民共和国价格法》第十三条", "《中华人民共和国价格法》第四十二条", "未按规定明码标价"),
    ("违反《中华人民共和国道路运输条例》第二十四条", "《中华人民共和国道路运输条例》第六十三条",
     "未取得道路运输经营许可擅自从事道路运输经营"),
]


def penalty_codes() -> list[str]:
    from app.catalog import default_catalog

    kind = default_catalog().kind("penalty")
    return [f.code for f in kind.fields if f.code not in ("CF_XDR_SYDW", "CF_XDR_SHZZ")]


def realistic_rows(n: int, seed: int = 7):
    rng = random.Random(seed)
    codes = penalty_codes()
    for i in range(n):
        decided = date(2023, 1, 3) + timedelta(days=rng.randrange(1400))
        category = rng.choice(["法人及非法人组织"] * 6 + ["个体工商户"] * 3 + ["自然人"])
        act = rng.choice(ACTS)
        fine = rng.choice([500, 1000, 2000, 5000, 10000, 30000, 50000])
        f = factories.penalty(rng, i + 1, decided)
        for k in [k for k in f if k.startswith(("CF_XDR_", "CF_FR"))]:
            del f[k]
        f.update(factories.subject("CF", rng, category))
        place = rng.choice(DISTRICTS)
        if category != "自然人":
            f["CF_XDR_MC"] = f"上饶市{place}{rng.choice('鑫盛华泰宏达福源')}{rng.choice('兴隆发顺旺丰')}{rng.choice(SHOPS)}"
        f.update(
            CF_WSH=f"饶{rng.choice(['市', '信', '丰', '玉'])}市监罚〔{decided.year}〕{i + 1}号",
            CF_WFXW=act[2],
            CF_SY=(f"经查，当事人于{decided.year - rng.randrange(0, 2)}年{rng.randrange(1, 13)}月起在上饶市{place}"
                   f"{rng.choice(STREETS)}{rng.randrange(1, 300)}号经营场所{act[2]}，执法人员现场检查发现涉案物品"
                   f"{rng.randrange(2, 400)}件，货值金额{rng.randrange(300, 90000)}元，违法所得{rng.randrange(0, 5000)}元。"
                   f"当事人的上述行为{act[0]}的规定，事实清楚，证据确凿，有现场检查笔录、询问笔录、照片及进货凭证等证据为证。"),
            CF_YJ=act[1],
            CF_NR=f"1.警告；2.罚款人民币{fine}元整。",
            CF_NR_FK=format(fine / 10000, "g"),
        )
        yield [f.get(c) for c in codes]


def make_workbook(path: Path, n: int) -> None:
    from openpyxl import Workbook

    from app.catalog import default_catalog

    kind = default_catalog().kind("penalty")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("行政处罚")
    ws.append([kind.field(c).label for c in penalty_codes()])
    for row in realistic_rows(n):
        ws.append(row)
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    os.replace(tmp, path)


# -- the passes, each in its own process ------------------------------------------------------------
def pass_openpyxl(path: Path) -> int:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    n = 0
    for row in wb.worksheets[0].iter_rows(values_only=True):
        n += len(row) > 0
    wb.close()
    return n - 1


def pass_calamine(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    n = 0
    for row in wb.get_sheet_by_index(0).iter_rows():
        n += len(row) > 0
    return n - 1


def pass_import(path: Path) -> tuple[int, dict]:
    from app.context import AppContext
    from app.excel import ImportOptions, import_file

    os.environ.setdefault("CREDITDESK_TODAY", "2026-11-26")
    with tempfile.TemporaryDirectory(prefix="creditdesk-bench-") as data:
        ctx = AppContext(Path(data))
        try:
            assert ctx.queue.validator is not None  # start-up (store, migrations, catalog, calendar) is not the import
            t0 = time.perf_counter()
            result = import_file(ctx, path, ImportOptions(kind="penalty"))
            elapsed = time.perf_counter() - t0
            extra = {"seconds": elapsed, "valid": result.valid, "invalid": result.invalid,
                     "imported": result.imported, "db_mb": round(_stored_bytes(ctx.store) / 1e6)}
        finally:
            ctx.close()
    return result.rows, extra


def _stored_bytes(store) -> int:
    """The database file once the WAL has been copied into it (a checkpoint after the import)."""
    store.wait_for_checkpoint()
    return store.path.stat().st_size


def run_pass(name: str, path: Path) -> dict:
    """Run one pass in a fresh process; returns seconds, rows and peak memory (MB)."""
    code = ("import json, resource, sys, time; from pathlib import Path; "
            "from tests.bench import bench_import as b; t = time.perf_counter(); "
            f"out = b.pass_{name}(Path({str(path)!r})); s = time.perf_counter() - t; "
            "rows, extra = out if isinstance(out, tuple) else (out, {}); "
            "print(json.dumps({'seconds': extra.pop('seconds', s), 'rows': rows, "
            "'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **extra}))")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    args = sys.argv[1:]
    runs = 5
    if "--runs" in args:
        at = args.index("--runs")
        runs = max(1, int(args[at + 1]))
        del args[at:at + 2]
    n = int(args[0]) if args else 100_000
    path = Path(tempfile.gettempdir()) / f"creditdesk-bench-penalty-{n}-v1.xlsx"
    if not path.exists():
        t0 = time.perf_counter()
        make_workbook(path, n)
        print(f"wrote {path} ({n:,} rows × {COLUMNS} columns) in {time.perf_counter() - t0:.1f} s")
    print(f"workbook                {path.name}  {path.stat().st_size / 1e6:.1f} MB")
    passes: dict[str, list[dict]] = {"openpyxl": [run_pass("openpyxl", path)], "calamine": [], "import": []}
    for _ in range(runs):
        for name in ("calamine", "import"):
            passes[name].append(run_pass(name, path))
    results = {name: _median_run(rs) for name, rs in passes.items()}
    for name, r in results.items():
        all_runs = passes[name]
        each = "" if len(all_runs) == 1 else "  (" + " / ".join(f"{x['seconds']:.2f}" for x in all_runs) + ")"
        print(f"{name:<10} {r['seconds']:8.2f} s  {r['rows'] / r['seconds']:>9,.0f} rows/s  "
              f"peak {r['peak_mb']:,.0f} MB  rows {r['rows']:,}{each}")
    imp = results["import"]
    print(f"import: {imp['valid']:,} valid, {imp['invalid']:,} invalid, {imp['imported']:,} stored, "
          f"database {imp['db_mb']} MB")
    base = results["calamine"]["seconds"]
    pairs = " / ".join(f"{i['seconds'] / c['seconds']:.2f}" for c, i in zip(passes["calamine"], passes["import"],
                                                                              strict=True))
    print(f"ratio openpyxl / calamine   {results['openpyxl']['seconds'] / base:5.1f}x")
    print(f"ratio import / calamine     {imp['seconds'] / base:5.2f}x  (medians; target <= 3.0x; each run {pairs})")
    print(f"ratio openpyxl / import     {results['openpyxl']['seconds'] / imp['seconds']:5.1f}x")
    print(f"(each pass in its own process; peak memory is its ru_maxrss, {resource.getpagesize()} B pages; "
          f"{runs} alternating runs of calamine and import)")


def _median_run(runs: list[dict]) -> dict:
    """The run with the median time (the lower middle one of an even number)."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    return ordered[(len(ordered) - 1) // 2]


if __name__ == "__main__":
    main()
