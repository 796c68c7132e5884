"""Run an import: stream records out of the pure parsers, write them in batches, keep the run's
progress and report. Run by the import task (tasks.py) for `ccm import` and the upload page.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from ccm import ccda, hl7
from ccm.csvio import read_csv
from ccm.csvio.layout import layout_files
from ccm.fhir import KEPT_TYPES, LINE_HINTS, Rejected, input_files, map_resource, read_file
from ccm.reading import InputError, Limits
from ccm.rules import coverage as coverage_rules
from ccmweb.patients.models import Patient
from ccmweb.tenants.models import Practice

from .assignment import assign_coordinators
from .models import ImportedResource, ImportRun
from .persist import Incoming, Persister

CHUNK = 2000  # items of one file written as one unit: bench/RESULTS.md, "import"
BATCH = 2000  # items a transaction holds at least: whole chunks, across files
Progress = Callable[[ImportRun], None]
Chunk = tuple[list[Incoming], int]  # up to CHUNK items of one file, and the files done with it


def fhir_items(
    path: Path, today: dt.date, limits: Limits, mrn_system: str = ""
) -> Iterator[Incoming]:
    """Records of one FHIR file; unreadable lines and rejected resources carry their reason.
    ``mrn_system``: the practice's identifier system of its MRNs (ccm.identifiers)."""
    for item in read_file(path, keep=KEPT_TYPES, limits=limits, hints=LINE_HINTS):
        if item.resource is None:
            yield Incoming(item.source, item.skipped_type, "", None, item.error, item.count)
            continue
        resource = item.resource
        kind = resource.get("resourceType")
        kind = kind if isinstance(kind, str) else ""
        if kind == "MedicationOrder":  # DSTU2's name: one ledger type, one writer
            kind = "MedicationRequest"
        raw_id = resource.get("id")
        source_id = raw_id.strip() if isinstance(raw_id, str) else ""
        try:
            record = map_resource(resource, today, mrn_system)
        except Rejected as error:
            yield Incoming(item.source, kind, source_id, None, str(error))
            continue
        if item.note and record is not None:
            record.warnings = (item.note, *record.warnings)
        yield Incoming(item.source, kind, source_id, record)


def csv_items(
    path: Path,
    today: dt.date,
    limits: Limits,
    encoding: str | None = None,
    date_format: str | None = None,
) -> Iterator[Incoming]:
    for item in read_csv([path], today, encoding, limits, date_format):
        yield Incoming(item.source, item.resource_type, item.source_id, item.record, item.error)


def document_items(
    path: Path, today: dt.date, documents: ccda.Documents | hl7.Messages
) -> Iterator[Incoming]:
    """Facts of one C-CDA document or HL7v2 file; a file that cannot be read is one rejection
    naming the file and line (the other files of the run are still read)."""
    try:
        facts = documents.read(path, today)
    except InputError as error:
        yield Incoming(error.source, "File", "", None, error.message)
        return
    for fact in facts:
        yield Incoming(
            fact.source, fact.resource_type, fact.source_id, fact.record, fact.error, fact.count
        )


def start_run(practice: Practice, fmt: str, user: Any = None) -> ImportRun:
    return ImportRun.objects.create(
        organization=practice.organization, practice=practice, format=fmt, started_by=user
    )


def _files(fmt: str, paths: list[str | Path], limits: Limits) -> list[Path]:
    if fmt == ImportRun.Format.CSV:  # the layout's own order: patients first, unknown names last
        return [path for _kind, path in layout_files(paths)]
    if fmt == ImportRun.Format.CCDA:
        return ccda.input_files(paths, limits)
    if fmt == ImportRun.Format.HL7:
        return hl7.input_files(paths, limits)
    return input_files(paths, limits)


def input_limits() -> Limits:
    """The bounds on what an import reads: settings.INPUT_LIMITS (CCM_LIMIT_*), else the defaults."""
    limits = getattr(settings, "INPUT_LIMITS", None)
    return limits if isinstance(limits, Limits) else Limits()


