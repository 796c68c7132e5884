"""Benchmark the month rules: JSON → dataclasses (the baseline) vs `evaluate_month_fast` (what the
close runs; `--path reference` times the readable `evaluate_month` instead), on one core.

Streams: cases are generated, loaded and evaluated in chunks (default 50,000), so memory stays
flat however many patient-months are asked for. Both phases are timed on every chunk, in CPU
time (`time.process_time`, the fair number on a shared machine) and wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import itertools
import os
import random
import resource
import sys
import time
from collections.abc import Iterator
from typing import Any

import orjson

from ccm.rules.contract import case_from_json
from ccm.rules.month import evaluate_month
from ccm.rules.month_fast import evaluate_month_fast

CODES = ["E11.9", "I10", "J44.9", "I50.9", "N18.3", "F32.9", "M17.0", "E78.5", "I48.91", "G30.9"]
WARM = 1000  # cases evaluated once before timing: they load the ICD-10-CM and fee tables


def generate(n: int, seed: int = 20260301) -> Iterator[dict[str, Any]]:
    """Seeded random patient-months in the contract's JSON shape, one at a time."""
    rng = random.Random(seed)
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
        yield {
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


class Clock:
    """CPU and wall seconds spent in one phase, summed over chunks."""

    def __init__(self) -> None:
        self.cpu = self.wall = 0.0

    def __enter__(self) -> Clock:
        self._cpu, self._wall = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cpu += time.process_time() - self._cpu
        self.wall += time.perf_counter() - self._wall


def run(
    n: int, chunk: int, seed: int, progress: Any = None, evaluate_month: Any = evaluate_month_fast
) -> dict[str, float]:
    """Generate, load and evaluate n patient-months chunk by chunk; the timings of each phase."""
    load, evaluate, warm = Clock(), Clock(), Clock()
    billed = 0
    cases_left = generate(n, seed)
    while batch := list(itertools.islice(cases_left, chunk)):
        blobs = [orjson.dumps(case) for case in batch]
        del batch
        gc.freeze()  # the chunk's input is static: keep the collector from rescanning it
        with load:
            cases = [case_from_json(orjson.loads(blob)) for blob in blobs]
        gc.freeze()  # likewise the loaded cases
        if not warm.cpu:
            with warm:
                for case in cases[:WARM]:
                    evaluate_month(case)
        with evaluate:
            for case in cases:
                billed += evaluate_month(case).billable
        done = len(cases)
        del blobs, cases
        gc.unfreeze()  # hand the chunk back so it can be freed
        if progress is not None:
            progress(done)
    return {
        "billed": billed,
        "warm": warm.cpu,
        "load_cpu": load.cpu,
        "load_wall": load.wall,
        "eval_cpu": evaluate.cpu,
        "eval_wall": evaluate.wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=20260301)
    parser.add_argument("--path", choices=("fast", "reference"), default="fast")
    args = parser.parse_args()
    evaluate = evaluate_month_fast if args.path == "fast" else evaluate_month
    load_before = os.getloadavg()
    started = time.perf_counter()
    if sys.stderr.isatty():
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("patient-months", total=args.n)
            t = run(args.n, args.chunk, args.seed, lambda done: bar.advance(task, done), evaluate)
    else:
        t = run(args.n, args.chunk, args.seed, None, evaluate)
    total_wall = time.perf_counter() - started
    load_after = os.getloadavg()
    n = args.n
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"patient-months: {n:,} ({int(t['billed']):,} billable), chunks of {args.chunk:,}; "
        f"one-time table load {t['warm']:.2f} s"
    )
    print(
        f"load JSON → dataclasses: {n / t['load_cpu']:,.0f} /s CPU ({t['load_cpu']:.2f} s), "
        f"{n / t['load_wall']:,.0f} /s wall ({t['load_wall']:.2f} s)"
    )
    print(
        f"evaluate ({args.path}):    {n / t['eval_cpu']:,.0f} /s CPU ({t['eval_cpu']:.2f} s), "
        f"{n / t['eval_wall']:,.0f} /s wall ({t['eval_wall']:.2f} s)"
    )
    print(
        f"evaluate / load: {t['load_cpu'] / t['eval_cpu']:.2f}× the rate "
        f"(evaluate time / load time {t['eval_cpu'] / t['load_cpu']:.2f}, CPU)"
    )
    print(
        f"whole run: {total_wall:.1f} s wall, max RSS {maxrss_mb:,.0f} MB; load average "
        f"{load_before[0]:.1f} at start, {load_after[0]:.1f} at end ({os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
