"""The enrollment gap page at scale: N requests of /imports/audit/ for the practice loaded by
bench/bench_audit.py, through Django's test client (middleware, scope, template: all but the
socket), timed one by one; prints p50, p95 and the worst, with the first page and pages spread
over the outreach list.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ccm_bench \\
        .venv/bin/python bench/bench_audit_page.py --requests 50

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--month", default="2026-02")
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
    rng = random.Random(17)
    times = []
    for n in range(args.requests):
        page = 1 if n % 5 == 0 else rng.randint(1, 1000)  # 100 a page: the first 100,000 listed
        start = time.perf_counter()
        response = client.get("/imports/audit/", where | {"page": str(page)})
        times.append(time.perf_counter() - start)
        if response.status_code != 200:
            sys.exit(f"status {response.status_code}")
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    print(
        f"audit page, {len(times)} requests: p50 {statistics.median(times) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, worst {times[-1] * 1000:.0f} ms; "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
