"""Write imported records into the patients tables: upsert by EMR id, one transaction per batch.

A batch is a few chunks (a chunk: up to CHUNK items of one file, services.py). Each chunk
looks up its ledger rows in one query, inserts what is new, updates what changed (content
hash differs) and leaves the rest alone; the batch commits as one transaction: a run killed
at any point loses at most its open batch, and running it again ends in the same state. The
per-type writers live in `writers.py`: the persister holds them (`self.writers`) and gives
each type's records to the one its table names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q

from ccm.fhir import PatientRef, Record
from ccmweb.billing.bulk import Pipeline
from ccmweb.patients.models import Patient
from ccmweb.sql import IdList

from .models import ImportedResource, ImportProblem, ImportRun
from .rows import db_value, insert_rows
from .writers import Writers, fact_of

#: Order inside a batch: what others refer to first.
TYPE_ORDER = [
    "Organization",
    "Practitioner",
    "Patient",
    "Coverage",
    "Claim",
    "ExplanationOfBenefit",
    "Condition",
    "Encounter",
    "Observation",
    "MedicationRequest",
    "AllergyIntolerance",
]
#: Patient ids remembered across batches of a run; past this the memory is simply cleared.
PATIENT_MEMORY = 200_000
#: Facts whose patient comes later in the run, kept to try again at its end; past this they
#: are rejected at once (a run this far out of order should be given its Patients first).
DEFERRED_LIMIT = 200_000


@dataclass(slots=True)
class Incoming:
    """One item of a run: a record to keep, a type to skip (record None), or an error.
    Not frozen: one is made a resource, and a frozen dataclass's __init__ costs four times as much."""

    source: str
    resource_type: str
    source_id: str
    record: Record | None
    error: str | None = None
    count: int = 1  # with no record: how many skipped resources in a row it stands for


@dataclass
class Tally:
    loaded: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    #: resource type → [loaded, updated]: the report's "patients created / updated"
    kinds: dict[str, list[int]] = field(default_factory=dict)


class Ledger(NamedTuple):
    """What the idempotency ledger knows of one EMR resource."""

    pk: int
    content_hash: str
    object_id: int | None
    this_run: bool  # written earlier in this same run: a second one is a duplicate id


Fresh = list[tuple[Incoming, str]]
Changed = list[tuple[Incoming, str, Ledger]]


_KEPT_FIELDS: dict[type, Callable[[Record], tuple[object, ...]]] = {}


def content_hash(record: Record) -> str:
    """A stable fingerprint of what ccm keeps from a resource (not of the raw JSON)."""
    kept = _KEPT_FIELDS.get(type(record))
    if kept is None:
        names = [f.name for f in fields(record) if f.name != "warnings"]
        kept = _KEPT_FIELDS[type(record)] = attrgetter(*names)
    return hashlib.blake2b(repr(list(kept(record))).encode(), digest_size=16).hexdigest()


def storable(text: str) -> str:
    """TEXT with each NUL byte shown as ``\\x00``: a problem names the record as it came, and a
    NUL in that name (an id refused for holding one) must not make PostgreSQL refuse the
    problem row, and with it the whole batch."""
    return text.replace("\x00", "\\x00")


