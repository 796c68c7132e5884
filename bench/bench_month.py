"""Benchmark `evaluate_month`: JSON → dataclasses (the baseline) vs the month rules, on one core."""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import time
from typing import Any

import orjson

from ccm.rules.contract import case_from_json
from ccm.rules.month import evaluate_month

CODES = ["E11.9", "I10", "J44.9", "I50.9", "N18.3", "F32.9", "M17.0", "E78.5", "I48.91", "G30.9"]


def generate(n: int, seed: int = 20260301) -> list[dict[str, Any]]:
    """Seeded random patient-months in the contract's JSON shape."""
    rng = random.Random(seed)
    cases = []
    for _ in range(n):
        year = rng.choice((2025, 2026))
        month = rng.randint(1, 12)
        program = rng.choices(("ccm", "pcm", "apcm"), (6, 2, 1))[0]
        entries = []
        for _ in range(rng.randint(0, 6)):
            entries.append(
                {
                    "date": dt.date(year, month, rng.randint(1, 28)).isoformat(),
                    "minutes": rng.randint(3, 35),
                    "performer": rng.choices(
                        ("clinical_staff", "practitioner", "other"), (7, 2, 1)
                    )[0],
                    "service": rng.choices((program, "rpm", "bhi"), (8, 1, 1))[0],
                }
            )
        others = []
        if rng.random() < 0.1:
            others.append(
                {
                    "code": rng.choice(("99495", "99424", "G0181", "99490")),
                    "date": None,
                    "same_practitioner": rng.random() < 0.5,
                }
            )
        consent = dt.date(year, month, 1) - dt.timedelta(days=rng.randint(-10, 300))
        cases.append(
            {
                "month": f"{year:04d}-{month:02d}",
                "practice": {
                    "setting": "office",
                    "locality": rng.choice((None, None, "0111205", "1011200"))
                    if year == 2025
                    else None,
                    "qualifying_apm": rng.random() < 0.1,
                },
                "patient": {
                    "medicare_part_b": rng.random() < 0.97,
                    "qmb": rng.random() < 0.15,
                    "chronic_conditions": rng.sample(CODES, rng.randint(0, 4)),
                },
                "enrollment": {
                    "program": program,
                    "consent_date": consent.isoformat(),
                    "consent_revoked_date": None,
                    "initiating_visit_date": (
                        consent - dt.timedelta(days=rng.randint(0, 400))
                    ).isoformat(),
                    "care_plan_date": consent.isoformat(),
                },
                "mdm": rng.choice(("low", "moderate", "high")),
                "time": entries,
                "other_services": others,
            }
        )
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    args = parser.parse_args()
    blobs = [orjson.dumps(c) for c in generate(args.n)]
    gc.freeze()  # the generated input is static: keep the collector from rescanning it
    start = time.process_time()
    cases = [case_from_json(orjson.loads(b)) for b in blobs]
    load_s = time.process_time() - start
    gc.freeze()  # likewise the loaded cases
    start = time.process_time()
    for case in cases[:1000]:  # load the ICD-10-CM and fee tables once, fill the per-month caches
        evaluate_month(case)
    warm_s = time.process_time() - start
    start = time.process_time()
    billed = 0
    for case in cases:
        billed += evaluate_month(case).billable
    eval_s = time.process_time() - start
    print(f"patient-months: {args.n:,} ({billed:,} billable); one-time table load {warm_s:.2f} s")
    print(f"load JSON → dataclasses: {args.n / load_s:,.0f} patient-months/s ({load_s:.2f} s)")
    print(f"evaluate_month:          {args.n / eval_s:,.0f} patient-months/s ({eval_s:.2f} s)")
    print(f"ratio evaluate/load time: {eval_s / load_s:.2f}")


if __name__ == "__main__":
    main()
