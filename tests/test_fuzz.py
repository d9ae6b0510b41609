"""Fuzzing with hypothesis (issue 8): any input gives findings or a clear message, never a traceback,
and the same input always gives the same result. Bounded here; CREDITDESK_FUZZ_EXAMPLES=5000 runs
longer."""

from __future__ import annotations

import json
import os
import threading
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.catalog import default_catalog
from app.errors import UserError
from app.platform.client import PlatformClient, RetryPolicy
from app.platform.errors import PlatformError
from app.validation.engine import Validator

EXAMPLES = int(os.environ.get("CREDITDESK_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CATALOG = default_catalog()
VALIDATOR = Validator(CATALOG)
TODAY = date(2026, 11, 26)

CODES = sorted({f.code for k in CATALOG.kinds.values() for f in k.fields})
values = st.one_of(
    st.text(max_size=60), st.integers(), st.floats(allow_nan=True), st.none(), st.booleans(),
    st.sampled_from(["2026-02-30", "2099-12-31", "其他", "其他-", "00000000000000000X", "９１１１", "1e400", "-0",
                     "NaN", "Infinity", "0.0000001", "2000元", "万元", "罚款;;;", "\u3000", "\x00"]),
    st.text(alphabet="0123456789Xx-/年月日.", max_size=20),
)
SPECIAL = ["2026-11-20 10:30", "2026年11月20日", "20261120", "2000元", "0.5万元", "1,000", "-3", "12.34567",
           "00000000000000000X", "91361100613186098Q", "91361100613186098A", "11361100MB0123457Q", "有效", "1",
           "个体工商户", "自然人", "法人及非法人组织", "身份证", "警告;罚款", "警告、罚款", "其他-通报批评", "其他",
           "361102199003071234", "13912345678", "3611021990030712", "2099-01-01", "2026-02-30"]
records = st.dictionaries(st.sampled_from(CODES + ["UNKNOWN", ""]), values, max_size=40)


@FUZZ
@given(kind=st.sampled_from(list(CATALOG.kinds) + ["nope", ""]), raw=records)
def test_any_values_in_any_field_never_raise_and_are_stable(kind, raw):
    first = VALIDATOR.check(kind, raw, TODAY)
    second = VALIDATOR.check(kind, dict(raw), TODAY)
    assert first.findings == second.findings and first.fields == second.fields
    for f in first.findings:
        assert f.severity in ("error", "warning") and f.rule and f.message
    # Normalising is idempotent: checking the normalised values again gives the same values.
    if first.kind in CATALOG.kinds:
        again = VALIDATOR.check(kind, first.fields, TODAY)
        assert again.fields == first.fields


@FUZZ
@given(kind=st.sampled_from(list(CATALOG.kinds)), batch=st.lists(records, min_size=2, max_size=8), data=st.data())
def test_a_batch_remembers_values_without_changing_any_finding(kind, batch, data):
    """Values repeated across a batch are worked out once (KindValidator.check); the result of every
    record is what normalising and validating it on its own gives, in the same order."""
    # Values that bring notes and findings, in this kind's fields, in every record of the batch as
    # a bureau's sheet repeats them.
    codes = [f.code for f in CATALOG.kinds[kind].fields]
    pool = data.draw(st.lists(st.tuples(st.sampled_from(codes), st.sampled_from(SPECIAL)), min_size=1, max_size=12))
    for raw in batch:
        for c, v in pool:
            raw.setdefault(c, v)
    checked = Validator(CATALOG).check_batch([(kind, raw) for raw in batch], today=TODAY)
    plain = Validator(CATALOG).for_kind(kind)
    for raw, res in zip(batch, checked, strict=True):
        fields, notes = plain.normalizer.normalize(raw)
        assert res.fields == fields
        assert [f for f in res.findings if f.rule not in ("duplicate_record", "duplicate_doc_number")] == \
            notes + plain.validate(fields, TODAY)


@FUZZ
@given(data=st.binary(max_size=300))
def test_any_record_file_is_read_or_refused_with_a_message(tmp_path_factory, data):
    from app.recordfile import read_records_json

    path = tmp_path_factory.mktemp("fuzz") / "r.json"
    path.write_bytes(data)
    try:
        items = read_records_json(path)
    except UserError as exc:
        assert exc.message
    else:
        VALIDATOR.check_batch(items, today=TODAY)


class _Hostile(BaseHTTPRequestHandler):
    """Answers every request with whatever the test put in `server.answer`."""

    def log_message(self, *args):
        pass

    def _answer(self):
        status, headers, body = self.server.answer
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer


@pytest.fixture(scope="module")
def hostile():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                           lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8),
                                                                                             children, max_size=4),
                           max_leaves=12)
bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.just(b"\xff\xfe\x00garbage"),
    st.just(json.dumps({"access_token": "t0ken-123456789", "account": {"kinds": [1, None]}}).encode()),
    st.just(json.dumps({"results": "not a list", "items": [], "next_cursor": 5}).encode()),
)


@settings(max_examples=max(20, EXAMPLES // 5), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status=st.sampled_from([200, 200, 201, 204, 301, 400, 401, 403, 404, 409, 413, 422, 423, 429, 500, 503]),
       body=bodies, retry_after=st.sampled_from(["", "0", "1", "abc", "-5", "999999"]))
def test_hostile_server_answers_give_typed_errors(hostile, status, body, retry_after):
    headers = {"Content-Type": "application/json"}
    if retry_after:
        headers["Retry-After"] = retry_after
    hostile.answer = (status, headers, body)
    client = PlatformClient(f"http://127.0.0.1:{hostile.server_address[1]}/api/v1", username="u", password="p",
                            retry=RetryPolicy(attempts=2, base_delay=0.0, max_delay=0.0, max_retry_after=0),
                            sleep=lambda s: None, connect_timeout=2, read_timeout=2)
    try:
        for call in (lambda: client.get_catalog(None), lambda: client.get_blacklist(None),
                     lambda: client.post_submissions("8b7c0a52-0c5e-4a55-9d53-4b2d0c0e6a11", b"{}"),
                     lambda: client.get_submission("x")):
            try:
                resp = call()
            except PlatformError as exc:
                assert exc.message and "Traceback" not in exc.message
            else:
                assert resp.status in (200, 304, 404)
    finally:
        client.close()


def test_a_huge_answer_is_refused_before_it_is_read_whole(hostile, monkeypatch):
    import app.platform.client as client_module

    monkeypatch.setattr(client_module, "MAX_RESPONSE_BYTES", 1000)
    hostile.answer = (200, {"Content-Type": "application/json"}, b"[" + b"1," * 5000 + b"1]")
    client = PlatformClient(f"http://127.0.0.1:{hostile.server_address[1]}", username="u", password="p",
                            retry=RetryPolicy(attempts=1), sleep=lambda s: None)
    with pytest.raises(PlatformError, match="过大"):
        client.login()


# Text a worksheet can hold (openpyxl refuses control characters when writing the test's workbook).
sheet_text = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=30)
cell_values = st.one_of(
    st.none(), sheet_text, st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
    st.dates(min_value=date(1900, 1, 2), max_value=date(2100, 1, 1)),
    st.sampled_from(["=1+1", "3.61102198001011E+17", "2026年11月20日", "罚款;警告", "其他", "  ", "\n"]),
)


@settings(max_examples=max(20, EXAMPLES // 5), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(header=st.lists(st.one_of(st.sampled_from([f.label for f in CATALOG.kind("penalty").fields]),
                                 sheet_text), min_size=1, max_size=12),
       rows=st.lists(st.lists(cell_values, max_size=12), max_size=8),
       fmt=st.sampled_from(["xlsx", "csv"]))
def test_random_workbooks_are_imported_or_refused_with_a_message(ctx, tmp_path_factory, header, rows, fmt):
    """Random headers and cells: a dry run gives findings or a clear refusal, never a traceback; and a
    real import that is refused stores nothing."""
    from app.excel.importer import ImportOptions, import_file
    from tests.test_excel_books import write_csv, write_xlsx

    folder = tmp_path_factory.mktemp("wb")
    table = [header, *rows]
    path = write_xlsx(folder / "f.xlsx", table) if fmt == "xlsx" else write_csv(
        folder / "f.csv", [[("" if v is None else str(v)) for v in r] for r in table])
    before = len(ctx.queue.list())
    for dry in (True, False):
        try:
            result = import_file(ctx, path, ImportOptions(dry_run=dry, force=True))
        except UserError as exc:
            assert exc.message and "Traceback" not in exc.message
            assert len(ctx.queue.list()) == before
        else:
            for issue in result.issues if hasattr(result, "issues") else []:
                assert getattr(issue, "message", "x")


