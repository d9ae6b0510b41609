"""Monthly monitoring figures, omission hints, the Excel report and `creditdesk report`.

The queue is seeded through QueueService; the platform's side (sending, accepted, returned,
withdrawn) is written by `_simulate_platform`, a stand-in for the sync engine that does not exist
yet. Every expected number below is counted by hand from the seeding table in `seeded`.
"""

from __future__ import annotations

import json
import os
import random
import stat
import zipfile
from dataclasses import dataclass
from datetime import date

import openpyxl
import pytest
from sqlalchemy import String, literal, select

import app.cli
from app.clock import local_date, now
from app.errors import UserError
from app.queue import states as st
from app.reports import monthly_figures, parse_doc_number, parse_month, twelve_months
from app.reports.figures import COUNT_NAMES, month_bounds, months_ending, received_local_date
from app.reports.omissions import MAX_LISTED_GAP, Neighbour, format_doc_number, gaps_in
from app.reports.workbook import LATE, OMISSIONS, OVERDUE, RETURNED, SUMMARY, write_report
from app.store.models import AuditEvent, Record
from tests import factories

TODAY = date(2026, 11, 26)  # the ctx fixture pins CREDITDESK_TODAY to this Thursday


# -- seeding helpers ----------------------------------------------------------------------------------
def _simulate_platform(ctx, client_id: str, state: str, *, received_at: str | None = None,
                       message: object = None) -> None:
    """Stand-in for the (not yet built) sync engine: writes a platform-side state change the way
    QueueService writes its own, the record and an audit event in one transaction."""
    with ctx.store.session() as s:
        rec = s.scalars(select(Record).where(Record.client_id == client_id)).one()
        old = rec.state
        assert st.can_move(old, state), f"{old} -> {state} is not a lifecycle move"
        rec.state = state
        if state == st.ACCEPTED:
            rec.accepted_revision = rec.revision
            rec.first_received_at = rec.first_received_at or received_at
            rec.platform_id = rec.platform_id or f"SR-{rec.kind}-{rec.id:06d}"
            rec.platform_message = None
        elif state == st.RETURNED:
            rec.platform_message = message
        rec.updated_at = now()
        s.add(AuditEvent(client_id=client_id, at=now(), actor="platform", action=f"platform_{state}",
                         old_state=old, new_state=state, detail=None))


def _accept(ctx, cid: str, received_at: str) -> None:
    _simulate_platform(ctx, cid, st.SENDING)
    _simulate_platform(ctx, cid, st.ACCEPTED, received_at=received_at)


def _reject(ctx, cid: str, message: object) -> None:
    _simulate_platform(ctx, cid, st.SENDING)
    _simulate_platform(ctx, cid, st.RETURNED, message=message)


_SEED = iter(range(1000, 100000))


def _add(ctx, kind: str, n: int, decided: date, *, doc: str | None = None, person: bool = False,
         **over) -> str:
    rng = random.Random(next(_SEED))
    fields = factories.record(kind, rng, n, decided=decided, **over)
    prefix = {"penalty": "CF", "license": "XK", "enforcement": "QZ", "inspection": "JC"}[kind]
    if doc is not None:
        fields[f"{prefix}_WSH"] = doc
    if person:  # a natural person: no organisation codes, an ID number instead
        for code in (f"{prefix}_XDR_SHXYM", f"{prefix}_FRDB"):
            fields.pop(code, None)
        fields.update(factories.subject(prefix, rng, "自然人"))
    result = ctx.queue.add([(kind, fields)])[0]
    assert result.client_id is not None
    return result.client_id


@dataclass
class Seeded:
    ids: dict[str, str]
    person_id: str  # a 证件号码 in full
    rep_id: str  # a 法定代表人证件号码 in full


