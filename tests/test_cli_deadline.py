"""`creditdesk deadline` and `creditdesk calendar`, in process and as a real program."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import app.cli
from app.context import AppContext
from app.workdays.sources import save_platform_year
from tests.test_workdays import DOC_2027, WORKED_EXAMPLES

ROOT = Path(__file__).resolve().parent.parent
UNCOVERED_HINT = "日历未覆盖：请同步平台日历或导入日历文件 (creditdesk calendar import FILE.json)"


@pytest.fixture
def cli(tmp_path, capsys):
    """Run `creditdesk --data-dir <tmp> ARGS…` in process; returns (exit status, stdout, stderr)."""
    data = tmp_path / "data"

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = app.cli.main(["--data-dir", str(data), *args])
        out, err = capsys.readouterr()
        return status, out, err

    run.data = data
    return run


def test_deadline_json_worked_examples(cli):
    dates = [d for d, _ in WORKED_EXAMPLES]
    status, out, err = cli("deadline", *dates, "--json")
    assert status == 0 and err == ""
    assert out.count("\n") == 1
    assert json.loads(out) == [
        {"decision_date": d, "deadline": dl, "covered": True} for d, dl in WORKED_EXAMPLES
    ]


def test_deadline_json_date_forms_order_and_uncovered(cli):
    status, out, _ = cli(
        "deadline", "2023/9/27", "2026-12-23", "2023/09/29", "2022-12-30", "２０２４/２/４", "--json"
    )
    assert status == 0
    assert json.loads(out) == [
        {"decision_date": "2023-09-27", "deadline": "2023-10-12", "covered": True},
        {"decision_date": "2026-12-23", "deadline": None, "covered": False},
        {"decision_date": "2023-09-29", "deadline": "2023-10-13", "covered": True},
        {"decision_date": "2022-12-30", "deadline": None, "covered": False},
        {"decision_date": "2024-02-04", "deadline": "2024-02-19", "covered": True},
    ]


def test_deadline_days_option(cli):
    status, out, _ = cli("deadline", "2023-09-27", "--days", "1", "--json")
    assert status == 0 and json.loads(out)[0]["deadline"] == "2023-09-28"
    status, _, err = cli("deadline", "2023-09-27", "--days", "0")
    assert status == 2 and "--days" in err


@pytest.mark.parametrize("bad", ["2023-13-01", "2023-02-30", "27/09/2023", "2023-9/27", "昨天", "20230927x"])
def test_deadline_bad_date_is_a_user_error(cli, bad):
    status, out, err = cli("deadline", "2023-09-27", bad)
    assert status == 2 and out == ""
    assert err.startswith("错误：") and bad in err and err.count("\n") == 1
    assert "Traceback" not in err


def test_deadline_text_table(cli):
    status, out, _ = cli("deadline", "2023-09-29", "2023-10-07", "2026-12-28")
    assert status == 0
    lines = out.splitlines()
    assert "第 7 个工作日" in lines[0]
    assert lines[1].startswith("2023-09-29（星期五，休息日）") and lines[1].endswith("2023-10-13（星期五）")
    assert lines[2].startswith("2023-10-07（星期六，调休上班）") and "2023-10-16（星期一）" in lines[2]
    assert lines[3].startswith("2026-12-28（星期一，工作日）") and lines[3].endswith(UNCOVERED_HINT)


def test_calendar_show(cli):
    status, out, _ = cli("calendar", "show", "2023")
    assert status == 0
    assert "内置日历" in out and "国务院办公厅关于2023年部分节假日安排的通知" in out
    assert "工作日：249 天" in out and "放假的工作日（18 天）" in out and "调休上班日（7 天）" in out
    assert "10-07（星期六）" in out

    status, out, _ = cli("calendar", "show", "2026", "--json")
    doc = json.loads(out)
    assert status == 0 and doc["covered"] is True and doc["source"] == "bundled"
    assert doc["workday_count"] == 248 and len(doc["holidays"]) == 19
    assert doc["workdays"] == [
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ]


def test_calendar_show_uncovered_year_exits_1(cli):
    status, out, err = cli("calendar", "show", "2027")
    assert status == 1 and err == ""
    assert "2027 年的工作日历未覆盖" in out and "creditdesk calendar import FILE.json" in out
    assert "2023、2024、2025、2026" in out
    status, out, _ = cli("calendar", "show", "2022", "--json")
    assert status == 1 and json.loads(out) == {
        "year": 2022,
        "covered": False,
        "covered_years": [2023, 2024, 2025, 2026],
    }
    status, _, err = cli("calendar", "show", "明年")
    assert status == 2 and err.startswith("错误：")


def test_calendar_import_then_deadlines_are_covered(cli, tmp_path):
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(DOC_2027, ensure_ascii=False), encoding="utf-8")
    status, out, _ = cli("calendar", "import", str(path))
    assert status == 0
    assert "已导入 2027 年日历" in out and "2027 年现在使用：导入的日历文件" in out

    status, out, _ = cli("deadline", "2026-12-23", "--json")
    assert json.loads(out) == [{"decision_date": "2026-12-23", "deadline": "2027-01-04", "covered": True}]
    status, out, _ = cli("calendar", "show", "2027", "--json")
    assert status == 0 and json.loads(out)["source"] == "file"


def test_calendar_import_when_the_platform_has_the_year(cli, tmp_path):
    ctx = AppContext(cli.data)
    try:
        save_platform_year(ctx.store, DOC_2027)
    finally:
        ctx.close()
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(DOC_2027), encoding="utf-8")
    status, out, _ = cli("calendar", "import", str(path))
    assert status == 0 and "2027 年现在使用：平台日历" in out and "平台日历优先" in out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "不是有效的 JSON"),
        (json.dumps({**DOC_2027, "workdays": ["2027-03-01"]}), "2027-03-01 是星期一"),
        (json.dumps({**DOC_2027, "holidays": ["2028-01-03"]}), "不在 2027 年内"),
    ],
)
def test_calendar_import_errors(cli, tmp_path, content, expected):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    status, out, err = cli("calendar", "import", str(path))
    assert status == 2 and out == ""
    assert err.startswith("错误：日历") and expected in err and "Traceback" not in err


def test_calendar_import_missing_file(cli, tmp_path):
    status, _, err = cli("calendar", "import", str(tmp_path / "missing.json"))
    assert status == 2 and "找不到日历文件" in err


def test_real_program(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("CREDITDESK_HOME", "PYTHONIOENCODING")}
    env["LC_ALL"] = env["LANG"] = "C"  # Chinese must come out as UTF-8 even on a C-locale terminal

    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        cmd = [sys.executable, "-m", "app.cli", "--data-dir", str(tmp_path / "data"), *args]
        return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=120, check=False)

    done = run("deadline", "2023-09-29", "2026-12-23", "--json")
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert json.loads(done.stdout.decode("utf-8")) == [
        {"decision_date": "2023-09-29", "deadline": "2023-10-13", "covered": True},
        {"decision_date": "2026-12-23", "deadline": None, "covered": False},
    ]
    done = run("deadline", "2023-02-30")
    err = done.stderr.decode("utf-8")
    assert done.returncode == 2 and err.startswith("错误：") and "Traceback" not in err
    done = run("calendar", "show", "2027")
    assert done.returncode == 1 and "未覆盖" in done.stdout.decode("utf-8")


def test_calendar_import_after_a_gap_says_which_years_block(cli, tmp_path):
    path = tmp_path / "2028.json"
    path.write_text(json.dumps({"year": 2028, "holidays": ["2028-01-03"], "workdays": []}), encoding="utf-8")
    status, out, _ = cli("calendar", "import", str(path))
    assert status == 0 and "注意：2027 年尚未覆盖" in out
    status, out, _ = cli("deadline", "2026-12-22", "2026-12-28", "2028-01-05", "--json")
    assert [row["deadline"] for row in json.loads(out)] == ["2026-12-31", None, "2028-01-14"]
