"""FHIR R4 in: stream resources from Bundles and bulk NDJSON, map them to ccm's records."""

from ccm.fhir.mapping import KEPT_TYPES, LINE_HINTS, map_resource
from ccm.fhir.read import Item, input_files, read_file, read_resources
from ccm.fhir.records import (
    AllergyRecord,
    BilledService,
    ClaimRecord,
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
    Rejected,
)

__all__ = [
    "KEPT_TYPES",
    "LINE_HINTS",
    "AllergyRecord",
    "BilledService",
    "ClaimRecord",
    "ConditionRecord",
    "CoverageRecord",
    "EncounterRecord",
    "Item",
    "MedicationRecord",
    "ObservationRecord",
    "OrganizationRecord",
    "PatientRecord",
    "PatientRef",
    "PractitionerRecord",
    "Record",
    "Rejected",
    "input_files",
    "map_resource",
    "read_file",
    "read_resources",
]
