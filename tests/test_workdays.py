"""The working-day calendar, its sources, deadlines and countdowns (domain.md §9, §10)."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from app.errors import UserError
from app.store import open_store
from app.store.models import CalendarYear
from app.workdays import (
    Countdown,
    WorkCalendar,
    YearTable,
    countdown,
    deadline_for,
    deadlines_for,
    timeliness,
)
from app.workdays.sources import (
    CalendarFormatError,
    bundled_years,
    import_calendar_file,
    load_calendar,
    parse_calendar_document,
    save_platform_year,
)

D = date.fromisoformat

# domain.md §10, the two lists of each year, copied as printed.
SECTION_10_LISTS = {
    2023: (
        "01-02, 01-23, 01-24, 01-25, 01-26, 01-27, 04-05, 05-01, 05-02, 05-03, 06-22, 06-23, 09-29, "
        "10-02, 10-03, 10-04, 10-05, 10-06",
        "01-28, 01-29, 04-23, 05-06, 06-25, 10-07, 10-08",
    ),
    2024: (
        "01-01, 02-12, 02-13, 02-14, 02-15, 02-16, 04-04, 04-05, 05-01, 05-02, 05-03, 06-10, 09-16, "
        "09-17, 10-01, 10-02, 10-03, 10-04, 10-07",
        "02-04, 02-18, 04-07, 04-28, 05-11, 09-14, 09-29, 10-12",
    ),
    2025: (
        "01-01, 01-28, 01-29, 01-30, 01-31, 02-03, 02-04, 04-04, 05-01, 05-02, 05-05, 06-02, 10-01, "
        "10-02, 10-03, 10-06, 10-07, 10-08",
        "01-26, 02-08, 04-27, 09-28, 10-11",
    ),
    2026: (
        "01-01, 01-02, 02-16, 02-17, 02-18, 02-19, 02-20, 02-23, 04-06, 05-01, 05-04, 05-05, 06-19, "
        "09-25, 10-01, 10-02, 10-05, 10-06, 10-07",
        "01-04, 02-14, 02-28, 05-09, 09-20, 10-10",
    ),
}

# domain.md §10, the tables: each break with all its days off, and its make-up workdays.
# The naive reference below is built from these ranges, never from the lists above.
BREAKS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("2023 元旦", "2022-12-31", "2023-01-02", ()),
    ("2023 春节", "2023-01-21", "2023-01-27", ("2023-01-28", "2023-01-29")),
    ("2023 清明节", "2023-04-05", "2023-04-05", ()),
    ("2023 劳动节", "2023-04-29", "2023-05-03", ("2023-04-23", "2023-05-06")),
    ("2023 端午节", "2023-06-22", "2023-06-24", ("2023-06-25",)),
    ("2023 中秋节、国庆节", "2023-09-29", "2023-10-06", ("2023-10-07", "2023-10-08")),
    ("2024 元旦", "2023-12-30", "2024-01-01", ()),
    ("2024 春节", "2024-02-10", "2024-02-17", ("2024-02-04", "2024-02-18")),
    ("2024 清明节", "2024-04-04", "2024-04-06", ("2024-04-07",)),
    ("2024 劳动节", "2024-05-01", "2024-05-05", ("2024-04-28", "2024-05-11")),
    ("2024 端午节", "2024-06-08", "2024-06-10", ()),
    ("2024 中秋节", "2024-09-15", "2024-09-17", ("2024-09-14",)),
    ("2024 国庆节", "2024-10-01", "2024-10-07", ("2024-09-29", "2024-10-12")),
    ("2025 元旦", "2025-01-01", "2025-01-01", ()),
    ("2025 春节", "2025-01-28", "2025-02-04", ("2025-01-26", "2025-02-08")),
    ("2025 清明节", "2025-04-04", "2025-04-06", ()),
    ("2025 劳动节", "2025-05-01", "2025-05-05", ("2025-04-27",)),
    ("2025 端午节", "2025-05-31", "2025-06-02", ()),
    ("2025 国庆节、中秋节", "2025-10-01", "2025-10-08", ("2025-09-28", "2025-10-11")),
    ("2026 元旦", "2026-01-01", "2026-01-03", ("2026-01-04",)),
    ("2026 春节", "2026-02-15", "2026-02-23", ("2026-02-14", "2026-02-28")),
    ("2026 清明节", "2026-04-04", "2026-04-06", ()),
    ("2026 劳动节", "2026-05-01", "2026-05-05", ("2026-05-09",)),
    ("2026 端午节", "2026-06-19", "2026-06-21", ()),
    ("2026 中秋节", "2026-09-25", "2026-09-27", ()),
    ("2026 国庆节", "2026-10-01", "2026-10-07", ("2026-09-20", "2026-10-10")),
]

WORKED_EXAMPLES = [
    ("2023-09-27", "2023-10-12"),
    ("2023-09-28", "2023-10-13"),
    ("2023-09-29", "2023-10-13"),
    ("2023-10-07", "2023-10-16"),
    ("2024-02-04", "2024-02-19"),
    ("2024-02-08", "2024-02-23"),
    ("2024-02-09", "2024-02-26"),
    ("2024-02-18", "2024-02-27"),
    ("2026-02-13", "2026-03-02"),
]

# An invented but realistic 2027 notice (the real one is not published yet): 元旦 01-01…01-03,
# 春节 from 除夕 02-05 for 8 days with make-up Sundays, and so on.
DOC_2027 = {
    "year": 2027,
    "holidays": [
        "2027-01-01",
        "2027-02-05",
        "2027-02-08",
        "2027-02-09",
        "2027-02-10",
        "2027-02-11",
        "2027-02-12",
        "2027-04-05",
        "2027-05-03",
        "2027-05-04",
        "2027-05-05",
        "2027-06-09",
        "2027-09-15",
        "2027-10-01",
        "2027-10-04",
        "2027-10-05",
        "2027-10-06",
        "2027-10-07",
    ],
    "workdays": ["2027-01-31", "2027-02-20", "2027-04-25", "2027-05-08", "2027-09-26", "2027-10-09"],
    "source": "国务院办公厅关于2027年部分节假日安排的通知",
    "published_at": "2026-11-05",
}


def _days(first: date, last: date):
    for o in range(first.toordinal(), last.toordinal() + 1):
        yield date.fromordinal(o)


def _break_reference_is_workday(d: date) -> bool:
    """Independent reference: weekdays, minus every day inside a break, plus the make-up days."""
    for _name, first, last, makeup in BREAKS:
        if d.isoformat() in makeup:
            return True
        if D(first) <= d <= D(last):
            return False
    return d.weekday() < 5


def _naive_deadline(is_workday, decision: date, n: int = 7) -> date | None:
    """Day-by-day count, as a person with a paper calendar would do it."""
    if not date(2023, 1, 1) <= decision <= date(2026, 12, 31):
        return None
    day, counted = decision, 0
    while counted < n:
        day += timedelta(days=1)
        if day.year > 2026:
            return None
        counted += is_workday(day)
    return day


def _around_breaks():
    for name, first, last, _makeup in BREAKS:
        for d in _days(D(first) - timedelta(days=7), D(last) + timedelta(days=7)):
            yield name, d


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar(bundled_years())


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path)
    yield s
    s.close()


# -- bundled tables -------------------------------------------------------------------------------


def test_bundled_lists_equal_section_10():
    tables = {t.year: t for t in bundled_years()}
    assert sorted(tables) == [2023, 2024, 2025, 2026]
    for year, (holidays, workdays) in SECTION_10_LISTS.items():
        assert tables[year].holidays == {D(f"{year}-{s.strip()}") for s in holidays.split(",")}
        assert tables[year].workdays == {D(f"{year}-{s.strip()}") for s in workdays.split(",")}
        assert tables[year].source == "bundled"
        assert f"国务院办公厅关于{year}年部分节假日安排的通知" in tables[year].note


def test_bundled_files_are_platform_documents():
    from app.paths import resource

    published = {2023: "2022-12-08", 2024: "2023-10-25", 2025: "2024-11-12", 2026: "2025-11-04"}
    for year, day in published.items():
        doc = json.loads(resource("calendar", f"{year}.json").read_text(encoding="utf-8"))
        assert set(doc) == {"year", "holidays", "workdays", "source", "published_at"}
        assert doc["year"] == year and doc["published_at"] == day
        assert doc["source"] == f"国务院办公厅关于{year}年部分节假日安排的通知"
        assert doc["holidays"] == sorted(doc["holidays"]) and doc["workdays"] == sorted(doc["workdays"])


def test_working_day_counts(cal):
    counts = {y: cal.year_source(y).workday_count() for y in cal.covered_years()}
    assert counts == {2023: 249, 2024: 251, 2025: 248, 2026: 248}
    assert sum(counts.values()) == 996
    assert sum(len(cal.year_source(y).workdays) for y in cal.covered_years()) == 26
    assert sum(bool(cal.is_workday(d)) for d in _days(date(2023, 1, 1), date(2026, 12, 31))) == 996


def test_lists_agree_with_break_tables(cal):
    for d in _days(date(2023, 1, 1), date(2026, 12, 31)):
        assert cal.is_workday(d) == _break_reference_is_workday(d), d


# -- deadlines ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("decision", "deadline"), WORKED_EXAMPLES)
def test_worked_examples(cal, decision, deadline):
    assert deadline_for(cal, D(decision)) == D(deadline)


def test_pitfall_holiday_decision_is_not_shifted_first(cal):
    # "Next working day, then add 7" would give 2023-10-16.
    shifted = cal.add_workdays(cal.next_workday_on_or_after(D("2023-09-29")), 7)
    assert shifted == D("2023-10-16")
    assert deadline_for(cal, D("2023-09-29")) == D("2023-10-13")


def test_around_every_break_against_break_table_reference(cal):
    checked = 0
    for name, d in _around_breaks():
        assert deadline_for(cal, d) == _naive_deadline(_break_reference_is_workday, d), (name, d)
        checked += 1
    assert checked > 26 * 15


def _chinese_calendar():
    cc = pytest.importorskip("chinese_calendar")
    if not cc.is_workday(date(2026, 2, 14)):
        pytest.skip(f"chinese_calendar {getattr(cc, '__version__', '?')} does not cover 2026")
    return cc


def test_around_every_break_against_chinese_calendar(cal):
    cc = _chinese_calendar()
    for name, d in _around_breaks():
        assert deadline_for(cal, d) == _naive_deadline(cc.is_workday, d), (name, d)


def test_every_day_and_deadline_against_chinese_calendar(cal):
    cc = _chinese_calendar()
    for d in _days(date(2023, 1, 1), date(2026, 12, 31)):
        assert cal.is_workday(d) == cc.is_workday(d), d
        assert deadline_for(cal, d) == _naive_deadline(cc.is_workday, d), d


def test_decisions_on_holidays_and_on_make_up_workdays(cal):
    for table in bundled_years():
        for d in table.holidays:
            # Counting starts with the first working day after the holiday: it is day 1.
            first = cal.next_workday_on_or_after(d)
            assert deadline_for(cal, d) == cal.add_workdays(first, 6), d
        for d in table.workdays:
            # The make-up day is a working day, but the decision day never counts.
            expected = _naive_deadline(_break_reference_is_workday, d)
            assert deadline_for(cal, d) == expected and expected != cal.add_workdays(d, 6), d


def test_other_day_counts(cal):
    assert deadline_for(cal, D("2023-09-27"), 1) == D("2023-09-28")
    assert deadline_for(cal, D("2023-09-28"), 1) == D("2023-10-07")
    assert deadline_for(cal, D("2023-09-27"), 20) == _naive_deadline(
        _break_reference_is_workday, D("2023-09-27"), 20
    )


def test_add_workdays_backwards_and_zero(cal):
    assert cal.add_workdays(D("2023-10-07"), -1) == D("2023-09-28")
    assert cal.add_workdays(D("2023-10-01"), -1) == D("2023-09-28")
    assert cal.add_workdays(D("2023-01-03"), -1) is None  # 2022 is not covered
    assert cal.add_workdays(D("2023-10-01"), 0) == D("2023-10-01")
    for d in _days(date(2023, 1, 10), date(2026, 12, 20)):
        if cal.is_workday(d):
            assert cal.add_workdays(cal.add_workdays(d, 5), -5) == d


def test_next_workday_on_or_after(cal):
    assert cal.next_workday_on_or_after(D("2023-09-29")) == D("2023-10-07")
    assert cal.next_workday_on_or_after(D("2023-10-07")) == D("2023-10-07")
    assert cal.next_workday_on_or_after(D("2026-12-31")) == D("2026-12-31")
    assert cal.next_workday_on_or_after(D("2022-12-31")) is None


def test_workdays_between(cal):
    assert cal.workdays_between(D("2023-09-27"), D("2023-10-12")) == 7
    assert cal.workdays_between(D("2023-10-12"), D("2023-09-27")) == -7
    assert cal.workdays_between(D("2023-10-12"), D("2023-10-12")) == 0
    assert cal.workdays_between(D("2023-10-14"), D("2023-10-16")) == 1  # Sat → Mon
    assert cal.workdays_between(D("2023-10-14"), D("2023-10-13")) == -1  # Sat → Fri: never 0
    assert cal.workdays_between(D("2022-12-30"), D("2023-01-05")) is None


def test_deadlines_for_matches_deadline_for(cal):
    rng = random.Random(7)
    days = [date(2022, 12, 1) + timedelta(days=rng.randrange(1560)) for _ in range(3000)] + [None]
    assert deadlines_for(cal, days) == [None if d is None else deadline_for(cal, d) for d in days]
    assert deadlines_for(cal, days, 3) == [None if d is None else deadline_for(cal, d, 3) for d in days]


# -- coverage -------------------------------------------------------------------------------------


def test_uncovered_dates(cal):
    assert deadline_for(cal, D("2026-12-22")) == D("2026-12-31")
    for d in _days(D("2026-12-23"), D("2026-12-31")):
        assert deadline_for(cal, d) is None, d
    for d in (D("2022-12-30"), D("2022-06-01"), D("2027-01-04")):
        assert deadline_for(cal, d) is None
        assert cal.is_covered(d) is False and cal.is_workday(d) is None
    assert cal.is_covered(D("2023-01-01")) and cal.year_source(2022) is None


def test_importing_2027_covers_the_end_of_2026(store, tmp_path):
    assert all(deadline_for(load_calendar(store), d) is None for d in _days(D("2026-12-23"), D("2026-12-31")))
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(DOC_2027, ensure_ascii=False), encoding="utf-8")
    table = import_calendar_file(store, path)
    assert (table.year, table.source) == (2027, "file")
    cal = load_calendar(store)
    assert cal.covered_years() == [2023, 2024, 2025, 2026, 2027]
    assert deadline_for(cal, D("2026-12-23")) == D("2027-01-04")  # 2027-01-01 is a holiday
    assert deadline_for(cal, D("2026-12-31")) == D("2027-01-12")
    for d in _days(D("2026-12-23"), D("2026-12-31")):
        assert deadline_for(cal, d) is not None
    assert deadline_for(cal, D("2027-01-29")) == D("2027-02-16")  # 01-31 (Sun) works, 02-05…02-12 off
    assert deadline_for(cal, D("2027-12-22")) == D("2027-12-31")
    assert deadline_for(cal, D("2027-12-23")) is None


def test_gap_year_is_never_crossed():
    tables = {t.year: t for t in bundled_years()}
    cal = WorkCalendar([tables[2023], tables[2024], tables[2026]])
    assert cal.covered_years() == [2023, 2024, 2026]
    assert cal.is_covered(D("2025-06-03")) is False and cal.is_workday(D("2025-06-03")) is None
    assert deadline_for(cal, D("2024-12-20")) == D("2024-12-31")
    assert deadline_for(cal, D("2024-12-23")) is None  # would run into 2025
    assert deadline_for(cal, D("2026-02-13")) == D("2026-03-02")  # inside 2026 still works
    assert cal.add_workdays(D("2026-01-05"), -3) is None  # would run back into 2025
    assert cal.next_workday_on_or_after(D("2024-12-31")) == D("2024-12-31")
    assert cal.workdays_between(D("2024-12-02"), D("2026-01-05")) is None
    assert cal.workdays_between(D("2026-01-05"), D("2026-01-09")) == 4


def test_empty_calendar_covers_nothing():
    cal = WorkCalendar([])
    assert cal.covered_years() == [] and deadline_for(cal, D("2024-03-01")) is None
    assert countdown(cal, None, D("2024-03-01")).band == "uncovered"


def test_two_tables_for_one_year_are_refused():
    table = bundled_years()[0]
    with pytest.raises(ValueError):
        WorkCalendar([table, table])


# -- sources --------------------------------------------------------------------------------------


def test_parse_document_round_trip():
    table = parse_calendar_document(DOC_2027, "platform")
    assert table.year == 2027 and table.source == "platform"
    assert len(table.holidays) == 18 and len(table.workdays) == 6
    assert "2027" in table.note and "2026-11-05" in table.note
    assert isinstance(table, YearTable)


def _write(tmp_path, content: str | bytes, name: str = "cal.json"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _broken(**changes) -> str:
    return json.dumps({**DOC_2027, **changes}, ensure_ascii=False)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"year": 2027, "holidays": ["2027-01-01"', "不是有效的 JSON"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "不是 UTF-8"),
        ("年份,日期\n2027,2027-01-01\n", "不是有效的 JSON"),
        ("[2027]", "JSON 对象"),
        (_broken(workdays=["2027-01-31", "2027-02-22"]), "2027-02-22 是星期一"),
        (_broken(holidays=["2027-01-01", "2026-12-31"]), "2026-12-31 不在 2027 年内"),
        (_broken(holidays=["2027-01-01", "2027-01-02"]), "2027-01-02 是星期六"),
        (_broken(holidays=["2027-01-01", "2027-01-01"]), "2027-01-01 重复出现"),
        (_broken(holidays=["2027-02-30"]), "2027-02-30 不是真实存在的日期"),
        (_broken(holidays=["2027/1/1"]), "不是 YYYY-MM-DD"),
        (_broken(holidays=[20270101]), "不是 YYYY-MM-DD"),
        (_broken(year=1899), "year 应为"),
        (_broken(year="2027"), "year 应为"),
        (_broken(year=True), "year 应为"),
        (json.dumps({"year": 2027, "holidays": []}), "缺少 workdays"),
    ],
)
def test_import_errors(store, tmp_path, content, expected):
    with pytest.raises(CalendarFormatError) as info:
        import_calendar_file(store, _write(tmp_path, content))
    assert expected in info.value.message
    assert isinstance(info.value, UserError) and info.value.code == "calendar_format"
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(CalendarYear)) == 0


def test_import_missing_file(store, tmp_path):
    with pytest.raises(CalendarFormatError, match="找不到日历文件"):
        import_calendar_file(store, tmp_path / "nope.json")
    with pytest.raises(CalendarFormatError, match="文件夹"):
        import_calendar_file(store, tmp_path)


def test_import_lists_several_problems_at_once(store, tmp_path):
    content = _broken(holidays=["2027-01-02", "2026-05-01"], workdays=["2027-02-22"])
    with pytest.raises(CalendarFormatError) as info:
        import_calendar_file(store, _write(tmp_path, content))
    message = info.value.message
    assert (
        "2027年" in message
        and "2027-01-02" in message
        and "2026-05-01" in message
        and "2027-02-22" in message
    )


def test_import_accepts_utf8_bom(store, tmp_path):
    path = _write(tmp_path, "\ufeff" + json.dumps(DOC_2027, ensure_ascii=False))
    assert import_calendar_file(store, path).year == 2027


def test_reimport_replaces_earlier_import(store, tmp_path):
    import_calendar_file(store, _write(tmp_path, json.dumps(DOC_2027), "a.json"))
    changed = {**DOC_2027, "holidays": [*DOC_2027["holidays"], "2027-12-31"]}
    import_calendar_file(store, _write(tmp_path, json.dumps(changed), "b.json"))
    with store.read() as session:
        rows = session.scalars(select(CalendarYear)).all()
    assert [(r.year, r.source) for r in rows] == [(2027, "file")]
    assert load_calendar(store).is_workday(D("2027-12-31")) is False


def test_layering_platform_beats_file_beats_bundled(store, tmp_path):
    bundled = load_calendar(store)
    assert {y: bundled.year_source(y).source for y in bundled.covered_years()} == dict.fromkeys(
        range(2023, 2027), "bundled"
    )
    # A file for 2025 that makes 2025-12-31 a day off must win over the bundled table.
    doc_2025 = {
        "year": 2025,
        "holidays": [f"2025-{s.strip()}" for s in SECTION_10_LISTS[2025][0].split(",")] + ["2025-12-31"],
        "workdays": [f"2025-{s.strip()}" for s in SECTION_10_LISTS[2025][1].split(",")],
        "source": "本地测试文件",
    }
    import_calendar_file(store, _write(tmp_path, json.dumps(doc_2025, ensure_ascii=False)))
    cal = load_calendar(store)
    assert cal.year_source(2025).source == "file" and cal.year_source(2025).note == "本地测试文件"
    assert cal.is_workday(D("2025-12-31")) is False
    assert cal.year_source(2024).source == "bundled"

    platform_2025 = {**doc_2025, "holidays": doc_2025["holidays"][:-1], "source": "平台"}
    assert save_platform_year(store, platform_2025).source == "platform"
    cal = load_calendar(store)
    assert cal.year_source(2025).source == "platform" and cal.is_workday(D("2025-12-31")) is True

    # A later file import does not displace the platform's year.
    import_calendar_file(store, _write(tmp_path, json.dumps(doc_2025, ensure_ascii=False), "again.json"))
    assert load_calendar(store).year_source(2025).source == "platform"

    # A platform year nobody else has is simply added.
    save_platform_year(store, DOC_2027)
    cal = load_calendar(store)
    assert cal.year_source(2027).source == "platform" and cal.covered_years()[-1] == 2027


def test_stored_years_survive_reopening(tmp_path):
    first = open_store(tmp_path)
    save_platform_year(first, DOC_2027)
    first.close()
    again = open_store(tmp_path)
    try:
        assert load_calendar(again).year_source(2027).source == "platform"
    finally:
        again.close()


def test_a_bad_stored_year_is_skipped_not_fatal(store, caplog):
    with store.session() as session:
        session.add(
            CalendarYear(
                year=2027,
                source="platform",
                document={"year": 2027, "holidays": ["x"]},
                loaded_at=datetime.now(UTC),
            )
        )
    cal = load_calendar(store)
    assert cal.covered_years() == [2023, 2024, 2025, 2026]
    assert "ignoring stored calendar 2027/platform" in caplog.text


def test_platform_document_is_validated(store):
    with pytest.raises(CalendarFormatError):
        save_platform_year(store, {**DOC_2027, "workdays": ["2027-03-01"]})


# -- countdowns -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "days_left", "band"),
    [
        ("2023-09-27", 7, "normal"),
        ("2023-09-29", 6, "normal"),  # holiday (Fri): counts as the working day before it
        ("2023-10-01", 6, "normal"),  # Sunday inside the break
        ("2023-10-07", 5, "normal"),  # make-up Saturday is an ordinary working day
        ("2023-10-09", 3, "normal"),
        ("2023-10-10", 2, "due_soon"),
        ("2023-10-11", 1, "due_soon"),
        ("2023-10-12", 0, "due_today"),
        ("2023-10-13", -1, "overdue"),
        ("2023-10-14", -2, "overdue"),  # Saturday: already as late as the coming Monday
        ("2023-10-15", -2, "overdue"),
        ("2023-10-16", -2, "overdue"),
        ("2023-10-17", -3, "overdue"),
    ],
)
def test_countdown_around_a_deadline(cal, today, days_left, band):
    assert countdown(cal, D("2023-10-12"), D(today)) == Countdown(days_left, band)


@pytest.mark.parametrize(
    ("today", "days_left", "band"),
    [
        ("2024-02-09", 3, "normal"),  # Fri before 春节; 02-18 (Sun) is a make-up workday
        ("2024-02-10", 3, "normal"),  # Sat, first day of the break
        ("2024-02-17", 3, "normal"),  # last day of the break
        ("2024-02-18", 2, "due_soon"),
        ("2024-02-19", 1, "due_soon"),
        ("2024-02-20", 0, "due_today"),
        ("2024-02-21", -1, "overdue"),
    ],
)
def test_countdown_across_spring_festival(cal, today, days_left, band):
    assert countdown(cal, D("2024-02-20"), D(today)) == Countdown(days_left, band)


def test_countdown_weekend_before_and_after_a_friday_deadline(cal):
    friday = D("2023-11-10")
    assert countdown(cal, friday, D("2023-11-09")) == Countdown(1, "due_soon")
    assert countdown(cal, friday, D("2023-11-11")) == Countdown(-1, "overdue")  # never "0" on Saturday
    assert countdown(cal, friday, D("2023-11-13")) == Countdown(-1, "overdue")
    monday = D("2023-11-13")
    assert countdown(cal, monday, D("2023-11-11")) == Countdown(1, "due_soon")
    assert countdown(cal, monday, D("2023-11-10")) == Countdown(1, "due_soon")


def test_countdown_due_soon_threshold(cal):
    assert countdown(cal, D("2023-10-12"), D("2023-10-09"), due_soon=3).band == "due_soon"
    assert countdown(cal, D("2023-10-12"), D("2023-10-11"), due_soon=0).band == "normal"


def test_countdown_uncovered(cal):
    assert countdown(cal, None, D("2024-03-01")) == Countdown(None, "uncovered")
    assert countdown(cal, D("2023-01-10"), D("2022-12-30")) == Countdown(None, "uncovered")
    # A passed deadline is overdue whatever the calendar covers; the count is unknown.
    assert countdown(cal, D("2026-12-31"), D("2027-01-05")) == Countdown(None, "overdue")


def test_countdown_with_a_non_working_deadline_keeps_the_sign(cal):
    # Deadlines from this module are working days; one from elsewhere may not be.
    assert countdown(cal, D("2023-11-12"), D("2023-11-10")) == Countdown(1, "due_soon")
    assert countdown(cal, D("2023-11-11"), D("2023-11-12")) == Countdown(-1, "overdue")


# -- timeliness -----------------------------------------------------------------------------------


def test_timeliness():
    deadline = D("2023-10-12")
    assert timeliness(deadline, "2023-10-12T23:30:00+08:00") == "on_time"
    assert timeliness(deadline, "2023-10-12T16:30:00Z") == "late"  # 2023-10-13 00:30 in UTC+8
    assert timeliness(deadline, "2023-10-12T15:59:59+00:00") == "on_time"
    assert timeliness(deadline, "2023-10-01T09:00:00+08:00") == "on_time"
    assert timeliness(deadline, datetime(2023, 10, 13, 0, 0, tzinfo=timezone(timedelta(hours=8)))) == "late"
    assert timeliness(deadline, datetime(2023, 10, 12, 23, 59)) == "on_time"  # naive = local
    assert timeliness(None, "2023-10-12T10:00:00+08:00") is None
    assert timeliness(deadline, None) is None
