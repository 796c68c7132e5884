"""Benchmark the reports on PostgreSQL: one month's refresh against a bare SQL aggregate of the
same rows, and the organisation's dashboard against a trivial page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ccm_bench_reports \\
        .venv/bin/python bench/bench_reports.py --patients 100000 [--reuse]

The database is dropped and re-made (unless --reuse) and filled as bench_close.py fills it
(N enrolled patients, two or three conditions, a visit, consent, a signed care plan, 5 N
time entries in March 2026), then March is closed for real (claims and lines). Then:

1. floor: one SQL statement per source table aggregating exactly what the refresh reads for
   the month (claims: count, patients, sums; lines by code; time by patient and by user;
   consents by decision), results fetched, best of two;
2. `refresh_month` for March without the rules' eligibility audit, and with it;
3. the dashboard: facts for 24 months of the bench practice (March's row copied to the other
   23 months) and of --practices − 1 more practices of the same size, then GET of the program,
   revenue, coordinators and outcomes pages for the whole organisation over 24 months, --repeat
   times each, against GET /healthz (a trivial page through the same middleware).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccmweb.settings")


def floor(practice_id: int, organization_id: int) -> float:
    """The same rows the refresh reads, aggregated by bare SQL, fetched."""
    from django.db import connection

    start = time.perf_counter()
    span = ["2026-03-01 05:00:00+00", "2026-04-01 04:00:00+00"]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), count(DISTINCT patient_id), sum(total_charge), sum(expected) "
            "FROM billing_claim WHERE organization_id = %s AND practice_id = %s "
            "AND month = '2026-03-01' AND current",
            [organization_id, practice_id],
        )
        cur.fetchall()
        cur.execute(
            "SELECT l.code, sum(l.units), sum(l.expected) FROM billing_claimline l "
            "JOIN billing_claim c ON c.id = l.claim_id WHERE c.organization_id = %s "
            "AND c.practice_id = %s AND c.month = '2026-03-01' AND c.current GROUP BY l.code",
            [organization_id, practice_id],
        )
        cur.fetchall()
        cur.execute(
            "SELECT t.user_id, sum(t.minutes), count(DISTINCT t.patient_id) FROM timelog_timeentry t "
            "JOIN patients_patient p ON p.id = t.patient_id WHERE p.practice_id = %s "
            "AND t.started_at >= %s AND t.started_at < %s GROUP BY t.user_id",
            [practice_id, *span],
        )
        cur.fetchall()
        cur.execute(
            "SELECT c.patient_id, c.decision, c.effective_date FROM enrollment_consentrecord c "
            "JOIN patients_patient p ON p.id = c.patient_id WHERE p.practice_id = %s",
            [practice_id],
        )
        cur.fetchall()
    return time.perf_counter() - start


def outcome_floor(practice_id: int) -> float:
    """The rows the outcomes read (since they are SQL: the practice's conditions, encounters and
    measurements of the period), each counted per patient by one bare statement, fetched."""
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cur:
        for table, where in (
            ("patients_condition", ""),
            ("patients_encounter", "AND t.date >= '2024-04-01' AND t.date <= '2026-03-31'"),
            ("imports_measurement", "AND t.date >= '2025-04-01' AND t.date <= '2026-03-31'"),
        ):
            cur.execute(
                f"SELECT t.patient_id, count(*) FROM {table} t JOIN patients_patient p "
                f"ON p.id = t.patient_id WHERE p.practice_id = %s {where} GROUP BY t.patient_id",
                [practice_id],
            )
            cur.fetchall()
    return time.perf_counter() - start


def copy_facts(practice, others: int) -> None:  # type: ignore[no-untyped-def]
    """24 months of facts for the bench practice and OTHERS more practices like it."""
    from ccm.periods import BillingMonth
    from ccmweb.reports.models import CodeMonth, CoordinatorMonth, OutcomeMonth, PracticeMonth
    from ccmweb.reports.reading import window
    from ccmweb.tenants.models import Practice

    march = BillingMonth(2026, 3)
    fact = PracticeMonth.objects.get(practice=practice, month=march.first)
    codes = list(CodeMonth.objects.filter(practice=practice, month=march.first))
    people = list(CoordinatorMonth.objects.filter(practice=practice, month=march.first))
    cohorts = list(OutcomeMonth.objects.filter(practice=practice, month=march.first))
    practices = [practice] + [
        Practice.objects.create(
            organization=practice.organization,
            name=f"Bench Clinic {k}",
            slug=f"bench-{k}",
            tin=f"{200000000 + k}",
            billing_npi="1234567893",
            time_zone=practice.time_zone,
        )  # fmt: skip
        for k in range(1, others + 1)
    ]
    for p in practices:
        rows: dict[type, list] = {
            PracticeMonth: [],
            CodeMonth: [],
            CoordinatorMonth: [],
            OutcomeMonth: [],
        }  # type: ignore[type-arg]
        for month in window(march, 24):
            if p == practice and month == march:
                continue
            for model, found in ((PracticeMonth, [fact]), (CodeMonth, codes),
                                 (CoordinatorMonth, people), (OutcomeMonth, cohorts)):  # fmt: skip
                for row in found:
                    row.pk, row.practice, row.month = None, p, month.first
                    rows[model].append(model(**{f.attname: getattr(row, f.attname)
                                                for f in model._meta.concrete_fields}))  # fmt: skip
        for model, found in rows.items():
            model.objects.bulk_create(found)


def timed(client, url: str, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return sorted(times)


def p95(times: list[float]) -> float:
    return times[int(0.95 * (len(times) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--practices", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="keep the filled, closed database")
    parser.add_argument(
        "--setup-only", action="store_true", help="fill and close, then stop (measure with --reuse)"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://…/ccm_bench_reports (dropped and re-made).")
    import bench_close

    if not args.reuse:
        bench_close.recreate(url)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django_scopes import scope, scopes_disabled

    from ccm.periods import BillingMonth
    from ccmweb.billing.services import close_month
    from ccmweb.reports.models import PracticeMonth
    from ccmweb.reports.refresh import refresh_month
    from ccmweb.tenants.models import Membership, Practice

    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {  # no collectstatic manifest here
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # fmt: skip
    call_command("migrate", verbosity=0)
    march = BillingMonth(2026, 3)
    if not args.reuse:
        t0 = time.perf_counter()
        counts = bench_close.fill(args.patients, 5 * args.patients, 6)  # as bench_close
        print(f"fill (COPY): {time.perf_counter() - t0:.1f} s {counts}")
    with scopes_disabled():
        practice = Practice.objects.select_related("organization").get(slug="bench-clinic")
    org = practice.organization
    with scope(organization=org):
        if not args.reuse:
            t0 = time.perf_counter()
            close = close_month(practice, march)
            print(f"close: {time.perf_counter() - t0:.1f} s, {close.claims} claims")
            if args.setup_only:
                return
        floor_s = min(floor(practice.pk, org.pk) for _ in range(2))
        print(f"floor (bare SQL aggregates: claims, lines, time, consents): {floor_s:.2f} s")
        extra = min(outcome_floor(practice.pk) for _ in range(2))
        whole = floor_s + extra
        print(f"floor + the outcomes' rows (conditions, encounters, measurements): {whole:.2f} s")
        for run in (1, 2):
            t0 = time.perf_counter()
            refresh_month(practice, march, eligibility=False)
            plain = time.perf_counter() - t0
            print(f"refresh without eligibility (run {run}): {plain:.2f} s ({plain / floor_s:.1f}x "
                  f"the first floor, {plain / whole:.1f}x the floor with the outcomes' rows)")  # fmt: skip
        t0 = time.perf_counter()
        fact = refresh_month(practice, march)
        full = time.perf_counter() - t0
        print(f"refresh with the rules' eligibility: {full:.2f} s ({full / whole:.1f}x the floor "
              "with the outcomes' rows); "
              f"active {fact.active}, billed {fact.billed_patients}, eligible {fact.eligible}, "
              f"minutes {fact.minutes}, billed ${fact.billed}")  # fmt: skip
        PracticeMonth.objects.exclude(practice=practice).delete()
        PracticeMonth.objects.filter(practice=practice).exclude(month=march.first).delete()
        from ccmweb.reports.models import CodeMonth, CoordinatorMonth, OutcomeMonth

        for model in (CodeMonth, CoordinatorMonth, OutcomeMonth):
            model.objects.exclude(practice=practice, month=march.first).delete()
        Practice.objects.filter(slug__startswith="bench-").exclude(pk=practice.pk).filter(
            patients__isnull=True
        ).delete()
        copy_facts(practice, args.practices - 1)
        rows = PracticeMonth.objects.count()
    with scopes_disabled():
        admin, _ = get_user_model().objects.get_or_create(username="bench_admin")
        Membership.objects.get_or_create(user=admin, organization=org, defaults={"role": "admin"})
    client = Client()
    client.force_login(admin)
    trivial = timed(client, "/healthz", args.repeat)
    print(f"{rows} practice-months of facts ({args.practices} practices × 24 months)")
    print(
        f"trivial page /healthz: median {statistics.median(trivial):.1f} ms, p95 {p95(trivial):.1f} ms"
    )
    for name in ("program", "revenue", "coordinators", "outcomes"):
        page = timed(client, f"/reports/{name}/?month=2026-03&months=24", args.repeat)
        print(f"/reports/{name}/ (organisation, 24 months): median {statistics.median(page):.1f} ms, "
              f"p95 {p95(page):.1f} ms ({p95(page) / p95(trivial):.1f}x the trivial page's p95), "
              f"slowest {page[-1]:.1f} ms")  # fmt: skip
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    main()