@pytest.fixture
def seeded(ctx) -> Seeded:
    """Deadlines (2026 calendar, hand-checked): decided 11-02 → 11-11, 11-10 → 11-19, 11-16 → 11-25,
    11-17 → 11-26 (due today), 11-18 → 11-27, 11-19 → 11-30, 11-20 → 12-01; 10-12 → 10-21,
    10-13 → 10-22, 10-20 → 10-29. Today 2026-11-26: 11-27 and 11-30 are 1 and 2 working days away."""
    ids: dict[str, str] = {}
    d = date
    person_id = factories.id_number(random.Random(7), date(1985, 3, 14))
    rep_id = factories.id_number(random.Random(8), date(1970, 6, 1))

    # October penalties: 10, 11, 14 (gap 12–13 inside October, gap 15–19 up to November's 20).
    ids["O1"] = _add(ctx, "penalty", 10, d(2026, 10, 12))
    ids["O2"] = _add(ctx, "penalty", 11, d(2026, 10, 13))
    ids["O3"] = _add(ctx, "penalty", 14, d(2026, 10, 20))
    _accept(ctx, ids["O1"], "2026-10-20T09:00:00+08:00")  # on time (deadline 10-21)
    _accept(ctx, ids["O2"], "2026-10-22T10:00:00+08:00")  # on time, on the deadline day
    _accept(ctx, ids["O3"], "2026-10-30T09:00:00+08:00")  # late (deadline 10-29)

    # November penalties.
    ids["P1"] = _add(ctx, "penalty", 20, d(2026, 11, 2))
    _accept(ctx, ids["P1"], "2026-11-11T15:00:00+08:00")  # on time
    ids["P2"] = _add(ctx, "penalty", 21, d(2026, 11, 2))
    _accept(ctx, ids["P2"], "2026-11-11T16:30:00Z")  # 11-12 00:30 in UTC+8: late
    ids["P3"] = _add(ctx, "penalty", 22, d(2026, 11, 2))
    _accept(ctx, ids["P3"], "2026-11-11T15:59:59.999999Z")  # 11-11 23:59:59 in UTC+8: on time
    ids["P4"] = _add(ctx, "penalty", 24, d(2026, 11, 10), CF_XDR_MC='=HYPERLINK("http://evil.example","点这里")',
                     CF_FR_ZJLX="身份证", CF_FR_ZJHM=rep_id)
    _reject(ctx, ids["P4"], [{"field": "CF_FR_ZJHM", "code": "checksum",
                              "message": f"法定代表人证件号码 {rep_id} 与登记信息不一致"}])
    ids["P5"] = _add(ctx, "penalty", 25, d(2026, 11, 10))
    _accept(ctx, ids["P5"], "2026-11-18T10:00:00+08:00")  # on time, then returned by review
    _simulate_platform(ctx, ids["P5"], st.RETURNED,
                       message=[{"field": None, "code": "returned", "message": "-违法事实与处罚依据不符"}])
    ids["P6"] = _add(ctx, "penalty", 26, d(2026, 11, 16), person=True)  # ready, deadline 11-25: overdue
    ids["P7"] = _add(ctx, "penalty", 27, d(2026, 11, 17))  # ready, due today
    ids["P8"] = _add(ctx, "penalty", 28, d(2026, 11, 10))
    ctx.queue.withdraw(ids["P8"], "录入重复")  # never sent: not counted, and its number not "seen"
    ids["P9"] = _add(ctx, "penalty", 30, d(2026, 11, 20), doc="饶市监罚[2026]30号")
    ids["P10"] = _add(ctx, "penalty", 33, d(2026, 11, 20), doc="饶市监罚（2026）33号")
    ids["P11"] = _add(ctx, "penalty", 31, d(2026, 11, 20), doc="饶市监罚【2026】31号")
    _accept(ctx, ids["P11"], "2026-11-24T11:00:00+08:00")
    ids["P12"] = _add(ctx, "penalty", 40, d(2026, 11, 20), doc="饶市监罚字2026第40号")  # not the pattern

    # November licences: the deadline-day boundary in UTC+8, and a long gap 3–299.
    ids["L1"] = _add(ctx, "license", 1, d(2026, 11, 2))
    _accept(ctx, ids["L1"], "2026-11-11T23:59:59+08:00")  # on time
    ids["L2"] = _add(ctx, "license", 2, d(2026, 11, 2))
    _accept(ctx, ids["L2"], "2026-11-12T00:00:00+08:00")  # late
    ids["L3"] = _add(ctx, "license", 300, d(2026, 11, 20))
    _simulate_platform(ctx, ids["L3"], st.SENDING)

    # November enforcement: due soon, withdrawn after acceptance, a draft, withdrawn never sent.
    ids["E1"] = _add(ctx, "enforcement", 1, d(2026, 11, 18))  # ready, deadline 11-27
    ids["E2"] = _add(ctx, "enforcement", 2, d(2026, 11, 2))
    _accept(ctx, ids["E2"], "2026-11-05T09:00:00+08:00")
    assert ctx.queue.withdraw(ids["E2"], "决定已撤销") == st.READY
    _simulate_platform(ctx, ids["E2"], st.SENDING)
    _simulate_platform(ctx, ids["E2"], st.WITHDRAWN)
    ids["E3"] = _add(ctx, "enforcement", 3, d(2026, 11, 19), QZ_NR=None)  # draft, deadline 11-30
    ids["E4"] = _add(ctx, "enforcement", 4, d(2026, 11, 19))
    ctx.queue.withdraw(ids["E4"], "误录")

    # November inspections: rejected then fixed (ready again), and a free-form document number.
    ids["J1"] = _add(ctx, "inspection", 1, d(2026, 11, 10))
    _reject(ctx, ids["J1"], [{"field": "JC_JG", "code": "mismatch", "message": "检查结果与现场记录不符"}])
    res = ctx.queue.edit(ids["J1"], {**ctx.queue.get(ids["J1"]).fields, "JC_JG": "未发现检查对象"})
    assert res.ok
    ids["J2"] = _add(ctx, "inspection", 2, d(2026, 11, 10), doc="饶市监检字第5号")
    _accept(ctx, ids["J2"], "2026-11-12T09:00:00+08:00")

    # December 2022: before the first covered calendar year, so no deadline is known.
    ids["U1"] = _add(ctx, "penalty", 1, d(2022, 12, 20), doc="饶市监罚〔2022〕1号")
    _accept(ctx, ids["U1"], "2022-12-28T10:00:00+08:00")
    ids["U2"] = _add(ctx, "penalty", 2, d(2022, 12, 21), doc="饶市监罚〔2022〕2号")
    return Seeded(ids, person_id, rep_id)


