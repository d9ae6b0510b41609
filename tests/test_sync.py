"""One-click sync against the reference platform on 127.0.0.1: every status and every fault."""

from __future__ import annotations

import json
import time

import pytest

from app.queue import states as st
from app.validation.blacklist import id_hash
from tests.sync_helpers import add, log_in, sync

pytestmark = pytest.mark.usefixtures("platform")


@pytest.fixture
def online(ctx, platform):
    log_in(ctx, platform)
    return ctx


def states(ctx) -> dict[str, str]:
    return {r.client_id: r.state for r in ctx.queue.list()}


def test_happy_path(online, platform):
    ids = add(online, "penalty", 3) + add(online, "license", 1, start=50)
    [draft] = add(online, "penalty", 1, start=90, CF_JDRQ="bad")
    summary = sync(online)
    assert summary.ok, summary.error
    assert (summary.sent, summary.accepted, summary.rejected) == (4, 4, 0)
    assert summary.catalog_version == platform.catalog_version
    assert 2026 in summary.calendar_years
    for cid in ids:
        rec = online.queue.get(cid)
        assert rec.state == st.ACCEPTED and rec.platform_id and rec.first_received_at
        assert rec.accepted_revision == 1 and rec.platform_message is None
    assert online.queue.get(draft).state == st.DRAFT
    assert platform.accepted_creates() == dict.fromkeys(ids, 1)
    # What went over the wire: canonical strings, no empty fields, one batch with a UUID key.
    posts = [r for r in platform.requests() if r["method"] == "POST" and r["path"] == "/submissions"]
    assert len(posts) == 1 and len(posts[0]["idempotency_key"]) == 36
    fields = platform.record(ids[0])["revisions"][0]["fields"]
    assert fields["CF_NR_FK"] == "0.2" and all(isinstance(v, str) and v for v in fields.values())
    # A second sync sends nothing again.
    again = sync(online)
    assert again.ok and again.sent == 0
    assert platform.accepted_creates() == dict.fromkeys(ids, 1)


def test_oldest_deadline_goes_first_and_batches_hold_at_most_500(online, platform):
    from datetime import date

    late = add(online, "inspection", 1, start=1, decided=date(2026, 11, 2))
    many = add(online, "inspection", 520, start=10)
    summary = sync(online)
    assert summary.ok and summary.sent == 521
    posts = [r for r in platform.requests() if r["method"] == "POST" and r["path"] == "/submissions"]
    assert len(posts) == 2
    first_batch = posts[0]["batch_id"]
    assert platform.record(late[0]) and first_batch
    assert set(states(online).values()) == {st.ACCEPTED}
    assert len(many) == 520


def test_a_record_the_platform_rejects_is_returned_and_the_rest_go_on(online, platform):
    platform.add_account("penalty_only", "pw-123456", kinds=["penalty"])
    log_in(online, platform, "penalty_only", "pw-123456")
    [lic] = add(online, "license", 1, start=5)
    pen = add(online, "penalty", 2, start=6)
    summary = sync(online)
    assert summary.ok and (summary.accepted, summary.rejected) == (2, 1)
    rec = online.queue.get(lic)
    assert rec.state == st.RETURNED and rec.platform_message[0]["code"] == "kind_not_allowed"
    assert all(online.queue.get(c).state == st.ACCEPTED for c in pen)


def test_a_fixed_rejected_record_goes_again_with_the_same_revision(online, platform):
    [cid] = add(online, "penalty", 1)
    # Make the platform reject it: an account that may not submit penalties.
    platform.add_account("lic_only", "pw-123456", kinds=["license"])
    log_in(online, platform, "lic_only", "pw-123456")
    sync(online)
    assert online.queue.get(cid).state == st.RETURNED
    log_in(online, platform)
    rec = online.queue.get(cid)
    online.queue.edit(cid, rec.fields)
    assert online.queue.get(cid).state == st.READY
    summary = sync(online)
    assert summary.accepted == 1
    rec = online.queue.get(cid)
    assert rec.state == st.ACCEPTED and rec.revision == 1


