"""Import speed against raw orjson parsing of the same NDJSON, in the same run.

    CCM_DATA_DIR=/tmp/bench-import python bench/bench_import.py [NDJSON_FOLDER]
    DATABASE_URL=postgres://… python bench/bench_import.py …   (PostgreSQL)

Creates the demo organisation if needed, imports into practice demo-clinic twice (first load,
then the all-unchanged rerun) and prints resources/s, MB/s and the ratio to raw parsing (best
of three passes). The first import is a first load only on a fresh database: bench/RESULTS.md.

Before each timed import the database writes back what earlier work left in its log (SQLite's
WAL checkpoint, PostgreSQL's CHECKPOINT): otherwise the demo's own writes made the sample's
import pay a whole checkpoint (9 ms of its 0.10 s on SQLite) for log it did not write. An
import pays for the checkpoints its own writes set off.
"""

import argparse
import os
import time
from pathlib import Path
from typing import Any

import orjson

DEFAULT = Path(__file__).resolve().parents[2] / "shared/data/synthea_bulk_ndjson_10_patients"


def raw_parse(folder: Path) -> tuple[int, int, float]:
    """Lines, bytes and the best of three wall times of `orjson.loads` on every line (the
    first pass also warms the page cache the import then reads from)."""
    best = float("inf")
    for _ in range(3):
        count = size = 0
        start = time.perf_counter()
        for path in sorted(folder.glob("*.ndjson")):
            with path.open("rb") as stream:
                for line in stream:
                    size += len(line)
                    if line.strip():
                        orjson.loads(line)
                        count += 1
        best = min(best, time.perf_counter() - start)
    return count, size, best


def settle(connection: Any) -> None:
    """Write back the database's log of earlier work (see the module's docstring)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            cursor.execute("CHECKPOINT")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT, help="NDJSON folder")
    folder = parser.parse_args().folder
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccmweb.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django_scopes import scope

    from ccmweb.imports.services import run_import, start_run
    from ccmweb.tenants.models import Practice

    call_command("demo", "--patients", "0", verbosity=0)
    from django_scopes import scopes_disabled

    with scopes_disabled():
        practice = Practice.objects.select_related("organization").get(slug="demo-clinic")
    count, size, parse_s = raw_parse(folder)
    print(f"database: {connection.vendor}; input {count} resources, {size / 1e6:.1f} MB")
    print(f"raw orjson parse: {count / parse_s:,.0f} resources/s, {size / 1e6 / parse_s:.1f} MB/s")
    for label in ("first import", "second import (unchanged)"):
        settle(connection)
        with scope(organization=practice.organization):
            start, cpu = time.perf_counter(), time.process_time()
            run = run_import(start_run(practice, "fhir"), [folder])
            took, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(
            f"{label}: {took:.2f} s ({cpu:.2f} s CPU in this process), {count / took:,.0f} "
            f"resources/s, {size / 1e6 / took:.1f} MB/s, {parse_s / took:.0%} of raw parse speed "
            f"(loaded {run.loaded}, unchanged {run.unchanged})"
        )


if __name__ == "__main__":
    main()
