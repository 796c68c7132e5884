"""One writer per kept resource type: what each record becomes in the patients tables.

A Persister holds its `Writers` and asks them for the writer of a type (`for_type`: an
explicit table, type by type). Writers get the batch's new records (`fresh`) and changed ones
(`changed`, with their ledger row), insert the new in a few multi-row statements
(`rows.insert_rows`), update the changed, and hand both to the persister's ledger. The
batch, the ledger and reference resolution live in persist.py.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from datetime import date
from functools import partial
from operator import attrgetter
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import ValidationError

from ccm.coverage_kinds import PART_A, PART_D
from ccm.fhir import (
    AllergyRecord,
    ClaimRecord,
    ConditionRecord,
    CoverageRecord,
    EncounterRecord,
    MedicationRecord,
    ObservationRecord,
    PatientRecord,
    PatientRef,
    PractitionerRecord,
)
from ccmweb.patients.models import Allergy, Condition, Coverage, Encounter, Patient
from ccmweb.sql import IdList
from ccmweb.tenants.models import Practitioner
from ccmweb.tenants.validators import validate_npi

from .coverage import CLAIMS, refresh_coverage_flags
from .models import ClaimedService, ImportedResource, Measurement, Medication
from .rows import insert_rows

if TYPE_CHECKING:
    from .persist import Changed, Fresh, Incoming, Persister

CLAIMS_COVERAGE_ID = CLAIMS  # Coverage.source_id of the payer derived from Claims/EOBs
NO_NPI = "Practitioner.identifier: no valid NPI; kept for references only"
MRN_TAKEN = "Patient.identifier: MRN already belongs to another patient of this practice"

#: A writer: (resource type, fresh, changed) → the rows written and the ledger told.
Writer = Callable[[str, "Fresh", "Changed"], None]


#: The records about one patient: each says whose in `patient`.
FactRecord = (
    ConditionRecord
    | EncounterRecord
    | CoverageRecord
    | ClaimRecord
    | ObservationRecord
    | MedicationRecord
    | AllergyRecord
)
FACT_RECORDS = (
    ConditionRecord,
    EncounterRecord,
    CoverageRecord,
    ClaimRecord,
    ObservationRecord,
    MedicationRecord,
    AllergyRecord,
)


def record_of[R](item: Incoming, kind: type[R]) -> R:
    """ITEM's record as the KIND its resource type is read into (ccm.fhir: one a type)."""
    record = item.record
    if not isinstance(record, kind):
        raise TypeError(f"{item.resource_type}/{item.source_id}: not a {kind.__name__}")
    return record


def fact_of(item: Incoming) -> FactRecord:
    """ITEM's record, a fact about a patient (its `patient` says whose)."""
    record = item.record
    if not isinstance(record, FACT_RECORDS):
        raise TypeError(f"{item.resource_type}/{item.source_id}: not about a patient")
    return record