class Persister:
    """Upserts records of one practice for one run; `writers` write each type's records."""

    def __init__(self, run: ImportRun, today: dt.date | None = None) -> None:
        self.run = run
        self.practice = run.practice
        self.org = run.organization
        self.today = today or dt.date.today()
        self.tally = Tally()
        self.patient_pks: dict[PatientRef, int] = {}
        self.deferred: list[Incoming] | None = []  # None once the run's end has come
        self.kinds_in_ledger: set[str] = set()
        #: Patients of this run rejected: id → (where, why), named by the facts that need them
        self.rejected_patients: dict[str, tuple[str, str]] = {}
        self.writers = Writers(self)
        #: The open batch's COPYs on a second thread (PostgreSQL; write_batch)
        self.pipeline: Pipeline | None = None

    # -- bookkeeping ----------------------------------------------------------------------
    def reject(self, item: Incoming, reason: str, *, warning: bool = False) -> None:
        if not warning:
            self.tally.rejected += 1
            if item.resource_type == "Patient" and item.source_id:
                self.rejected_patients.setdefault(item.source_id, (item.source, reason))
        self.tally.problems.append(
            ImportProblem(
                organization=self.org,
                run=self.run,
                source=storable(item.source)[:300],
                resource_type=storable(item.resource_type)[:40],
                resource_id=storable(item.source_id)[:200],
                reason=storable(reason)[:500],
                warning=warning,
            )
        )

    def write_batch(
        self, chunks: Iterable[Iterable[Incoming]], then: Callable[[], None] | None = None
    ) -> None:
        """One transaction: each chunk (items of one file) in turn, then `then()`.

        PostgreSQL: the chunks are written as they are read, their COPYs sent on a second
        thread (a Pipeline over this connection, in this transaction) while this one reads
        and maps the next chunk; foreign keys are checked as each COPY ends, not all at
        commit. Any other statement waits for the thread first (Pipeline.guard)."""
        if connection.vendor != "postgresql":
            chunks = [list(chunk) for chunk in chunks]  # read before the write lock is taken
            with transaction.atomic():
                self._write_chunks(chunks, then)
            return
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            with Pipeline() as pipeline, pipeline.guard():
                self.pipeline = pipeline
                try:
                    self._write_chunks(chunks, then)
                finally:
                    self.pipeline = None
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    def _write_chunks(
        self, chunks: Iterable[Iterable[Incoming]], then: Callable[[], None] | None
    ) -> None:
        for chunk in chunks:
            self._write_chunk(chunk)
        ImportProblem.objects.bulk_create(self.tally.problems)
        self.tally.problems = []
        if then is not None:
            then()

    def take_deferred(self, size: int) -> list[list[Incoming]]:
        """The facts whose patient was not there yet, in chunks of SIZE, to write again now
        that every file has been read; from here on a missing patient is a rejection."""
        items, self.deferred = self.deferred or [], None
        return [items[start : start + size] for start in range(0, len(items), size)]

    def _write_chunk(self, items: Iterable[Incoming]) -> None:
        """Sort the chunk by type (what others refer to first) and upsert each type's records."""
        by_type: dict[str, list[Incoming]] = defaultdict(list)
        for item in items:
            if item.error is not None:
                self.reject(item, item.error)
            elif item.record is None:
                self.tally.skipped += item.count
            else:
                by_type[item.resource_type].append(item)
        # One ledger query and one stamping of the unchanged for the whole chunk, not one of
        # each a type (a Bundle is a chunk of ten types): writing a type touches only its own
        # ledger rows, so what each type finds is the same.
        ledger = self._ledger_rows(by_type)
        touched: list[int] = []
        for kind in sorted(by_type, key=lambda k: TYPE_ORDER.index(k) if k in TYPE_ORDER else 99):
            touched += self._write_type(kind, by_type[kind], ledger)
        if touched:
            ImportedResource.objects.filter(pk__in=IdList(touched)).update(last_run=self.run.uid)

    def _ledger_rows(self, by_type: dict[str, list[Incoming]]) -> dict[tuple[str, str], Ledger]:
        kinds = [kind for kind in by_type if self._in_ledger(kind)]
        if not kinds:
            return {}
        this_run = ExpressionWrapper(Q(last_run=self.run.uid), output_field=BooleanField())
        rows = (
            ImportedResource.objects.filter(
                practice=self.practice,
                resource_type__in=kinds,
                source_id__among={i.source_id for kind in kinds for i in by_type[kind]},
            )
            .annotate(this_run=this_run)
            .values_list(
                "resource_type", "source_id", "pk", "content_hash", "object_id", "this_run"
            )
        )
        return {(kind, sid): Ledger(*row) for kind, sid, *row in rows}

    def _in_ledger(self, kind: str) -> bool:
        """Whether the practice's ledger holds any resource of KIND yet. On the first load of a
        type its first chunk's lookup could find nothing: one probe of the index spares it."""
        if kind not in self.kinds_in_ledger:
            with connection.cursor() as cursor:  # the ORM's exists() cost 0.4 ms a probe
                cursor.execute(
                    f"SELECT 1 FROM {ImportedResource._meta.db_table} WHERE organization_id = %s"
                    " AND practice_id = %s AND resource_type = %s LIMIT 1",
                    [self.org.pk, self.practice.pk, kind],
                )
                if cursor.fetchone() is None:
                    return False
            self.kinds_in_ledger.add(kind)  # ledger rows are never removed
        return True

    def _write_type(
        self, kind: str, items: list[Incoming], ledger: dict[tuple[str, str], Ledger]
    ) -> list[int]:
        """Upsert one type's records of a chunk; returns the ledger rows found unchanged."""
        fresh: Fresh = []
        changed: Changed = []
        seen: dict[str, str] = {}
        touched: list[int] = []
        for item in items:
            assert item.record is not None
            digest = content_hash(item.record)
            previous = ledger.get((kind, item.source_id))
            if item.source_id in seen or (previous is not None and previous.this_run):
                first = seen.get(item.source_id, previous.content_hash if previous else "")
                if first == digest:
                    self.tally.skipped += 1
                else:
                    self.reject(
                        item, f"{kind}.id: duplicate id in this import; the first one is kept"
                    )
                continue
            seen[item.source_id] = digest
            for warning in item.record.warnings:  # what was guessed or ignored, with its path
                self.reject(item, warning, warning=True)
            if previous is None:
                fresh.append((item, digest))
            elif previous.content_hash != digest:
                changed.append((item, digest, previous))
            else:
                self.tally.unchanged += 1
                touched.append(previous.pk)
        writer = self.writers.for_type(kind)
        if writer is None:  # pragma: no cover - every mapped type has a writer
            for item, _digest in fresh:
                self.reject(item, f"{kind}: not kept by this importer")
            return touched
        writer(kind, fresh, changed)
        return touched

    def enter_in_ledger(
        self,
        kind: str,
        kept: list[tuple[Incoming, str, int | None]],
        changed: Changed,
        changed_ok: set[str],
    ) -> None:
        """Record new rows in the ledger and new hashes of changed ones, counting both."""
        run_id = self.run.uid
        run_value = db_value(ImportedResource, "last_run", run_id)  # once, not once a row
        org, practice = self.org.pk, self.practice.pk
        insert_rows(
            ImportedResource,
            (
                "organization_id",
                "practice_id",
                "resource_type",
                "source_id",
                "content_hash",
                "object_id",
                "last_run",
            ),
            [
                (org, practice, kind, item.source_id, digest, pk, run_value)
                for item, digest, pk in kept
            ],
            prepared=True,
            pipeline=self.pipeline,
        )
        self.tally.loaded += len(kept)
        counts = self.tally.kinds.setdefault(kind, [0, 0])
        counts[0] += len(kept)
        for item, digest, row in changed:
            if item.source_id in changed_ok:
                ImportedResource.objects.filter(pk=row.pk).update(
                    content_hash=digest, last_run=run_id
                )
                self.tally.updated += 1
                counts[1] += 1

    # -- reference resolution --------------------------------------------------------------
    def _patients(self, items: Iterable[Incoming]) -> dict[PatientRef, int]:
        """Patient pks for the batch's references: by EMR id through the ledger, or by MRN."""
        known = self.patient_pks
        if len(known) > PATIENT_MEMORY:  # before `refs`: what is forgotten is asked again
            known.clear()
        refs = {fact_of(item).patient for item in items} - known.keys()
        ids = {r.source_id for r in refs if r.source_id}
        mrns = {r.identifier for r in refs if r.identifier}
        if ids:
            for sid, pk in ImportedResource.objects.filter(
                practice=self.practice, resource_type="Patient", source_id__among=ids
            ).values_list("source_id", "object_id"):
                if pk is not None:
                    known[PatientRef(source_id=sid)] = pk
        if mrns:
            for mrn, pk in Patient.objects.filter(
                practice=self.practice, mrn__among=mrns
            ).values_list("mrn", "pk"):
                known[PatientRef(identifier=mrn)] = pk
        return known

    def resolve_patients(
        self, kind: str, field_name: str, fresh: Fresh, changed: Changed
    ) -> dict[PatientRef, int]:
        """The batch's patients; items whose patient is nowhere are dropped: deferred to the
        run's end while it is still reading (the patient may be in a later file), else rejected."""
        patients = self._patients([i for i, _d in fresh] + [i for i, _d, _r in changed])

        def keep(item: Incoming) -> bool:
            ref = fact_of(item).patient
            if ref in patients:
                return True
            if self.deferred is not None and len(self.deferred) < DEFERRED_LIMIT:
                self.deferred.append(item)  # its patient may come later in the run
                return False
            failed = self.rejected_patients.get(ref.source_id) if ref.source_id else None
            if failed is not None:  # name the patient's own rejected row and its reason
                self.reject(
                    item,
                    f"{kind}.{field_name}: its patient {ref.source_id!r} was rejected"
                    f" ({failed[0]}: {failed[1]})",
                )
                return False
            target = (
                f"Patient/{ref.source_id}"
                if ref.source_id
                else f"Patient with identifier {ref.identifier!r}"
            )
            self.reject(
                item, f"{kind}.{field_name}: {target} not found in this import or an earlier one"
            )
            return False

        fresh[:] = [pair for pair in fresh if keep(pair[0])]
        changed[:] = [triple for triple in changed if keep(triple[0])]
        return patients


__all__ = ["Incoming", "Persister", "Tally", "content_hash"]
