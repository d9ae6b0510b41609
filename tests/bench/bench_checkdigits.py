"""Micro-benchmark of the per-field validators: .venv/bin/python -m tests.bench.bench_checkdigits

An import validates every field of up to 100,000 records, so these must stay at a few
microseconds per call. Prints calls/second and microseconds per call (best of several runs).
"""

from __future__ import annotations

import timeit
from collections.abc import Callable
from datetime import date

from app.validation.checkdigits import id_number_problem, luhn_ok, org_code_problem, uscc_problem
from app.validation.pii import scan_text

TODAY = date(2024, 6, 1)
_PROSE = "当事人在经营活动中未按规定公示年度报告信息，违反了《企业信息公示暂行条例》的规定，责令改正。"


def _text(length: int, insert: str = "") -> str:
    base = (_PROSE * (length // len(_PROSE) + 2))[: length - len(insert)]
    half = len(base) // 2
    return base[:half] + insert + base[half:]


def _bench(name: str, fn: Callable[[], object], number: int = 100_000) -> None:
    best = min(timeit.repeat(fn, number=number, repeat=3)) / number
    print(f"{name:<52} {1 / best:>12,.0f} calls/s {best * 1e6:>8.2f} µs/call")


def main() -> None:
    text_plain = _text(300)
    text_phone = _text(300, "电话13912345678联系")
    text_numbers = _text(300, "2024年5月1日罚款2000元，案号〔2024〕12号，没收1500.50元")
    text_long = _text(4000)
    assert len(text_plain) == len(text_phone) == len(text_numbers) == 300 and len(text_long) == 4000
    assert scan_text(text_plain, today=TODAY) == [] and [
        k for k, _ in scan_text(text_phone, today=TODAY)
    ] == ["phone"]

    _bench("uscc_problem (valid 91310115MA1K3BTP2B)", lambda: uscc_problem("91310115MA1K3BTP2B"))
    _bench("uscc_problem (bad checksum)", lambda: uscc_problem("91110000600037341N"))
    _bench("org_code_problem (valid 60003734-1)", lambda: org_code_problem("60003734-1"))
    _bench("id_number_problem (valid 18-digit)", lambda: id_number_problem("360426199101010071", TODAY))
    _bench("id_number_problem (legacy 15-digit)", lambda: id_number_problem("360426910101007", TODAY))
    _bench("luhn_ok (19 digits)", lambda: luhn_ok("6222021234567890128"))
    _bench("scan_text (300 chars, no numbers)", lambda: scan_text(text_plain, today=TODAY))
    _bench("scan_text (300 chars, one phone)", lambda: scan_text(text_phone, today=TODAY))
    _bench("scan_text (300 chars, dates and amounts, no hit)", lambda: scan_text(text_numbers, today=TODAY))
    _bench("scan_text (4,000 chars, no numbers)", lambda: scan_text(text_long, today=TODAY), number=10_000)


if __name__ == "__main__":
    main()