class Writers:
    """The writers of one Persister's run, by resource type (the persister holds them).

    They reach the persister through a weak proxy and find their methods in the class's
    table, so neither the pair nor a dict of bound methods makes a reference cycle: an
    import's objects are freed when it ends, with the collector paused or not
    (tests/web/test_longrun.py)."""

    def __init__(self, persister: Persister) -> None:
        self.persister = cast("Persister", weakref.proxy(persister))
        self.practice, self.org, self.today = persister.practice, persister.org, persister.today

    def for_type(self, kind: str) -> Writer | None:
        """The writer of resource type KIND; None for a type the importer does not keep."""
        method = BY_TYPE.get(kind)
        return None if method is None else partial(method, self)

    def patient(self, kind: str, fresh: Fresh, changed: Changed) -> None:
        records = [record_of(i, PatientRecord) for i, _d in fresh] + [
            record_of(i, PatientRecord) for i, _d, _r in changed
        ]
        taken = dict(
            Patient.objects.filter(
                practice=self.practice, mrn__among=[r.mrn for r in records]
            ).values_list("mrn", "pk")
        )
        creates: list[tuple[Incoming, str, Patient]] = []
        for item, digest in fresh:
            record = record_of(item, PatientRecord)
            if record.mrn in taken:
                self.persister.reject(item, MRN_TAKEN)
                continue
            taken[record.mrn] = 0
            patient = Patient(
                organization=self.org, practice=self.practice, **_patient_fields(record)
            )
            creates.append((item, digest, patient))
        Patient.objects.bulk_create([p for _i, _d, p in creates])
        # what the ledger will say of them: the chunk's other types need not ask it
        self.persister.patient_pks.update(
            {PatientRef(source_id=i.source_id): p.pk for i, _d, p in creates}
        )
        updates, ok = [], set()
        rows = {
            p.pk: p
            for p in Patient.objects.filter(pk__in=IdList(r.object_id for _i, _d, r in changed))
        }
        for item, _digest, row in changed:
            record = record_of(item, PatientRecord)
            found = rows.get(row.object_id) if row.object_id is not None else None
            if found is None or taken.get(record.mrn, found.pk) != found.pk:
                self.persister.reject(item, MRN_TAKEN)
                continue
            for name, value in _patient_fields(record).items():
                setattr(found, name, value)
            updates.append(found)
            ok.add(item.source_id)
        Patient.objects.bulk_update(updates, list(PATIENT_FIELDS))
        self.persister.enter_in_ledger(kind, [(i, d, p.pk) for i, d, p in creates], changed, ok)

    def condition(self, kind: str, fresh: Fresh, changed: Changed) -> None:
        self._simple(kind, "subject", Condition, fresh, changed, CONDITION_FIELDS)

    def encounter(self, kind: str, fresh: Fresh, changed: Changed) -> None:
        ids = {record_of(i, EncounterRecord).practitioner_id for i, _d in fresh}
        ids |= {record_of(i, EncounterRecord).practitioner_id for i, _d, _r in changed}
        practitioners = dict(
            ImportedResource.objects.filter(
                practice=self.practice,
                resource_type="Practitioner",
                source_id__among=ids - {""},
            ).values_list("source_id", "object_id")
        )

        def practitioner_id(record: EncounterRecord) -> int | None:
            return practitioners.get(record.practitioner_id)

        self._simple(kind, "subject", Encounter, fresh, changed, ENCOUNTER_FIELDS, practitioner_id)

    def coverage(self, kind: str, fresh: Fresh, changed: Changed) -> None:
        patients = self._simple(kind, "beneficiary", Coverage, fresh, changed, COVERAGE_FIELDS)
        refresh_coverage_flags(patients, self.today)

    def observation(self, kind: str, fresh: Fresh, changed: Changed) -> None:
        self._simple(kind, "subject", Measurement, fresh, changed, MEASUREMENT_FIELDS)

    def medication_request(self, kind: str, fresh: Fresh, changed: Changed) -> None:
        self._simple(kind, "subject", Medication, fresh, changed, MEDICATION_FIELDS)

    def allergy_intolerance(self, kind: str, fresh: Fresh, changed: Changed) -> None:
        self._simple(kind, "patient", Allergy, fresh, changed, ALLERGY_FIELDS)

    def _simple(
        self,
        kind: str,
        field_name: str,
        model: Any,
        fresh: Fresh,
        changed: Changed,
        names: tuple[str, ...],
        practitioner: Callable[[Any], int | None] | None = None,
    ) -> set[int]:
        """Facts about a patient: resolve the patient, insert the new, update the changed."""
        patients = self.persister.resolve_patients(kind, field_name, fresh, changed)
        columns = ["organization_id", "patient_id", "source_id", *names]
        if practitioner:
            columns.append("practitioner_id")

        fields = attrgetter(*names)  # a tuple: every *_FIELDS below names several

        def values(record: Any) -> tuple[Any, ...]:
            found: tuple[Any, ...] = fields(record)
            return (*found, practitioner(record)) if practitioner else found

        org = self.org.pk
        rows = []
        for item, _digest in fresh:
            record = fact_of(item)
            rows.append((org, patients[record.patient], item.source_id, *values(record)))
        ids = insert_rows(model, columns, rows, returning=True, pipeline=self.persister.pipeline)
        targets = (  # not asked when nothing changed: the COPY just started runs on meanwhile
            {
                r.pk: r
                for r in model.objects.filter(pk__in=IdList(r.object_id for _i, _d, r in changed))
            }
            if changed
            else {}
        )
        updates, ok = [], set()
        for item, _digest, row in changed:
            target = targets.get(row.object_id)
            if target is None:
                self.persister.reject(
                    item, f"{kind}: the row it updates was removed; import it again"
                )
                continue
            record = fact_of(item)
            target.patient_id = patients[record.patient]
            for name, value in zip(columns[3:], values(record), strict=True):
                setattr(target, name, value)
            updates.append(target)
            ok.add(item.source_id)
        if updates:
            model.objects.bulk_update(updates, ["patient_id", *columns[3:]])
        kept: list[tuple[Incoming, str, int | None]] = [
            (i, d, pk) for (i, d), pk in zip(fresh, ids, strict=True)
        ]
        self.persister.enter_in_ledger(kind, kept, changed, ok)
        return {row[1] for row in rows} | {u.patient_id for u in updates}

    def claims(self, kind: str, fresh: Fresh, changed: Changed) -> None:
        """The latest payer on a patient's claims becomes one Coverage row "claims"; the
        care-management codes billed are kept as ClaimedService rows (enrolled elsewhere)."""
        patients = self.persister.resolve_patients(kind, "patient", fresh, changed)
        items = [i for i, _d in fresh] + [i for i, _d, _r in changed]
        latest: dict[int, CoverageRecord] = {}
        for item in items:
            record = record_of(item, ClaimRecord)
            pk = patients[record.patient]
            payer = record.payer
            if payer is not None and (
                pk not in latest or _claim_key(payer) > _claim_key(latest[pk])
            ):
                latest[pk] = payer
        self._claims_coverage(latest)
        if changed:
            ClaimedService.objects.filter(
                patient_id__in={patients[fact_of(i).patient] for i, _d, _r in changed},
                claim_source_id__in=[f"{kind}/{i.source_id}" for i, _d, _r in changed],
            ).delete()
        claimed = [(i, record_of(i, ClaimRecord)) for i in items]
        insert_rows(
            ClaimedService,
            ("organization_id", "patient_id", "claim_source_id", "code", "date", "provider_npi"),
            [
                (
                    self.org.pk,
                    patients[record.patient],
                    f"{kind}/{i.source_id}",
                    s.code,
                    s.date,
                    s.provider_npi,
                )
                for i, record in claimed
                for s in record.services
            ],
        )
        refresh_coverage_flags(set(latest), self.today)
        kept: list[tuple[Incoming, str, int | None]] = [
            (i, d, patients[fact_of(i).patient]) for i, d in fresh
        ]
        # last: its COPY runs on while the next chunk is read (PostgreSQL: Persister.pipeline)
        self.persister.enter_in_ledger(kind, kept, changed, {i.source_id for i, _d, _r in changed})

    def _claims_coverage(self, latest: dict[int, CoverageRecord]) -> None:
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
            elif _claim_key(record) > (_rank(row.kind), row.start_date or date.min, row.payer_name):
                row.kind, row.payer_name = record.kind, record.payer_name
                row.start_date = record.start_date
                updates.append(row)
        Coverage.objects.bulk_create(creates)
        Coverage.objects.bulk_update(updates, ["kind", "payer_name", "start_date"])

    def practitioner(self, kind: str, fresh: Fresh, changed: Changed) -> None:
        """Practitioners with a valid NPI become billing practitioners (found by NPI, or added)."""
        pks = self._practitioners([i for i, _d in fresh] + [i for i, _d, _r in changed])
        kept: list[tuple[Incoming, str, int | None]] = [
            (item, digest, pks.get(item.source_id)) for item, digest in fresh
        ]
        ok = set()
        for item, _digest, row in changed:
            ImportedResource.objects.filter(pk=row.pk).update(object_id=pks.get(item.source_id))
            ok.add(item.source_id)
        self.persister.enter_in_ledger(kind, kept, changed, ok)

    def _practitioners(self, items: list[Incoming]) -> dict[str, int]:
        """Practitioner pks by EMR id: the practice's practitioner with that NPI, or a new one."""
        valid: list[PractitionerRecord] = []
        for item in items:
            record = record_of(item, PractitionerRecord)
            try:
                validate_npi(record.npi)
            except ValidationError:
                self.persister.reject(item, NO_NPI, warning=True)
                continue
            valid.append(record)
        by_npi = dict(
            Practitioner.objects.filter(
                practice=self.practice, npi__in={r.npi for r in valid}
            ).values_list("npi", "pk")
        )
        new: dict[str, Practitioner] = {}
        for record in valid:
            if record.npi not in by_npi and record.npi not in new:
                new[record.npi] = Practitioner(
                    organization=self.org,
                    practice=self.practice,
                    npi=record.npi,
                    given_name=record.given_name or "-",
                    family_name=record.family_name or "-",
                    source_id=record.source_id,
                )
        Practitioner.objects.bulk_create(new.values())
        by_npi.update({npi: p.pk for npi, p in new.items()})
        return {r.source_id: by_npi[r.npi] for r in valid}

    def organization(self, kind: str, fresh: Fresh, changed: Changed) -> None:
        """Organizations are kept in the ledger only, so references to them resolve."""
        kept: list[tuple[Incoming, str, int | None]] = [(i, d, None) for i, d in fresh]
        self.persister.enter_in_ledger(kind, kept, changed, {i.source_id for i, _d, _r in changed})


