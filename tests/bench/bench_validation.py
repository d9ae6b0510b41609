"""Validation throughput over 100,000 generated realistic penalty records (target ≥ 25,000 records/s).

Run: .venv/bin/python -m tests.bench.bench_validation [N]
Prints records/s for the full check (normalise + validate + duplicate index), and, measured in the
same run over the same records, a baseline that only applies NFKC to every value, the floor any
validator has to pay, with the ratio between the two.
"""

from __future__ import annotations

import random
import sys
import time
import unicodedata
from datetime import date, timedelta

from app.catalog import default_catalog
from app.validation.engine import Validator
from tests import factories


def make_records(n: int) -> list[tuple[str, dict[str, str]]]:
    rng = random.Random(7)
    out = []
    for i in range(n):
        decided = date(2023, 1, 3) + timedelta(days=rng.randrange(1400))
        category = rng.choice(["法人及非法人组织"] * 6 + ["个体工商户"] * 3 + ["自然人"])
        fields = factories.penalty(rng, i + 1, decided)
        for k in [k for k in fields if k.startswith("CF_XDR_") or k.startswith("CF_FR")]:
            del fields[k]
        fields.update(factories.subject("CF", rng, category))
        if i % 10 == 0:  # some records with mistakes, as real batches have
            fields["CF_XDR_SHXYM" if category != "自然人" else "CF_XDR_ZJHM"] = "91110000600037341N"
        if i % 7 == 0:
            fields["CF_NR_FK"] = "2000元"
        out.append(("penalty", fields))
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    records = make_records(n)
    validator = Validator(default_catalog())
    today = date(2026, 11, 26)

    t0 = time.perf_counter()
    for _kind, fields in records:
        for v in fields.values():
            unicodedata.normalize("NFKC", v)
    baseline = time.perf_counter() - t0

    t0 = time.perf_counter()
    results = validator.check_batch(records, today=today)
    full = time.perf_counter() - t0
    invalid = sum(1 for r in results if not r.ok)
    print(f"records                 {n}")
    print(f"invalid (seeded)        {invalid}")
    print(f"baseline NFKC only      {baseline:.3f} s  {n / baseline:,.0f} records/s")
    print(f"full validation         {full:.3f} s  {n / full:,.0f} records/s  (target >= 25,000)")
    print(f"ratio full / baseline   {full / baseline:.1f}x")


if __name__ == "__main__":
    main()
