"""The enrollment gap audit at scale: N generated patients on PostgreSQL, audited end to end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ccm_bench \
        .venv/bin/python bench/bench_audit.py --patients 1000000

Streams patients out of ccm.population (seeded) and loads them with COPY (psycopg 3
`cursor.copy`, one connection per table) into the patients tables of organisation `bench`,
practice `bench-clinic`, replacing what an earlier run left there (`--keep` reuses a load of
the same size). Then times the audit of the previous month twice: the service (`run_audit`,
which computes and stores the result as the task does, then `write_json` of the stored result,
in this process) and the command `ccm eligibility audit --practice bench-clinic --month …
--json`, its output to a file, with the command's peak RSS (its own process: the task's work).
The page that reads the stored result is timed by bench/bench_audit_page.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOW = "2026-01-01 00:00:00+00"


def setup():  # type: ignore[no-untyped-def]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccmweb.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench_audit needs PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    from django_scopes import scopes_disabled

    from ccmweb.tenants.models import Organization, Practice

    with scopes_disabled():
        org, _ = Organization.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
        practice, _ = Practice.objects.get_or_create(
            organization=org,
            slug="bench-clinic",
            defaults={"name": "Bench clinic", "tin": "123456789", "billing_npi": "1234567893"},
        )
    return org, practice


def load(org, practice, count: int, seed: int, today: dt.date) -> float:  # type: ignore[no-untyped-def]
    """Replace the practice's patients with `count` generated ones, by COPY; returns seconds."""
    import psycopg
    from django.db import connection

    from ccm.population import generate_patients
    from ccmweb.patients.models import Condition, Coverage, Encounter, Patient

    start = time.perf_counter()
    dsn = os.environ["DATABASE_URL"]
    tables = {m: m._meta.db_table for m in (Patient, Condition, Encounter, Coverage)}
    with connection.cursor() as cursor:
        for model in (Condition, Encounter, Coverage):
            cursor.execute(
                f"DELETE FROM {tables[model]} WHERE patient_id IN "
                f"(SELECT id FROM {tables[Patient]} WHERE practice_id = %s)",
                [practice.pk],
            )
        cursor.execute(f"DELETE FROM {tables[Patient]} WHERE practice_id = %s", [practice.pk])
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {tables[Patient]}")
        base = cursor.fetchone()[0] + 1
    o = org.pk
    links = [psycopg.connect(dsn) for _ in range(4)]
    cursors = [link.cursor() for link in links]
    for cursor in cursors:  # rows are generated consistent: skip the per-row FK triggers
        cursor.execute("SET session_replication_role = replica")
    columns = {
        Patient: "id, organization_id, practice_id, uid, source_id, mrn, given_name, family_name,"
        " birth_date, sex, phone, address_line, city, state, postal_code, mbi, part_b, qmb,"
        " deceased_date, created_at, updated_at, medicare, animal",
        Condition: "organization_id, patient_id, source_id, icd10_code, snomed_code, display,"
        " onset_date, clinical_status",
        Encounter: "organization_id, patient_id, source_id, date, encounter_class, type_system,"
        " type_code, type_display",
        Coverage: "organization_id, patient_id, source_id, kind, payer_name, member_id, start_date",
    }
    copies = [
        cursor.copy(f"COPY {tables[model]} ({columns[model]}) FROM STDIN")
        for cursor, model in zip(cursors, columns, strict=True)
    ]
    patients, conditions, encounters, coverage = (c.__enter__() for c in copies)
    shown = time.perf_counter()
    for p in generate_patients(count, seed=seed, today=today):
        pk = base + p.index
        patients.write_row(
            (pk, o, practice.pk, uuid.UUID(int=pk), p.source_id, p.mrn, p.given_name,
             p.family_name, p.birth_date, p.sex, p.phone, p.address_line, p.city, p.state,
             p.postal_code, p.mbi, p.part_b, p.qmb, p.deceased_date, NOW, NOW, "", False)
        )  # fmt: skip
        for c in p.conditions:
            conditions.write_row((o, pk, "", c.icd10_code, "", c.display, c.onset_date, "active"))
        for e in p.encounters:
            encounters.write_row(
                (o, pk, "", e.date, e.encounter_class, e.type_system, e.type_code, e.type_display)
            )
        if p.coverage:
            coverage.write_row((o, pk, "bench", p.coverage, "Medicare", p.mbi, p.coverage_start))
        if sys.stderr.isatty() and time.perf_counter() - shown > 2:
            shown = time.perf_counter()
            print(f"\rloaded {p.index + 1:,} patients", end="", file=sys.stderr)
    for copy in copies:
        copy.__exit__(None, None, None)
    for link in links:
        link.commit()
        link.close()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{tables[Patient]}', 'id'), "
            f"(SELECT max(id) FROM {tables[Patient]}))"
        )
        for table in tables.values():
            cursor.execute(f"ANALYZE {table}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 3, 15))
    parser.add_argument("--keep", action="store_true", help="reuse a load of the same size")
    args = parser.parse_args()
    org, practice = setup()
    from django_scopes import scope

    from ccm.periods import BillingMonth
    from ccmweb.imports.gap_results import audit_summary, run_audit, write_json
    from ccmweb.patients.models import Patient

    with scope(organization=org):
        have = Patient.objects.filter(practice=practice).count()
    if args.keep and have == args.patients:
        print(f"reusing {have:,} patients")
    else:
        took = load(org, practice, args.patients, args.seed, args.today)
        print(f"generated and loaded {args.patients:,} patients by COPY in {took:.1f} s")
    month = BillingMonth.of(args.today).previous()

    output = Path(os.environ.get("TMPDIR", "/tmp")) / "bench_audit.json"
    start, cpu = time.perf_counter(), time.process_time()
    with scope(organization=org), output.open("wb") as out:
        audit = run_audit(practice, month)
        stored = time.perf_counter() - start
        write_json(audit, out)
    took, cpu = time.perf_counter() - start, time.process_time() - cpu
    counts = audit_summary(audit)["counts"]
    print(
        f"service: run_audit (compute + store) {stored:.1f} s, + write_json: {took:.1f} s wall,"
        f" {cpu:.1f} s CPU, {output.stat().st_size / 1e6:.0f} MB of JSON; counts {counts};"
        f" load average {os.getloadavg()[0]:.1f}"
    )
    del audit

    command = [sys.executable, "-m", "ccmweb.cli", "eligibility", "audit", "--practice",
               "bench-clinic", "--month", str(month), "--json"]  # fmt: skip
    start = time.perf_counter()
    with output.open("wb") as out:
        subprocess.run(command, stdout=out, check=True, cwd=ROOT)
    took = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KB on Linux
    print(
        f"CLI: ccm eligibility audit --json: {took:.1f} s end to end "
        f"({output.stat().st_size / 1e6:.0f} MB), peak RSS {peak:.0f} MB; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
