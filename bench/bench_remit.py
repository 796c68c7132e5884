"""Benchmark 835 posting on PostgreSQL against a bare parse of the same file, and the export.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ccm_bench \\
        .venv/bin/python bench/bench_remit.py --patients 100000

Fills and closes March 2026 as bench_close.py does (N patients, one claim each), then times:
(1) `ccm claims export`'s service for the month (837P written, checked, claims marked sent),
(2) the pure 837P writer alone on the same claims, (3) a bare parse of an 835 paying every
claim (`read_835`), (4) posting that 835 (`post_remittance`), (5) posting it again (already
posted: nothing written). Posting's rate is reported as a ratio to the bare parse.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccmweb.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="the database is filled and closed")
    args = parser.parse_args()
    if not args.reuse:
        here = Path(__file__).resolve().parent
        subprocess.run(
            [sys.executable, str(here / "bench_close.py"), "--patients", str(args.patients)],
            check=True,
        )
    import django

    django.setup()
    from django_scopes import scope, scopes_disabled

    from ccm.periods import BillingMonth
    from ccm.x12 import claim837p as x12
    from ccm.x12.remit835 import read_835
    from ccmweb.billing.claims import batch_for, month_claims
    from ccmweb.billing.export import export_claims
    from ccmweb.billing.remittance import post_remittance
    from ccmweb.billing.remittance_demo import write_month_835
    from ccmweb.tenants.models import Practice

    month = BillingMonth(2026, 3)
    now = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)
    with scopes_disabled():
        practice = Practice.objects.select_related("organization").get(slug="bench-clinic")
    with scope(organization=practice.organization):
        unsent = month_claims(practice, month)
        batch = batch_for(practice, unsent)
        start = time.perf_counter()
        x12.write_837p(x12.Interchange(
            x12.Submitter("BENCH", "BENCH", "BILLING", "8005550100"), x12.Receiver("MAC", "MACJ6"),
            now.replace(tzinfo=None), 1, 1, usage="T"), (batch,))  # fmt: skip
        writer = time.perf_counter() - start
        start = time.perf_counter()
        done = export_claims(practice, month, "837p", now=now)
        export = time.perf_counter() - start
        text, count = write_month_835(practice, month, "paid", [], [], trace="BENCH1", now=now)
        start = time.perf_counter()
        read_835(text)
        parse = time.perf_counter() - start
        start = time.perf_counter()
        (posting,) = post_remittance(text, practice.organization, now=now)
        post = time.perf_counter() - start
        start = time.perf_counter()
        post_remittance(text, practice.organization, now=now)
        again = time.perf_counter() - start
    print(
        f"claims {done.count}: 837P writer {writer:.2f} s ({done.count / writer:,.0f}/s), "
        f"export (written, checked, marked) {export:.2f} s ({done.count / export:,.0f}/s)"
    )
    print(f"835 of {count} claims, {len(text) / 1e6:.1f} MB: bare parse {parse:.2f} s "
          f"({count / parse:,.0f}/s); posting {post:.2f} s ({count / post:,.0f}/s, "
          f"{post / parse:.1f}× the parse); posted again {again:.2f} s; "
          f"paid {posting.paid}, balanced {posting.balanced}")  # fmt: skip


if __name__ == "__main__":
    main()
