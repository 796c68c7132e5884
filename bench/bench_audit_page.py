"""The enrollment gap page at scale: N requests of /imports/audit/ for the practice loaded by
bench/bench_audit.py, through Django's test client (middleware, scope, template: all but the
socket), timed one by one, each followed by GET /healthz (a trivial page through the same
middleware: the floor of the same run); prints p50 and p95 of page 1 (every fifth request),
of pages spread over the outreach list, of the trivial page, and the ratio.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ccm_bench \\
        .venv/bin/python bench/bench_audit_page.py --requests 60
    … bench/bench_audit_page.py --explain   # pages 1, 1,000, the last: each query EXPLAINed

It reads whatever the code on the path does: run with PYTHONPATH=<an older tree>/src to time
that tree's page (before issue 17 it computed the audit in the request).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def figures(name: str, times: list[float]) -> str:
    return (
        f"{name} ({len(times)}): p50 {statistics.median(times) * 1000:.0f} ms, "
        f"p95 {p95(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms"
    )


def explain(client, where: dict[str, str], pages: list[int]) -> None:  # type: ignore[no-untyped-def]
    """Each query of one request per page, with its time, then its plan run for real."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for number in pages:
        client.get("/imports/audit/", where | {"page": str(number)})  # warm: as the timed runs
        with CaptureQueriesContext(connection) as captured:
            client.get("/imports/audit/", where | {"page": str(number)})
        print(f"\n=== page {number}: {len(captured)} queries")
        for query in captured.captured_queries:
            sql = query["sql"]
            print(f"\n--- {float(query['time']) * 1000:.1f} ms: {sql[:600]}")
            if connection.vendor == "postgresql" and sql.lstrip().upper().startswith("SELECT"):
                with connection.cursor() as cursor:
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                    print("\n".join(f"    {line}" for (line,) in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--month", default="2026-02")
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN pages 1, 1,000 and the last"
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccmweb.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]  # the test client's host; static files unhashed
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_scopes import scopes_disabled

    from ccmweb.tenants.models import Membership, Practice

    with scopes_disabled():
        practice = Practice.objects.select_related("organization").get(slug="bench-clinic")
        user, _ = get_user_model().objects.get_or_create(username="bench-audit-page")
        Membership.objects.get_or_create(
            user=user, organization=practice.organization, defaults={"role": "admin"}
        )
    client = Client()
    client.force_login(user)
    where = {"practice": str(practice.uid), "month": args.month}
    if args.explain:
        explain(client, where, [1, 1000, 10**9])  # 10**9: the last page
        return
    rng = random.Random(17)
    first: list[float] = []
    spread: list[float] = []
    trivial: list[float] = []
    for n in range(args.requests):
        page = 1 if n % 5 == 0 else rng.randint(1, 1000)  # 100 a page: the first 100,000 listed
        start = time.perf_counter()
        response = client.get("/imports/audit/", where | {"page": str(page)})
        (first if page == 1 else spread).append(time.perf_counter() - start)
        if response.status_code != 200:
            sys.exit(f"status {response.status_code}")
        start = time.perf_counter()
        client.get("/healthz")
        trivial.append(time.perf_counter() - start)
    times = first + spread
    print(figures("audit page, all requests", times))
    print(figures("  page 1", first))
    print(figures("  pages 2-1,000", spread))
    print(figures("trivial page /healthz", trivial))
    print(
        f"ratio to the trivial page: p50 {statistics.median(times) / statistics.median(trivial):.1f}x,"
        f" p95 {p95(times) / p95(trivial):.1f}x; "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
