"""`ccm import fhir|ccda|hl7 PATH... --practice SLUG [--json]` and `ccm import csv PATH --practice SLUG [--json]`."""

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scope

from ccm.csvio.layout import date_format_of
from ccm.reading import InputError, check_encoding
from ccmweb.imports.models import ImportRun
from ccmweb.imports.services import report, start_run
from ccmweb.imports.tasks import import_files
from ccmweb.jobs.models import Job
from ccmweb.jobs.tasks import run_here
from ccmweb.tenants.practices import practice_named

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


class Command(BaseCommand):
    help = "Import EMR data: `import fhir|csv|ccda|hl7 PATH... --practice SLUG [--json]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="format", required=True)
        for name, helptext in (
            ("fhir", "FHIR R4 Bundles (.json) and bulk NDJSON (.ndjson, .jsonl), gzip or plain"),
            ("csv", "the CSV layout of docs/import-csv.md (a folder or files)"),
            ("ccda", "C-CDA documents (CCD, Referral Note…; .xml), files or folders"),
            ("hl7", "HL7v2 ADT A01/A03/A04/A08 and ORU^R01 messages, MLLP-framed or plain"),
        ):
            command = sub.add_parser(name, help=helptext)
            command.add_argument("paths", nargs="+", metavar="PATH")
            command.add_argument("--practice", required=True, help="practice slug")
            command.add_argument("--org", help="organisation slug, when the practice slug repeats")
            command.add_argument("--json", action="store_true", help="print the report as JSON")
            if name == "csv":
                command.add_argument(
                    "--encoding",
                    help="the files' text encoding (e.g. cp1252, utf-16); found when not given",
                )
                command.add_argument(
                    "--date-format",
                    help="how dates are written: iso (2026-03-15, the default), us (03/15/1950),"
                    " dmy, or a strptime format such as %%m/%%d/%%y",
                )

    def handle(self, *args: Any, **opts: Any) -> None:
        missing = [p for p in opts["paths"] if not Path(p).exists()]
        if missing:
            raise CommandError(f"PATH: {missing[0]} does not exist")
        encoding = opts.get("encoding")
        if encoding:
            try:
                encoding = check_encoding(encoding)
            except ValueError as error:
                raise CommandError(str(error)) from None
        date_format = opts.get("date_format")
        if date_format:
            try:
                date_format = date_format_of(date_format)
            except ValueError as error:
                raise CommandError(str(error)) from None
        practice = practice_named(opts["practice"], opts.get("org"))
        with scope(organization=practice.organization):
            run = start_run(practice, ImportRun.Format(opts["format"]))
            try:
                with _progress() as show:  # the upload page's task, in this process
                    run_here(
                        import_files,
                        practice,
                        str(run.uid),
                        listener=show,
                        run=run.pk,
                        paths=[str(p) for p in opts["paths"]],
                        encoding=encoding,
                        date_format=date_format,
                    )
            except InputError as error:  # the run is marked failed with the same words
                raise CommandError(f"import failed: {error}") from None
            run.refresh_from_db()
            result = report(run)
        if opts["json"]:
            sys.stdout.buffer.write(orjson.dumps(result) + b"\n")
            sys.stdout.flush()
            return
        self.stdout.write(
            f"loaded {run.loaded}, updated {run.updated}, unchanged {run.unchanged}, "
            f"skipped {run.skipped}, rejected {run.rejected}"
        )
        for problem in result["rejected"][:50]:
            self.stderr.write(
                f"rejected {problem['source']} {problem['resource_id']}: {problem['reason']}"
            )
        if len(result["rejected"]) > 50:
            self.stderr.write(f"… and {len(result['rejected']) - 50} more (use --json for all)")


class _progress:
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""

    def __init__(self) -> None:
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def __enter__(self) -> Callable[[Job], None]:
        if sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.bar = Progress(
                TextColumn("importing"),
                BarColumn(),
                MofNCompleteColumn(),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("import", total=None)
        return self.show

    def show(self, job: Job) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, total=job.total or None, completed=job.done)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
