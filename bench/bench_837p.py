"""Benchmark the 837P writer: claims per second, pure (dataclasses → X12 text), on one core.

    .venv/bin/python bench/bench_837p.py --claims 100000
    .venv/bin/python bench/bench_837p.py --claims 2000 --validate   # pyx12 on the output too

Claims are seeded and made up (format-valid MBIs and NPIs, real CCM codes and chronic ICD-10-CM
codes). The 100,000 claims go in 20 transactions (5,000 claims per ST/SE, the TR3's ceiling).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from ccm.x12 import claim837p as x12  # noqa: E402

LETTERS = "ACDEFGHJKMNPQRTUVWXY"
DIAGNOSES = ["E11.9", "I10", "N18.31", "I50.9", "J44.9", "F32.9", "E78.5", "M17.0"]
LINES = [[("99490", 1)], [("99490", 1), ("99439", 1)], [("99490", 1), ("99439", 2)], [("99487", 1)]]
CHARGE = {"99490": Decimal("64.57"), "99439": Decimal("49.23"), "99487": Decimal("140.28")}


def mbi(i: int) -> str:
    d, i = i % 10_000, i // 10_000
    a = [LETTERS[(i // 20**k) % 20] for k in range(4)]
    ds = f"{d:04d}"
    return f"1{a[0]}0{ds[0]}{a[1]}0{ds[1]}{a[2]}{a[3]}{ds[2]}{ds[3]}"


def claims(n: int, seed: int = 837) -> tuple[x12.Claim, ...]:
    rng = random.Random(seed)
    payer = x12.Payer("MEDICARE PART B", "MEDICARE")
    doc = x12.Practitioner("BENCH", "PAT", "1245319599")
    made = []
    for i in range(1, n + 1):
        day = dt.date(2026, 3, 2 + rng.randrange(26))
        lines = rng.choice(LINES)
        made.append(
            x12.Claim(
                claim_id=f"{i:020X}",
                subscriber=x12.Subscriber(
                    f"BENCH{i % 997}",
                    "ANN",
                    mbi(i),
                    dt.date(1940 + i % 40, 1 + i % 12, 1 + i % 28),
                    rng.choice(("female", "male")),
                    x12.Address(f"{i} ELM ST", "SPRINGFIELD", "IL", "62704"),
                ),
                payer=payer,
                diagnoses=tuple(rng.sample(DIAGNOSES, 2 + rng.randrange(3))),
                lines=tuple(
                    x12.ServiceLine(code, units, CHARGE[code] * units, day, (1, 2))
                    for code, units in lines
                ),
                rendering=doc,
            )
        )
    return tuple(made)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--validate", action="store_true", help="run pyx12 on the output")
    parser.add_argument("-o", "--output", help="also write the file here")
    args = parser.parse_args()

    batch = x12.ClaimBatch(
        x12.BillingProvider(
            "BENCH CLINIC", "1234567893", "123456789",
            x12.Address("1 MAIN ST", "SPRINGFIELD", "IL", "627011234"),
        ),
        claims(args.claims),
    )  # fmt: skip
    env = x12.Interchange(
        submitter=x12.Submitter("BENCH CLINIC", "123456789", "BILLING OFFICE", "8005550100"),
        receiver=x12.Receiver("MEDICARE MAC", "MACPLACEHOLDER"),
        created=dt.datetime(2026, 4, 2, 9, 30),
        interchange_number=1,
        group_number=1,
        usage="P",
    )
    best = float("inf")
    for _ in range(3):
        cpu0, t0 = time.process_time(), time.perf_counter()
        text = x12.write_837p(env, (batch,))
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        best = min(best, cpu)
        print(
            f"{args.claims} claims: {wall:.2f} s wall, {cpu:.2f} s CPU, "
            f"{args.claims / cpu:,.0f} claims/s CPU, {len(text) / 1e6:.1f} MB"
        )
    print(f"best: {args.claims / best:,.0f} claims/s CPU")
    if args.output:
        Path(args.output).write_text(text, encoding="ascii")
    if args.validate:
        import os

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccmweb.settings")
        from ccmweb.billing.x12check import x12_errors

        t0 = time.perf_counter()
        errors = x12_errors(text)
        print(f"pyx12: {len(errors)} errors in {time.perf_counter() - t0:.1f} s", errors[:5])


if __name__ == "__main__":
    main()
