"""What the platform serves at start: the project's default catalog, the bundled calendars, and
helpers for new calendar years and list entries."""

from __future__ import annotations

import copy
import hashlib
import json
import unicodedata
from datetime import date, timedelta
from functools import cache
from typing import Any

from app.catalog import Catalog, parse_catalog
from app.paths import resource

BUNDLED_YEARS = (2023, 2024, 2025, 2026)
DEFAULT_LIST = "拖欠农民工工资失信联合惩戒对象名单"


@cache
def _default_text() -> str:
    return resource("catalog", "default.json").read_text(encoding="utf-8")


def default_catalog_document() -> dict[str, Any]:
    """A fresh copy of the project's default catalog document."""
    return json.loads(_default_text())


@cache
def _parsed(text: str) -> Catalog:
    return parse_catalog(json.loads(text))


def parse_document(document: Any) -> Catalog | None:
    """The catalog of a document, or None when the document is not a valid catalog."""
    try:
        return _parsed(json.dumps(document, ensure_ascii=False, sort_keys=True))
    except Exception:  # any invalid document: the platform still serves it, but cannot check with it
        return None


def catalog_with_version(document: dict[str, Any], version: str, published_on: str) -> dict[str, Any]:
    doc = copy.deepcopy(document)
    doc["version"] = version
    doc["published_at"] = published_on
    return doc


@cache
def _bundled_text(year: int) -> str:
    return resource("calendar", f"{year}.json").read_text(encoding="utf-8")


def bundled_calendars() -> dict[int, dict[str, Any]]:
    return {year: json.loads(_bundled_text(year)) for year in BUNDLED_YEARS}


def example_calendar(year: int, published_at: str | None = None) -> dict[str, Any]:
    """A plausible year in the `/calendar/{year}` format: New Year's Day, 1–5 May and 1–7 October off
    (weekdays only), no make-up working days. For tests that need "a published 2027"."""
    days = [date(year, 1, 1)]
    days += [date(year, 5, d) for d in range(1, 6)]
    days += [date(year, 10, d) for d in range(1, 8)]
    return {
        "year": year,
        "holidays": [d.isoformat() for d in days if d.weekday() < 5],
        "workdays": [],
        "source": f"国务院办公厅关于{year}年部分节假日安排的通知",
        "published_at": published_at or (date(year - 1, 11, 4)).isoformat(),
    }


def normalise_id_number(id_number: str) -> str:
    """The 18-character ID number as the list hashes it: NFKC, no spaces, upper-case X."""
    text = unicodedata.normalize("NFKC", id_number).replace(" ", "").strip().upper()
    if len(text) != 18:
        raise ValueError("an ID number has 18 characters")
    return text


def id_sha256(id_number: str) -> str:
    return hashlib.sha256(normalise_id_number(id_number).encode("ascii")).hexdigest()


def demo_blacklist(today: date) -> list[dict[str, Any]]:
    """A few entries for trying the program by hand (not used by the test fixture)."""
    return [
        {"subject_name": "上饶市某某建材有限公司", "uscc": "91361100MA35K7Q27A", "list_name": DEFAULT_LIST,
         "listed_on": (today - timedelta(days=30)).isoformat()},
        {"subject_name": "上饶市某某劳务派遣有限公司", "uscc": "91361100MA35L0XK0P",
         "list_name": "失信被执行人名单", "listed_on": (today - timedelta(days=12)).isoformat()},
        {"subject_name": "王某某", "id_number": "36110219800101001X", "list_name": DEFAULT_LIST,
         "listed_on": (today - timedelta(days=3)).isoformat()},
    ]