# Headers a bureau's sheet may have for penalty records: the catalog's labels, older names that set
# or join fields (证件类型 implied, 行政相对人类别 left out so it is inferred), and an amount in 元.
PRECHECK_HEADERS = [f.label for f in CATALOG.kind("penalty").fields
                    if f.code not in ("CF_XDR_LB", "CF_NR_FK")] + ["罚款金额（元）"]


def _older(replace: dict[str, str]) -> list[str]:
    labels = {CATALOG.kind("penalty").field(code).label: name for code, name in replace.items()}
    return [labels.get(h, h) for h in PRECHECK_HEADERS]


PRECHECK_VARIANTS = [
    PRECHECK_HEADERS,
    # 法定代表人身份证号 implies 证件类型 = 身份证 (the type's own column is not there).
    _older({"CF_FR_ZJHM": "法定代表人身份证号", "CF_FR_ZJLX": "备用列"}),
    # Two columns joined into 处罚类别: read without looking cells up.
    _older({"CF_CFLB": "处罚类别1", "CF_FR_ZJLX": "处罚类别2"}),
]
precheck_cells = st.one_of(
    st.none(),
    st.sampled_from(SPECIAL + ["无", "  ", "－", "警告\n罚款", "3.61102198001011E+17", "饶市监罚〔2026〕1号",
                               "上饶市某某商贸有限公司", "  有效 ", "ＡＢＣ", "2026/11/20"]),
    sheet_text, st.integers(min_value=0, max_value=10**19), st.floats(allow_nan=False, allow_infinity=False),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
    # Date cells, remembered by value when read without a note (a time of day has one).
    st.sampled_from([datetime(2026, 11, 20), datetime(2026, 11, 20, 9, 30), date(2026, 11, 20)]),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
)


@FUZZ
@given(rows=st.lists(st.lists(precheck_cells, min_size=len(PRECHECK_HEADERS), max_size=len(PRECHECK_HEADERS)),
                     min_size=1, max_size=12),
       repeat=st.integers(min_value=1, max_value=3), header=st.sampled_from(PRECHECK_VARIANTS))
def test_cells_looked_up_while_read_give_the_same_records_and_findings(rows, repeat, header):
    """The import looks each cell up in the validator as it reads it (RowBuilder.precheck) and the
    record check then works out only the rest. Every record, finding, note and their order must be
    what reading the row as it is and checking it in full gives (rows repeated so that values are
    met again, as a bureau's sheet repeats them)."""
    from app.excel.headers import HeaderIndex, header_texts
    from app.excel.rows import RowBuilder

    kind = CATALOG.kind("penalty")
    columns = HeaderIndex(CATALOG, kind).match(header_texts(header, 0)).columns
    assert len(columns) >= len(header) - 1
    rows = rows * repeat

    def read_and_check(precheck: bool):
        validator = Validator(CATALOG)
        builder = RowBuilder(CATALOG, kind, columns, 0, infer_category=True, legacy_codes=False)
        if precheck:
            builder.precheck(validator.for_kind(kind.id), TODAY)
        built = [b for n, row in enumerate(rows) if (b := builder.build(n + 2, row)) is not None]
        checked = validator.check_batch([(kind.id, b.raw) for b in built], today=TODAY)
        return [(b.row, b.notes, list(r.fields.items()), r.findings, r.doc_key, r.subject_key)
                for b, r in zip(built, checked, strict=True)]

    assert read_and_check(True) == read_and_check(False)


def test_a_column_of_unique_values_is_no_longer_looked_up(monkeypatch):
    """Once a column has as many cells remembered as it may, it stops being looked up when nearly
    every row brought a new value (document numbers); a column whose values repeat keeps its cells.
    The records are the same either way."""
    from app.excel import rows as rows_module
    from app.excel.headers import HeaderIndex, header_texts

    monkeypatch.setattr(rows_module, "KNOWN_PER_COLUMN", 8)
    kind = CATALOG.kind("penalty")
    header = ["行政处罚决定书文号", "处罚内容"]
    columns = HeaderIndex(CATALOG, kind).match(header_texts(header, 0)).columns
    sheet = [[f"饶市监罚〔2026〕{n}号", f"罚款{n // 20}元"] for n in range(400)]  # 20 rows a value

    def read(precheck: bool):
        validator = Validator(CATALOG)
        builder = rows_module.RowBuilder(CATALOG, kind, columns, 0, infer_category=False, legacy_codes=False)
        if precheck:
            builder.precheck(validator.for_kind(kind.id), TODAY)
        built = [builder.build(n + 2, row) for n, row in enumerate(sheet)]
        checked = validator.check_batch([(kind.id, b.raw) for b in built], today=TODAY)
        return builder, [(b.row, b.notes, list(r.fields.items()), r.findings) for b, r in zip(built, checked, strict=True)]

    builder, records = read(True)
    looked_up = {code: known is not None for _, code, known, _ in builder.steps}
    assert looked_up == {"CF_WSH": False, "CF_NR": True}
    assert records == read(False)[1]