def run_import(
    run: ImportRun,
    paths: list[str | Path],
    *,
    today: dt.date | None = None,
    progress: Progress | None = None,
    encoding: str | None = None,
    limits: Limits | None = None,
    date_format: str | None = None,
) -> ImportRun:
    """Import PATHS into the run's practice; the run row shows progress and, at the end, counts.

    A file that cannot be read (corrupt gzip, past a size bound, not text) ends the run as
    failed with the reader's message, naming the file and line; what earlier batches wrote
    stays written, and running the import again after the file is fixed ends the same.
    """
    today = today or timezone.localdate()
    limits = limits or input_limits()
    if run.format == ImportRun.Format.CSV:
        reader = partial(csv_items, limits=limits, encoding=encoding, date_format=date_format)
    elif run.format == ImportRun.Format.CCDA:
        documents = ccda.Documents(limits, run.practice.mrn_identifier_system)
        reader = partial(document_items, documents=documents)
    elif run.format == ImportRun.Format.HL7:
        messages = hl7.Messages(limits, run.practice.mrn_identifier_system)
        reader = partial(document_items, documents=messages)
    else:
        reader = partial(fhir_items, limits=limits, mrn_system=run.practice.mrn_identifier_system)
    persister = Persister(run, today)
    before = eligibility_counts(run.practice)
    try:
        files = _files(run.format, paths, limits)
        run.files_total = len(files)
        run.save(update_fields=["files_total"])
        _write(run, persister, _chunks(reader, files, today), progress)
        retry = persister.take_deferred(CHUNK)  # facts that came before their patient
        if retry:
            done = len(files)
            _write(run, persister, ((chunk, done) for chunk in retry), progress, done)
    except Exception as error:  # the run row says it failed; the error names no patient
        run.status = ImportRun.Status.FAILED
        run.failure = (
            str(error)
            if isinstance(error, InputError)
            else f"{error.__class__.__name__} while reading {run.current_source}"
        )[:300]
        run.finished_at = timezone.now()
        run.save()
        raise
    imported = ImportedResource.objects.filter(
        practice=run.practice, resource_type="Patient", last_run=run.uid, object_id__isnull=False
    ).values_list("object_id", flat=True)
    assigned = assign_coordinators(run.practice, {pk for pk in imported if pk is not None})
    created, updated = persister.tally.kinds.get("Patient", [0, 0])
    run.summary = {
        "patients": {"created": created, "updated": updated, "coordinator_assigned": assigned},
        "eligibility": {"before": before, "after": eligibility_counts(run.practice)},
    }
    from ccmweb.care_tasks.services import sweep_discharges

    sweep_discharges(run.practice, today)  # bulk rows sent no signals: discharges get follow-ups
    run.status = ImportRun.Status.DONE
    run.finished_at = timezone.now()
    run.save()
    if progress:
        progress(run)
    return run


def _chunks(
    reader: Callable[[Path, dt.date], Iterator[Incoming]], files: list[Path], today: dt.date
) -> Iterator[Chunk]:
    """The run's chunks (up to CHUNK items of one file, written as one unit), each with how
    many files it finishes (a file that ends with an empty chunk still counts as read)."""
    for done, path in enumerate(files):
        chunk: list[Incoming] = []
        for item in reader(path, today):
            chunk.append(item)
            if len(chunk) >= CHUNK:
                yield chunk, done
                chunk = []
        yield chunk, done + 1


class Batch:
    """A transaction's chunks, read as it writes them: whole chunks, across files, until at
    least BATCH items. A chunk never spans files, so the outcome is that of a transaction a
    chunk (BATCH = 1); a folder of small files is a few transactions, not one a file.

    Once full, the batch reads the next chunk before it ends (PostgreSQL writes its last
    COPYs meanwhile) and hands it to the next batch; an error reading it is raised there, so
    this batch still commits as it would have."""

    def __init__(
        self,
        chunks: Iterator[Chunk],
        files_done: int = 0,
        ahead: Chunk | BaseException | None = None,
    ) -> None:
        self.chunks = chunks
        self.files_done: int = files_done  # files whose items are all in it or earlier
        self.source = ""  # where its last item came from
        self.read_all = False  # the run's last batch
        self.ahead = ahead  # the next batch's first chunk, read before this one ended

    def __iter__(self) -> Iterator[list[Incoming]]:
        size = 0
        while (found := self._next()) is not None:
            chunk, self.files_done = found
            if chunk:
                self.source = chunk[-1].source
                yield chunk
                size += len(chunk)
                if size >= BATCH:
                    self._read_ahead()
                    return
        self.read_all = True

    def _next(self) -> Chunk | None:
        ahead, self.ahead = self.ahead, None
        if isinstance(ahead, BaseException):
            raise ahead
        return ahead if ahead is not None else next(self.chunks, None)

    def _read_ahead(self) -> None:
        try:
            self.ahead = next(self.chunks, None)
        except Exception as error:  # the next batch's to raise
            self.ahead = error
        if self.ahead is None:
            self.read_all = True


