"""Benchmark the month close on PostgreSQL against the floor: one SQL pass summing minutes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ccm_bench \\
        .venv/bin/python bench/bench_close.py --patients 100000 --entries 500000

The database named in DATABASE_URL is dropped and re-created (unless --reuse), migrated, and
filled with COPY: one organisation, one practice, N enrolled patients (two chronic conditions,
consent, an initiating visit, a signed care plan) and E time entries in March 2026. Then it
times (1) the floor: `SELECT patient_id, sum(minutes) … GROUP BY patient_id` over the month's
rows, (2) `close_month` on the same month and (3) the close's write floor (bench/copy_floor.py:
`\\copy` of the rows the first close wrote, emptied and written back into the same tables, foreign
keys checked as written as the close does). --floors R (with --change) then replays, R times, the
first close's rows and the re-close's writes as bare SQL (bench/reclose_floor.py) and compares a
changed month's floor with a first month's. --profile writes a cProfile of the close;
--fill-only stops after the fill (fill the 1,000,000-patient database early, close it later
with --reuse).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccmweb.settings")

MONTH = (2026, 3)
LETTERS = "ACDEFGHJKMNPQRTUVWXY"  # the MBI alphabet (no S, L, O, I, B, Z)
LATE = "2026-03-28 15:00:00+00"  # when --change's late entries start
CONDITIONS = [("E11.9", "Type 2 diabetes"), ("I10", "Hypertension"), ("N18.31", "CKD 3a")]


def mbi(i: int) -> str:
    """A format-valid, unique Medicare Beneficiary Identifier for patient number I."""
    d, i = i % 10_000, i // 10_000
    a = [LETTERS[(i // 20**k) % 20] for k in range(4)]
    ds = f"{d:04d}"
    return f"1{a[0]}0{ds[0]}{a[1]}0{ds[1]}{a[2]}{a[3]}{ds[2]}{ds[3]}"


def recreate(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def copy(cursor, table: str, columns: str, lines) -> int:  # type: ignore[no-untyped-def]
    """COPY tab-separated LINES into TABLE, 20,000 lines a write."""
    count = 0
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as out:
        buffer: list[str] = []
        for line in lines:
            buffer.append(line)
            if len(buffer) == 20_000:
                out.write("".join(buffer))
                count += len(buffer)
                buffer.clear()
        out.write("".join(buffer))
        count += len(buffer)
    return count


def fill(n: int, entries: int, seed: int) -> dict[str, int]:
    """Tenant rows through the ORM, then the bulk through COPY with explicit ids."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django_scopes import scopes_disabled

    from ccmweb.billing.models import BillingSettings
    from ccmweb.tenants.models import Membership, Organization, Practice, Practitioner

    with scopes_disabled():
        org = Organization.objects.create(name="Bench Health", slug="bench")
        practice = Practice.objects.create(
            organization=org, name="Bench Clinic", slug="bench-clinic", tin="123456789",
            billing_npi="1234567893", time_zone="America/New_York", address_line="1 Main St",
            city="Springfield", state="IL", postal_code="62701-1234",
        )  # fmt: skip
        user = get_user_model().objects.create_user(username="bench_coordinator")
        Membership.objects.create(user=user, organization=org, role="coordinator")
        doc = Practitioner.objects.create(
            organization=org, practice=practice, given_name="Pat", family_name="Bench",
            npi="1245319599",
        )  # fmt: skip
        BillingSettings.objects.create(organization=org, practice=practice)
    o, p, u, d = org.pk, practice.pk, user.pk, doc.pk
    rng = random.Random(seed)
    now = "2026-04-01 12:00:00+00"
    counts = {}
    with connection.cursor() as django_cursor:
        cur = django_cursor.cursor
        # Rows are generated consistent and the database is new: no per-row FK triggers, and no
        # revision triggers (each COPY of a close input would update every patient's revision:
        # the 1,000,000 fill ran over 20 minutes with them; a first close reads every month).
        cur.execute("SET session_replication_role = replica")
        counts["patients"] = copy(
            cur,
            "patients_patient",
            "id, organization_id, practice_id, uid, source_id, mrn, given_name, family_name, "
            "birth_date, sex, phone, address_line, city, state, postal_code, mbi, part_b, qmb, "
            "animal, medicare, created_at, updated_at",
            (
                f"{i}\t{o}\t{p}\t{uuid.UUID(int=i, version=4)}\t\tB{i}\tAnn\tBench{i % 997}\t"
                f"19{40 + i % 40}-0{1 + i % 9}-1{i % 10}\tfemale\t\t{i} Elm St\tSpringfield\tIL\t"
                f"62704\t{mbi(i)}\tt\tf\tf\t\t{now}\t{now}\n"
                for i in range(1, n + 1)
            ),
        )
        counts["conditions"] = copy(
            cur,
            "patients_condition",
            "organization_id, patient_id, source_id, icd10_code, snomed_code, display, "
            "onset_date, clinical_status",
            (
                f"{o}\t{i}\t\t{code}\t\t{text}\t2015-01-01\tactive\n"
                for i in range(1, n + 1)
                for code, text in CONDITIONS[: 2 + i % 2]
            ),
        )
        counts["encounters"] = copy(
            cur,
            "patients_encounter",
            "organization_id, patient_id, source_id, date, encounter_class, type_system, "
            "type_code, type_display, practitioner_id",
            (
                f"{o}\t{i}\t\t2025-11-15\tAMB\tcpt\t99214\tOffice visit\t{d}\n"
                for i in range(1, n + 1)
            ),
        )
        counts["consents"] = copy(
            cur,
            "enrollment_consentrecord",
            "organization_id, patient_id, uid, program, billing_practitioner_id, decision, "
            "method, obtained_by_id, obtained_at, effective_date, decline_reason, document, "
            "disclosures_shown",
            (
                f"{o}\t{i}\t{uuid.uuid4()}\tccm\t{d}\taccepted\tverbal\t{u}\t"
                f"2025-12-01 15:00:00+00\t2025-12-01\t\t\tdisclosures\n"
                for i in range(1, n + 1)
            ),
        )
        counts["care_plans"] = copy(
            cur,
            "careplans_careplan",
            "id, organization_id, patient_id, uid, template, created_at",
            (f"{i}\t{o}\t{i}\t{uuid.uuid4()}\tdiabetes\t{now}\n" for i in range(1, n + 1)),
        )
        copy(
            cur,
            "careplans_careplanversion",
            "organization_id, care_plan_id, uid, number, content, created_by_id, created_at, "
            "signed_by_id, signed_at, effective_from",
            (
                f"{o}\t{i}\t{uuid.uuid4()}\t1\t{{}}\t{u}\t{now}\t{d}\t2025-12-05 15:00:00+00\t"
                "2025-12-05\n"
                for i in range(1, n + 1)
            ),
        )

        def time_entries():  # type: ignore[no-untyped-def]
            for k in range(entries):
                i = 1 + (k * 7919 + rng.randrange(n)) % n if k >= n else 1 + k
                day = 2 + rng.randrange(26)
                hour = 12 + rng.randrange(8)
                minutes = 3 + rng.randrange(14)
                start = f"2026-03-{day:02d} {hour}:00:00+00"
                end = f"2026-03-{day:02d} {hour}:{minutes:02d}:00+00"
                yield (
                    f"{o}\t{uuid.UUID(int=k + 1, version=4)}\t{i}\t{u}\tclinical_staff\tccm\t"
                    f"patient_call\t{start}\t{end}\t{minutes}\t\tt\t{now}\n"
                )

        counts["time_entries"] = copy(
            cur,
            "timelog_timeentry",
            "organization_id, uid, patient_id, user_id, performer, program, activity, "
            "started_at, ended_at, minutes, note, countable, created_at",
            time_entries(),
        )
        for table in ("patients_patient", "careplans_careplan"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("ANALYZE")
    return counts


def floor(practice_id: int) -> tuple[float, int]:
    """One SQL pass that only sums the month's minutes per patient (and fetches the sums)."""
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT t.patient_id, sum(t.minutes) FROM timelog_timeentry t "
            "JOIN patients_patient p ON p.id = t.patient_id WHERE p.practice_id = %s "
            "AND t.started_at >= %s AND t.started_at < %s GROUP BY t.patient_id",
            [practice_id, "2026-03-01 05:00:00+00", "2026-04-01 04:00:00+00"],
        )
        rows = cur.fetchall()
    return time.perf_counter() - start, len(rows)


