"""Write imported records into the patients tables: upsert by EMR id, one transaction per batch.

Each batch looks up its ledger rows in one query, inserts what is new, updates what changed
(content hash differs) and leaves the rest alone, all inside one transaction: a run killed at
any point loses at most its open batch, and running it again ends in the same state.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ccm.fhir import (
    ConditionRecord,
    CoverageRecord,
    EncounterRecord,
    MedicationRecord,
    ObservationRecord,
    OrganizationRecord,
    PatientRecord,
    PatientRef,
    PractitionerRecord,
    Record,
)
from ccmweb.patients.models import Condition, Coverage, Encounter, Patient
from ccmweb.tenants.models import Practice, Practitioner
from ccmweb.tenants.validators import validate_npi

from .coverage import refresh_coverage_flags
from .models import ImportedResource, ImportProblem, ImportRun, Measurement, Medication

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
]
CLAIMS_COVERAGE_ID = "claims"  # Coverage.source_id of the payer derived from Claims/EOBs


@dataclass(frozen=True, slots=True)
class Incoming:
    """One item of a run: a record to keep, a type to skip (record None), or an error."""

    source: str
    resource_type: str
    source_id: str
    record: Record | None
    error: str | None = None


@dataclass
class Tally:
    loaded: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    problems: list[ImportProblem] = field(default_factory=list)


def content_hash(record: Record) -> str:
    """A stable fingerprint of what ccm keeps from a resource (not of the raw JSON)."""
    values = [getattr(record, f.name) for f in fields(record) if f.name != "warnings"]
    return hashlib.blake2b(repr(values).encode(), digest_size=16).hexdigest()


class Persister:
    """Upserts records of one practice for one run."""

    def __init__(self, run: ImportRun) -> None:
        self.run = run
        self.practice: Practice = run.practice
        self.org = run.organization
        self.tally = Tally()

    # -- bookkeeping ----------------------------------------------------------------------
    def reject(self, item: Incoming, reason: str, *, warning: bool = False) -> None:
        if not warning:
            self.tally.rejected += 1
        self.tally.problems.append(
            ImportProblem(
                organization=self.org,
                run=self.run,
                source=item.source[:300],
                resource_type=item.resource_type[:40],
                resource_id=item.source_id[:200],
                reason=reason[:500],
                warning=warning,
            )
        )

    def write_batch(self, items: Iterable[Incoming]) -> None:
        """One transaction: sort the batch by type, then upsert each type's records."""
        by_type: dict[str, list[Incoming]] = defaultdict(list)
        for item in items:
            if item.error is not None:
                self.reject(item, item.error)
            elif item.record is None:
                self.tally.skipped += 1
            else:
                by_type[item.resource_type].append(item)
        with transaction.atomic():
            for kind in sorted(
                by_type, key=lambda k: TYPE_ORDER.index(k) if k in TYPE_ORDER else 99
            ):
                self._write_type(kind, by_type[kind])
            ImportProblem.objects.bulk_create(self.tally.problems)
            self.tally.problems = []

    def _write_type(self, kind: str, items: list[Incoming]) -> None:
        ledger = {
            row.source_id: row
            for row in ImportedResource.objects.filter(
                practice=self.practice,
                resource_type=kind,
                source_id__in={i.source_id for i in items},
            )
        }
        run_id = self.run.uid
        fresh: list[tuple[Incoming, str]] = []
        changed: list[tuple[Incoming, str, ImportedResource]] = []
        seen: dict[str, str] = {}
        touched: list[int] = []
        for item in items:
            assert item.record is not None
            digest = content_hash(item.record)
            previous = ledger.get(item.source_id)
            if item.source_id in seen or (previous is not None and previous.last_run == run_id):
                first = seen.get(item.source_id, previous.content_hash if previous else "")
                if first == digest:
                    self.tally.skipped += 1
                else:
                    self.reject(
                        item, f"{kind}.id: duplicate id in this import; the first one is kept"
                    )
                continue
            seen[item.source_id] = digest
            if previous is None:
                fresh.append((item, digest))
            elif previous.content_hash != digest:
                changed.append((item, digest, previous))
            else:
                self.tally.unchanged += 1
                touched.append(previous.pk)
        if touched:
            ImportedResource.objects.filter(pk__in=touched).update(last_run=run_id)
        writer = getattr(self, "_write_" + kind.lower(), None)
        if writer is None:
            writer = self._write_claims if kind in ("Claim", "ExplanationOfBenefit") else None
        if writer is None:  # pragma: no cover - every mapped type has a writer
            for item, _digest in fresh:
                self.reject(item, f"{kind}: not kept by this importer")
            return
        writer(kind, fresh, changed)

    def _ledger(
        self,
        kind: str,
        kept: list[tuple[Incoming, str, int | None]],
        changed: list[tuple[Incoming, str, ImportedResource]],
        changed_ok: set[str],
    ) -> None:
        """Record new rows in the ledger and new hashes of changed ones, counting both."""
        run_id = self.run.uid
        ImportedResource.objects.bulk_create(
            [
                ImportedResource(
                    organization=self.org,
                    practice=self.practice,
                    resource_type=kind,
                    source_id=item.source_id,
                    content_hash=digest,
                    object_id=pk,
                    last_run=run_id,
                )
                for item, digest, pk in kept
            ]
        )
        self.tally.loaded += len(kept)
        rows = []
        for item, digest, row in changed:
            if item.source_id in changed_ok:
                row.content_hash, row.last_run = digest, run_id
                rows.append(row)
        ImportedResource.objects.bulk_update(rows, ["content_hash", "last_run"])
        self.tally.updated += len(rows)

    # -- reference resolution --------------------------------------------------------------
    def _patients(self, items: Iterable[Incoming]) -> dict[PatientRef, int]:
        """Patient pks for the batch's references: by EMR id through the ledger, or by MRN."""
        refs = {item.record.patient for item in items}  # type: ignore[union-attr]
        ids = {r.source_id for r in refs if r.source_id}
        mrns = {r.identifier for r in refs if r.identifier}
        found: dict[PatientRef, int] = {}
        if ids:
            for sid, pk in ImportedResource.objects.filter(
                practice=self.practice, resource_type="Patient", source_id__in=ids
            ).values_list("source_id", "object_id"):
                if pk is not None:
                    found[PatientRef(source_id=sid)] = pk
        if mrns:
            for mrn, pk in Patient.objects.filter(practice=self.practice, mrn__in=mrns).values_list(
                "mrn", "pk"
            ):
                found[PatientRef(identifier=mrn)] = pk
        return found

    def _resolved(
        self,
        kind: str,
        field_name: str,
        fresh: list[tuple[Incoming, str]],
        changed: list[tuple[Incoming, str, ImportedResource]],
    ) -> dict[PatientRef, int]:
        patients = self._patients([i for i, _d in fresh] + [i for i, _d, _r in changed])

        def keep(item: Incoming) -> bool:
            ref = item.record.patient  # type: ignore[union-attr]
            if ref in patients:
                return True
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

    # -- writers, one per resource type ------------------------------------------------------
    def _write_patient(
        self,
        kind: str,
        fresh: list[tuple[Incoming, str]],
        changed: list[tuple[Incoming, str, ImportedResource]],
    ) -> None:
        mrns = [i.record.mrn for i, _d in fresh] + [i.record.mrn for i, _d, _r in changed]  # type: ignore[union-attr]
        taken = dict(
            Patient.objects.filter(practice=self.practice, mrn__in=mrns).values_list("mrn", "pk")
        )
        creates: list[tuple[Incoming, str, Patient]] = []
        for item, digest in fresh:
            record: PatientRecord = item.record  # type: ignore[assignment]
            if record.mrn in taken:
                self.reject(
                    item,
                    "Patient.identifier: MRN already belongs to another patient of this practice",
                )
                continue
            taken[record.mrn] = 0
            creates.append(
                (
                    item,
                    digest,
                    Patient(
                        organization=self.org, practice=self.practice, **_patient_fields(record)
                    ),
                )
            )
            for warning in record.warnings:
                self.reject(item, warning, warning=True)
        Patient.objects.bulk_create([p for _i, _d, p in creates])
        updates, ok = [], set()
        rows = {
            p.pk: p for p in Patient.objects.filter(pk__in=[r.object_id for _i, _d, r in changed])
        }
        for item, _digest, row in changed:
            record = item.record  # type: ignore[assignment]
            patient = rows.get(row.object_id)  # type: ignore[arg-type]
            if patient is None or taken.get(record.mrn, patient.pk) != patient.pk:
                self.reject(
                    item,
                    "Patient.identifier: MRN already belongs to another patient of this practice",
                )
                continue
            for name, value in _patient_fields(record).items():
                setattr(patient, name, value)
            updates.append(patient)
            ok.add(item.source_id)
        Patient.objects.bulk_update(updates, list(_patient_fields_names()))
        self._ledger(kind, [(i, d, p.pk) for i, d, p in creates], changed, ok)

    def _write_condition(
        self,
        kind: str,
        fresh: list[tuple[Incoming, str]],
        changed: list[tuple[Incoming, str, ImportedResource]],
    ) -> None:
        self._write_simple(kind, "subject", Condition, fresh, changed, _condition_fields)

    def _write_encounter(
        self,
        kind: str,
        fresh: list[tuple[Incoming, str]],
        changed: list[tuple[Incoming, str, ImportedResource]],
    ) -> None:
        ids = {i.record.practitioner_id for i, _d in fresh} | {
            i.record.practitioner_id for i, _d, _r in changed
        }  # type: ignore[union-attr]
        practitioners = dict(
            ImportedResource.objects.filter(
                practice=self.practice,
                resource_type="Practitioner",
                source_id__in=ids - {""},
            ).values_list("source_id", "object_id")
        )

        def values(record: EncounterRecord) -> dict[str, Any]:
            return {
                "date": record.date,
                "encounter_class": record.encounter_class,
                "type_system": record.type_system,
                "type_code": record.type_code,
                "type_display": record.type_display,
                "practitioner_id": practitioners.get(record.practitioner_id),
            }

        self._write_simple(kind, "subject", Encounter, fresh, changed, values)  # type: ignore[arg-type]

    def _write_coverage(
        self,
        kind: str,
        fresh: list[tuple[Incoming, str]],
        changed: list[tuple[Incoming, str, ImportedResource]],
    ) -> None:
        patients = self._write_simple(
            kind, "beneficiary", Coverage, fresh, changed, _coverage_fields
        )
        refresh_coverage_flags(patients)

    def _write_observation(
        self,
        kind: str,
        fresh: list[tuple[Incoming, str]],
        changed: list[tuple[Incoming, str, ImportedResource]],
    ) -> None:
        self._write_simple(kind, "subject", Measurement, fresh, changed, _measurement_fields)

    def _write_medicationrequest(
        self,
        kind: str,
        fresh: list[tuple[Incoming, str]],
        changed: list[tuple[Incoming, str, ImportedResource]],
    ) -> None:
        self._write_simple(kind, "subject", Medication, fresh, changed, _medication_fields)

    def _write_simple(
        self,
        kind: str,
        field_name: str,
        model: Any,
        fresh: list[tuple[Incoming, str]],
        changed: list[tuple[Incoming, str, ImportedResource]],
        values: Any,
    ) -> set[int]:
        """Facts about a patient: resolve the patient, insert the new, update the changed."""
        patients = self._resolved(kind, field_name, fresh, changed)
        creates = [
            model(
                organization=self.org,
                patient_id=patients[i.record.patient],
                source_id=i.source_id,
                **values(i.record),
            )
            for i, _d in fresh
        ]
        model.objects.bulk_create(creates)
        rows = {
            r.pk: r for r in model.objects.filter(pk__in=[r.object_id for _i, _d, r in changed])
        }
        updates, ok = [], set()
        for item, _digest, row in changed:
            target = rows.get(row.object_id)
            if target is None:
                self.reject(item, f"{kind}: the row it updates was removed; import it again")
                continue
            target.patient_id = patients[item.record.patient]  # type: ignore[union-attr]
            for name, value in values(item.record).items():
                setattr(target, name, value)
            updates.append(target)
            ok.add(item.source_id)
        if updates:
            model.objects.bulk_update(updates, ["patient_id", *values(changed[0][0].record)])
        self._ledger(
            kind, [(i, d, c.pk) for (i, d), c in zip(fresh, creates, strict=True)], changed, ok
        )
        return {c.patient_id for c in creates} | {u.patient_id for u in updates}

    def _write_claims(
        self,
        kind: str,
        fresh: list[tuple[Incoming, str]],
        changed: list[tuple[Incoming, str, ImportedResource]],
    ) -> None:
        """The latest payer named on a patient's claims becomes one Coverage row "claims"."""
        patients = self._resolved(kind, "patient", fresh, changed)
        latest: dict[int, CoverageRecord] = {}
        for item in [i for i, _d in fresh] + [i for i, _d, _r in changed]:
            record: CoverageRecord = item.record  # type: ignore[assignment]
            pk = patients[record.patient]
            if pk not in latest or _claim_key(record) > _claim_key(latest[pk]):
                latest[pk] = record
        rows = {
            c.patient_id: c
            for c in Coverage.objects.filter(patient_id__in=latest, source_id=CLAIMS_COVERAGE_ID)
        }
        creates, updates = [], []
        for pk, record in latest.items():
            row = rows.get(pk)
            if row is None:
                creates.append(
                    Coverage(
                        organization=self.org,
                        patient_id=pk,
                        source_id=CLAIMS_COVERAGE_ID,
                        kind=record.kind,
                        payer_name=record.payer_name,
                        start_date=record.start_date,
                    )
                )
            elif _claim_key(record) > (row.start_date or date.min, row.payer_name):
                row.kind, row.payer_name, row.start_date = (
                    record.kind,
                    record.payer_name,
                    record.start_date,
                )
                updates.append(row)
        Coverage.objects.bulk_create(creates)
        Coverage.objects.bulk_update(updates, ["kind", "payer_name", "start_date"])
        self._ledger(
            kind,
            [(i, d, patients[i.record.patient]) for i, d in fresh],
            changed,  # type: ignore[union-attr]
            {i.source_id for i, _d, _r in changed},
        )
        refresh_coverage_flags(set(latest))

    def _write_practitioner(
        self,
        kind: str,
        fresh: list[tuple[Incoming, str]],
        changed: list[tuple[Incoming, str, ImportedResource]],
    ) -> None:
        """Practitioners with a valid NPI become billing practitioners (found by NPI, or added)."""
        kept: list[tuple[Incoming, str, int | None]] = []
        for item, digest in fresh:
            kept.append((item, digest, self._practitioner(item)))
        ok = set()
        for item, _digest, row in changed:
            row.object_id = self._practitioner(item)
            row.save(update_fields=["object_id"])
            ok.add(item.source_id)
        self._ledger(kind, kept, changed, ok)

    def _practitioner(self, item: Incoming) -> int | None:
        record: PractitionerRecord = item.record  # type: ignore[assignment]
        try:
            validate_npi(record.npi)
        except ValidationError:
            self.reject(
                item,
                "Practitioner.identifier: no valid NPI; kept for references only",
                warning=True,
            )
            return None
        practitioner, _created = Practitioner.objects.get_or_create(
            organization=self.org,
            practice=self.practice,
            npi=record.npi,
            defaults={
                "given_name": record.given_name or "-",
                "family_name": record.family_name or "-",
                "source_id": record.source_id,
            },
        )
        return practitioner.pk

    def _write_organization(
        self,
        kind: str,
        fresh: list[tuple[Incoming, str]],
        changed: list[tuple[Incoming, str, ImportedResource]],
    ) -> None:
        """Organizations are kept in the ledger only, so references to them resolve."""
        self._ledger(
            kind, [(i, d, None) for i, d in fresh], changed, {i.source_id for i, _d, _r in changed}
        )


