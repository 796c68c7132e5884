"""Import speed against raw orjson parsing of the same NDJSON, in the same run.

    CCM_DATA_DIR=/tmp/bench-import python bench/bench_import.py [NDJSON_FOLDER]
    DATABASE_URL=postgres://… python bench/bench_import.py …   (PostgreSQL)
    python bench/bench_import.py --readers [--ccda FOLDER]      (C-CDA and HL7v2 readers only)

`--readers` times the C-CDA reader (documents/s) against a bare lxml parse of the same bytes,
and the HL7v2 reader (messages/s) against a bare split of the same file (messages on MSH,
segments on CR, fields on `|`), best of three passes each, no database.

Creates the demo organisation if needed, imports into practice demo-clinic twice (first load,
then the all-unchanged rerun) and prints resources/s, MB/s and the ratio to raw parsing (best
of three passes). The first import is a first load only on a fresh database: bench/RESULTS.md.

On PostgreSQL each import also prints the server's CPU for it (its backend's, from /proc), and
the run ends with the import's write floor (bench/copy_floor.py): `\\copy` of
the rows the two imports left, emptied and written back into the same tables, the ratio of the
first import to it printed. `--triggers off` runs with the patient-revision triggers disabled,
`--triggers replica` with `session_replication_role = replica` (no triggers nor foreign-key
checks at all), for comparison runs only: both leave the database without revisions kept.

Each import runs with the cyclic garbage collector paused, as its task runs it (`ccm import`,
the upload page: ccmweb.jobs.tasks.collector_paused); `--gc` keeps the collector on.

Before each timed import the database writes back what earlier work left in its log (SQLite's
WAL checkpoint, PostgreSQL's CHECKPOINT): otherwise the demo's own writes made the sample's
import pay a whole checkpoint (9 ms of its 0.10 s on SQLite) for log it did not write. An
import pays for the checkpoints its own writes set off.
"""

import argparse
import os
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import orjson

DEFAULT = Path(__file__).resolve().parents[2] / "shared/data/synthea_bulk_ndjson_10_patients"


def raw_parse(folder: Path) -> tuple[int, int, float, float]:
    """Lines, bytes and the best of three wall and CPU times of `orjson.loads` on every line
    (the first pass also warms the page cache the import then reads from). On a loaded host
    the CPU times are the fairer comparison (bench/RESULTS.md)."""
    best = best_cpu = float("inf")
    for _ in range(3):
        count = size = 0
        start, cpu = time.perf_counter(), time.process_time()
        for path in sorted(folder.glob("*.ndjson")):
            with path.open("rb") as stream:
                for line in stream:
                    size += len(line)
                    if line.strip():
                        orjson.loads(line)
                        count += 1
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return count, size, best, best_cpu


def settle(connection: Any) -> None:
    """Write back the database's log of earlier work (see the module's docstring)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            cursor.execute("CHECKPOINT")


def server_cpu(connection: Any) -> float:
    """The server's CPU so far on CONNECTION (PostgreSQL; copy_floor.backend_cpu)."""
    import copy_floor

    with connection.cursor() as cursor:
        return copy_floor.backend_cpu(cursor)


CCDA = Path(__file__).resolve().parents[2] / "shared/data/ccda_hl7_examples/Documents"
HL7_FIXTURES = Path(__file__).resolve().parents[1] / "tests/fixtures/hl7"


def best_of_three(work: Any) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def bench_ccda(folder: Path, repeat: int = 10) -> None:
    """The C-CDA reader against `lxml.etree.fromstring` with the reader's parser options."""
    import datetime

    from lxml import etree

    from ccm.ccda import map_document, read_ccda

    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".xml")
    data = [p.read_bytes() for p in files]
    size = sum(len(d) for d in data)
    today = datetime.date(2026, 7, 1)
    options = {"resolve_entities": False, "no_network": True, "load_dtd": False}
    parser = etree.XMLParser(**options)  # type: ignore[arg-type]

    def bare() -> None:
        for _ in range(repeat):
            for body in data:
                etree.fromstring(body, parser)

    def reader() -> None:
        for _ in range(repeat):
            for body in data:
                map_document(body, "bench.xml", today)

    def from_files() -> None:
        for path in files:
            read_ccda(path, today=today)

    count = repeat * len(data)
    bare_s, read_s = best_of_three(bare), best_of_three(reader)
    files_s = best_of_three(from_files)
    print(f"C-CDA: {len(data)} documents, {size / 1e6:.1f} MB, {repeat} passes")
    print(f"  bare lxml parse: {count / bare_s:,.0f} documents/s")
    print(
        f"  ccm.ccda reader: {count / read_s:,.0f} documents/s, {bare_s / read_s:.0%} of bare "
        f"parse speed ({read_s / bare_s:.1f}x its time); from files {len(files) / files_s:,.0f}/s"
    )


def hl7_feed(count: int = 5000) -> bytes:
    """COUNT messages made from ccm's fixtures, MRNs and control ids varied (ADT and ORU)."""
    adt = (HL7_FIXTURES / "adt_feed.hl7").read_bytes().replace(b"\n", b"\r")
    oru = (HL7_FIXTURES / "oru_results.hl7").read_bytes()
    messages = [m.strip(b"\r") for m in adt.split(b"\r\r") if m.strip(b"\r")]
    messages += [m.strip(b"\x0b\r") for m in oru.split(b"\x1c") if m.strip(b"\x0b\r")]
    out = []
    for number in range(count):
        message = messages[number % len(messages)]
        message = message.replace(b"70001", str(70001 + number % 997).encode())
        out.append(message.replace(b"|P|2.5.1", f"{number}|P|2.5.1".encode(), 1))
    return b"\r".join(out) + b"\r"