def _counts(fig) -> dict[str, int]:
    return {name: getattr(fig, name) for name in COUNT_NAMES}


def _expect(**given: int) -> dict[str, int]:
    return {name: given.get(name, 0) for name in COUNT_NAMES}


# -- figures ------------------------------------------------------------------------------------------
def test_seeding_states(ctx, seeded):
    state = {k: ctx.queue.get(cid).state for k, cid in seeded.ids.items()}
    assert state["E3"] == st.DRAFT and state["J1"] == st.READY and state["E2"] == st.WITHDRAWN
    assert state["P5"] == st.RETURNED and state["P8"] == st.WITHDRAWN and state["L3"] == st.SENDING
    assert ctx.queue.get(seeded.ids["U1"]).deadline is None
    assert ctx.queue.get(seeded.ids["P7"]).deadline == "2026-11-26"


def test_november_figures_per_kind_and_total(ctx, seeded):
    f = monthly_figures(ctx, "2026-11", TODAY)
    assert [k.kind for k in f.kinds] == ["license", "penalty", "enforcement", "inspection"]
    assert _counts(f.kind("penalty")) == _expect(
        decisions=11, submitted=6, accepted=5, accepted_on_time=4, accepted_late=1, returned=2, returned_open=2,
        outstanding=6, outstanding_overdue=2, outstanding_due_soon=1, possible_omissions=9)
    assert _counts(f.kind("license")) == _expect(
        decisions=3, submitted=3, accepted=2, accepted_on_time=1, accepted_late=1, outstanding=1,
        possible_omissions=297)
    assert _counts(f.kind("enforcement")) == _expect(
        decisions=3, submitted=1, accepted=1, accepted_on_time=1, outstanding=2, outstanding_due_soon=2,
        possible_omissions=1)
    assert _counts(f.kind("inspection")) == _expect(
        decisions=2, submitted=2, accepted=1, accepted_on_time=1, returned=1, outstanding=1,
        outstanding_overdue=1)
    assert _counts(f.total) == _expect(
        decisions=19, submitted=12, accepted=9, accepted_on_time=7, accepted_late=2, returned=3, returned_open=2,
        outstanding=10, outstanding_overdue=3, outstanding_due_soon=3, possible_omissions=307)


