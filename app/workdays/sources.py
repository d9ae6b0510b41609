"""Where calendar years come from: the bundled tables, imported files and the platform.

Every source speaks the platform's `/calendar/{year}` document format. Per year the platform
beats an imported file, which beats the bundled table.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.clock import now
from app.errors import UserError
from app.paths import resource
from app.workdays.calendar import WEEKDAY_NAMES, Source, WorkCalendar, YearTable

log = logging.getLogger(__name__)

# Higher wins when several sources have the same year.
PRIORITY: dict[str, int] = {"bundled": 0, "file": 1, "platform": 2}
SOURCE_LABELS: dict[str, str] = {"bundled": "内置日历", "file": "导入的日历文件", "platform": "平台日历"}
YEAR_MIN, YEAR_MAX = 1900, 2200
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Enough problems to fix a file in one go without burying the first one.
_MAX_PROBLEMS = 5


class CalendarFormatError(UserError):
    code = "calendar_format"


def _fail(problems: list[str], year: int | None = None) -> CalendarFormatError:
    where = f"（{year}年）" if year is not None else ""
    shown = problems[:_MAX_PROBLEMS]
    more = f"；另有 {len(problems) - len(shown)} 处问题" if len(problems) > len(shown) else ""
    return CalendarFormatError(f"日历格式错误{where}：" + "；".join(shown) + more)


def _dates(obj: dict[str, Any], key: str, year: int, weekend: bool, problems: list[str]) -> frozenset[date]:
    label = "调休上班日" if weekend else "放假的工作日"
    values = obj.get(key)
    if not isinstance(values, list):
        problems.append(f'缺少 {key} 列表（{label}），应为 ["YYYY-MM-DD", …]')
        return frozenset()
    seen: set[date] = set()
    for value in values:
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            problems.append(f"{key} 中的 {value!r} 不是 YYYY-MM-DD 格式的日期")
            continue
        try:
            day = date.fromisoformat(value)
        except ValueError:
            problems.append(f"{key} 中的 {value} 不是真实存在的日期")
            continue
        if day.year != year:
            problems.append(f"{key} 中的 {value} 不在 {year} 年内")
        elif day in seen:
            problems.append(f"{key} 中的 {value} 重复出现")
        elif weekend and day.weekday() < 5:
            problems.append(
                f"{key} 中的 {value} 是{WEEKDAY_NAMES[day.weekday()]}，调休上班日只能是周六或周日"
            )
        elif not weekend and day.weekday() >= 5:
            problems.append(
                f"{key} 中的 {value} 是{WEEKDAY_NAMES[day.weekday()]}，holidays 只列放假的周一至周五"
            )
        seen.add(day)
    return frozenset(seen)


def parse_calendar_document(obj: Any, source: Source) -> YearTable:
    """Check a `/calendar/{year}` document strictly and turn it into a YearTable."""
    if not isinstance(obj, dict):
        raise _fail(["内容应为一个 JSON 对象，包含 year、holidays、workdays"])
    year = obj.get("year")
    # bool is an int in Python; `true` is not a year.
    if not isinstance(year, int) or isinstance(year, bool) or not YEAR_MIN <= year <= YEAR_MAX:
        raise _fail([f"year 应为 {YEAR_MIN}–{YEAR_MAX} 之间的整数年份，实际为 {year!r}"])
    problems: list[str] = []
    holidays = _dates(obj, "holidays", year, weekend=False, problems=problems)
    workdays = _dates(obj, "workdays", year, weekend=True, problems=problems)
    for key in ("source", "published_at"):
        if obj.get(key) is not None and not isinstance(obj[key], str):
            problems.append(f"{key} 应为文本")
    if problems:
        raise _fail(problems, year)
    note = " ".join(str(obj[k]) for k in ("source", "published_at") if obj.get(k))
    return YearTable(year, holidays, workdays, source, note)


@lru_cache(maxsize=1)
def _bundled() -> tuple[YearTable, ...]:
    tables = []
    for path in sorted(resource("calendar").glob("*.json")):
        table = parse_calendar_document(json.loads(path.read_text(encoding="utf-8")), "bundled")
        if path.stem != str(table.year):
            raise CalendarFormatError(f"内置日历文件 {path.name} 的年份为 {table.year}，与文件名不符")
        tables.append(table)
    return tuple(tables)


def bundled_years() -> list[YearTable]:
    return list(_bundled())


def _stored_years(store) -> list[YearTable]:
    from app.store.models import CalendarYear

    tables = []
    with store.read() as session:
        for row in session.scalars(select(CalendarYear)):
            try:
                tables.append(parse_calendar_document(row.document, row.source))
            except CalendarFormatError as exc:
                # One bad stored year must not take every deadline down with it.
                log.warning("ignoring stored calendar %s/%s: %s", row.year, row.source, exc.message)
    return tables


def load_calendar(store) -> WorkCalendar:
    """The calendar with, for each year, the table of the highest-priority source that has it."""
    chosen: dict[int, YearTable] = {}
    for table in [*bundled_years(), *_stored_years(store)]:
        current = chosen.get(table.year)
        if current is None or PRIORITY[table.source] > PRIORITY[current.source]:
            chosen[table.year] = table
    return WorkCalendar(chosen.values())


def _save(store, obj: dict[str, Any], source: Source) -> YearTable:
    from app.store.models import CalendarYear

    table = parse_calendar_document(obj, source)
    with store.session() as session:
        # merge() on the primary key (year, source) replaces an earlier copy of the same year.
        session.merge(CalendarYear(year=table.year, source=source, document=obj, loaded_at=now()))
    return table


def import_calendar_file(store, path: str | Path) -> YearTable:
    """Import one year from a JSON file in the platform's format; it replaces an earlier import."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise CalendarFormatError(f"找不到日历文件：{path}") from None
    except IsADirectoryError:
        raise CalendarFormatError(f"{path} 是文件夹，请指定一个日历 JSON 文件") from None
    except UnicodeDecodeError:
        raise CalendarFormatError(f"日历文件 {path.name} 不是 UTF-8 编码的 JSON 文本") from None
    except OSError as exc:
        raise CalendarFormatError(f"无法读取日历文件 {path}：{exc.strerror or exc}") from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CalendarFormatError(
            f"日历文件 {path.name} 不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）"
        ) from None
    return _save(store, obj, "file")


def save_platform_year(store, document: dict[str, Any]) -> YearTable:
    """Keep a year fetched from the platform's `/calendar/{year}`; it beats files and bundled tables."""
    return _save(store, document, "platform")
