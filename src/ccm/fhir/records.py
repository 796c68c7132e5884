"""The clinical facts ccm keeps from an EMR, as dataclasses: what FHIR and CSV map into.

Slotted and not frozen: one is made a resource, and a frozen dataclass's __init__ costs four
times as much (bench/RESULTS.md, "import"). Nothing changes a record once made.

Each record carries the EMR's own id (``source_id``) and, for facts about a patient, the
patient's id in that EMR (``patient_ref``), so the importer can upsert by id and resolve
references within a run or against earlier runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple


class Rejected(ValueError):
    """A resource ccm cannot keep; the message names the field at fault and why."""


class Notes:
    """What a mapper guessed or ignored while keeping a resource: warnings with their path
    (docs/import.md, "Reading policy"), and the practice's MRN identifier system."""

    __slots__ = ("mrn_system", "warnings")

    def __init__(self, mrn_system: str = "") -> None:
        self.mrn_system = mrn_system
        self.warnings: list[str] = []

    def warn(self, text: str) -> None:
        self.warnings.append(text)


class PatientRef(NamedTuple):
    """A reference to a patient: by the EMR's resource id, or by an identifier (MRN).

    A named tuple, not a dataclass: it is a dict key in every batch, and a tuple hashes and
    compares in C. Its repr is the one the frozen dataclass had, "PatientRef(source_id='…',
    identifier='')": it is part of every fact's content hash (the import's ledger)."""

    source_id: str = ""
    identifier: str = ""

    def __repr__(self) -> str:  # the named tuple's own, made at half its cost
        return f"PatientRef(source_id={self.source_id!r}, identifier={self.identifier!r})"


@dataclass(slots=True)
class PatientRecord:
    source_id: str
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    sex: str = "unknown"
    phone: str = ""
    address_line: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    mbi: str = ""
    deceased_date: date | None = None
    animal: bool = False  # a veterinary patient (STU3 animal, R4 patient-animal): never offered
    warnings: tuple[str, ...] = field(default=(), compare=False)


@dataclass(slots=True)
class ConditionRecord:
    source_id: str
    patient: PatientRef
    icd10_code: str = ""
    snomed_code: str = ""
    display: str = ""
    onset_date: date | None = None
    abatement_date: date | None = None
    clinical_status: str = "active"
    category: str = ""  # problem-list-item | encounter-diagnosis | …
    warnings: tuple[str, ...] = field(default=(), compare=False)


@dataclass(slots=True)
class EncounterRecord:
    source_id: str
    patient: PatientRef
    date: date
    encounter_class: str = "AMB"
    type_system: str = ""  # cpt | hcpcs | snomed
    type_code: str = ""
    type_display: str = ""
    practitioner_id: str = ""  # the EMR's Practitioner id of the first participant
    warnings: tuple[str, ...] = field(default=(), compare=False)


@dataclass(slots=True)
class CoverageRecord:
    """A Coverage resource; or, with ``from_claims``, the payer named on a Claim/EOB."""

    source_id: str
    patient: PatientRef
    kind: str  # medicare_part_b | medicare_advantage | medicaid | qmb | other
    payer_name: str = ""
    member_id: str = ""
    start_date: date | None = None
    end_date: date | None = None
    from_claims: bool = False
    warnings: tuple[str, ...] = field(default=(), compare=False)


@dataclass(slots=True)
class BilledService:
    """A care-management code billed on a Claim/EOB: which code, on what day, by which NPI."""

    code: str
    date: date
    provider_npi: str = ""  # empty when the claim names no NPI


@dataclass(slots=True)
class ClaimRecord:
    """A Claim or ExplanationOfBenefit: the payer it names and the care-management codes it bills.

    The payer stands in for Coverage when the EMR sends none (issue 4); the billed codes tell
    that another practice already manages the patient's care ("enrolled elsewhere").
    """

    source_id: str
    patient: PatientRef
    payer: CoverageRecord | None = None
    services: tuple[BilledService, ...] = ()
    warnings: tuple[str, ...] = field(default=(), compare=False)


@dataclass(slots=True)
class ObservationRecord:
    """Blood pressure, HbA1c, weight or BMI: the measurements care plans track."""

    source_id: str
    patient: PatientRef
    kind: str  # blood_pressure | hba1c | weight | bmi
    date: date
    value: Decimal
    value2: Decimal | None = None  # diastolic, for blood pressure
    unit: str = ""
    warnings: tuple[str, ...] = field(default=(), compare=False)


@dataclass(slots=True)
class MedicationRecord:
    source_id: str
    patient: PatientRef
    status: str
    rxnorm_code: str = ""
    display: str = ""
    authored_on: date | None = None
    warnings: tuple[str, ...] = field(default=(), compare=False)


@dataclass(slots=True)
class AllergyRecord:
    source_id: str
    patient: PatientRef
    substance: str
    reaction: str = ""
    criticality: str = ""
    clinical_status: str = "active"
    recorded_on: date | None = None
    warnings: tuple[str, ...] = field(default=(), compare=False)


@dataclass(slots=True)
class PractitionerRecord:
    source_id: str
    npi: str
    given_name: str
    family_name: str
    warnings: tuple[str, ...] = field(default=(), compare=False)


@dataclass(slots=True)
class OrganizationRecord:
    source_id: str
    name: str
    npi: str = ""
    warnings: tuple[str, ...] = field(default=(), compare=False)


Record = (
    PatientRecord
    | ConditionRecord
    | EncounterRecord
    | CoverageRecord
    | ClaimRecord
    | ObservationRecord
    | MedicationRecord
    | AllergyRecord
    | PractitionerRecord
    | OrganizationRecord
)
