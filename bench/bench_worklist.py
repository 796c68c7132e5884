"""Benchmark the worklist (a page of 50) and the patient page: one coordinator's patients
(--mine, 400 by default; issue 14 asks 3,000) in an organisation of 100,000; bench_serve.py
then measures the same pages under concurrent clients on `ccm serve`.

Builds (or reuses) a database under --data-dir with one organisation of --patients patients
(two chronic conditions and a visit each), of which --mine belong to `coordinator`, enrolled
in CCM with a signed care plan, some time and outreach this month; the rest belong to other
coordinators and carry time and outreach too, so the tables are big. Then renders the
worklist at the server (Django's test Client: middleware, view, template; no network) and a
trivial authenticated request in the same process, warm, and prints the medians and ratio.

    .venv/bin/python bench/bench_worklist.py                       # 100,000 / 400, SQLite
    .venv/bin/python bench/bench_worklist.py --patients 20000      # smaller, faster to build
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ccm_bench .venv/bin/python bench/bench_worklist.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

PASSWORD = "bench-password-123"


def setup(data_dir: Path) -> None:
    os.environ["CCM_DATA_DIR"] = str(data_dir)
    os.environ["CCM_DEBUG"] = "1"  # static files from finders: no collectstatic needed
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccmweb.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS.append("testserver")
    # CCM_DEBUG only chose the static-file finders above; measure as production runs, where
    # Django does not record every query's SQL and parameters (≈ 10% of the worklist's time).
    settings.DEBUG = False
    settings.AXES_ENABLED = False
    call_command("migrate", verbosity=0)


def build(total: int, mine: int, seed: int) -> None:
    """The organisation, its staff and TOTAL patients, MINE of them `coordinator`'s."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from ccmweb.patients.models import Condition, Encounter, Patient
    from ccmweb.tenants.models import Membership, Organization, Practice, Practitioner
    from ccmweb.timelog.models import OutreachAttempt, TimeEntry
    from ccmweb.timelog.testing import enroll

    rng = random.Random(seed)
    User = get_user_model()
    with scopes_disabled():
        if Organization.objects.filter(slug="bench").exists():
            print("reusing the bench organisation", file=sys.stderr)
            analyze()
            return
        build_started = time.perf_counter()
        org = Organization.objects.create(name="Bench", slug="bench")
        practice = Practice.objects.create(
            organization=org,
            name="Bench Clinic",
            slug="bench-clinic",
            tin="123456789",
            billing_npi="1234567893",
            time_zone="America/New_York",
        )
        staff = {}
        for name, role in (
            ("coordinator", "coordinator"),
            ("practitioner", "practitioner"),
            *((f"nurse{i}", "coordinator") for i in range(20)),
        ):
            staff[name] = User.objects.create_user(username=name, password=PASSWORD)
            Membership.objects.create(user=staff[name], organization=org, role=role)
        doctor = Practitioner.objects.create(
            organization=org,
            practice=practice,
            user=staff["practitioner"],
            given_name="Bea",
            family_name="Bench",
            npi="1245319599",
        )
        nurses = [staff[f"nurse{i}"] for i in range(20)]
        today = timezone.localdate()
        for start in range(0, total, 5000):
            batch = [
                Patient(
                    organization=org,
                    practice=practice,
                    mrn=f"B{i:07d}",
                    given_name="Pat",
                    family_name=f"Bench{i}",
                    birth_date=dt.date(1940 + i % 30, 1 + i % 12, 1),
                    part_b=True,
                    coordinator=staff["coordinator"] if i < mine else nurses[i % 20],
                )
                for i in range(start, min(total, start + 5000))
            ]
            Patient.objects.bulk_create(batch)
            Condition.objects.bulk_create(
                [
                    Condition(organization=org, patient=p, icd10_code=code)
                    for p in batch
                    for code in ("E11.9", "I10")
                ]
            )
            Encounter.objects.bulk_create(
                [
                    Encounter(
                        organization=org,
                        patient=p,
                        date=today - dt.timedelta(days=200),
                        type_system="cpt",
                        type_code="99214",
                        practitioner=doctor,
                    )
                    for p in batch
                ]
            )
            print(f"  {start + len(batch):,} patients", file=sys.stderr, end="\r")
        print(file=sys.stderr)
        patients = list(Patient.objects.filter(organization=org).order_by("pk"))
        for patient in patients[:mine]:
            enroll(patient, doctor, staff["coordinator"], days_ago=60)
        first = today.replace(day=1)
        days = max(1, (today - first).days)
        now = timezone.now()
        entries, attempts = [], []
        for index, patient in enumerate(patients):
            if index >= mine and index % 3:
                continue  # a third of the others have time this month
            user = staff["coordinator"] if index < mine else nurses[index % 20]
            for _ in range(rng.randint(0, 3)):
                started = now - dt.timedelta(days=rng.randint(1, days), minutes=rng.randint(0, 600))
                minutes = rng.randint(3, 15)
                entries.append(
                    TimeEntry(
                        organization=org,
                        patient=patient,
                        user=user,
                        performer="clinical_staff",
                        activity="patient_call",
                        started_at=started,
                        ended_at=started + dt.timedelta(minutes=minutes),
                        minutes=minutes,
                    )
                )
            if rng.random() < 0.5:
                attempts.append(
                    OutreachAttempt(
                        organization=org,
                        patient=patient,
                        user=user,
                        channel="call",
                        outcome=rng.choice(["reached", "no_answer", "voicemail"]),
                        at=now - dt.timedelta(days=rng.randint(0, days)),
                    )
                )
        TimeEntry.objects.bulk_create(entries, batch_size=5000)
        OutreachAttempt.objects.bulk_create(attempts, batch_size=5000)
        analyze()
        print(
            f"built {total:,} patients, {len(entries):,} time entries in "
            f"{time.perf_counter() - build_started:.0f} s",
            file=sys.stderr,
        )