def test_rates(ctx, seeded):
    f = monthly_figures(ctx, "2026-11", TODAY)
    assert f.kind("penalty").late_rate == pytest.approx(1 / 5)
    assert f.kind("penalty").error_rate == pytest.approx(2 / 6)
    assert f.kind("license").late_rate == pytest.approx(0.5)
    assert f.kind("license").error_rate == 0.0  # sent and nothing returned: a real 0
    assert f.kind("inspection").error_rate == pytest.approx(0.5)
    assert f.total.late_rate == pytest.approx(2 / 9)
    assert f.total.error_rate == pytest.approx(0.25)


def test_zero_denominator_rates_are_none(ctx, seeded):
    empty = monthly_figures(ctx, "2026-09", TODAY)
    assert empty.total.decisions == 0
    assert empty.total.late_rate is None and empty.total.error_rate is None
    assert empty.to_dict()["rates"]["late_rate"] is None
    # Sent but nothing judged (deadline unknown): late rate None, error rate a real 0.
    dec = monthly_figures(ctx, "2022-12", TODAY)
    assert dec.total.late_rate is None and dec.total.error_rate == 0.0


def test_unknown_deadline_is_unjudged_not_guessed(ctx, seeded):
    f = monthly_figures(ctx, "2022-12", TODAY)
    assert _counts(f.kind("penalty")) == _expect(decisions=2, submitted=1, accepted=1, unjudged=1, outstanding=1,
                                                 outstanding_uncovered=1)


def test_october_figures_and_the_day_boundary(ctx, seeded):
    f = monthly_figures(ctx, "2026-10", TODAY)
    assert _counts(f.kind("penalty")) == _expect(
        decisions=3, submitted=3, accepted=3, accepted_on_time=2, accepted_late=1, possible_omissions=7)
    assert [(g.first, g.last) for g in f.omissions] == [(12, 13), (15, 19)]


def test_late_on_time_boundary_records(ctx, seeded):
    f = monthly_figures(ctx, "2026-11", TODAY)
    late = {r.client_id: r for r in f.late}
    ids = seeded.ids
    assert set(late) == {ids["P2"], ids["L2"]}
    assert late[ids["P2"]].received_date == "2026-11-12"  # 16:30 UTC is the next day in 上饶
    assert late[ids["P2"]].workdays_over == 1
    assert late[ids["L2"]].deadline == "2026-11-11"
    assert [r.kind for r in f.late] == ["license", "penalty"]  # the summary's kind order


def test_returned_and_overdue_listings(ctx, seeded):
    f = monthly_figures(ctx, "2026-11", TODAY)
    ids = seeded.ids
    assert {r.client_id for r in f.returned} == {ids["P4"], ids["P5"], ids["J1"]}
    assert {r.client_id for r in f.overdue} == {ids["P4"], ids["P6"], ids["J1"]}
    p4 = next(r for r in f.returned if r.client_id == ids["P4"])
    assert seeded.rep_id not in p4.platform_message and "与登记信息不一致" in p4.platform_message
    assert p4.legal_rep_id_number == seeded.rep_id[:6] + "********" + seeded.rep_id[-4:]
    p6 = next(r for r in f.overdue if r.client_id == ids["P6"])
    assert p6.id_number.endswith(seeded_person_tail(ctx, ids["P6"]))
    assert p6.workdays_over == 1  # deadline 11-25, today 11-26
    assert "*" in p6.id_number


def seeded_person_tail(ctx, cid: str) -> str:
    return ctx.queue.get(cid).fields["CF_XDR_ZJHM"][-4:]


