"""Reading FHIR R4 fields from plain dicts: dates, text, lists, codings, references, NPIs.

Every reader names the field at fault when it raises ``Rejected``, so a rejection tells the
practice what to fix.  Shared by the clinical mappers (``mapping``) and the payer mappers
(``payers``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from ccm.fhir.records import Notes, PatientRef, Rejected

Resource = dict[str, Any]

ICD10_SYSTEMS = frozenset(
    {
        "http://hl7.org/fhir/sid/icd-10-cm",
        "http://hl7.org/fhir/sid/icd-10",
        "urn:oid:2.16.840.1.113883.6.90",
    }
)
SNOMED_SYSTEM = "http://snomed.info/sct"
SNOMED_SYSTEMS = frozenset(
    {SNOMED_SYSTEM, "urn:oid:2.16.840.1.113883.6.96", "http://snomed.info/sct/"}
)
CPT_SYSTEM = "http://www.ama-assn.org/go/cpt"
HCPCS_SYSTEMS = frozenset(
    {"urn:oid:2.16.840.1.113883.6.285", "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"}
)
LOINC_SYSTEM = "http://loinc.org"
RXNORM_SYSTEM = "http://www.nlm.nih.gov/research/umls/rxnorm"
MBI_SYSTEM = "http://hl7.org/fhir/sid/us-mbi"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"

# CMS MBI format: C A AN N A AN N A A N N (letters except S L O I B Z).
_A, _AN = "AC-HJKMNP-RT-Y", "0-9AC-HJKMNP-RT-Y"
MBI_RE = re.compile(rf"[1-9][{_A}][{_AN}][0-9][{_A}][{_AN}][0-9][{_A}][{_A}][0-9][0-9]")
_DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def parse_date(value: Any, field: str, *, today: date | None = None, full: bool = False) -> date:
    """A FHIR date or dateTime as a local date; partial dates give the period's first day."""
    parsed = _full_date(value)
    if parsed is None:
        parsed = _date(value, field, full)
    if today is not None and parsed > today:
        raise Rejected(f"{field}: {parsed.isoformat()} is in the future")
    return parsed


def _full_date(value: Any) -> date | None:
    """The common case at C speed: a string that starts YYYY-MM-DD (a date or a dateTime)."""
    if type(value) is str and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _date(value: Any, field: str, full: bool) -> date:
    text = value if isinstance(value, str) else None
    match = _DATE_RE.match(text) if text else None
    if text is None or match is None or (full and match.group(3) is None):
        raise Rejected(f"{field}: {value!r} is not a {'full ' if full else ''}date")
    year, month, day = match.group(1), match.group(2) or "01", match.group(3) or "01"
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise Rejected(f"{field}: {value!r} is not a date") from None


def optional_date(value: Any, field: str, today: date | None = None) -> date | None:
    return None if value in (None, "") else parse_date(value, field, today=today)