def _write(
    run: ImportRun,
    persister: Persister,
    chunks: Iterator[Chunk],
    progress: Progress | None,
    files_done: int = 0,
) -> None:
    """Write CHUNKS (each with the files it finishes) a batch, and so a transaction, at a time."""
    batch = Batch(chunks, files_done)
    _flush(run, persister, batch, progress)
    while not batch.read_all:
        batch = Batch(chunks, batch.files_done, batch.ahead)
        _flush(run, persister, batch, progress)


def _flush(run: ImportRun, persister: Persister, batch: Batch, progress: Progress | None) -> None:
    """Write the batch, reading it as it goes; the run row then counts the files it finished."""

    def record_progress() -> None:  # in the batch's transaction: counts never run ahead of rows
        tally = persister.tally
        run.loaded, run.updated, run.unchanged = tally.loaded, tally.updated, tally.unchanged
        run.skipped, run.rejected = tally.skipped, tally.rejected
        run.files_done = batch.files_done
        if batch.source:
            run.current_source = batch.source[:300]
        run.save(
            update_fields=[
                "loaded",
                "updated",
                "unchanged",
                "skipped",
                "rejected",
                "files_done",
                "current_source",
            ]
        )

    persister.write_batch(batch, record_progress)
    if progress:
        progress(run)


def eligibility_counts(practice: Practice) -> dict[str, int]:
    """The practice's patients by coverage state (ccm.rules.coverage), deceased and unassigned:
    the counts an import changes, taken before and after it (one aggregate query, not three:
    each import pays it twice)."""
    counts: dict[str, int] = dict.fromkeys(coverage_rules.STATES, 0)
    deceased = unassigned = 0
    for state, part_b, qmb, n, dead, unowned in (
        Patient.objects.filter(practice=practice)
        .values_list("medicare", "part_b", "qmb")
        .annotate(
            n=Count("pk"),
            deceased=Count("pk", filter=Q(deceased_date__isnull=False)),
            unassigned=Count("pk", filter=Q(coordinator__isnull=True)),
        )
        .order_by()
    ):
        counts[coverage_rules.stored(state, part_b, qmb).state] += n
        deceased, unassigned = deceased + dead, unassigned + unowned
    counts["patients"] = sum(counts[s] for s in coverage_rules.STATES)
    counts["deceased"], counts["unassigned"] = deceased, unassigned
    return counts


_VARIABLE = (  # the parts of a reason that differ from one resource to the next
    (re.compile(r"'[^']*'|\"[^\"]*\""), "'…'"),
    (re.compile(r"\b([A-Z][A-Za-z]+)/[^\s,;)]+"), r"\1/…"),
    (re.compile(r"\([^()]*:\d+[^()]*\)"), "(…)"),
    (re.compile(r"\d{4}-\d{2}-\d{2}"), "…"),
)


def reason_group(reason: str) -> str:
    """A reason without its particulars (values, ids, dates, rows): what it groups under."""
    for pattern, replacement in _VARIABLE:
        reason = pattern.sub(replacement, reason)
    return reason


def grouped(problems: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Problems by reason, the most frequent first: count and the first one as the example."""
    groups: dict[str, dict[str, Any]] = {}
    for problem in problems:
        key = reason_group(problem["reason"])
        group = groups.setdefault(key, {"reason": key, "count": 0, "example": problem})
        group["count"] += 1
    return sorted(groups.values(), key=lambda g: (-g["count"], g["reason"]))


def report(run: ImportRun) -> dict[str, Any]:
    """The `ccm import --json` document (docs/spec/cli.md), plus warnings, the run's id, the
    problems grouped by reason, patients created/updated and the counts the run changed."""
    problems = run.problems.order_by("pk")
    found = _listed(run, problems)
    eligibility = run.summary.get("eligibility", {})
    before, after = eligibility.get("before", {}), eligibility.get("after", {})
    return found | {
        "groups": {"rejected": grouped(found["rejected"]), "warnings": grouped(found["warnings"])},
        "patients": run.summary.get("patients", {}),
        "eligibility": {
            "before": before,
            "after": after,
            "changed": {
                key: after.get(key, 0) - before.get(key, 0)
                for key in after
                if after.get(key, 0) != before.get(key, 0)
            },
        },
    }


def _listed(run: ImportRun, problems: Any) -> dict[str, Any]:
    return {
        "loaded": run.loaded,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "skipped": run.skipped,
        "rejected": [
            {
                "source": p.source,
                "resource_id": p.resource_id,
                "reason": p.reason,
                "resource_type": p.resource_type,
            }
            for p in problems
            if not p.warning
        ],
        "warnings": [
            {"source": p.source, "resource_id": p.resource_id, "reason": p.reason}
            for p in problems
            if p.warning
        ],
        "run": str(run.uid),
        "status": run.status,
    }