def test_overdue_depends_on_today(ctx, seeded):
    earlier = monthly_figures(ctx, "2026-11", date(2026, 11, 20), listings=False)
    # On 11-20 only the 11-11 and 11-19 deadlines had passed: P4 and J1; P6 (11-25) was not yet due.
    assert earlier.total.outstanding_overdue == 2
    assert earlier.late == [] and earlier.overdue == []


def test_today_comes_from_the_clock(ctx, seeded, monkeypatch):
    monkeypatch.setenv("CREDITDESK_TODAY", "2026-12-02")
    f = monthly_figures(ctx, "2026-11")
    assert f.today == date(2026, 12, 2)
    # P7, E1, E3 (11-26…11-30) and P9, P10, P12 (12-01) are now overdue too; L3 is sending (still outstanding).
    assert f.total.outstanding_overdue == 3 + 3 + 3 + 1


def test_twelve_months_series(ctx, seeded):
    series = twelve_months(ctx, "2026-11", TODAY)
    assert [m.month for m in series] == months_ending("2026-11")
    assert series[0].month == "2025-12" and len(series) == 12
    by_month = {m.month: m for m in series}
    for month in ("2026-10", "2026-11"):
        single = monthly_figures(ctx, month, TODAY, listings=False)
        assert _counts(by_month[month].total) == _counts(single.total)
        assert [_counts(k) for k in by_month[month].kinds] == [_counts(k) for k in single.kinds]
        assert [g.to_dict() for g in by_month[month].omissions] == [g.to_dict() for g in single.omissions]
    assert all(by_month[m].total.decisions == 0 for m in months_ending("2026-09", 10))


@pytest.mark.parametrize("received", [
    "2026-11-11T23:59:59+08:00", "2026-11-12T00:00:00+08:00", "2026-11-11T15:59:59Z", "2026-11-11T16:00:00Z",
    "2026-11-11T15:59:59.999999+00:00", "2026-11-11T23:59:59.999999+08:00", "2026-11-11T23:59:59.5",
    "2026-11-11T10:00:00-05:00", "2026-11-11 12:00:00+08:00", "2026-11-11T08:00:00",
])
def test_sql_local_date_matches_python(ctx, received):
    from datetime import datetime

    with ctx.store.read() as s:
        in_sql = s.execute(select(received_local_date(literal(received, String)))).scalar_one()
    assert in_sql == local_date(datetime.fromisoformat(received)).isoformat()


def test_unreadable_receipt_time_is_unjudged(ctx):
    with ctx.store.read() as s:
        assert s.execute(select(received_local_date(literal("soon", String)))).scalar_one() is None


# -- months -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text,expected", [("2026-11", "2026-11"), ("2026/1", "2026-01"), ("２０２６-０３", "2026-03"),
                                           ("2026年11月", "2026-11"), (" 2026-12 ", "2026-12")])
def test_parse_month(text, expected):
    assert parse_month(text) == expected


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026", "11-2026", "26-11", "", "2026-11-01", "abcd-ef"])
def test_parse_month_rejects(text):
    with pytest.raises(UserError) as exc:
        parse_month(text)
    assert exc.value.code == "invalid_month" and "YYYY-MM" in exc.value.message


def test_month_helpers():
    assert month_bounds("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    assert month_bounds("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    assert months_ending("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]


# -- omissions ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["饶市监罚〔2026〕15号", "饶市监罚[2026]15号", "饶市监罚(2026)15号", "饶市监罚【2026】15号",
                                  "饶市监罚（2026）15号", "饶市监罚 〔2026〕 015号", "饶市监罚〔2026〕第15号",
                                  "饶市监罚［２０２６］１５号"])
def test_parse_doc_number_variants(text):
    parsed = parse_doc_number(text)
    assert parsed is not None
    assert (parsed.prefix, parsed.year, parsed.number) == ("饶市监罚", 2026, 15)


@pytest.mark.parametrize("text", [None, "", "饶市监罚字2026第40号", "饶市监检字第5号", "饶市监罚〔26〕5号",
                                  "饶市监罚〔2026〕号", "〔2026〕5号", "饶市监罚〔2026〕5", "饶市监罚〔2026〕五号"])
def test_parse_doc_number_ignores_other_forms(text):
    assert parse_doc_number(text) is None


