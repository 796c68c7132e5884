"""What the patient-revision triggers cost a time entry's write, on a bench_close.py database.

    DATABASE_URL=postgres://…/ccm_bench_close .venv/bin/python bench/bench_revisions.py \\
        --entries 1000 --copied 100000 --rounds 2

Every time entry bumps its patient's revision (ccmweb.sql.revises_patient). This times two
write paths with the triggers on, with the revision triggers disabled by name (`off`), and
with `session_replication_role = replica` (`replica`: no triggers and no foreign-key checks
at all), alternating in one run: ENTRIES entries logged one by one through
`timelog.services.add_time` (what the web's time form and timer call, one transaction each),
and COPIED entries in one `COPY` (the bench fill's path, a bulk write). The entries go into
November 2026 (the bench's closes are of March) and are deleted after each timing. The
triggers are enabled again at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccmweb.settings")

import copy_floor  # noqa: E402

START = dt.datetime(2026, 11, 2, 13, 0, tzinfo=dt.UTC)


def clear(cursor) -> None:  # type: ignore[no-untyped-def]
    """Delete the November entries (untimed; replica, so the deletion bumps nothing)."""
    cursor.execute("SET session_replication_role = replica")
    cursor.execute("DELETE FROM timelog_timeentry WHERE started_at >= %s", [START])
    cursor.execute("SET session_replication_role = DEFAULT")


def through_service(count: int, patients: list[int]) -> float:
    """COUNT entries through add_time, one patient after another, 10 minutes every 15."""
    from django.contrib.auth import get_user_model
    from django_scopes import scope, scopes_disabled

    from ccmweb.patients.models import Patient
    from ccmweb.timelog.services import NewTime, add_time

    user = get_user_model().objects.get(username="bench_coordinator")
    with scopes_disabled():
        chosen = list(
            Patient.objects.select_related("practice__organization").filter(pk__in=patients[:count])
        )
    organization = chosen[0].practice.organization
    with scope(organization=organization):
        start = time.perf_counter()
        for k in range(count):
            when = START + dt.timedelta(minutes=15 * k)
            add_time(
                user, "coordinator", organization, chosen[k % len(chosen)],
                NewTime(10, "patient_call", start=when),
            )  # fmt: skip
        return time.perf_counter() - start


def through_copy(count: int, patients: list[int]) -> float:
    """COUNT entries in one COPY and its commit."""
    from django.db import connection, transaction

    with connection.cursor() as cur:
        cur.execute("SELECT organization_id, user_id FROM timelog_timeentry LIMIT 1")
        org, user = cur.fetchone()
    lines = "".join(
        f"{org}\t{uuid.uuid4()}\t{patients[k % len(patients)]}\t{user}\tclinical_staff\tccm\t"
        f"patient_call\t{START + dt.timedelta(minutes=k)}\t"
        f"{START + dt.timedelta(minutes=k + 1)}\t1\t\tt\t{START}\n"
        for k in range(count)
    )
    start = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cur,
        cur.cursor.copy(
            "COPY timelog_timeentry (organization_id, uid, patient_id, user_id, performer, "
            "program, activity, started_at, ended_at, minutes, note, countable, created_at) "
            "FROM STDIN"
        ) as out,
    ):
        out.write(lines)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1000, help="entries through add_time")
    parser.add_argument("--copied", type=int, default=100_000, help="entries in one COPY")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    import django

    django.setup()
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT id FROM patients_patient ORDER BY id LIMIT %s", [args.copied])
        patients = [pk for (pk,) in cur.fetchall()]
        clear(cur)
    results: dict[tuple[str, str], list[float]] = {}
    try:
        for _ in range(args.rounds):
            for mode in ("on", "off", "replica"):
                copy_floor.set_revision_triggers(url, mode != "off")
                for path, work, count in (
                    ("add_time", through_service, args.entries),
                    ("COPY", through_copy, args.copied),
                ):
                    with connection.cursor() as cur:
                        role = "replica" if mode == "replica" else "DEFAULT"
                        cur.execute(f"SET session_replication_role = {role}")
                    took = work(count, patients)
                    with connection.cursor() as cur:
                        clear(cur)
                    results.setdefault((path, mode), []).append(took)
                    print(f"{path} x {count:,}, triggers {mode}: {took:.3f} s", flush=True)
    finally:
        copy_floor.set_revision_triggers(url, True)
    for path, count in (("add_time", args.entries), ("COPY", args.copied)):
        best = {mode: min(results[(path, mode)]) for mode in ("on", "off", "replica")}
        print(
            f"{path}, {count:,} entries, best of {args.rounds}: on {best['on']:.3f} s "
            f"({best['on'] / count * 1e3:.3f} ms each), revision triggers off {best['off']:.3f} s, "
            f"replica {best['replica']:.3f} s; on / off = {best['on'] / best['off']:.2f}x, "
            f"on / replica = {best['on'] / best['replica']:.2f}x"
        )
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