def test_a_record_looked_up_by_another_validator_is_checked_in_full():
    """clean_value() gives the value only when it passes with nothing to say; a Prechecked record is
    trusted only by the validator and day it was looked up with, and checked in full otherwise."""
    from app.validation.engine import Prechecked

    kv = Validator(CATALOG).for_kind("penalty")
    assert kv.clean_value("CF_XDR_SHXYM", "91361100613186098q", TODAY) == "91361100613186098Q"
    assert kv.clean_value("CF_XDR_SHXYM", "91361100613186098A", TODAY) is None  # wrong check digit
    assert kv.clean_value("CF_XDR_SHXYM", "00000000000000000X", TODAY) is None  # allowed by the category
    raw = Prechecked.new(kv, TODAY)
    raw["CF_XDR_MC"] = "上饶市某商店\u3000"  # as if looked up and found clean, which it is not
    other = Validator(CATALOG).for_kind("penalty")
    assert other.check(raw, TODAY).fields["CF_XDR_MC"] == "上饶市某商店"
    assert kv.check(raw, date(2026, 11, 27)).fields["CF_XDR_MC"] == "上饶市某商店"
    assert kv.check(raw, TODAY).fields["CF_XDR_MC"] == "上饶市某商店\u3000"  # trusted, as documented


def _rule_strings(value: object) -> set[str]:
    """Every text a rule declaration holds: field values its conditions name, prefixes, dates."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*map(_rule_strings, value.values()))
    if isinstance(value, list | tuple):
        return set().union(*map(_rule_strings, value))
    return set()


RULE_DATES = ["2019-05-01", "2021-07-14", "2021-07-15", "2026-11-20", "2026-11-27", "2030-01-01"]
RULE_CODES = ["91361100613186098Q", "92361100MA39XXXX0R", CATALOG.placeholder_uscc, "613186098", "61318609-8"]


def _rule_field_value(f, strings: list[str]):
    """Values that make the rules speak: dates around the ones they name, amounts, codes, the values
    their conditions name, or (for a multi-value field) two of them."""
    listed = sorted(CATALOG.code_lists[f.code_list].codes) if f.code_list in CATALOG.code_lists else []
    if f.type == "D":
        return st.sampled_from(RULE_DATES)
    if f.type == "A":
        return st.sampled_from(["0", "0.5", "12", "许多"])
    if f.type == "U" or f.identifier:
        return st.sampled_from(RULE_CODES)
    if listed or f.type == "M":
        return st.lists(st.sampled_from(listed or strings), min_size=1, max_size=2).map(";".join)
    return st.sampled_from(strings)


@pytest.mark.parametrize("kind_id", sorted(CATALOG.kinds))
@FUZZ
@given(data=st.data())
def test_a_kinds_rules_in_one_function_find_what_each_rule_finds(kind_id, data):
    """compile_rules() writes all rules of a kind into one function (conditions tested once for a
    group, cheap tests before a rule's own function): it must report exactly what the rules report
    one by one, each by its own function."""
    from collections import Counter

    from app.validation.rules import RuleContext, compile_rule, compile_rules

    kind = CATALOG.kind(kind_id)
    ctx = RuleContext(CATALOG, kind, None)
    strings = sorted(_rule_strings(list(kind.rules)))
    fields: dict[str, str] = {}
    for f in kind.fields:
        if data.draw(st.booleans(), label=f"has {f.code}"):
            fields[f.code] = data.draw(_rule_field_value(f, strings), label=f.code)

    def run(rules) -> Counter:
        out: list[tuple] = []
        for rule in rules:
            rule(fields, TODAY, lambda *finding: out.append(finding))
        return Counter(out)

    assert run([compile_rules(ctx, kind.rules)]) == run([compile_rule(ctx, r) for r in kind.rules])