def analyze() -> None:
    """Refresh the planner's statistics, as PostgreSQL's autovacuum does by itself.

    Without them SQLite picks the organisation index over the patient index for
    `patient_id IN (…)` lookups and scans every condition of the organisation.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure(runs: int) -> dict[str, float]:
    from django.test import Client

    client = Client()
    assert (
        client.post("/login/", {"username": "coordinator", "password": PASSWORD}).status_code == 302
    )

    p95s: dict[str, float] = {}

    def median(path: str, status: int) -> tuple[float, float]:
        walls, cpus = [], []
        for _ in range(3):
            assert client.get(path).status_code == status  # warm: code tables, template cache
        for _ in range(runs):
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
            assert response.status_code == status
        p95s[path] = statistics.quantiles(walls, n=20)[-1] * 1000 if len(walls) > 1 else walls[0]
        return statistics.median(walls) * 1000, statistics.median(cpus) * 1000

    from django_scopes import scopes_disabled

    from ccmweb.timelog.models import WorklistState

    def cold() -> float:
        """One worklist request that first computes every standing (all marked stale)."""
        with scopes_disabled():
            WorklistState.objects.update(fresh=False)
        started = time.perf_counter()
        assert client.get("/time/worklist/").status_code == 200
        return (time.perf_counter() - started) * 1000

    colds = [cold() for _ in range(3)]  # the first request of a day, or after an import
    html = client.get("/time/worklist/").content.decode()
    rows = html.count('<tr id="row-')
    trivial_wall, trivial_cpu = median("/", 302)  # authenticated, through every middleware
    page_wall, page_cpu = median("/patients/", 200)  # a plain page: 50 patients in base.html
    wl_wall, wl_cpu = median("/time/worklist/", 200)
    from ccmweb.patients.models import Patient

    with scopes_disabled():
        mine = Patient.objects.filter(coordinator__username="coordinator").order_by("pk").first()
    assert mine is not None
    patient_path = f"/patients/{mine.uid}/"
    pt_wall, pt_cpu = median(patient_path, 200)
    return {
        "pt_wall": pt_wall,
        "pt_cpu": pt_cpu,
        "trivial_p95": p95s["/"],
        "wl_p95": p95s["/time/worklist/"],
        "pt_p95": p95s[patient_path],
        "rows": rows,
        "cold": statistics.median(colds),
        "trivial_wall": trivial_wall,
        "trivial_cpu": trivial_cpu,
        "page_wall": page_wall,
        "page_cpu": page_cpu,
        "wl_wall": wl_wall,
        "wl_cpu": wl_cpu,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--mine", type=int, default=400)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, default=Path("var/bench-worklist"))
    args = parser.parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    setup(args.data_dir.resolve())
    build(args.patients, args.mine, args.seed)
    r = measure(args.runs)
    print(
        f"worklist rows shown: {r['rows']} (a page) of {args.mine:,} of {args.patients:,} patients"
    )
    print(f"worklist, every standing recomputed first (median of 3): {r['cold']:.0f} ms wall")
    print(
        f"trivial authenticated request (/ → 302): {r['trivial_wall']:.1f} ms wall, "
        f"{r['trivial_cpu']:.1f} ms CPU"
    )
    print(
        f"patient list page (50 rows):             {r['page_wall']:.1f} ms wall, "
        f"{r['page_cpu']:.1f} ms CPU"
    )
    print(
        f"worklist:                                {r['wl_wall']:.1f} ms wall, "
        f"{r['wl_cpu']:.1f} ms CPU"
    )
    print(
        f"ratio worklist / trivial: {r['wl_wall'] / r['trivial_wall']:.1f} (wall), "
        f"{r['wl_cpu'] / r['trivial_cpu']:.1f} (CPU); worklist / patient list: "
        f"{r['wl_wall'] / r['page_wall']:.1f} (wall)"
    )
    print(
        f"patient page:                            {r['pt_wall']:.1f} ms wall, "
        f"{r['pt_cpu']:.1f} ms CPU; ratio to trivial {r['pt_wall'] / r['trivial_wall']:.1f} (wall)"
    )
    print(
        f"p95 wall: trivial {r['trivial_p95']:.1f} ms, worklist {r['wl_p95']:.1f} ms, "
        f"patient page {r['pt_p95']:.1f} ms"
    )
    print(
        f"p95 ratio to trivial: worklist {r['wl_p95'] / r['trivial_p95']:.1f}, "
        f"patient page {r['pt_p95'] / r['trivial_p95']:.1f}"
    )
    for name, p95 in (("worklist", r["wl_p95"]), ("patient page", r["pt_p95"])):
        print(
            f"target p95 < 150 ms, {name}: {'met' if p95 < 150 else 'NOT met'} ({p95:.0f} ms wall)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