def test_feedback_return_then_fix_goes_out_as_an_update(online, platform):
    [cid] = add(online, "penalty", 1)
    sync(online)
    platform.return_record(cid, "违法事实与处罚类别不符，请核实后重新报送", ["CF_SY"])
    summary = sync(online)
    assert summary.returned == 1
    rec = online.queue.get(cid)
    assert rec.state == st.RETURNED and rec.platform_message == [
        {"field": "CF_SY", "code": "returned", "message": "违法事实与处罚类别不符，请核实后重新报送"}]
    fields = dict(rec.fields, CF_SY="经查，当事人销售不合格建筑材料（已核实）。")
    online.queue.edit(cid, fields)
    rec = online.queue.get(cid)
    assert (rec.state, rec.revision, rec.pending_action) == (st.READY, 2, "update")
    summary = sync(online)
    assert summary.accepted == 1
    assert max(r["revision"] for r in platform.record(cid)["revisions"]) == 2
    assert online.queue.get(cid).state == st.ACCEPTED
    # Feedback is never applied twice.
    assert sync(online).returned == 0


def test_amend_and_withdraw_accepted_records(online, platform):
    a, b = add(online, "license", 2)
    sync(online)
    rec = online.queue.get(a)
    online.queue.edit(a, dict(rec.fields, XK_NR="准予食品经营许可（更正经营项目）。"))
    online.queue.withdraw(b, "行政许可决定已被依法撤销")
    assert online.queue.get(b).pending_action == "withdraw"
    summary = sync(online)
    assert summary.ok and summary.accepted == 1 and summary.withdrawn == 1
    assert online.queue.get(a).state == st.ACCEPTED and online.queue.get(a).revision == 2
    assert online.queue.get(b).state == st.WITHDRAWN
    assert platform.accepted_creates() == {a: 1, b: 1}


@pytest.mark.parametrize("fault, params", [
    ("http_500", {}), ("drop", {}), ("malformed_json", {}), ("wrong_content_type", {}), ("bad_shape", {}),
    ("token_expired", {}), ("http_503", {"retry_after": 1}), ("http_429", {"retry_after": 1}),
    ("drop_after_store", {}),
])
def test_a_transient_fault_on_submission_is_survived_without_duplicates(online, platform, fault, params):
    ids = add(online, "penalty", 3)
    platform.inject(fault, "POST", "/submissions", **params)
    t0 = time.monotonic()
    summary = sync(online)
    assert summary.ok, summary.error
    assert summary.accepted + summary.duplicate == 3
    assert set(states(online).values()) == {st.ACCEPTED}
    assert platform.accepted_creates() == dict.fromkeys(ids, 1)
    posts = [r for r in platform.requests() if r["method"] == "POST" and r["path"] == "/submissions"]
    assert len({p["idempotency_key"] for p in posts}) == 1  # the repeat used the same key
    if "retry_after" in params:
        assert time.monotonic() - t0 >= 1.0


@pytest.mark.parametrize("path", ["/catalog", "/blacklist", "/feedback", "/calendar/*"])
def test_faults_on_the_other_calls_are_retried(online, platform, path):
    platform.inject("http_500", "GET", path)
    platform.inject("malformed_json", "GET", path)
    assert sync(online).ok


def test_a_systemic_failure_stops_the_run_and_the_next_sync_repairs_it(online, platform):
    ids = add(online, "penalty", 3)
    platform.inject("http_500", "POST", "/submissions", count=None)
    summary = sync(online)
    assert not summary.ok and "平台暂时出错" in summary.error
    assert set(states(online).values()) == {st.SENDING}
    platform.clear_faults()
    summary = sync(online)
    assert summary.ok and summary.accepted == 3
    assert platform.accepted_creates() == dict.fromkeys(ids, 1)