def text(value: Any, field: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Rejected(f"{field}: expected text, got {type(value).__name__}")
    return value.strip()[:limit]


def as_list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Rejected(f"{field}: expected a list, got {type(value).__name__}")
    return value


def as_dict(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Rejected(f"{field}: expected an object, got {type(value).__name__}")
    return value


def codings(concept: Any, field: str) -> list[dict[str, Any]]:
    """The dict codings of a CodeableConcept (the hottest reader: written out, no helpers)."""
    if concept is None:
        return []
    if type(concept) is not dict:
        as_dict(concept, field)  # raises, naming the field
    found = concept.get("coding")
    if found is None:
        return []
    if type(found) is not list:
        as_list(found, f"{field}.coding")  # raises, naming the field
    return [c for c in found if isinstance(c, dict)]


def resource_id(resource: Resource) -> str:
    value = resource.get("id")
    if not isinstance(value, str) or not value.strip():
        raise Rejected(f"{resource.get('resourceType', 'resource')}.id: missing")
    if len(value) > 200:
        raise Rejected(f"{resource['resourceType']}.id: longer than 200 characters")
    return value.strip()


def reference_id(value: Any, field: str, kind: str) -> str:
    """The id a reference points at: urn:uuid:X, Kind/X, or an absolute URL ending in Kind/X."""
    reference = (value if type(value) is dict else as_dict(value, field)).get("reference")
    if not isinstance(reference, str) or not reference.strip():
        raise Rejected(f"{field}: no reference")
    reference = reference.strip()
    if reference.startswith("urn:uuid:"):
        return reference[len("urn:uuid:") :]
    parts = reference.split("/")
    if len(parts) >= 2 and parts[-2] == kind and parts[-1]:
        return parts[-1]
    if len(parts) >= 4 and parts[-2] == "_history" and parts[-4] == kind:
        return parts[-3]
    raise Rejected(f"{field}: {reference!r} is not a reference to a {kind}")


def patient_ref(value: Any, field: str) -> PatientRef:
    """A patient reference by id, or by identifier (an MRN) when the EMR sends only that."""
    data = value if type(value) is dict else as_dict(value, field)
    if data.get("reference"):  # the usual case: by id
        return PatientRef(source_id=reference_id(data, field, "Patient"))
    identifier = as_dict(data.get("identifier"), f"{field}.identifier")
    if isinstance(identifier.get("value"), str):
        return PatientRef(identifier=identifier["value"].strip())
    return PatientRef(source_id=reference_id(data, field, "Patient"))


def npi_of(resource: Resource) -> str:
    kind = resource["resourceType"]
    for ident in as_list(resource.get("identifier"), f"{kind}.identifier"):
        if (
            isinstance(ident, dict)
            and ident.get("system") == NPI_SYSTEM
            and isinstance(ident.get("value"), str)
        ):
            return str(ident["value"]).strip()
    return ""


# -- older and newer FHIR shapes (docs/import.md, "Reading policy") ----------------------------


def concept_codes(value: Any, field: str, notes: Notes) -> list[str]:
    """The codes of a CodeableConcept; a bare code string (STU3/DSTU2 `clinicalStatus`,
    `verificationStatus`) is read as that code, with a warning; any other shape is ignored
    with a warning: these are optional fields, never a reason to reject."""
    if isinstance(value, str):
        notes.warn(f"{field}: a code string (FHIR STU3/DSTU2 shape) read as the code")
        return [value.strip()]
    if value is not None and not isinstance(value, dict):
        notes.warn(f"{field}: {type(value).__name__} where a CodeableConcept belongs; ignored")
        return []
    try:
        return [str(c.get("code") or "") for c in codings(value, field)]
    except Rejected:
        notes.warn(f"{field}: coding is not a list; ignored")
        return []


def subject_of(resource: Resource, kind: str, notes: Notes) -> PatientRef:
    """The patient a fact is about: `subject` (R4, R5, STU3), else DSTU2's `patient`."""
    if resource.get("subject") is None and resource.get("patient") is not None:
        notes.warn(f"{kind}.patient: read as {kind}.subject (FHIR DSTU2 shape)")
        return patient_ref(resource["patient"], f"{kind}.patient")
    return patient_ref(resource.get("subject"), f"{kind}.subject")


def name_text(value: Any, field: str, notes: Notes, limit: int) -> str:
    """A name part: a string (R4), or DSTU2's list of strings (`family: ["Abbott"]`), joined."""
    if isinstance(value, list):
        notes.warn(f"{field}: a list of strings (FHIR DSTU2 shape) joined")
        return " ".join(v.strip() for v in value if isinstance(v, str)).strip()[:limit]
    return text(value, field, limit)


def listed(value: Any, field: str, notes: Notes) -> list[Any]:
    """A repeating element given once as an object (DSTU2 `Condition.category`) read as a list."""
    if isinstance(value, dict):
        notes.warn(f"{field}: one object where a list belongs (FHIR DSTU2 shape) read as a list")
        return [value]
    return as_list(value, field)


def listed_text(value: Any, field: str, notes: Notes) -> list[str]:
    """A list of strings (`name.given`); one string where the list belongs is read as one."""
    if isinstance(value, str):
        notes.warn(f"{field}: a string where a list belongs; read as one")
        return [value.strip()]
    return [v.strip() for v in as_list(value, field) if isinstance(v, str)]