def _rank(kind: str) -> int:
    """A Part A (hospital) or Part D (drug) claim says nothing of Part B: it never replaces a
    payer that does (Blue Button sends all three for one beneficiary)."""
    return 0 if kind in (PART_A, PART_D) else 1


def _claim_key(record: CoverageRecord) -> tuple[int, date, str]:
    return (_rank(record.kind), record.start_date or date.min, record.payer_name)


PATIENT_FIELDS = (
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
    "animal",
)
CONDITION_FIELDS = (
    "icd10_code",
    "snomed_code",
    "display",
    "onset_date",
    "abatement_date",
    "clinical_status",
)
ENCOUNTER_FIELDS = ("date", "encounter_class", "type_system", "type_code", "type_display")
COVERAGE_FIELDS = ("kind", "payer_name", "member_id", "start_date", "end_date")
MEASUREMENT_FIELDS = ("kind", "date", "value", "value2", "unit")
MEDICATION_FIELDS = ("status", "rxnorm_code", "display", "authored_on")
ALLERGY_FIELDS = ("substance", "reaction", "criticality", "clinical_status", "recorded_on")


def _patient_fields(record: PatientRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in PATIENT_FIELDS}


#: Each resource type's writer (Claim and ExplanationOfBenefit share one).
BY_TYPE: dict[str, Callable[[Writers, str, Fresh, Changed], None]] = {
    "Organization": Writers.organization,
    "Practitioner": Writers.practitioner,
    "Patient": Writers.patient,
    "Coverage": Writers.coverage,
    "Claim": Writers.claims,
    "ExplanationOfBenefit": Writers.claims,
    "Condition": Writers.condition,
    "Encounter": Writers.encounter,
    "Observation": Writers.observation,
    "MedicationRequest": Writers.medication_request,
    "AllergyIntolerance": Writers.allergy_intolerance,
}