def test_a_lost_answer_then_a_stop_is_replayed_with_the_same_key(online, platform):
    ids = add(online, "penalty", 2)
    platform.inject("drop_after_store", "POST", "/submissions", count=None)
    summary = sync(online)
    assert not summary.ok and set(states(online).values()) == {st.SENDING}
    platform.clear_faults()
    assert sync(online).ok
    posts = [r for r in platform.requests() if r["method"] == "POST" and r["path"] == "/submissions"]
    assert len({p["idempotency_key"] for p in posts}) == 1
    assert platform.accepted_creates() == dict.fromkeys(ids, 1)
    assert set(states(online).values()) == {st.ACCEPTED}


def test_credentials_failures_stop_without_a_loop(online, platform):
    add(online, "penalty", 2)
    platform.inject("token_expired", "POST", "/submissions", count=None)
    summary = sync(online)
    assert not summary.ok and summary.error_code == "credentials"
    posts = [r for r in platform.requests() if r["method"] == "POST" and r["path"] == "/submissions"]
    logins = [r for r in platform.requests() if r["path"] == "/auth/token"]
    assert len(posts) == 2 and len(logins) == 2  # one renewal, then stop
    assert set(states(online).values()) == {st.READY}  # answered 401: nothing stored, nothing lost


def test_wrong_password_and_locked_account(online, platform):
    log_in(online, platform, password="wrong")
    summary = sync(online)
    assert not summary.ok and summary.error_code == "credentials" and "密码" in summary.error
    for _ in range(6):
        sync(online)
    summary = sync(online)
    assert summary.error_code == "account_locked"
    before = len([r for r in platform.requests() if r["path"] == "/auth/token"])
    sync(online)
    assert len([r for r in platform.requests() if r["path"] == "/auth/token"]) == before + 1  # never retried


def test_network_down_is_a_clear_systemic_failure(online, platform):
    add(online, "penalty", 1)
    online.settings.platform_url = "http://127.0.0.1:9/api/v1"  # nothing listens on the discard port
    online.save_settings()
    from app.platform.credentials import save_password

    save_password(online.settings.platform_url, online.settings.username, platform.password)
    summary = sync(online)
    assert not summary.ok and summary.error_code == "network" and "网络" in summary.error
    assert set(states(online).values()) == {st.READY}


def test_long_retry_after_stops_and_says_when(online, platform):
    add(online, "penalty", 1)
    platform.inject("http_429", "POST", "/submissions", retry_after=600)
    summary = sync(online)
    assert not summary.ok and summary.error_code == "rate_limited" and "10 分钟" in summary.error


def test_catalog_outdated_refetches_revalidates_and_sends_what_still_passes(online, platform):
    import copy

    ok_ids = add(online, "penalty", 2)
    [long_doc] = add(online, "penalty", 1, start=30, CF_WSH="饶市监罚〔2026〕30号（补充决定书）")
    sync(online)  # the client now holds the platform's catalog
    online.queue.edit(ok_ids[0], online.queue.get(ok_ids[0]).fields)  # nothing changes for this one
    doc = copy.deepcopy(platform.catalog_document())
    for kind in doc["kinds"]:
        for f in kind["fields"]:
            if f["code"] == "CF_WSH":
                f["length"] = 16
    new_ids = add(online, "penalty", 2, start=40)
    [too_long] = add(online, "penalty", 1, start=60, CF_WSH="饶市监罚〔2026〕60号（补充决定书）")
    platform.publish_catalog("2026.9", doc, outdate_older=True)
    # The catalog step runs first, so make the platform switch just after it.
    summary = sync(online)
    assert summary.ok and summary.catalog_version == "2026.9"
    assert all(online.queue.get(c).state == st.ACCEPTED for c in new_ids)
    rec = online.queue.get(too_long)
    assert rec.state == st.DRAFT and rec.findings[0]["rule"] == "length"
    assert long_doc


def test_catalog_outdated_answer_on_submission(online, platform):
    ids = add(online, "penalty", 2)
    platform.inject("status", "POST", "/submissions", status=422, code="catalog_outdated")
    summary = sync(online)
    assert summary.ok, summary.error
    assert summary.accepted == 2 and platform.accepted_creates() == dict.fromkeys(ids, 1)
    keys = {r["idempotency_key"] for r in platform.requests() if r["path"] == "/submissions"}
    assert len(keys) == 2  # a changed (re-validated) batch goes out with a new key