def bench_hl7(count: int = 5000) -> None:
    """The HL7v2 reader against a bare split of the same file."""
    import datetime
    import re
    import tempfile

    from ccm.hl7 import Messages

    data = hl7_feed(count)
    today = datetime.date(2026, 7, 1)

    def bare() -> None:
        text = data.decode("utf-8")
        for message in re.split(r"\r(?=MSH\|)", text):
            for seg in message.split("\r"):
                seg.split("|")

    def library() -> None:
        import hl7

        for message in re.split(rb"\r(?=MSH\|)", data):
            hl7.parse(message.decode("utf-8"))

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "feed.hl7"
        path.write_bytes(data)
        read_s = best_of_three(lambda: Messages().read(path, today))
    bare_s, library_s = best_of_three(bare), best_of_three(library)
    print(f"HL7v2: {count:,} messages (ADT A01/A03/A04/A08, ORU^R01), {len(data) / 1e6:.1f} MB")
    print(f"  bare split: {count / bare_s:,.0f} messages/s")
    print(f"  python-hl7 parse of every message alone: {count / library_s:,.0f} messages/s")
    print(
        f"  ccm.hl7 reader: {count / read_s:,.0f} messages/s, {bare_s / read_s:.1%} of bare "
        f"split speed ({read_s / bare_s:.0f}x its time)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT, help="NDJSON folder")
    parser.add_argument("--readers", action="store_true", help="the C-CDA and HL7v2 readers only")
    parser.add_argument("--ccda", type=Path, default=CCDA, help="C-CDA folder for --readers")
    parser.add_argument(
        "--triggers",
        choices=("on", "off", "replica"),
        default="on",
        help="PostgreSQL: the revision triggers off, or every trigger off (comparison runs only)",
    )
    parser.add_argument(
        "--gc",
        action="store_true",
        help="keep the cyclic garbage collector on (the import's task pauses it)",
    )
    args = parser.parse_args()
    if args.readers:
        bench_ccda(args.ccda)
        bench_hl7()
        return
    folder = args.folder
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccmweb.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django_scopes import scope

    from ccmweb.imports.services import run_import, start_run
    from ccmweb.tenants.models import Practice

    try:  # the import runs as a task (ccm import, the upload page), the collector paused
        from ccmweb.jobs.tasks import collector_paused
    except ImportError:  # trees before the tasks paused it inside run_import
        collector_paused = None

    call_command("demo", "--patients", "0", verbosity=0)
    from django_scopes import scopes_disabled

    with scopes_disabled():
        practice = Practice.objects.select_related("organization").get(slug="demo-clinic")
    count, size, parse_s, parse_cpu = raw_parse(folder)
    print(f"database: {connection.vendor}; input {count} resources, {size / 1e6:.1f} MB")
    print(
        f"raw orjson parse: {count / parse_s:,.0f} resources/s, {size / 1e6 / parse_s:.1f} MB/s "
        f"({parse_s:.3f} s, {parse_cpu:.3f} s CPU)"
    )
    postgresql = connection.vendor == "postgresql"
    url = os.environ.get("DATABASE_URL", "")
    if postgresql:
        import copy_floor

        if args.triggers == "off":
            print("revision triggers disabled:", len(copy_floor.set_revision_triggers(url, False)))
        if args.triggers == "replica":
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")
        with connection.cursor() as cursor:  # the revision triggers' own time, per import
            cursor.execute("SET track_functions = 'pl'")
        triggers = copy_floor.revision_trigger_time(url)
        before = copy_floor.counts(url)
    elif args.triggers != "on":
        raise SystemExit("--triggers is for PostgreSQL")
    first = 0.0
    for label in ("first import", "second import (unchanged)"):
        settle(connection)
        with scope(organization=practice.organization):
            paused = collector_paused(not args.gc) if collector_paused else nullcontext()
            server = server_cpu(connection) if postgresql else 0.0
            start, cpu = time.perf_counter(), time.process_time()
            with paused:
                run = run_import(start_run(practice, "fhir"), [folder])
            took, cpu = time.perf_counter() - start, time.process_time() - cpu
            server = server_cpu(connection) - server if postgresql else 0.0
        print(
            f"{label}: {took:.2f} s ({cpu:.2f} s CPU in this process), {count / took:,.0f} "
            f"resources/s, {size / 1e6 / took:.1f} MB/s, {parse_s / took:.0%} of raw parse speed "
            f"(loaded {run.loaded}, unchanged {run.unchanged}); in CPU time {parse_cpu / cpu:.0%}"
            + (f"; server CPU {server:.2f} s" if postgresql else "")
        )
        first = first or took
        if postgresql:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_stat_force_next_flush()")
            calls, ms = copy_floor.revision_trigger_time(url)
            print(
                f"  revision triggers: {calls - triggers[0]} calls, {ms - triggers[1]:.1f} ms "
                f"of server time ({(ms - triggers[1]) / 1e3 / took:.1%} of the import)"
            )
            triggers = (calls, ms)
    if postgresql:
        found = copy_floor.floor(url, before, replica=args.triggers == "replica")
        print(f"write floor (\\copy of the import's rows): {copy_floor.describe(found)}")
        print(f"first import / write floor: {first / found.seconds:.2f}x")
        if args.triggers == "off":
            copy_floor.set_revision_triggers(url, True)
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
