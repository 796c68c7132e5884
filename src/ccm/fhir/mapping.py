"""FHIR R4 resources (plain dicts) to ccm's records, by hand, with reasons that name the field.

``map_resource`` returns a record, ``None`` for a resource type ccm does not keep (counted
and skipped), or raises ``Rejected("Patient.birthDate: '19xx-02' is not a date")``.  ``today``
comes in as an argument (the core never reads the clock) to refuse dates in the future.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ccm.codes import is_valid_icd10cm, normalize_icd10
from ccm.fhir.fields import (
    CPT_SYSTEM,
    HCPCS_SYSTEMS,
    ICD10_SYSTEMS,
    LOINC_SYSTEM,
    MBI_RE,
    RXNORM_SYSTEM,
    SNOMED_SYSTEMS,
    Resource,
    as_dict,
    as_list,
    codings,
    concept_codes,
    listed,
    listed_text,
    name_text,
    npi_of,
    optional_date,
    parse_date,
    patient_ref,
    reference_id,
    resource_id,
    subject_of,
    text,
)
from ccm.fhir.payers import coverage_kind, map_claim, map_coverage
from ccm.fhir.records import (
    AllergyRecord,
    ConditionRecord,
    EncounterRecord,
    MedicationRecord,
    Notes,
    ObservationRecord,
    OrganizationRecord,
    PatientRecord,
    PractitionerRecord,
    Record,
    Rejected,
)
from ccm.fhir.states import state_code
from ccm.identifiers import Identifier, choose

# Re-exported: the CSV layout and the tests read these from here.
__all__ = [
    "KEPT_TYPES",
    "LINE_HINTS",
    "MBI_RE",
    "coverage_kind",
    "map_resource",
    "parse_date",
    "reference_id",
]

#: LOINC codes of the measurements kept (issue 4): blood pressure panel and components, HbA1c, weight, BMI, eGFR.
OBSERVATION_KINDS = {
    "85354-9": "blood_pressure",
    "55284-4": "blood_pressure",
    "4548-4": "hba1c",
    "29463-7": "weight",
    "39156-5": "bmi",
    # eGFR (CKD-EPI 2021, CKD-EPI, MDRD): kidney function for the patient page's trend.
    "98979-8": "egfr",
    "62238-1": "egfr",
    "33914-3": "egfr",
}
SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"
_SEX = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}
_CLINICAL = {"active", "recurrence", "relapse", "inactive", "remission", "resolved"}


#: The patient-animal extension of R4 (STU3 and DSTU2 have an `animal` element instead).
ANIMAL_EXTENSION = "http://hl7.org/fhir/StructureDefinition/patient-animal"


def _identifiers(resource: Resource, notes: Notes) -> list[Identifier]:
    """Patient.identifier as `ccm.identifiers` values: value, system, type codes and text."""
    found = []
    for ident in as_list(resource.get("identifier"), "Patient.identifier"):
        if not isinstance(ident, dict) or not isinstance(ident.get("value"), str):
            continue
        kind = ident.get("type")
        codes = tuple(c for c in concept_codes(kind, "Patient.identifier.type", notes) if c)
        label = kind.get("text") if isinstance(kind, dict) else ""
        system = ident.get("system")
        found.append(
            Identifier(
                ident["value"],
                system if isinstance(system, str) else "",
                codes,
                label if isinstance(label, str) else "",
            )
        )
    return found


def _is_animal(resource: Resource) -> bool:
    if resource.get("animal"):
        return True
    return any(
        isinstance(e, dict) and e.get("url") == ANIMAL_EXTENSION
        for e in resource.get("extension") or ()
    )


def map_patient(resource: Resource, today: date, notes: Notes) -> PatientRecord:
    """Patient: MRN and MBI by `ccm.identifiers` (never an SSN; without an MRN the resource id
    is the key, with a warning), name (DSTU2's list-valued family read), birth date, death."""
    source_id = resource_id(resource)
    identity = choose(_identifiers(resource, notes), "Patient.identifier", notes.mrn_system)
    for warning in identity.warnings:
        notes.warn(warning)
    mrn = identity.mrn or source_id
    if len(mrn) > 64:
        raise Rejected("Patient.identifier: MRN longer than 64 characters")
    names = [n for n in as_list(resource.get("name"), "Patient.name") if isinstance(n, dict)]
    official = next((n for n in names if n.get("use") == "official"), names[0] if names else None)
    if official is None:
        raise Rejected("Patient.name: missing")
    given = " ".join(
        g for g in listed_text(official.get("given"), "Patient.name.given", notes) if g
    )[:100]
    family = name_text(official.get("family"), "Patient.name.family", notes, 100)
    if not family and not given:
        if isinstance(official.get("text"), str) and official["text"].strip():
            family = official["text"].strip()[:100]
            notes.warn("Patient.name: only text given; kept as the family name")
        else:
            raise Rejected("Patient.name: has neither family nor given name")
    if "birthDate" not in resource:
        raise Rejected("Patient.birthDate: missing")
    birth = parse_date(resource["birthDate"], "Patient.birthDate", today=today, full=True)
    gender = resource.get("gender")
    if isinstance(gender, str) and gender.lower() in _SEX:
        gender = gender.lower()
    elif gender is not None:
        notes.warn(f"Patient.gender: {str(gender)[:20]!r} is not a FHIR gender; left unknown")
        gender = "unknown"
    deceased: date | None = None
    if resource.get("deceasedDateTime") is not None:
        deceased = parse_date(resource["deceasedDateTime"], "Patient.deceasedDateTime", today=today)
        if deceased < birth:
            raise Rejected("Patient.deceasedDateTime: before the birth date")
    elif resource.get("deceasedBoolean") is True:
        # Died on a date the EMR does not give: the birth date is the earliest it can be, so no
        # audit of any month ever offers this patient (docs/import.md).
        deceased = birth
        notes.warn("Patient.deceasedBoolean: no date of death; treated as deceased for every month")
    phone = next(
        (
            t.get("value")
            for t in as_list(resource.get("telecom"), "Patient.telecom")
            if isinstance(t, dict)
            and t.get("system") == "phone"
            and isinstance(t.get("value"), str)
        ),
        "",
    )
    address = next(
        (a for a in as_list(resource.get("address"), "Patient.address") if isinstance(a, dict)), {}
    )
    lines = [x for x in as_list(address.get("line"), "Patient.address.line") if isinstance(x, str)]
    animal = _is_animal(resource)
    if animal:
        notes.warn("Patient.animal: a veterinary patient; kept, never an opportunity")
    return PatientRecord(
        source_id=source_id,
        mrn=mrn,
        given_name=given,
        family_name=family,
        birth_date=birth,
        sex=_SEX.get(gender or "unknown", "unknown"),
        phone=str(phone)[:30],
        address_line=" ".join(lines)[:200],
        city=text(address.get("city"), "Patient.address.city", 100),
        state=state_code(text(address.get("state"), "Patient.address.state", 60)),
        postal_code=text(address.get("postalCode"), "Patient.address.postalCode", 10),
        mbi=identity.mbi,
        deceased_date=deceased,
        animal=animal,
    )


def _optional(read: Callable[[], date | None], field: str, notes: Notes) -> date | None:
    """An optional date: unreadable is a warning and no date, never a rejection."""
    try:
        return read()
    except Rejected as error:
        notes.warn(f"{error}; ignored")
        return None


def map_condition(resource: Resource, today: date, notes: Notes) -> ConditionRecord | None:
    """Condition with an ICD-10-CM and/or SNOMED CT coding, problem-list or encounter-diagnosis.

    Status fields in any version's shape (R4 CodeableConcept, STU3/DSTU2 code string)."""
    source_id = resource_id(resource)
    verification = set(
        concept_codes(resource.get("verificationStatus"), "Condition.verificationStatus", notes)
    )
    if verification & {"entered-in-error", "refuted"}:
        return None
    patient = subject_of(resource, "Condition", notes)
    icd10 = snomed = display = ""
    unknown: list[str] = []
    for coding in codings(resource.get("code"), "Condition.code"):
        system, code = coding.get("system"), coding.get("code")
        if not isinstance(code, str) or not code.strip():
            continue
        if system in ICD10_SYSTEMS and not icd10:
            normal = normalize_icd10(code)
            if is_valid_icd10cm(normal):
                icd10 = (normal[:3] + "." + normal[3:]) if len(normal) > 3 else normal
            else:
                unknown.append(f"{code!r} is not an ICD-10-CM code")
        elif system in SNOMED_SYSTEMS and not snomed:
            if not code.strip().isdigit() or len(code.strip()) > 18:
                unknown.append(f"{code!r} is not a SNOMED CT code")
            else:
                snomed = code.strip()
        display = display or text(coding.get("display"), "Condition.code.coding.display", 300)
    if not icd10 and not snomed:
        why = "; ".join(unknown) if unknown else "no ICD-10-CM or SNOMED CT coding"
        raise Rejected(f"Condition.code: {why}")
    status_codes = [
        c.lower()
        for c in concept_codes(resource.get("clinicalStatus"), "Condition.clinicalStatus", notes)
    ]
    status = next((s for s in status_codes if s in _CLINICAL), "active")
    if resource.get("abatementBoolean") is True and not status_codes:
        status = "resolved"  # DSTU2/STU3: abated, no date
    onset = resource.get("onsetDateTime") or as_dict(
        resource.get("onsetPeriod"), "Condition.onsetPeriod"
    ).get("start")
    abatement = resource.get("abatementDateTime") or as_dict(
        resource.get("abatementPeriod"), "Condition.abatementPeriod"
    ).get("start")
    categories = [
        c
        for cat in listed(resource.get("category"), "Condition.category", notes)
        for c in concept_codes(cat, "Condition.category", notes)
    ]
    return ConditionRecord(
        source_id=source_id,
        patient=patient,
        icd10_code=icd10,
        snomed_code=snomed,
        display=display
        or text(
            as_dict(resource.get("code"), "Condition.code").get("text"), "Condition.code.text", 300
        ),
        onset_date=optional_date(onset, "Condition.onset", today),
        abatement_date=_optional(
            lambda: optional_date(abatement, "Condition.abatement"), "Condition.abatement", notes
        ),
        clinical_status=status,
        category=next((c for c in categories if c), "")[:40],
    )


#: DSTU2's Encounter.class codes (a plain string) and R4's v3 ActCode codes, to ccm's classes.
_CLASSES = {
    "amb": "AMB",
    "ambulatory": "AMB",
    "outpatient": "AMB",
    "emer": "EMER",
    "emergency": "EMER",
    "imp": "IMP",
    "inpatient": "IMP",
    "acute": "IMP",
    "nonac": "IMP",
    "obsenc": "IMP",
    "hh": "HH",
    "home": "HH",
    "vr": "VR",
    "virtual": "VR",
}


def _encounter_class(value: Any, notes: Notes) -> str:
    """Encounter.class: a Coding (STU3, R4), a code string (DSTU2) or a list of
    CodeableConcepts (R5); an unknown or unreadable class is OTHER, never a rejection."""
    code: Any = None
    if isinstance(value, str):
        notes.warn("Encounter.class: a code string (FHIR DSTU2 shape) read as the code")
        code = value
    elif isinstance(value, dict):
        code = value.get("code")
    elif isinstance(value, list):  # R5: 0..* CodeableConcept
        found = [c for v in value for c in concept_codes(v, "Encounter.class", notes) if c]
        code = found[0] if found else None
    elif value is not None:
        notes.warn("Encounter.class: not a Coding; ignored")
    if code is None:
        return "AMB"
    return _CLASSES.get(str(code).strip().lower(), "OTHER")


def map_encounter(resource: Resource, today: date, notes: Notes) -> EncounterRecord:
    """Encounter: class, type (CPT preferred, then HCPCS, then SNOMED), period start (R5:
    actualPeriod), first participant (R5: actor) as practitioner."""
    source_id = resource_id(resource)
    patient = subject_of(resource, "Encounter", notes)
    period = as_dict(resource.get("period") or resource.get("actualPeriod"), "Encounter.period")
    if not period.get("start"):
        raise Rejected("Encounter.period.start: missing")
    day = parse_date(period["start"], "Encounter.period.start", today=today)
    klass = _encounter_class(resource.get("class"), notes)
    best: tuple[int, str, str, str] | None = None
    for concept in listed(resource.get("type"), "Encounter.type", notes):
        for coding in codings(concept, "Encounter.type"):
            system, code = coding.get("system"), coding.get("code")
            if not isinstance(code, str):
                continue
            rank = (
                0
                if system == CPT_SYSTEM
                else 1
                if system in HCPCS_SYSTEMS
                else 2
                if system in SNOMED_SYSTEMS
                else None
            )
            if rank is not None and (best is None or rank < best[0]):
                name = "cpt" if rank == 0 else "hcpcs" if rank == 1 else "snomed"
                best = (
                    rank,
                    name,
                    code.strip()[:20],
                    text(coding.get("display"), "Encounter.type.display", 200),
                )
    practitioner = ""
    for participant in as_list(resource.get("participant"), "Encounter.participant"):
        data = as_dict(participant, "Encounter.participant")
        individual = data.get("individual") or data.get("actor")
        reference = individual.get("reference") if isinstance(individual, dict) else None
        if isinstance(reference, str) and reference.startswith("Practitioner?"):
            continue  # a conditional reference (Synthea: by NPI), not an id: passed over as below
        if individual:
            try:
                practitioner = reference_id(
                    individual, "Encounter.participant.individual", "Practitioner"
                )
            except Rejected:
                continue
            break
    return EncounterRecord(
        source_id=source_id,
        patient=patient,
        date=day,
        encounter_class=klass,
        type_system=best[1] if best else "",
        type_code=best[2] if best else "",
        type_display=best[3] if best else "",
        practitioner_id=practitioner,
    )


def _quantity(value: Any, field: str) -> tuple[Decimal, str]:
    quantity = as_dict(value, field)
    raw = quantity.get("value")
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise Rejected(f"{field}.value: missing or not a number")
    try:
        number = Decimal(str(raw)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise Rejected(f"{field}.value: {raw!r} is not a number") from None
    if not number.is_finite() or abs(number) >= 100000:
        raise Rejected(f"{field}.value: {raw!r} is out of range")
    return number, text(quantity.get("unit") or quantity.get("code"), f"{field}.unit", 20)


def map_observation(resource: Resource, today: date, notes: Notes) -> ObservationRecord | None:
    """Blood pressure (85354-9 with 8480-6/8462-4), HbA1c 4548-4, weight 29463-7, BMI 39156-5."""
    codes = [
        c.get("code")
        for c in codings(resource.get("code"), "Observation.code")
        if c.get("system") == LOINC_SYSTEM
    ]
    kind = next((OBSERVATION_KINDS[c] for c in codes if c in OBSERVATION_KINDS), None)
    if kind is None or resource.get("status") in ("entered-in-error", "cancelled"):
        return None
    source_id = resource_id(resource)
    patient = subject_of(resource, "Observation", notes)
    when = resource.get("effectiveDateTime") or as_dict(
        resource.get("effectivePeriod"), "Observation.effectivePeriod"
    ).get("start")
    if not when:
        raise Rejected("Observation.effective: missing")
    day = parse_date(when, "Observation.effective", today=today)
    if kind == "blood_pressure":
        parts: dict[str, tuple[Decimal, str]] = {}
        for component in as_list(resource.get("component"), "Observation.component"):
            for coding in codings(
                as_dict(component, "Observation.component").get("code"),
                "Observation.component.code",
            ):
                if coding.get("code") in (SYSTOLIC, DIASTOLIC):
                    parts[coding["code"]] = _quantity(
                        component.get("valueQuantity"), "Observation.component.valueQuantity"
                    )
        if SYSTOLIC not in parts or DIASTOLIC not in parts:
            raise Rejected(
                "Observation.component: blood pressure needs systolic 8480-6 and diastolic 8462-4"
            )
        return ObservationRecord(
            source_id,
            patient,
            kind,
            day,
            parts[SYSTOLIC][0],
            parts[DIASTOLIC][0],
            parts[SYSTOLIC][1],
        )
    value, unit = _quantity(resource.get("valueQuantity"), "Observation.valueQuantity")
    return ObservationRecord(source_id, patient, kind, day, value, None, unit)


def map_medication(resource: Resource, today: date, notes: Notes) -> MedicationRecord:
    """MedicationRequest (DSTU2: MedicationOrder, `dateWritten`; R5: `medication.concept`):
    status, the RxNorm code, when it was written."""
    source_id = resource_id(resource)
    patient = subject_of(resource, "MedicationRequest", notes)
    medication = resource.get("medicationCodeableConcept")
    if medication is None and isinstance(resource.get("medication"), dict):
        medication = resource["medication"].get("concept")  # R5 CodeableReference
    concept = as_dict(medication, "MedicationRequest.medicationCodeableConcept")
    coded = codings(concept, "MedicationRequest.medicationCodeableConcept")
    rx = next((c for c in coded if c.get("system") == RXNORM_SYSTEM), coded[0] if coded else {})
    display = text(
        concept.get("text") or rx.get("display"), "MedicationRequest.medication.text", 300
    )
    if not rx and not display and not resource.get("medicationReference"):
        if isinstance(resource.get("medication"), dict) and resource["medication"].get("reference"):
            display = "(medication by reference)"
        else:
            raise Rejected("MedicationRequest.medication: missing")
    status = resource.get("status")
    if not isinstance(status, str):
        raise Rejected("MedicationRequest.status: missing")
    return MedicationRecord(
        source_id=source_id,
        patient=patient,
        status=status[:20],
        rxnorm_code=str(rx.get("code") or "")[:20],
        display=display,
        authored_on=_optional(
            lambda: optional_date(
                resource.get("authoredOn") or resource.get("dateWritten"),
                "MedicationRequest.authoredOn",
                today,
            ),
            "MedicationRequest.authoredOn",
            notes,
        ),
    )


def map_allergy(resource: Resource, today: date, notes: Notes) -> AllergyRecord | None:
    """AllergyIntolerance: the substance, the first reaction, criticality; entered-in-error and
    refuted ones are skipped (they are not allergies)."""
    source_id = resource_id(resource)
    patient = patient_ref(resource.get("patient"), "AllergyIntolerance.patient")
    status = _status_code(resource.get("clinicalStatus"), "AllergyIntolerance.clinicalStatus")
    verified = _status_code(
        resource.get("verificationStatus"), "AllergyIntolerance.verificationStatus"
    )
    if verified in ("entered-in-error", "refuted"):
        return None
    concept = as_dict(resource.get("code"), "AllergyIntolerance.code")
    coded = codings(concept, "AllergyIntolerance.code")
    substance = text(
        concept.get("text") or (coded[0].get("display") if coded else None),
        "AllergyIntolerance.code.text",
        300,
    )
    if not substance:
        raise Rejected("AllergyIntolerance.code: missing")
    reactions = as_list(resource.get("reaction"), "AllergyIntolerance.reaction")
    words = []
    for reaction in reactions[:1]:
        for manifestation in as_list(
            as_dict(reaction, "AllergyIntolerance.reaction").get("manifestation"),
            "AllergyIntolerance.reaction.manifestation",
        ):
            found = as_dict(manifestation, "AllergyIntolerance.reaction.manifestation")
            named = found.get("text") or next(
                (c.get("display") for c in codings(found, "AllergyIntolerance.reaction")), None
            )
            if isinstance(named, str):
                words.append(named)
    criticality = resource.get("criticality")
    return AllergyRecord(
        source_id=source_id,
        patient=patient,
        substance=substance,
        reaction=text(", ".join(words), "AllergyIntolerance.reaction", 300),
        criticality=criticality[:20] if isinstance(criticality, str) else "",
        clinical_status=(status or "active")[:12],
        recorded_on=optional_date(
            resource.get("recordedDate"), "AllergyIntolerance.recordedDate", today
        ),
    )


def _status_code(concept: Any, field: str) -> str:
    """The code of a status CodeableConcept (R4), or the plain code string (DSTU2/STU3)."""
    if isinstance(concept, str):
        return concept
    if concept is None:
        return ""
    coded = codings(as_dict(concept, field), field)
    code = coded[0].get("code") if coded else ""
    return code if isinstance(code, str) else ""


def map_practitioner(resource: Resource, today: date, notes: Notes) -> PractitionerRecord:
    """Practitioner: NPI and name (the importer keeps only valid NPIs as billing practitioners)."""
    source_id = resource_id(resource)
    names = [n for n in as_list(resource.get("name"), "Practitioner.name") if isinstance(n, dict)]
    name = names[0] if names else {}
    return PractitionerRecord(
        source_id,
        npi_of(resource),
        " ".join(listed_text(name.get("given"), "Practitioner.name.given", notes))[:100],
        name_text(name.get("family"), "Practitioner.name.family", notes, 100),
    )


def map_organization(resource: Resource, today: date, notes: Notes) -> OrganizationRecord:
    """Organization: name and NPI, kept so later references resolve."""
    source_id = resource_id(resource)
    return OrganizationRecord(
        source_id, text(resource.get("name"), "Organization.name", 200), npi_of(resource)
    )


MAPPERS: dict[str, Callable[[Resource, date, Notes], Record | None]] = {
    "Patient": map_patient,
    "Condition": map_condition,
    "Encounter": map_encounter,
    "Coverage": map_coverage,
    "Claim": map_claim,
    "ExplanationOfBenefit": map_claim,
    "Observation": map_observation,
    "MedicationRequest": map_medication,
    "AllergyIntolerance": map_allergy,
    "MedicationOrder": map_medication,  # DSTU2's name for MedicationRequest
    "Practitioner": map_practitioner,
    "Organization": map_organization,
}

#: The resource types ccm keeps; others are counted and skipped.
KEPT_TYPES = frozenset(MAPPERS)

#: For the reader (`ccm.fhir.read.read_ndjson`): an NDJSON line of the type that matches none
#: of its pattern, and holds no backslash (an escape could spell a code), maps to nothing and
#: is passed over unparsed. An Observation is kept only with one of OBSERVATION_KINDS's
#: codes, which JSON then writes as that quoted string; most of a bulk export's lines are
#: Observations of other codes, and parsing them was a fifth of the import's time
#: (bench/RESULTS.md, "import").
LINE_HINTS = {
    "Observation": re.compile(
        b'"(?:' + b"|".join(re.escape(c.encode()) for c in OBSERVATION_KINDS) + b')"'
    ),
}


def map_resource(resource: Resource, today: date, mrn_system: str = "") -> Record | None:
    """One resource to its record, with the warnings of what was guessed or ignored (the
    record's `warnings`); None for types ccm skips; Rejected with the field at fault.

    ``mrn_system`` is the practice's identifier system of its MRNs (ccm.identifiers)."""
    kind = resource.get("resourceType")
    if not isinstance(kind, str) or not kind:
        raise Rejected("resourceType: missing")
    mapper = MAPPERS.get(kind)
    if mapper is None:
        return None
    notes = Notes(mrn_system)
    try:
        record = mapper(resource, today, notes)
    except Rejected:
        raise
    except (TypeError, AttributeError, KeyError, ValueError) as error:
        # A shape the hand mapping did not foresee: reject the resource, never stop the run.
        raise Rejected(f"{kind}: unexpected structure ({error.__class__.__name__})") from None
    if record is not None and notes.warnings:
        record.warnings = tuple(dict.fromkeys(notes.warnings))
    return record