def test_a_catalog_that_fails_the_schema_is_not_used(online, platform):
    sync(online)
    version = online.catalogs.active().version
    platform.publish_catalog("2026.bad", {"format": 1, "version": "2026.bad", "kinds": "oops"})
    summary = sync(online)
    assert summary.ok and summary.catalog_version == version
    assert any("未通过格式校验" in n for n in summary.notes)


def test_catalog_etag_avoids_downloading_it_again(online, platform):
    sync(online)
    platform.clear_requests()
    sync(online)
    [get] = [r for r in platform.requests() if r["path"] == "/catalog"]
    assert get["status"] == 304


def test_a_newly_published_2027_calendar_fixes_uncovered_deadlines(online, platform, monkeypatch):
    monkeypatch.setenv("CREDITDESK_TODAY", "2026-12-28")
    [cid] = add(online, "inspection", 1, JC_RQ="2026-12-24")
    online.queue.edit(cid, online.queue.get(cid).fields, ready=False)  # a draft stays home
    assert online.queue.get(cid).deadline is None  # runs into 2027: not covered yet
    summary = sync(online)
    assert 2027 not in summary.calendar_years and any("2027" in n for n in summary.notes)
    platform.publish_calendar(2027, {"year": 2027, "holidays": ["2027-01-01"], "workdays": [],
                                     "source": "国务院办公厅关于2027年部分节假日安排的通知",
                                     "published_at": "2026-11-10"})
    summary = sync(online)
    assert 2027 in summary.calendar_years
    assert online.calendar.year_source(2027).source == "platform"
    # 12-25, 12-28 … 12-31, (01-01 holiday), 01-04, 01-05: the 7th working day after 12-24.
    assert online.queue.get(cid).deadline == "2027-01-05"


def test_the_serious_dishonesty_list(online, platform):
    [company] = add(online, "license", 1)
    uscc = online.queue.get(company).fields["XK_XDR_SHXYM"]
    person = {"XK_XDR_MC": "王小明", "XK_XDR_LB": "自然人", "XK_XDR_SHXYM": None, "XK_FRDB": None,
              "XK_XDR_ZJLX": "身份证", "XK_XDR_ZJHM": "360426199101010071"}
    [pid] = add(online, "license", 1, start=20, **person)
    online.queue.edit(company, online.queue.get(company).fields, ready=False)
    online.queue.edit(pid, online.queue.get(pid).fields, ready=False)
    e1 = platform.add_blacklist("上饶市某建材有限公司", uscc=uscc, list_name="拖欠农民工工资失信联合惩戒对象名单",
                                listed_on="2026-03-02")
    platform.add_blacklist("王小明", id_sha256=id_hash("360426199101010071"), list_name="失信被执行人名单")
    platform.add_blacklist("无关公司", uscc="91110000600037341L")
    summary = sync(online)
    assert summary.blacklist_entries == 3
    rec = online.queue.get(company)
    hits = [f for f in rec.findings if f["rule"] == "blacklist_hit"]
    assert hits and "拖欠农民工工资失信联合惩戒对象名单" in hits[0]["message"] and "2026-03-02" in hits[0]["message"]
    assert any(f["rule"] == "blacklist_hit" and "失信被执行人名单" in f["message"]
               for f in online.queue.get(pid).findings)
    platform.remove_blacklist(e1["entry_id"])
    summary = sync(online)
    assert summary.blacklist_entries == 2
    assert not [f for f in online.queue.get(company).findings if f["rule"] == "blacklist_hit"]


