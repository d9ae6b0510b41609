"""The reference platform (tests/platform) against its contract, shared/reference/platform-api.md,
over real HTTP on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from app.paths import resource
from tests import factories
from tests.platform import PlatformServer
from tests.platform.fixtures import FIXTURE_NOW
from tests.platform.fixtures import platform as platform  # noqa: F401 - the fixture, used by name

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
JSON_TYPE = "application/json; charset=utf-8"


class Api:
    """A minimal client of the contract: one Session, a token, helpers for batches."""

    def __init__(self, server: PlatformServer, username: str | None = None, password: str | None = None):
        self.server = server
        self.url = server.base_url
        self.username = username or server.username
        self.password = password or server.password
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "CreditDesk/test"

    def token(self, username: str | None = None, password: str | None = None) -> requests.Response:
        return self.session.post(f"{self.url}/auth/token", json={"username": username or self.username,
                                                               "password": password or self.password}, timeout=10)

    def login(self) -> Api:
        r = self.token()
        assert r.status_code == 200, r.text
        self.session.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        return self

    def get(self, path: str, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", 10)
        return self.session.get(self.url + path, **kw)

    def post(self, path: str, **kw: Any) -> requests.Response:
        kw.setdefault("timeout", 10)
        return self.session.post(self.url + path, **kw)

    def submit(self, records: list[dict[str, Any]], key: str | None = None, version: str | None = None,
               **kw: Any) -> requests.Response:
        body = {"catalog_version": version or self.server.catalog_version, "records": records}
        return self.send(json.dumps(body, ensure_ascii=False).encode("utf-8"), key or str(uuid.uuid4()), **kw)

    def send(self, raw: bytes, key: str | None, **kw: Any) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.post("/submissions", data=raw, headers=headers, **kw)


def rec(kind: str = "penalty", n: int = 1, client_id: str | None = None, revision: int = 1,
        action: str = "create", **over: Any) -> dict[str, Any]:
    return {"client_id": client_id or str(uuid.uuid4()), "revision": revision, "kind": kind, "action": action,
            "fields": factories.record(kind, random.Random(n), n, **over)}


def withdraw(record: dict[str, Any], revision: int, reason: str | None = "行政处罚决定已被依法撤销") -> dict[str, Any]:
    out = {"client_id": record["client_id"], "revision": revision, "kind": record["kind"], "action": "withdraw"}
    if reason is not None:
        out["withdraw_reason"] = reason
    return out


def update(record: dict[str, Any], revision: int, **changes: str) -> dict[str, Any]:
    return {**record, "revision": revision, "action": "update", "fields": {**record["fields"], **changes}}


def assert_error(r: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"] == JSON_TYPE
    body = r.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def results(r: requests.Response) -> list[dict[str, Any]]:
    assert r.status_code == 200, r.text
    return r.json()["results"]


def wait_for(condition: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


@pytest.fixture
def api(platform: PlatformServer) -> Api:  # noqa: F811 - the imported fixture
    return Api(platform).login()


# ---- general -----------------------------------------------------------------------------------

def test_listens_on_loopback_only_with_a_free_port():
    with PlatformServer(port=0) as server:
        assert server._httpd.server_address[0] == "127.0.0.1"
        assert server.port > 0
        assert server.base_url == f"http://127.0.0.1:{server.port}/api/v1"


@pytest.mark.parametrize(("base", "expected"), [("/api/v1/", "/api/v1"), ("gw/credit", "/gw/credit"), ("/", "")])
def test_base_path_is_kept_and_a_trailing_slash_ignored(base, expected):
    with PlatformServer(port=0, base_path=base) as server:
        assert server.base_url.endswith(f":{server.port}{expected}")
        r = requests.post(f"{server.base_url}/auth/token",
                          json={"username": server.username, "password": server.password}, timeout=5)
        assert r.status_code == 200
        if expected:
            outside = requests.post(f"http://127.0.0.1:{server.port}/auth/token",
                                    json={"username": server.username, "password": server.password}, timeout=5)
            assert_error(outside, 404, "not_found")


def test_unknown_path_and_wrong_method_get_the_error_envelope(api):
    assert_error(api.get("/nothing-here"), 404, "not_found")
    assert_error(api.post("/catalog", json={}), 405, "method_not_allowed")


def test_http_level_errors_use_the_envelope_too(platform):  # noqa: F811
    r = requests.request("OPTIONS", f"{platform.base_url}/catalog", timeout=5)
    assert_error(r, 501, "method_not_allowed")


def test_a_stopped_platform_answers_nothing_on_kept_alive_connections():
    server = PlatformServer(port=0).start()
    client = Api(server)
    assert client.token().status_code == 200  # the session keeps this connection open
    server.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        client.token()


def test_every_endpoint_but_token_needs_a_bearer_token(platform):  # noqa: F811
    anonymous = Api(platform)
    for path in ("/catalog", "/calendar/2026", "/blacklist", "/feedback", f"/submissions/{uuid.uuid4()}"):
        assert_error(anonymous.get(path), 401, "invalid_token")
        assert_error(anonymous.get(path, headers={"Authorization": "Bearer not-a-token"}), 401, "invalid_token")
    assert_error(anonymous.submit([rec()]), 401, "invalid_token")
    assert platform.records() == {}


def test_responses_are_utf8_json(api):
    r = api.get("/calendar/2026")
    assert r.headers["Content-Type"] == JSON_TYPE
    assert r.content.decode("utf-8") == json.dumps(r.json(), ensure_ascii=False, separators=(",", ":"))


# ---- authentication ----------------------------------------------------------------------------

def test_token_answer_names_the_account(platform):  # noqa: F811
    r = Api(platform).token()
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 7200 and body["access_token"]
    assert body["account"] == {"username": "srfgw_01", "department_name": "上饶市发展和改革委员会",
                               "department_uscc": "113611000145004524",
                               "kinds": ["license", "penalty", "enforcement", "inspection"]}


def test_wrong_credentials_and_a_malformed_token_request(platform):  # noqa: F811
    client = Api(platform)
    assert_error(client.token(password="wrong"), 401, "invalid_credentials")
    assert_error(client.token(username="nobody"), 401, "invalid_credentials")
    assert_error(client.post("/auth/token", data=b"{not json"), 400, "malformed")
    assert_error(client.post("/auth/token", json={"username": "srfgw_01"}), 400, "malformed")


def test_account_locks_after_five_wrong_passwords(platform):  # noqa: F811
    client = Api(platform)
    for _ in range(4):
        assert_error(client.token(password="wrong"), 401, "invalid_credentials")
    assert client.token().status_code == 200  # a success resets the count
    for _ in range(5):
        assert_error(client.token(password="wrong"), 401, "invalid_credentials")
    assert_error(client.token(), 423, "account_locked")  # even with the right password
    platform.unlock_account(platform.username)
    assert client.token().status_code == 200
    for _ in range(5):
        client.token(password="wrong")
    assert_error(client.token(), 423, "account_locked")
    platform.advance_clock(1801)  # the lock lasts lock_seconds (1800) on the platform clock
    assert client.token().status_code == 200


def test_token_expires_after_expires_in(platform, api):  # noqa: F811
    platform.advance_clock(7199)
    assert api.get("/catalog").status_code == 200
    platform.advance_clock(2)
    assert_error(api.get("/catalog"), 401, "token_expired")
    assert api.login().get("/catalog").status_code == 200


def test_expires_in_is_configurable(platform):  # noqa: F811
    platform.configure(expires_in=60)
    client = Api(platform)
    assert client.token().json()["expires_in"] == 60
    client.login()
    platform.advance_clock(61)
    assert_error(client.get("/catalog"), 401, "token_expired")


def test_expire_and_revoke_every_token(platform, api):  # noqa: F811
    platform.expire_tokens()
    assert_error(api.get("/blacklist"), 401, "token_expired")
    api.login()
    platform.revoke_tokens()
    assert_error(api.get("/blacklist"), 401, "invalid_token")
    assert api.login().get("/blacklist").status_code == 200


# ---- catalog -----------------------------------------------------------------------------------

def test_catalog_is_the_projects_default_with_a_strong_etag(api):
    r = api.get("/catalog")
    assert r.status_code == 200
    body = r.json()
    default = json.loads(resource("catalog", "default.json").read_text(encoding="utf-8"))
    assert body["catalog"] == default
    assert body["version"] == default["version"] == api.server.catalog_version
    assert body["published_at"].startswith(default["published_at"]) and "+08:00" in body["published_at"]
    assert r.headers["ETag"] == f'"{body["version"]}"'


def test_catalog_304_when_unchanged(api):
    etag = api.get("/catalog").headers["ETag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        r = api.get("/catalog", headers={"If-None-Match": header})
        assert r.status_code == 304 and r.content == b""
        assert r.headers["ETag"] == etag
    assert api.get("/catalog", headers={"If-None-Match": '"2020.1"'}).status_code == 200


def test_a_new_catalog_version_changes_the_etag(platform, api):  # noqa: F811
    old = api.get("/catalog").headers["ETag"]
    platform.publish_catalog("2026.4")
    r = api.get("/catalog", headers={"If-None-Match": old})
    assert r.status_code == 200 and r.headers["ETag"] == '"2026.4"'
    assert r.json()["version"] == r.json()["catalog"]["version"] == "2026.4"
    assert api.get("/catalog", headers={"If-None-Match": '"2026.4"'}).status_code == 304


def test_an_invalid_catalog_document_is_served_as_published(platform, api):  # noqa: F811
    platform.publish_catalog("broken-1", document={"format": 1, "version": "broken-1"})
    assert api.get("/catalog").json()["catalog"] == {"format": 1, "version": "broken-1"}
    # records are still checked with the last valid catalog
    assert results(api.submit([rec()], version="broken-1"))[0]["status"] == "accepted"


# ---- calendars ---------------------------------------------------------------------------------

def test_bundled_calendar_years(api):
    for year in (2023, 2024, 2025, 2026):
        r = api.get(f"/calendar/{year}")
        assert r.status_code == 200
        assert r.json() == json.loads(resource("calendar", f"{year}.json").read_text(encoding="utf-8"))


def test_unpublished_year_is_404_until_published(platform, api):  # noqa: F811
    assert_error(api.get("/calendar/2027"), 404, "not_published")
    assert_error(api.get("/calendar/2022"), 404, "not_published")
    doc = platform.publish_calendar(2027)
    r = api.get("/calendar/2027")
    assert r.status_code == 200 and r.json() == doc
    assert doc["year"] == 2027 and "2027-01-01" in doc["holidays"] and doc["source"]
    platform.unpublish_calendar(2027)
    assert_error(api.get("/calendar/2027"), 404, "not_published")
    assert_error(api.get("/calendar/next"), 404, "not_found")


def test_a_calendar_document_given_by_a_test_is_served_as_is(platform, api):  # noqa: F811
    doc = {"year": 2028, "holidays": ["2028-01-03"], "workdays": [], "source": "测试", "published_at": "2027-11-01"}
    platform.publish_calendar(2028, doc)
    assert api.get("/calendar/2028").json() == doc


# ---- the serious-dishonesty list ---------------------------------------------------------------

def test_empty_list_still_has_a_cursor(api):
    body = api.get("/blacklist").json()
    assert body["items"] == [] and body["has_more"] is False
    assert isinstance(body["next_cursor"], str)
    again = api.get("/blacklist", params={"cursor": body["next_cursor"]}).json()
    assert again["items"] == [] and again["next_cursor"] == body["next_cursor"]


def test_list_pages_and_change_log(platform, api):  # noqa: F811
    platform.configure(page_size=2)
    company = platform.add_blacklist("上饶市某某建材有限公司", uscc="91361100MA35K7Q27A", listed_on="2026-03-02")
    person = platform.add_blacklist("王某某", id_number="36110219800101001x")
    platform.add_blacklist("上饶市某某劳务有限公司", uscc="91361100MA35L0XK0P", list_name="失信被执行人名单")
    items, cursor, pages = [], None, 0
    while True:
        body = api.get("/blacklist", params={"cursor": cursor} if cursor else None).json()
        assert isinstance(body["next_cursor"], str)
        items += body["items"]
        cursor = body["next_cursor"]
        pages += 1
        if not body["has_more"]:
            break
    assert pages == 2 and len(items) == 3
    assert items[0] == {"entry_id": company["entry_id"], "subject_name": "上饶市某某建材有限公司",
                        "uscc": "91361100MA35K7Q27A", "id_sha256": None,
                        "list_name": "拖欠农民工工资失信联合惩戒对象名单", "listed_on": "2026-03-02", "removed": False}
    assert items[1]["uscc"] is None
    assert items[1]["id_sha256"] == hashlib.sha256(b"36110219800101001X").hexdigest() == person["id_sha256"]
    # the stored cursor gives only what changed since: the removal, as a new item for the same entry
    assert api.get("/blacklist", params={"cursor": cursor}).json()["items"] == []
    platform.remove_blacklist(company["entry_id"])
    body = api.get("/blacklist", params={"cursor": cursor}).json()
    assert [(i["entry_id"], i["removed"]) for i in body["items"]] == [(company["entry_id"], True)]
    assert body["has_more"] is False and body["next_cursor"] != cursor


def test_bad_cursor_is_malformed(api):
    assert_error(api.get("/blacklist", params={"cursor": "garbage"}), 400, "malformed")
    assert_error(api.get("/feedback", params={"cursor": "bl.1"}), 400, "malformed")


# ---- submissions: accepted, GET /submissions/{client_id} ---------------------------------------

def test_one_record_of_each_kind_is_accepted_in_request_order(platform, api):  # noqa: F811
    records = [rec(kind, n) for n, kind in enumerate(("license", "penalty", "enforcement", "inspection"), 1)]
    r = api.submit(records)
    assert r.headers["Content-Type"] == JSON_TYPE
    body = r.json()
    assert body["batch_id"].startswith("B20261126-")
    assert body["received_at"].startswith("2026-11-26T10:") and body["received_at"].endswith("+08:00")
    assert [x["client_id"] for x in body["results"]] == [x["client_id"] for x in records]
    for result, prefix in zip(body["results"], ("XK", "CF", "QZ", "JC"), strict=True):
        assert result["status"] == "accepted" and result["errors"] == [] and result["revision"] == 1
        assert result["platform_id"].startswith(f"SR-{prefix}-2026-")
    assert platform.accepted_creates() == {x["client_id"]: 1 for x in records}
    stored = platform.record(records[1]["client_id"])
    assert stored["revisions"][0]["fields"] == records[1]["fields"] and stored["late"] is False


def test_get_submission_reports_the_latest_revision(platform, api):  # noqa: F811
    record = rec()
    first = api.submit([record]).json()
    platform.advance_clock(3600)
    second = api.submit([update(record, 2, CF_NR="警告，并处罚款3000元", CF_NR_FK="0.3")]).json()
    r = api.get(f"/submissions/{record['client_id']}")
    assert r.status_code == 200
    assert r.json() == {"client_id": record["client_id"], "revision": 2, "status": "accepted",
                        "platform_id": first["results"][0]["platform_id"],
                        "received_at": second["received_at"], "first_received_at": first["received_at"]}
    assert_error(api.get(f"/submissions/{uuid.uuid4()}"), 404, "not_found")


def test_another_accounts_record_is_not_found(platform, api):  # noqa: F811
    record = rec()
    assert results(api.submit([record]))[0]["status"] == "accepted"
    platform.add_account("srfgw_02", "other-password", department_name="上饶市市场监督管理局")
    other = Api(platform, "srfgw_02", "other-password").login()
    assert_error(other.get(f"/submissions/{record['client_id']}"), 404, "not_found")
    assert results(other.submit([update(record, 2)]))[0]["errors"][0]["code"] == "not_found"


def test_received_at_follows_the_platform_clock(platform, api):  # noqa: F811
    platform.set_clock("2026-12-01T09:30:00+08:00", frozen=True)
    assert api.login().submit([rec()]).json()["received_at"] == "2026-12-01T09:30:00+08:00"


# ---- idempotency -------------------------------------------------------------------------------

def test_replay_returns_the_original_answer_byte_for_byte(platform, api):  # noqa: F811
    key = str(uuid.uuid4())
    records = [rec(n=1), rec(n=2)]
    first = api.submit(records, key)
    platform.advance_clock(600)
    # the same body as parsed JSON: other key order and spacing
    body = {"records": [dict(reversed(list(r.items()))) for r in records], "catalog_version": platform.catalog_version}
    again = api.send(json.dumps(body, indent=2).encode(), key)
    assert again.status_code == 200 and again.content == first.content
    assert [e["replayed"] for e in platform.requests() if e["path"] == "/submissions"] == [False, True]
    assert set(platform.accepted_creates().values()) == {1}


def test_same_key_different_body_is_422(platform, api):  # noqa: F811
    key = str(uuid.uuid4())
    record = rec()
    assert api.submit([record], key).status_code == 200
    changed = update(record, 1) | {"action": "create"}
    changed["fields"]["CF_NR_FK"] = "0.3"
    assert_error(api.submit([changed], key), 422, "idempotency_key_reused")
    # compared as parsed JSON, not loosely: 1 and 1.0 differ (here in a field the platform ignores)
    key = str(uuid.uuid4())
    record["fields"]["ZZ_EXTRA"] = 1
    assert api.submit([record], key).status_code == 200
    raw = json.dumps({"catalog_version": platform.catalog_version, "records": [record]}).replace(
        '"ZZ_EXTRA": 1', '"ZZ_EXTRA": 1.0')
    assert_error(api.send(raw.encode(), key), 422, "idempotency_key_reused")


def test_keys_are_scoped_to_the_account(platform, api):  # noqa: F811
    platform.add_account("srfgw_02", "pw2")
    other = Api(platform, "srfgw_02", "pw2").login()
    key = str(uuid.uuid4())
    assert results(api.submit([rec(n=1)], key))[0]["status"] == "accepted"
    assert results(other.submit([rec(n=2)], key))[0]["status"] == "accepted"


@pytest.mark.parametrize("key", [None, "", "not-a-uuid", "0f8fad5b-d9cb-469f-a165-70867728950", "0f8fad5bd9cb469fa16570867728950e",
                                 "{0f8fad5b-d9cb-469f-a165-70867728950e}", "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
                                 "0f8fad5b-d9cb-469f-a165-70867728950g", "0f8fad5b-d9cb-469f-a16570867728950e"])
def test_missing_or_malformed_key_is_400(platform, api, key):  # noqa: F811
    assert_error(api.submit([rec()], key=key) if key else api.send(
        json.dumps({"catalog_version": platform.catalog_version, "records": [rec()]}).encode(), key), 400, "malformed")
    assert platform.records() == {}


def test_upper_case_key_is_a_uuid_too(api):
    key = str(uuid.uuid4())
    first = api.submit([rec()], key.upper())
    assert first.status_code == 200
    assert api.send(first.request.body, key).content == first.content  # same UUID, same answer


def test_only_200_answers_are_remembered(platform, api):  # noqa: F811
    key = str(uuid.uuid4())
    record = rec()
    assert_error(api.submit([record], key, version="2019.1"), 422, "catalog_outdated")
    assert_error(api.submit([{"client_id": "x"}], key), 400, "malformed")
    # nothing was remembered: the key is free for a (different) batch
    assert results(api.submit([record], key))[0]["status"] == "accepted"


def test_answers_are_remembered_for_24_hours(platform, api):  # noqa: F811
    key = str(uuid.uuid4())
    record = rec()
    first = api.submit([record], key)
    platform.advance_clock(24 * 3600 - 5)
    assert api.login().submit([record], key).content == first.content
    platform.advance_clock(10)
    late = api.submit([record], key)
    assert late.content != first.content
    assert late.json()["results"][0]["status"] == "duplicate"
    assert late.json()["batch_id"] != first.json()["batch_id"]


# ---- per-record statuses -----------------------------------------------------------------------

def test_duplicate_and_conflict(platform, api):  # noqa: F811
    record = rec()
    pid = results(api.submit([record]))[0]["platform_id"]
    shuffled = dict(record, fields=dict(reversed(list(record["fields"].items()))))
    again = results(api.submit([shuffled]))[0]
    assert again == {"client_id": record["client_id"], "revision": 1, "status": "duplicate", "platform_id": pid,
                     "errors": []}
    changed = dict(record, fields={**record["fields"], "CF_NR_FK": "0.20"})
    conflict = results(api.submit([changed]))[0]
    assert conflict["status"] == "conflict" and conflict["platform_id"] == pid
    assert [e["code"] for e in conflict["errors"]] == ["conflict"]
    assert platform.record(record["client_id"])["revisions"][0]["fields"]["CF_NR_FK"] == "0.2"
    assert platform.accepted_creates() == {record["client_id"]: 1}
    assert platform.result_counts()[record["client_id"]] == {"creates": 1, "accepted": 1, "duplicate": 1,
                                                             "conflict": 1}


def test_a_late_resend_of_revision_1_after_an_update_is_duplicate(api):
    record = rec()
    api.submit([record])
    api.submit([update(record, 2, CF_NR_FK="0.3")])
    assert results(api.submit([record]))[0]["status"] == "duplicate"


def test_rejected_by_the_platforms_checks_stores_nothing(platform, api):  # noqa: F811
    good = rec()
    bad = dict(good, fields={**good["fields"], "CF_XDR_SHXYM": good["fields"]["CF_XDR_SHXYM"][:-1] + "0"})
    if bad["fields"]["CF_XDR_SHXYM"] == good["fields"]["CF_XDR_SHXYM"]:
        bad["fields"]["CF_XDR_SHXYM"] = good["fields"]["CF_XDR_SHXYM"][:-1] + "1"
    result = results(api.submit([bad]))[0]
    assert result["status"] == "rejected" and result["platform_id"] is None
    assert {"field": "CF_XDR_SHXYM", "code": "uscc_checksum"} in [
        {"field": e["field"], "code": e["code"]} for e in result["errors"]]
    assert all(e["message"] for e in result["errors"])
    assert_error(api.get(f"/submissions/{good['client_id']}"), 404, "not_found")
    assert platform.records() == {}
    # fixed, it goes again with the same client_id, revision and action
    assert results(api.submit([good]))[0]["status"] == "accepted"


def test_unknown_field_codes_are_ignored(api):
    record = rec()
    record["fields"]["ZZ_NOT_IN_CATALOG"] = "x"
    record["fields"]["ZZ_NUMBER"] = 12  # not a string, but unknown, so ignored
    assert results(api.submit([record]))[0]["status"] == "accepted"


def test_field_values_must_be_strings(api):
    record = rec()
    record["fields"]["CF_NR_FK"] = 0.2
    result = results(api.submit([record]))[0]
    assert result["status"] == "rejected"
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("CF_NR_FK", "invalid_value")]


def test_missing_fields_and_missing_reason(api):
    no_fields = {k: v for k, v in rec().items() if k != "fields"}
    empty = dict(rec(), fields={"CF_XDR_MC": "", "ZZ_UNKNOWN": "x"})
    record = rec()
    api.submit([record])
    out = results(api.submit([no_fields, empty, withdraw(record, 2, reason=None), withdraw(record, 2, reason="")]))
    assert [(x["status"], x["errors"][0]["code"]) for x in out] == [
        ("rejected", "missing_fields"), ("rejected", "missing_fields"), ("rejected", "missing_reason"),
        ("rejected", "missing_reason")]


def test_kind_not_allowed(platform):  # noqa: F811
    platform.add_account("srxk_01", "pw", kinds=["license"])
    client = Api(platform, "srxk_01", "pw").login()
    assert client.token().json()["account"]["kinds"] == ["license"]
    out = results(client.submit([rec("license"), rec("penalty"), dict(rec(), kind="subsidy")]))
    assert [x["status"] for x in out] == ["accepted", "rejected", "rejected"]
    assert [x["errors"][0]["code"] for x in out[1:]] == ["kind_not_allowed", "kind_not_allowed"]


def test_revision_rules(platform, api):  # noqa: F811
    record = rec()
    api.submit([record])
    out = results(api.submit([update(record, 3), update(record, 1), update(rec(), 2)]))
    assert [x["errors"][0]["code"] for x in out] == ["stale_revision", "conflict", "not_found"]
    assert out[1]["status"] == "conflict"  # revision 1 is taken, by a create
    assert [x["status"] for x in (out[0], out[2])] == ["rejected", "rejected"]
    ok = results(api.submit([update(record, 2, CF_NR_FK="0.3")]))[0]
    assert ok["status"] == "accepted" and ok["revision"] == 2
    assert results(api.submit([update(record, 2, CF_NR_FK="0.3")]))[0]["status"] == "duplicate"
    assert results(api.submit([update(record, 2, CF_NR_FK="0.4")]))[0]["status"] == "conflict"
    assert results(api.submit([update(record, 2, CF_NR_FK="0.4")]))[0]["status"] == "conflict"
    assert results(api.submit([withdraw(record, 2)]))[0]["errors"][0]["code"] == "conflict"
    assert results(api.submit([withdraw(record, 4)]))[0]["errors"][0]["code"] == "stale_revision"
    assert [r["revision"] for r in platform.record(record["client_id"])["revisions"]] == [1, 2]


def test_records_of_one_batch_apply_in_order(api):
    record = rec()
    out = results(api.submit([record, update(record, 2, CF_NR_FK="0.3"), withdraw(record, 3), record]))
    assert [x["status"] for x in out] == ["accepted", "accepted", "withdrawn", "duplicate"]


def test_withdraw(platform, api):  # noqa: F811
    record = rec()
    pid = results(api.submit([record]))[0]["platform_id"]
    out = results(api.submit([withdraw(record, 2)]))[0]
    assert out == {"client_id": record["client_id"], "revision": 2, "status": "withdrawn", "platform_id": pid,
                   "errors": []}
    assert api.get(f"/submissions/{record['client_id']}").json()["status"] == "withdrawn"
    assert results(api.submit([withdraw(record, 2)]))[0]["status"] == "duplicate"
    assert results(api.submit([update(record, 3)]))[0]["errors"][0]["code"] == "record_withdrawn"
    assert results(api.submit([withdraw(rec(), 2)]))[0]["errors"][0]["code"] == "not_found"
    assert platform.record(record["client_id"])["revisions"][1]["withdraw_reason"] == "行政处罚决定已被依法撤销"


def test_returned_record_is_corrected_with_an_update_or_withdrawn(platform, api):  # noqa: F811
    record, other = rec(n=1), rec(n=2)
    api.submit([record, other])
    platform.return_record(record["client_id"], "处罚内容与处罚类别不符，请核实后重新报送", ["CF_NR"])
    platform.return_record(other["client_id"], "重复报送")
    assert api.get(f"/submissions/{record['client_id']}").json()["status"] == "returned"
    out = results(api.submit([update(record, 2, CF_NR="警告，并处罚款2000元（已核实）"), withdraw(other, 2)]))
    assert [x["status"] for x in out] == ["accepted", "withdrawn"]
    status = api.get(f"/submissions/{record['client_id']}").json()
    assert status["status"] == "accepted" and status["revision"] == 2


def test_platform_judges_dates_with_its_own_today(platform, api):  # noqa: F811
    platform.set_clock("2026-11-10T09:00:00+08:00")
    result = results(api.submit([rec()]))[0]  # decided 2026-11-20: in the platform's future
    assert result["status"] == "rejected"
    assert ("CF_JDRQ", "date_future") in [(e["field"], e["code"]) for e in result["errors"]]


def test_lateness_is_recorded_on_the_first_accepted_revision(platform, api):  # noqa: F811
    on_time, late = rec(n=1), rec(n=2)  # both decided 2026-11-20: deadline 2026-12-01
    api.submit([on_time])
    platform.set_clock("2026-12-15T09:00:00+08:00")
    api.login().submit([late, update(on_time, 2, CF_NR_FK="0.3")])
    assert platform.record(on_time["client_id"])["late"] is False  # judged on revision 1
    assert platform.record(late["client_id"])["late"] is True
    assert platform.record(late["client_id"])["deadline"] == "2026-12-01"


def test_no_duplicate_rules_between_records(api):
    a = rec(n=7)
    b = dict(rec(n=7), client_id=str(uuid.uuid4()))  # same document number and subject
    assert [x["status"] for x in results(api.submit([a, b]))] == ["accepted", "accepted"]


def test_create_must_be_revision_1(api):
    record = rec(revision=2)
    assert results(api.submit([record]))[0]["errors"][0]["code"] == "stale_revision"


# ---- batch-level answers -----------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    b"{not json", b"[]", b"\xff\xfe", json.dumps({"records": []}).encode(),
    json.dumps({"catalog_version": "2026.0-default"}).encode(),
    json.dumps({"catalog_version": "2026.0-default", "records": {}}).encode(),
])
def test_malformed_bodies(platform, api, body):  # noqa: F811
    assert_error(api.send(body, str(uuid.uuid4())), 400, "malformed")


@pytest.mark.parametrize("member", ["client_id", "revision", "kind", "action"])
def test_a_record_without_a_required_member_fails_the_whole_request(platform, api, member):  # noqa: F811
    broken = {k: v for k, v in rec(n=2).items() if k != member}
    assert_error(api.submit([rec(n=1), broken]), 400, "malformed")
    assert platform.records() == {}


def test_500_records_pass_and_501_are_too_many(platform, api):  # noqa: F811
    many = [rec("inspection", n) for n in range(1, 502)]
    assert_error(api.submit(many), 413, "payload_too_large")
    assert platform.records() == {}
    out = results(api.submit(many[:500]))
    assert len(out) == 500 and {x["status"] for x in out} == {"accepted"}


def _body_of_size(version: str, size: int) -> bytes:
    record = rec()
    record["fields"]["ZZ_PADDING"] = ""
    base = json.dumps({"catalog_version": version, "records": [record]}, ensure_ascii=False).encode()
    record["fields"]["ZZ_PADDING"] = "x" * (size - len(base))
    raw = json.dumps({"catalog_version": version, "records": [record]}, ensure_ascii=False).encode()
    assert len(raw) == size
    return raw


def test_5_mib_inclusive(platform, api):  # noqa: F811
    assert_error(api.send(_body_of_size(platform.catalog_version, 5 * MiB + 1), str(uuid.uuid4())),
                 413, "payload_too_large")
    assert platform.records() == {}
    r = api.send(_body_of_size(platform.catalog_version, 5 * MiB), str(uuid.uuid4()))
    assert results(r)[0]["status"] == "accepted"


def test_catalog_outdated(platform, api):  # noqa: F811
    old = platform.catalog_version
    platform.publish_catalog("2026.4")
    assert results(api.submit([rec(n=1)], version=old))[0]["status"] == "accepted"  # not outdated yet
    platform.publish_catalog("2026.5", outdate_older=True)
    error = assert_error(api.submit([rec(n=2)], version=old), 422, "catalog_outdated")
    assert error["current_version"] == "2026.5"
    assert assert_error(api.submit([rec(n=2)], version="2026.4"), 422, "catalog_outdated")["current_version"] == "2026.5"
    assert assert_error(api.submit([rec(n=2)], version="never-published"), 422, "catalog_outdated")
    assert results(api.submit([rec(n=2)], version="2026.5"))[0]["status"] == "accepted"
    platform.mark_catalog_outdated("2026.5")
    assert_error(api.submit([rec(n=3)], version="2026.5"), 422, "catalog_outdated")


def test_records_are_checked_with_the_newest_catalog(platform, api):  # noqa: F811
    doc = platform.catalog_document()
    penalty = next(k for k in doc["kinds"] if k["id"] == "penalty")
    next(f for f in penalty["fields"] if f["code"] == "BZ")["required"] = True
    platform.publish_catalog("2026.6", document=dict(doc, version="2026.6"))
    result = results(api.submit([rec()], version="2026.6"))[0]
    assert result["status"] == "rejected" and [e["field"] for e in result["errors"]] == ["BZ"]
    assert results(api.submit([rec(BZ="无")], version="2026.6"))[0]["status"] == "accepted"


def test_a_second_concurrent_post_of_an_account_may_get_429(platform, api):  # noqa: F811
    platform.inject("delay", method="POST", path="/submissions", seconds=0.6)
    other_session = Api(platform).login()
    first: dict[str, requests.Response] = {}
    thread = threading.Thread(target=lambda: first.setdefault("r", api.submit([rec(n=1)])))
    thread.start()
    wait_for(lambda: platform.state.in_flight)
    second = other_session.submit([rec(n=2)])
    error = assert_error(second, 429, "rate_limited")
    assert int(second.headers["Retry-After"]) >= 1 and error
    thread.join()
    assert results(first["r"])[0]["status"] == "accepted"
    assert results(api.submit([rec(n=2)]))[0]["status"] == "accepted"  # free again at once


# ---- feedback ----------------------------------------------------------------------------------

def test_feedback_pages(platform, api):  # noqa: F811
    platform.configure(page_size=2)
    empty = api.get("/feedback").json()
    assert empty["items"] == [] and isinstance(empty["next_cursor"], str) and empty["has_more"] is False
    a, b = rec(n=1), rec(n=2)
    out = results(api.submit([a, b]))
    platform.set_clock("2026-11-27T16:02:11+08:00", frozen=True)
    platform.return_record(a["client_id"], "许可内容与许可类别不符，请核实后重新报送", ["CF_NR"])
    platform.publish_record(b["client_id"])
    platform.end_publicity(b["client_id"])
    first = api.login().get("/feedback").json()
    assert first["has_more"] is True and len(first["items"]) == 2
    assert first["items"][0] == {"seq": first["items"][0]["seq"], "client_id": a["client_id"], "revision": 1,
                                 "platform_id": out[0]["platform_id"], "type": "returned",
                                 "reason": "许可内容与许可类别不符，请核实后重新报送", "fields": ["CF_NR"],
                                 "at": "2026-11-27T16:02:11+08:00"}
    second = api.get("/feedback", params={"cursor": first["next_cursor"]}).json()
    assert second["has_more"] is False and isinstance(second["next_cursor"], str)
    items = first["items"] + second["items"]
    assert [i["type"] for i in items] == ["returned", "published", "publicity_ended"]
    assert [i["seq"] for i in items] == sorted(i["seq"] for i in items)
    assert api.get(f"/submissions/{b['client_id']}").json()["status"] == "accepted"  # stays accepted
    platform.add_feedback("not-held-by-anyone", 1, "returned", "测试")
    third = api.get("/feedback", params={"cursor": second["next_cursor"]}).json()
    assert [i["client_id"] for i in third["items"]] == ["not-held-by-anyone"]


def test_feedback_is_per_account_and_may_name_an_older_revision(platform, api):  # noqa: F811
    record = rec()
    api.submit([record])
    api.submit([update(record, 2, CF_NR_FK="0.3")])
    platform.return_record(record["client_id"], "旧版本的问题", revision=1)
    assert api.get(f"/submissions/{record['client_id']}").json()["status"] == "accepted"
    assert [i["revision"] for i in api.get("/feedback").json()["items"]] == [1]
    platform.add_account("srfgw_02", "pw2")
    assert Api(platform, "srfgw_02", "pw2").login().get("/feedback").json()["items"] == []


# ---- faults ------------------------------------------------------------------------------------

def test_delay_fault_makes_the_client_time_out_and_the_batch_is_stored(platform, api):  # noqa: F811
    platform.inject("delay", path="/submissions", seconds=0.5, after=True)
    record, key = rec(), str(uuid.uuid4())
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.submit([record], key, timeout=(2, 0.15))
    wait_for(lambda: any(e["path"] == "/submissions" for e in platform.requests()))
    again = api.submit([record], key)
    assert results(again)[0]["status"] == "accepted"  # the original answer, replayed
    assert platform.accepted_creates() == {record["client_id"]: 1}


def test_delay_before_answering_any_get(platform, api):  # noqa: F811
    platform.inject("delay", method="GET", path="/catalog", seconds=0.3)
    started = time.monotonic()
    assert api.get("/catalog").status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    api.get("/catalog")
    assert time.monotonic() - started < 0.3  # count=1: used up


def test_drop_before_answering_stores_nothing(platform, api):  # noqa: F811
    platform.inject("drop", method="POST", path="/submissions")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.submit([rec()])
    assert platform.records() == {}
    assert platform.requests()[-1]["status"] is None and platform.requests()[-1]["fault"] == "drop"


def test_drop_after_store_then_replay(platform, api):  # noqa: F811
    platform.inject("drop_after_store", method="POST", path="/submissions")
    record, key = rec(), str(uuid.uuid4())
    with pytest.raises(requests.exceptions.ConnectionError):
        api.submit([record], key)
    assert platform.accepted_creates() == {record["client_id"]: 1}  # stored
    assert api.get(f"/submissions/{record['client_id']}").json()["revision"] == 1
    again = api.submit([record], key)
    assert results(again)[0]["status"] == "accepted"
    assert again.json()["batch_id"] == platform.requests()[-3]["batch_id"]
    assert platform.accepted_creates() == {record["client_id"]: 1}
    # with a new key the same batch is a duplicate
    assert results(api.submit([record]))[0]["status"] == "duplicate"


@pytest.mark.parametrize(("kind", "status", "code"), [
    ("http_500", 500, "internal_error"), ("http_503", 503, "service_unavailable"), ("http_429", 429, "rate_limited"),
    ("token_expired", 401, "token_expired"),
])
def test_error_faults_answer_without_handling_the_request(platform, api, kind, status, code):  # noqa: F811
    platform.inject(kind, method="POST", path="/submissions", count=2, retry_after=2)
    record = rec()
    for _ in range(2):
        r = api.submit([record])
        assert_error(r, status, code)
        if status in (429, 503):
            assert r.headers["Retry-After"] == "2"
    assert platform.records() == {}
    assert api.get("/catalog").status_code == 200  # other requests are not matched
    assert results(api.submit([record]))[0]["status"] == "accepted"  # used up


def test_500_after_storing(platform, api):  # noqa: F811
    platform.inject("http_500", path="/submissions", process=True)
    record = rec()
    assert_error(api.submit([record]), 500, "internal_error")
    assert platform.accepted_creates() == {record["client_id"]: 1}


def test_any_status_fault(platform, api):  # noqa: F811
    platform.inject("status", path="/blacklist", status=502, code="bad_gateway")
    assert_error(api.get("/blacklist"), 502, "bad_gateway")
    platform.inject("status", path="/submissions", status=422, code="catalog_outdated")
    assert assert_error(api.submit([rec()]), 422, "catalog_outdated")["current_version"] == platform.catalog_version
    platform.inject("status", path="/feedback", status=400, code="malformed", extra={"detail": "x"})
    assert assert_error(api.get("/feedback"), 400, "malformed")["detail"] == "x"


def test_malformed_json_fault_is_a_200_that_is_not_json(platform, api):  # noqa: F811
    platform.inject("malformed_json", path="/submissions")
    record, key = rec(), str(uuid.uuid4())
    r = api.submit([record], key)
    assert r.status_code == 200 and r.headers["Content-Type"] == JSON_TYPE
    with pytest.raises(ValueError):
        r.json()
    assert platform.accepted_creates() == {record["client_id"]: 1}  # the batch was stored
    assert results(api.submit([record], key))[0]["status"] == "accepted"


def test_bad_shape_fault(platform, api):  # noqa: F811
    platform.inject("bad_shape", path="/feedback")
    r = api.get("/feedback")
    assert r.status_code == 200 and "items" not in r.json()


def test_wrong_content_type_fault(platform, api):  # noqa: F811
    platform.inject("wrong_content_type", path="/catalog")
    r = api.get("/catalog")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    assert "<html" in r.text
    assert api.get("/catalog").headers["Content-Type"] == JSON_TYPE


def test_a_token_expired_fault_leaves_the_token_valid(platform, api):  # noqa: F811
    platform.inject("token_expired", method="GET", path="/feedback")
    assert_error(api.get("/feedback"), 401, "token_expired")
    assert api.get("/feedback").status_code == 200


def test_fault_patterns_and_unlimited_count(platform, api):  # noqa: F811
    platform.inject("http_503", method="GET", path="/calendar/*", count=None)
    for year in (2025, 2026, 2027):
        assert_error(api.get(f"/calendar/{year}"), 503, "service_unavailable")
    assert api.get("/catalog").status_code == 200
    assert len(platform.pending_faults()) == 1
    platform.clear_faults()
    assert api.get("/calendar/2026").status_code == 200


def test_unknown_fault_kind_is_refused(platform):  # noqa: F811
    with pytest.raises(ValueError):
        platform.inject("explode")


def test_request_log(platform, api):  # noqa: F811
    key = str(uuid.uuid4())
    api.submit([rec()], key)
    api.get("/catalog")
    log = platform.requests()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("POST", "/auth/token", 200), ("POST", "/submissions", 200), ("GET", "/catalog", 200)]
    assert log[1]["idempotency_key"] == key and log[1]["username"] == "srfgw_01"
    assert log[1]["records"] == 1 and log[1]["user_agent"] == "CreditDesk/test"
    assert log[1]["batch_id"].startswith("B") and log[0]["time"] <= log[2]["time"]
    platform.clear_requests()
    assert platform.requests() == []


# ---- control endpoints -------------------------------------------------------------------------

def test_control_endpoints(platform, api):  # noqa: F811
    c = platform.control_url

    def call(method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        r = requests.request(method, c + path, json=body, timeout=5)
        assert r.status_code == 200, r.text
        return r.json()

    assert call("GET", "/state")["catalog_version"] == platform.catalog_version
    assert call("GET", "/clock")["now"].startswith("2026-11-26T10:")
    assert call("POST", "/clock", {"set": "2026-11-30T08:00:00+08:00", "frozen": True})["now"] == \
        "2026-11-30T08:00:00+08:00"
    assert call("POST", "/clock", {"advance": 60})["now"] == "2026-11-30T08:01:00+08:00"
    assert call("POST", "/config", {"page_size": 1})["page_size"] == 1
    call("POST", "/accounts", {"username": "srfgw_03", "password": "pw3", "kinds": ["license"]})
    assert Api(platform, "srfgw_03", "pw3").token().json()["account"]["kinds"] == ["license"]

    record = rec()
    assert results(api.login().submit([record]))[0]["status"] == "accepted"
    cid = record["client_id"]
    assert call("POST", "/feedback/return", {"client_id": cid, "reason": "请核实", "fields": ["CF_NR"]})["type"] == "returned"
    assert call("POST", "/feedback/publish", {"client_id": cid})["type"] == "published"
    assert call("POST", "/feedback/end_publicity", {"client_id": cid})["type"] == "publicity_ended"
    assert call("POST", "/feedback", {"client_id": "x", "revision": 1, "type": "published"})["client_id"] == "x"
    assert list(call("GET", "/records")["records"]) == [cid]
    assert call("GET", f"/records/{cid}")["status"] == "returned"
    assert call("GET", "/accepted_creates")["accepted_creates"] == {cid: 1}
    assert call("GET", "/result_counts")["result_counts"][cid]["accepted"] == 1
    assert [e["path"] for e in call("GET", "/requests")["requests"]][-1] == "/submissions"
    call("DELETE", "/requests")

    assert call("POST", "/catalog", {"version": "2026.9", "outdate_older": True})["version"] == "2026.9"
    assert api.get("/catalog").headers["ETag"] == '"2026.9"'
    call("POST", "/catalog/outdated", {"versions": ["2026.9"]})
    assert_error(api.submit([rec()], version="2026.9"), 422, "catalog_outdated")
    assert call("POST", "/calendar", {"year": 2027})["year"] == 2027
    assert api.get("/calendar/2027").status_code == 200
    call("DELETE", "/calendar/2027")
    assert_error(api.get("/calendar/2027"), 404, "not_published")
    entry = call("POST", "/blacklist", {"subject_name": "李某", "id_number": "36110219800101001X"})
    assert entry["id_sha256"] == hashlib.sha256(b"36110219800101001X").hexdigest()
    assert call("POST", f"/blacklist/{entry['entry_id']}/remove")["removed"] is True

    fault = call("POST", "/faults", {"kind": "http_503", "method": "GET", "path": "/blacklist", "retry_after": 3})
    assert [f["id"] for f in call("GET", "/faults")["faults"]] == [fault["id"]]
    r = api.get("/blacklist")
    assert r.status_code == 503 and r.headers["Retry-After"] == "3"
    call("POST", "/faults", {"kind": "drop", "path": "/catalog"})
    call("DELETE", "/faults")
    assert api.get("/catalog").status_code == 200

    call("POST", "/tokens/expire")
    assert_error(api.get("/feedback"), 401, "token_expired")
    call("POST", "/tokens/revoke")
    assert_error(api.get("/feedback"), 401, "invalid_token")
    for _ in range(5):
        api.token(password="wrong")
    call("POST", f"/accounts/{platform.username}/unlock")
    api.login()

    call("POST", "/reset")
    assert call("GET", "/records")["records"] == {}
    assert call("GET", "/state")["catalog_version"] == "2026.0-default"
    assert call("GET", "/clock")["now"].startswith("2026-11-26T10:")
    assert_error(requests.get(c + "/nothing", timeout=5), 404, "not_found")
    assert_error(requests.post(c + "/feedback/return", json={"reason": "x"}, timeout=5), 400, "malformed")
    assert_error(requests.post(c + "/feedback/return", json={"client_id": "nope", "reason": "x"}, timeout=5),
                 404, "not_found")


def test_fixture_clock_starts_at_the_suites_today(platform):  # noqa: F811
    assert platform.now_iso().startswith(FIXTURE_NOW[:13])


def test_runs_as_a_module_with_the_demo_account():
    proc = subprocess.Popen([sys.executable, "-m", "tests.platform", "--port", "0"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("base URL:") and "http://127.0.0.1:" in first
        base = first.split()[-1]
        assert base.endswith("/api/v1")
        lines = [proc.stdout.readline() for _ in range(3)]
        assert "srfgw_01" in lines[1] and "demo-password" in lines[2]
        r = requests.post(f"{base}/auth/token", json={"username": "srfgw_01", "password": "demo-password"}, timeout=5)
        assert r.status_code == 200
        token = r.json()["access_token"]
        items = requests.get(f"{base}/blacklist", headers={"Authorization": f"Bearer {token}"}, timeout=5).json()
        assert items["items"]  # the demo run has a few list entries to try
    finally:
        proc.terminate()
        proc.wait(timeout=10)