def test_november_omission_hints(ctx, seeded):
    f = monthly_figures(ctx, "2026-11", TODAY)
    got = [(g.kind, g.prefix, g.year, g.first, g.last) for g in f.omissions]
    assert got == [  # in the catalog's kind order, then by number
        ("license", "饶市监食许", 2026, 3, 299),
        ("penalty", "饶市监罚", 2026, 15, 19),  # neighbours 14 (October) and 20 (November)
        ("penalty", "饶市监罚", 2026, 23, 23),
        ("penalty", "饶市监罚", 2026, 28, 29),  # 28 is withdrawn: it does not count as reported
        ("penalty", "饶市监罚", 2026, 32, 32),  # 31 and 33 were typed 【】 and （）
        ("enforcement", "饶市监强", 2026, 2, 2),  # 2 was withdrawn after acceptance: not "seen"
    ]
    long_gap = f.omissions[0]
    assert long_gap.count == 297 and not long_gap.listed and long_gap.numbers() is None
    assert "至" in long_gap.describe()
    gap = f.omissions[1]
    assert gap.doc_numbers() == [f"饶市监罚〔2026〕{n}号" for n in range(15, 20)]
    assert gap.before.doc_number == "饶市监罚〔2026〕14号" and gap.before.decision_date == "2026-10-20"
    assert gap.after.decision_date == "2026-11-02"
    assert f.omissions[4].before.doc_number == "饶市监罚【2026】31号"  # shown as typed


def test_sql_reading_of_numbers_matches_the_python_pattern(ctx):
    """find_omissions reads numbers in SQL; it must accept exactly what parse_doc_number accepts."""
    typed = ["饶市监罚〔2026〕1号", "饶市监罚〔2026〕第3号", "饶市监罚〔2026〕第第5号", "饶市监罚〔2026〕7号之一",
             "饶市监罚〔2026〕0009号", "饶市监罚〔2026〕12345678号", "饶市监罚〔2026〕号", "饶市监罚〔2026〕11",
             "饶市监罚〔2026〕-13号", "饶市监罚〔 2026 〕 15 号", "饶市监罚〔2026〕1a7号", "饶市监罚〔2026〕٣号",
             "饶市监罚〔2026〕号号", "饶市监罚〔2026〕20号", "饶市监罚〔2026〕9999999号", "饶市监罚〔2026〕第号"]
    for i, doc in enumerate(typed):
        _add(ctx, "penalty", i + 1, date(2026, 11, 2), doc=doc)
    parsed = [parse_doc_number(t) for t in typed]
    numbers = {p.number: Neighbour(t, "2026-11-02", frozenset({"2026-11"}))
               for t, p in zip(typed, parsed, strict=True) if p is not None}
    assert sorted(numbers) == [1, 3, 9, 15, 20, 9999999]
    expected = [(g.first, g.last) for g in gaps_in("penalty", "饶市监罚", 2026, numbers)]
    got = [(g.first, g.last) for g in monthly_figures(ctx, "2026-11", TODAY, listings=False).omissions]
    assert got == expected == [(2, 2), (4, 8), (10, 14), (16, 19), (21, 9999998)]


def test_gap_cap_and_listing():
    def n(doc: str) -> Neighbour:
        return Neighbour(doc, "2026-11-02", frozenset({"2026-11"}))

    seen = {1: n("1"), 2 + MAX_LISTED_GAP: n("a"), 3 + 2 * MAX_LISTED_GAP + 1: n("b")}
    gaps = gaps_in("penalty", "饶市监罚", 2026, seen)
    assert [g.count for g in gaps] == [MAX_LISTED_GAP, MAX_LISTED_GAP + 1]
    assert gaps[0].listed and len(gaps[0].numbers() or []) == MAX_LISTED_GAP
    assert not gaps[1].listed and gaps[1].doc_numbers() is None
    assert format_doc_number("饶市监罚", 2026, 7) == "饶市监罚〔2026〕7号"
    assert gaps_in("penalty", "x", 2026, {5: n("5")}) == []