def _claim_key(record: CoverageRecord) -> tuple[date, str]:
    return (record.start_date or date.min, record.payer_name)


_PATIENT_FIELDS = (
    "source_id",
    "mrn",
    "given_name",
    "family_name",
    "birth_date",
    "sex",
    "phone",
    "address_line",
    "city",
    "state",
    "postal_code",
    "mbi",
    "deceased_date",
)


def _patient_fields_names() -> tuple[str, ...]:
    return _PATIENT_FIELDS


def _patient_fields(record: PatientRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in _PATIENT_FIELDS}


def _condition_fields(record: ConditionRecord) -> dict[str, Any]:
    return {
        "icd10_code": record.icd10_code,
        "snomed_code": record.snomed_code,
        "display": record.display,
        "onset_date": record.onset_date,
        "abatement_date": record.abatement_date,
        "clinical_status": record.clinical_status,
    }


def _coverage_fields(record: CoverageRecord) -> dict[str, Any]:
    return {
        "kind": record.kind,
        "payer_name": record.payer_name,
        "member_id": record.member_id,
        "start_date": record.start_date,
        "end_date": record.end_date,
    }


def _measurement_fields(record: ObservationRecord) -> dict[str, Any]:
    return {
        "kind": record.kind,
        "date": record.date,
        "value": record.value,
        "value2": record.value2,
        "unit": record.unit,
    }


def _medication_fields(record: MedicationRecord) -> dict[str, Any]:
    return {
        "status": record.status,
        "rxnorm_code": record.rxnorm_code,
        "display": record.display,
        "authored_on": record.authored_on,
    }


__all__ = ["Incoming", "OrganizationRecord", "Persister", "Tally", "content_hash"]
