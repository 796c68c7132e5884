"""Benchmark the population generator: stream N patients, count or write them as NDJSON.

.venv/bin/python bench/population.py --n 1000000            # count and time
.venv/bin/python bench/population.py --n 1000 --ndjson -    # one patient a line on stdout
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time

import orjson

from ccm.population import generate_patients


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="patients to generate")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 3, 15))
    parser.add_argument("--ndjson", metavar="FILE", help="write patients as NDJSON ('-': stdout)")
    args = parser.parse_args(argv)

    out = None
    if args.ndjson:
        out = sys.stdout.buffer if args.ndjson == "-" else open(args.ndjson, "wb")  # noqa: SIM115
    patients = conditions = encounters = 0
    cpu, wall = time.process_time(), time.perf_counter()
    for patient in generate_patients(args.n, seed=args.seed, today=args.today):
        patients += 1
        conditions += len(patient.conditions)
        encounters += len(patient.encounters)
        if out is not None:
            out.write(orjson.dumps(patient) + b"\n")  # orjson serialises dataclasses
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if out is not None and out is not sys.stdout.buffer:
        out.close()
    print(
        f"{patients:,} patients ({conditions:,} conditions, {encounters:,} encounters) "
        f"in {wall:.2f} s wall, {cpu:.2f} s CPU: "
        f"{patients / max(wall, 1e-9):,.0f} patients/s wall, {patients / max(cpu, 1e-9):,.0f}/s CPU",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
