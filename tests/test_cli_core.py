"""`creditdesk validate`, `queue add` and `queue list` as a user runs them."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from tests import factories

ROOT = Path(__file__).resolve().parent.parent


def write(path: Path, records) -> Path:
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def cli(capsys, data_dir, *args):
    code = main(["--data-dir", str(data_dir), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def records():
    rng = random.Random(11)
    good = factories.penalty(rng, 1)
    person = factories.penalty(rng, 2, **{"CF_XDR_MC": "王小明", "CF_XDR_LB": "自然人", "CF_XDR_SHXYM": None,
                                          "CF_FRDB": None, "CF_XDR_ZJLX": "身份证", "CF_XDR_ZJHM": "360426199101010071"})
    bad = factories.license(rng, 3, XK_XDR_SHXYM="91110000600037341N")
    return [{"kind": "penalty", "fields": good}, {"kind": "penalty", "fields": person},
            {"kind": "license", "fields": bad}]


def test_validate_json_output(tmp_path, capsys, data_dir, records, monkeypatch):
    monkeypatch.setenv("CREDITDESK_TODAY", "2026-11-26")
    code, out, err = cli(capsys, data_dir, "validate", str(write(tmp_path / "r.json", records)), "--json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert out.count("\n") == 1
    assert (doc["records"], doc["valid"], doc["invalid"]) == (3, 2, 1)
    assert doc["issues"] == [{"index": 2, "field": "XK_XDR_SHXYM", "severity": "error", "rule": "uscc_checksum",
                              "message": doc["issues"][0]["message"]}]
    assert "统一社会信用代码" in doc["issues"][0]["message"]


def test_validate_reports_duplicates_within_the_file(tmp_path, capsys, data_dir, records, monkeypatch):
    monkeypatch.setenv("CREDITDESK_TODAY", "2026-11-26")
    records.append(records[0])
    code, out, _ = cli(capsys, data_dir, "validate", str(write(tmp_path / "r.json", records)), "--json")
    issues = json.loads(out)["issues"]
    assert {"index": 3, "field": "CF_WSH", "severity": "error", "rule": "duplicate_record"}.items() <= issues[-1].items()


def test_validate_text_output_is_chinese(tmp_path, capsys, data_dir, records, monkeypatch):
    monkeypatch.setenv("CREDITDESK_TODAY", "2026-11-26")
    code, out, _ = cli(capsys, data_dir, "validate", str(write(tmp_path / "r.json", records)))
    assert code == 0 and "共 3 条记录：2 条通过，1 条有错误" in out


@pytest.mark.parametrize("content", ["{not json", "", "\x00\x01", '{"kind": "penalty"}', "42"])
def test_broken_files_give_one_chinese_line_and_status_2(tmp_path, capsys, data_dir, content):
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    for command in (["validate", str(path), "--json"], ["queue", "add", str(path)]):
        code, out, err = cli(capsys, data_dir, *command)
        assert code == 2 and out == ""
        assert err.startswith("错误：") and err.count("\n") == 1 and "Traceback" not in err


def test_missing_file(capsys, data_dir, tmp_path):
    code, _out, err = cli(capsys, data_dir, "validate", str(tmp_path / "none.json"))
    assert code == 2 and "找不到文件" in err


def test_non_record_elements_get_a_finding_at_their_index(tmp_path, capsys, data_dir, records):
    code, out, _ = cli(capsys, data_dir, "validate", str(write(tmp_path / "r.json", [5, records[0]])), "--json")
    doc = json.loads(out)
    assert doc["records"] == 2 and doc["issues"][0]["index"] == 0 and doc["issues"][0]["rule"] == "record_malformed"


def test_queue_add_and_list(tmp_path, capsys, data_dir, records, monkeypatch):
    monkeypatch.setenv("CREDITDESK_TODAY", "2026-11-26")
    code, out, _ = cli(capsys, data_dir, "queue", "add", str(write(tmp_path / "r.json", records)))
    assert code == 0 and "2 条待报送，1 条草稿" in out
    code, out, _ = cli(capsys, data_dir, "queue", "list", "--json")
    rows = json.loads(out)
    assert len(rows) == 3
    for row in rows:
        assert {"client_id", "kind", "state", "revision", "doc_number", "decision_date", "deadline", "platform_id",
                "platform_message"} <= set(row)
        assert row["revision"] == 1 and row["platform_id"] is None and row["platform_message"] is None
    by_doc = {r["doc_number"]: r for r in rows}
    assert by_doc["饶市监罚〔2026〕1号"]["state"] == "ready"
    assert by_doc["饶市监罚〔2026〕1号"]["decision_date"] == "2026-11-20"
    assert by_doc["饶市监罚〔2026〕1号"]["deadline"] == "2026-12-01"  # 7 working days after Fri 11-20
    assert by_doc["饶市监食许〔2026〕3号"]["state"] == "draft"
    assert "360426199101010071" not in out
    code, out, _ = cli(capsys, data_dir, "queue", "list", "--state", "draft", "--json")
    assert [r["kind"] for r in json.loads(out)] == ["license"]
    code, out, _ = cli(capsys, data_dir, "queue", "list", "--kind", "penalty", "--json")
    assert len(json.loads(out)) == 2
    code, _out, err = cli(capsys, data_dir, "queue", "list", "--state", "bogus")
    assert code == 2 and "bogus" in err


def test_adding_the_same_file_twice_makes_the_second_copies_drafts(tmp_path, capsys, data_dir, records):
    path = write(tmp_path / "r.json", records[:1])
    cli(capsys, data_dir, "queue", "add", str(path))
    code, out, _ = cli(capsys, data_dir, "queue", "add", str(path), "--json")
    doc = json.loads(out)
    assert doc["draft"] == 1 and doc["issues"][0]["rule"] == "duplicate_record"


def test_the_command_runs_as_a_real_process(tmp_path, data_dir, records):
    path = write(tmp_path / "r.json", records)
    proc = subprocess.run([sys.executable, "-m", "app", "--data-dir", str(data_dir), "validate", str(path), "--json"],
                          cwd=ROOT, capture_output=True, text=True, encoding="utf-8",
                          env={"PATH": "/usr/bin:/bin", "LANG": "C"})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["records"] == 3


def test_validate_gives_the_same_answer_whatever_the_queue_holds(tmp_path, capsys, data_dir, records):
    path = write(tmp_path / "r.json", records)
    code, before, _ = cli(capsys, data_dir, "validate", str(path), "--json")
    cli(capsys, data_dir, "queue", "add", str(path))
    code, after, _ = cli(capsys, data_dir, "validate", str(path), "--json")
    assert json.loads(before) == json.loads(after)