def test_same_number_several_parties_is_one_number(ctx):
    d = date(2026, 11, 2)
    _add(ctx, "penalty", 1, d)
    _add(ctx, "penalty", 3, d)
    _add(ctx, "penalty", 3, date(2026, 11, 3))  # a joint decision: same number, another party
    f = monthly_figures(ctx, "2026-11", TODAY)
    assert [(g.first, g.last) for g in f.omissions] == [(2, 2)]
    assert f.omissions[0].after.decision_date == "2026-11-02"


# -- the workbook -------------------------------------------------------------------------------------
def _xml_text(path) -> str:
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(name).decode("utf-8") for name in z.namelist())


def _rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_workbook_sheets_headers_and_summary(ctx, seeded, tmp_path):
    f = monthly_figures(ctx, "2026-11", TODAY)
    path = write_report(f, tmp_path / "月报.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [SUMMARY, LATE, RETURNED, OVERDUE, OMISSIONS]
    summary = wb[SUMMARY]
    header = [c.value for c in summary[1]]
    assert header[:4] == ["类别", "决定数", "已报送", "已接收"] and header[-2:] == ["迟报率", "差错率"]
    rows = {r[0]: r for r in _rows(summary)[1:6]}
    assert set(rows) == {"行政许可", "行政处罚", "行政强制", "行政检查", "合计"}
    col = {h: i for i, h in enumerate(header)}
    assert rows["合计"][col["决定数"]] == 19 and rows["合计"][col["迟报"]] == 2
    assert rows["行政处罚"][col["迟报率"]] == pytest.approx(0.2)
    assert summary.cell(row=3, column=col["迟报率"] + 1).number_format == "0.00%"
    for sheet in (SUMMARY, LATE, RETURNED, OVERDUE, OMISSIONS):
        assert wb[sheet].freeze_panes == "A2"
        assert wb[sheet].column_dimensions["A"].width >= 8
    late_header = [c.value for c in wb[LATE][1]]
    assert late_header[:7] == ["类别", "文书号", "行政相对人名称", "证件号码（已遮蔽）", "法定代表人证件号码（已遮蔽）",
                               "决定日期", "报送截止日"]
    assert "平台接收日期" in late_header
    assert "平台意见" in [c.value for c in wb[RETURNED][1]]
    assert len(_rows(wb[LATE])) == 1 + 2 and len(_rows(wb[RETURNED])) == 1 + 3 and len(_rows(wb[OVERDUE])) == 1 + 3
    omission_rows = _rows(wb[OMISSIONS])[1:]
    assert len(omission_rows) == 1 + 1 + 5 + 1 + 2 + 1  # the 297-number gap is one range row
    assert any(r[3] == "饶市监罚〔2026〕23号" for r in omission_rows)


def test_workbook_masks_personal_ids_everywhere(ctx, seeded, tmp_path):
    f = monthly_figures(ctx, "2026-11", TODAY)
    path = write_report(f, tmp_path / "report.xlsx")
    person = ctx.queue.get(seeded.ids["P6"]).fields["CF_XDR_ZJHM"]
    xml = _xml_text(path)
    assert person not in xml and seeded.rep_id not in xml
    assert person[:6] + "********" + person[-4:] in xml
    assert seeded.rep_id[:6] + "********" + seeded.rep_id[-4:] in xml


def test_workbook_formula_looking_text_stays_text(ctx, seeded, tmp_path):
    f = monthly_figures(ctx, "2026-11", TODAY)
    path = write_report(f, tmp_path / "report.xlsx")
    wb = openpyxl.load_workbook(path)
    cells = [c for row in wb[RETURNED].iter_rows() for c in row]
    evil = [c for c in cells if c.value == '=HYPERLINK("http://evil.example","点这里")']
    assert len(evil) == 1 and evil[0].data_type == "s" and evil[0].quotePrefix
    minus = [c for c in cells if c.value == "-违法事实与处罚依据不符"]
    assert len(minus) == 1 and minus[0].data_type == "s" and minus[0].quotePrefix
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert not any("<f>" in s or "<f " in s for s in sheets)


def test_workbook_is_written_atomically_and_private(ctx, seeded, tmp_path):
    f = monthly_figures(ctx, "2026-11", TODAY)
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old")
    write_report(f, target)
    assert zipfile.is_zipfile(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "out.xlsx"]  # no temporary file left
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_workbook_write_failure_leaves_no_file(ctx, tmp_path):
    f = monthly_figures(ctx, "2026-11", TODAY)
    with pytest.raises(OSError):
        write_report(f, tmp_path / "missing-folder" / "out.xlsx")
    assert not (tmp_path / "missing-folder").exists()


def test_empty_month_workbook_shows_dash_for_rates(ctx, tmp_path):
    path = write_report(monthly_figures(ctx, "2026-09", TODAY), tmp_path / "empty.xlsx")
    summary = openpyxl.load_workbook(path)[SUMMARY]
    total = _rows(summary)[5]
    assert total[0] == "合计" and total[-2:] == ["—", "—"]


# -- command line -------------------------------------------------------------------------------------
@pytest.fixture
def cli(data_dir, capsys):
    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = app.cli.main(["--data-dir", str(data_dir), *args])
        out, err = capsys.readouterr()
        return status, out, err

    return run


def test_cli_json_shape(cli, seeded):
    status, out, err = cli("report", "--month", "2026-11", "--json")
    assert status == 0, err
    assert out.count("\n") == 1
    data = json.loads(out)
    assert set(data) >= {"month", "today", "kinds", "total", "rates", "omissions", "out"}
    assert data["month"] == "2026-11" and data["today"] == "2026-11-26" and data["out"] is None
    assert list(data["kinds"]) == ["license", "penalty", "enforcement", "inspection"]
    assert data["kinds"]["penalty"]["decisions"] == 11 and data["kinds"]["penalty"]["late_rate"] == 0.2
    assert data["total"]["decisions"] == 19 and data["total"]["error_rate"] == 0.25
    assert data["rates"]["late_rate"] == round(2 / 9, 6) and "迟报率" in data["rates"]["formulas"]["late_rate"]
    long_gap = data["omissions"][0]
    assert long_gap["kind"] == "license" and long_gap["count"] == 297 and long_gap["doc_numbers"] is None
    assert long_gap["previous"] == {"doc_number": "饶市监食许〔2026〕2号", "decision_date": "2026-11-02"}
    assert data["omissions"][1]["doc_numbers"][0] == "饶市监罚〔2026〕15号"


def test_cli_writes_the_workbook(cli, seeded, tmp_path):
    target = tmp_path / "月报-2026-11.xlsx"
    status, out, _ = cli("report", "--month", "2026/11", "--json", "--out", str(target))
    assert status == 0
    assert json.loads(out)["out"] == str(target)
    assert openpyxl.load_workbook(target).sheetnames[0] == SUMMARY


def test_cli_text_summary(cli, seeded, tmp_path):
    status, out, _ = cli("report", "--month", "2026-11", "--out", str(tmp_path / "r.xlsx"))
    assert status == 0
    assert "2026-11" in out and "合计" in out and "迟报率 22.22%" in out and "差错率 25.00%" in out
    assert "饶市监罚〔2026〕23号" in out and "月报已保存到" in out


def test_cli_empty_month_text(cli, seeded):
    status, out, _ = cli("report", "--month", "2026-09")
    assert status == 0 and "无可计算的记录" in out


@pytest.mark.parametrize("month", ["2026-13", "202611", "十一月"])
def test_cli_bad_month_exit_2(cli, month):
    status, out, err = cli("report", "--month", month, "--json")
    assert status == 2 and out == ""
    assert "无法识别的月份" in err


def test_cli_bad_out_exit_2(cli, tmp_path):
    status, _, err = cli("report", "--month", "2026-11", "--out", str(tmp_path / "r.csv"))
    assert status == 2 and ".xlsx" in err
    status, _, err = cli("report", "--month", "2026-11", "--out", str(tmp_path / "nope" / "r.xlsx"))
    assert status == 2 and "不存在" in err


def test_cli_month_is_required(cli):
    with pytest.raises(SystemExit) as exc:
        cli("report", "--json")
    assert exc.value.code == 2
