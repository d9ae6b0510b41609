"""Privacy rules: masking, no personal data in logs (the scanner itself is tested here; conftest runs it
over every log of the suite at the end), files readable by the user only."""

from __future__ import annotations

import logging
import os
import random
import tempfile
from pathlib import Path

import pytest

from app.privacy import mask_id
from tests import factories
from tests.privacy_scan import scan_logs, scan_text


def test_mask_pattern():
    assert mask_id("361102199001011234") == "361102********1234"
    assert mask_id("E1234567") == "****4567"
    assert mask_id("") == ""


def test_the_scanner_finds_what_it_must():
    assert scan_text("导入第 3 行 证件号码 360426199101010071 校验失败")
    assert scan_text("Authorization: Bearer abcdefgh12345678")
    assert scan_text("login with demo-password")
    assert not scan_text("处罚机关统一社会信用代码 121200004013590816；文号 饶市监罚〔2026〕15号；金额 0.2")


def test_a_leak_in_a_log_file_is_found():
    # Outside pytest's temporary folder, which the end-of-suite scan reads.
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "logs").mkdir()
        (folder / "logs" / "creditdesk.log").write_text("x 44011320141005001X y", encoding="utf-8")
        assert scan_logs(folder)


def test_a_full_workflow_logs_no_personal_data(ctx, caplog, platform):
    from tests.sync_helpers import log_in, sync

    caplog.set_level(logging.DEBUG)
    person = {"CF_XDR_MC": "王小明", "CF_XDR_LB": "自然人", "CF_XDR_SHXYM": None, "CF_FRDB": None,
              "CF_XDR_ZJLX": "身份证", "CF_XDR_ZJHM": "360426199101010071"}
    good = factories.penalty(random.Random(1), 1, **person)
    bad = factories.penalty(random.Random(2), 2, **dict(person, CF_XDR_ZJHM="36042619910102009X"))
    ctx.queue.add([("penalty", good), ("penalty", bad)])
    log_in(ctx, platform)
    sync(ctx)
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert scan_text(text) == []
    assert "360426199101010071" not in text and platform.password not in text


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_database_settings_and_backups_are_private(ctx):
    from app.store.backup import make_backup

    ctx.queue.add([("penalty", factories.penalty(random.Random(1), 1))])
    ctx.save_settings()
    for path in (ctx.store.path, ctx.data_dir / "settings.json", make_backup(ctx.data_dir)):
        assert path.stat().st_mode & 0o077 == 0, path