def add_minutes(practice_id: int, every: int) -> int:
    """A late entry of 20 minutes on 28 March for every EVERY-th patient (their months change:
    more minutes, other lines); returns how many patients got one."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO timelog_timeentry (organization_id, uid, patient_id, user_id, performer, "
            "program, activity, started_at, ended_at, minutes, note, countable, created_at) "
            "SELECT p.organization_id, gen_random_uuid(), p.id, "
            "(SELECT user_id FROM timelog_timeentry LIMIT 1), 'clinical_staff', 'ccm', "
            "'patient_call', %s, '2026-03-28 15:20:00+00', 20, '', true, "
            "now() FROM patients_patient p WHERE p.practice_id = %s AND p.id %% %s = 0",
            [LATE, practice_id, every],
        )
        return cur.rowcount


def report_floors(  # type: ignore[no-untyped-def]
    url: str,
    first_rows,
    rounds: int,
    per_first: float,
    per_changed: float,
    months: int,
    changed: int,
) -> None:
    """The first close's and the re-close's write floors, a month each, against the closes."""
    import reclose_floor
    from ccmweb.billing.batch import MonthValues

    reclosed = reclose_floor.snapshot(url, list(first_rows))
    rewritten = {"billing_patientmonth": MonthValues._fields}
    found = reclose_floor.floors(url, first_rows, reclosed, rewritten, rounds)
    print(f"re-close's writes: {found[0].reclose_rows} (table: rows updated, rows inserted)")
    for n, one in enumerate(found, 1):
        a, b = one.first / months * 1000, one.reclose / changed * 1000
        print(
            f"floors, round {n}: first close {one.first:.3f} s ({one.first_rows:,} rows, "
            f"{a:.3f} ms a month), re-close {one.reclose:.3f} s ({b:.3f} ms a changed month): "
            f"{b / a:.2f}x"
        )
        print(
            "  re-close's statements: "
            + ", ".join(f"{k} {v:.3f} s" for k, v in one.reclose_parts.items())
        )
    first_floor = sorted(f.first for f in found)[len(found) // 2] / months * 1000
    reclose_floor_ = sorted(f.reclose for f in found)[len(found) // 2] / changed * 1000
    print(
        f"floors (medians): {first_floor:.3f} ms a first month, {reclose_floor_:.3f} ms a changed "
        f"month: {reclose_floor_ / first_floor:.2f}x; first close {per_first / first_floor:.2f}x "
        f"its floor, re-close {per_changed / reclose_floor_:.2f}x its floor"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--entries", type=int, help="time entries (default 5 per patient)")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the filled database (its closes are emptied)"
    )
    parser.add_argument("--profile", help="write a cProfile of the close to this file")
    parser.add_argument("--profile-reclose", help="write a cProfile of the re-close (--change)")
    parser.add_argument("--fill-only", action="store_true", help="fill the database, close nothing")
    parser.add_argument(
        "--no-second", action="store_true", help="skip the second close (nothing changed)"
    )
    parser.add_argument(
        "--change",
        type=int,
        default=0,
        metavar="K",
        help="then add 20 minutes to every K-th patient's month and time the re-close",
    )
    parser.add_argument(
        "--floors",
        type=int,
        default=0,
        metavar="R",
        help="with --change: R rounds of the first close's and the re-close's write floors",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL=postgres://…/ccm_bench (the database is dropped and re-made).")
    entries = args.entries or 5 * args.patients
    if not args.reuse:
        recreate(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django_scopes import scope, scopes_disabled

    from ccm.periods import BillingMonth
    from ccmweb.billing.services import close_month
    from ccmweb.tenants.models import Practice

    if not args.reuse:
        call_command("migrate", verbosity=0)
        t0 = time.perf_counter()
        counts = fill(args.patients, entries, args.seed)
        print(f"fill (COPY): {time.perf_counter() - t0:.1f} s {counts}")
        if args.fill_only:
            return
    else:
        from django.db import connection

        call_command("migrate", verbosity=0)
        with connection.cursor() as cur:  # a first close again: no months, claims or ledger
            cur.execute(
                "TRUNCATE billing_ledgerentry, billing_claimline, billing_claim, "
                "billing_patientmonth, billing_monthclose CASCADE"
            )
            # The late entries an earlier --change added (the fill's entries are 3-16 minutes),
            # so every run changes the same months from the same start.
            cur.execute(
                f"DELETE FROM timelog_timeentry WHERE started_at = '{LATE}' AND minutes = 20"
            )
            cur.execute("ANALYZE")
    with scopes_disabled():
        practice = Practice.objects.select_related("organization").get(slug="bench-clinic")
    month = BillingMonth(*MONTH)

    t0 = time.perf_counter()
    from ccm.codes.conditions import is_valid_icd10cm

    is_valid_icd10cm("E11.9")  # loads simple-icd-10-cm: a one-off per process, reported apart

    print(f"one-off imports: {time.perf_counter() - t0:.2f} s")
    floor_s, summed = floor(practice.pk)
    floor_s = min(floor_s, floor(practice.pk)[0])  # best of two, warm cache
    print(f"floor: {floor_s:.2f} s for {summed} patients ({summed / floor_s:,.0f}/s)")

    import copy_floor

    before = copy_floor.counts(url)
    profiler = cProfile.Profile() if args.profile else None
    # As the close task runs it (jobs.tasks: the cyclic collector paused for the run).
    from ccmweb.jobs.tasks import collector_paused

    with scope(organization=practice.organization), collector_paused(True):
        cpu0, t0 = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        close = close_month(practice, month)
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    months = close.billable + close.held + close.nothing
    print(
        f"close: {wall:.1f} s wall, {cpu:.1f} s CPU for {months} patient-months "
        f"({months / wall:,.0f}/s wall); billable {close.billable}, held {close.held}, "
        f"nothing {close.nothing}, claims {close.claims}, ${close.total}"
    )
    print(f"ratio to floor: {wall / floor_s:.1f}x")
    first_wall = wall
    if args.floors:
        import reclose_floor

        filled = [t for t, (n, _) in copy_floor.counts(url).items() if n > before[t][0]]
        first_rows = reclose_floor.snapshot(url, filled)
    written = copy_floor.floor(url, before, immediate=True)
    print(f"write floor (\\copy of the close's rows): {copy_floor.describe(written)}")
    print(f"first close / write floor: {first_wall / written.seconds:.2f}x")
    if not args.no_second:
        with scope(organization=practice.organization), collector_paused(True):
            cpu0, t0 = time.process_time(), time.perf_counter()
            close_month(practice, month)
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            print(f"second close (nothing changes): {wall:.1f} s wall, {cpu:.1f} s CPU")
    if args.change:
        changed = add_minutes(practice.pk, args.change)
        reprofiler = cProfile.Profile() if args.profile_reclose else None
        with scope(organization=practice.organization), collector_paused(True):
            cpu0, t0 = time.process_time(), time.perf_counter()
            if reprofiler:
                reprofiler.enable()
            again = close_month(practice, month)
            if reprofiler:
                reprofiler.disable()
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        if reprofiler:
            reprofiler.dump_stats(args.profile_reclose)
        per_changed = wall / changed * 1000
        per_first = first_wall / months * 1000
        print(
            f"re-close after changes: {changed} patients changed, {wall:.1f} s wall, "
            f"{cpu:.1f} s CPU: {per_changed:.2f} ms a changed month against {per_first:.2f} ms "
            f"a month in the first close ({per_changed / per_first:.1f}x); claims "
            f"{again.claims}, ${again.total}"
        )
        if args.floors:
            report_floors(url, first_rows, args.floors, per_first, per_changed, months, changed)
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if profiler and args.profile:
        profiler.dump_stats(args.profile)
        out = io.StringIO()
        pstats.Stats(args.profile, stream=out).sort_stats("cumulative").print_stats(35)
        print(out.getvalue())


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    main()