def test_an_edit_while_sending_goes_back_to_ready_after_the_answer(online, platform):
    import threading

    [cid] = add(online, "penalty", 1)
    platform.inject("delay", "POST", "/submissions", seconds=1.5, after=True)
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("s", sync(online)))
    worker.start()
    deadline = time.monotonic() + 10
    while online.queue.get(cid).state != st.SENDING and time.monotonic() < deadline:
        time.sleep(0.05)
    fields = dict(online.queue.get(cid).fields, CF_NR="警告，并处罚款2000元（更正）")
    online.queue.edit(cid, fields)
    worker.join(20)
    assert result["s"].ok
    rec = online.queue.get(cid)
    assert (rec.state, rec.revision, rec.pending_action) == (st.READY, 2, "update")
    assert sync(online).accepted == 1
    assert online.queue.get(cid).state == st.ACCEPTED
    assert platform.accepted_creates() == {cid: 1}


def test_sync_command_line(online, platform, capsys, monkeypatch, data_dir):
    from app.cli import main

    add(online, "penalty", 2)
    online.close()
    monkeypatch.setenv("CREDITDESK_PASSWORD", platform.password)
    assert main(["--data-dir", str(data_dir), "login", "--url", platform.base_url, "--username",
                 platform.username]) == 0
    assert "登录成功" in capsys.readouterr().out
    assert main(["--data-dir", str(data_dir), "sync", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {"sent", "accepted", "duplicate", "rejected", "conflict", "returned", "withdrawn", "catalog_version",
            "calendar_years", "blacklist_entries"} <= set(doc)
    assert doc["sent"] == 2 and doc["accepted"] == 2
    platform.inject("http_500", "*", "*", count=None)
    assert main(["--data-dir", str(data_dir), "sync", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False
    platform.clear_faults()
    assert main(["--data-dir", str(data_dir), "logout"]) == 0
    monkeypatch.delenv("CREDITDESK_PASSWORD")  # else sync would take the password from the environment
    assert main(["--data-dir", str(data_dir), "sync"]) == 1
    assert "登录" in capsys.readouterr().err


def test_wrong_password_at_login_is_not_saved(ctx, platform, capsys, monkeypatch, data_dir, memory_keyring):
    from app.cli import main

    monkeypatch.setenv("CREDITDESK_PASSWORD", "wrong")
    assert main(["--data-dir", str(data_dir), "login", "--url", platform.base_url, "--username",
                 platform.username]) == 2
    assert "密码不正确" in capsys.readouterr().err
    assert memory_keyring.store == {}


def test_a_sync_makes_the_days_backup(online, platform):
    add(online, "penalty", 1)
    assert sync(online).ok
    backups = list((online.data_dir / "backups").glob("creditdesk-daily-*.sqlite3"))
    assert len(backups) == 1
    sync(online)
    assert len(list((online.data_dir / "backups").glob("creditdesk-daily-*.sqlite3"))) == 1


def test_department_defaults_set_by_the_clerk_are_kept(online, platform):
    online.settings.department_name = "上饶市市场监督管理局信州分局"
    online.save_settings()
    assert sync(online).ok
    assert online.settings.department_name == "上饶市市场监督管理局信州分局"
    assert online.settings.department_uscc == "113611000145004524"  # empty before: filled from the account


def test_without_a_keyring_the_password_can_come_from_the_environment(ctx, platform, monkeypatch, capsys, data_dir):
    """A headless server has no keyring service: login says so (nothing written anywhere), and sync
    takes the password from CREDITDESK_PASSWORD."""
    import keyring
    from keyring.backends.fail import Keyring as NoKeyring

    from app.cli import main

    keyring.set_keyring(NoKeyring())
    monkeypatch.setenv("CREDITDESK_PASSWORD", platform.password)
    assert main(["--data-dir", str(data_dir), "login", "--url", platform.base_url, "--username",
                 platform.username]) == 0
    assert "没有可用的系统钥匙串" in capsys.readouterr().out
    add(ctx, "penalty", 1)
    ctx.close()
    assert main(["--data-dir", str(data_dir), "sync", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["accepted"] == 1
    monkeypatch.delenv("CREDITDESK_PASSWORD")
    assert main(["--data-dir", str(data_dir), "sync"]) == 1
