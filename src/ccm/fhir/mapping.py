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
from ccm.fhir.records import (
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
from ccm.fhir.states import state_code

Resource = dict[str, Any]

ICD10_SYSTEMS = frozenset(
    {
        "http://hl7.org/fhir/sid/icd-10-cm",
        "http://hl7.org/fhir/sid/icd-10",
        "urn:oid:2.16.840.1.113883.6.90",
    }
)
SNOMED_SYSTEM = "http://snomed.info/sct"
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

#: LOINC codes of the measurements kept (issue 4): blood pressure panel and components, HbA1c, weight, BMI.
OBSERVATION_KINDS = {
    "85354-9": "blood_pressure",
    "55284-4": "blood_pressure",
    "4548-4": "hba1c",
    "29463-7": "weight",
    "39156-5": "bmi",
}
SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"
_SEX = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}
_CLINICAL = {"active", "recurrence", "relapse", "inactive", "remission", "resolved"}


def parse_date(value: Any, field: str, *, today: date | None = None, full: bool = False) -> date:
    """A FHIR date or dateTime as a local date; partial dates give the period's first day."""
    text = value if isinstance(value, str) else None
    match = _DATE_RE.match(text) if text else None
    if text is None or match is None or (full and match.group(3) is None):
        raise Rejected(f"{field}: {value!r} is not a {'full ' if full else ''}date")
    year, month, day = match.group(1), match.group(2) or "01", match.group(3) or "01"
    try:
        parsed = date(int(year), int(month), int(day))
    except ValueError:
        raise Rejected(f"{field}: {value!r} is not a date") from None
    if today is not None and parsed > today:
        raise Rejected(f"{field}: {parsed.isoformat()} is in the future")
    return parsed


def _optional_date(value: Any, field: str, today: date | None = None) -> date | None:
    return None if value in (None, "") else parse_date(value, field, today=today)


def _text(value: Any, field: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Rejected(f"{field}: expected text, got {type(value).__name__}")
    return value.strip()[:limit]


def _list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Rejected(f"{field}: expected a list, got {type(value).__name__}")
    return value


def _dict(value: Any, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Rejected(f"{field}: expected an object, got {type(value).__name__}")
    return value


def _codings(concept: Any, field: str) -> list[dict[str, Any]]:
    return [
        c
        for c in _list(_dict(concept, field).get("coding"), f"{field}.coding")
        if isinstance(c, dict)
    ]


def _resource_id(resource: Resource) -> str:
    value = resource.get("id")
    if not isinstance(value, str) or not value.strip():
        raise Rejected(f"{resource.get('resourceType', 'resource')}.id: missing")
    if len(value) > 200:
        raise Rejected(f"{resource['resourceType']}.id: longer than 200 characters")
    return value.strip()


def reference_id(value: Any, field: str, kind: str) -> str:
    """The id a reference points at: urn:uuid:X, Kind/X, or an absolute URL ending in Kind/X."""
    reference = _dict(value, field).get("reference")
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
    data = _dict(value, field)
    identifier = _dict(data.get("identifier"), f"{field}.identifier")
    if not data.get("reference") and isinstance(identifier.get("value"), str):
        return PatientRef(identifier=identifier["value"].strip())
    return PatientRef(source_id=reference_id(data, field, "Patient"))


def map_patient(resource: Resource, today: date) -> PatientRecord:
    """Patient: MRN from the MR identifier, else the first identifier, else the resource id."""
    source_id = _resource_id(resource)
    identifiers = [
        i for i in _list(resource.get("identifier"), "Patient.identifier") if isinstance(i, dict)
    ]
    mrn, mbi, warnings = "", "", []
    for ident in identifiers:
        codes = {c.get("code") for c in _codings(ident.get("type"), "Patient.identifier.type")}
        if "MR" in codes and isinstance(ident.get("value"), str) and not mrn:
            mrn = ident["value"].strip()
        if ident.get("system") == MBI_SYSTEM and isinstance(ident.get("value"), str):
            candidate = re.sub(r"[\s-]", "", ident["value"]).upper()
            if MBI_RE.fullmatch(candidate):
                mbi = candidate
            else:
                warnings.append(
                    "Patient.identifier (MBI): not in the CMS MBI format; field left empty"
                )
    if not mrn:
        firsts = [
            i["value"].strip()
            for i in identifiers
            if isinstance(i.get("value"), str) and i["value"].strip()
        ]
        mrn = firsts[0] if firsts else source_id
    if len(mrn) > 64:
        raise Rejected("Patient.identifier: MRN longer than 64 characters")
    names = [n for n in _list(resource.get("name"), "Patient.name") if isinstance(n, dict)]
    official = next((n for n in names if n.get("use") == "official"), names[0] if names else None)
    if official is None:
        raise Rejected("Patient.name: missing")
    given = " ".join(
        g for g in _list(official.get("given"), "Patient.name.given") if isinstance(g, str)
    )
    family = _text(official.get("family"), "Patient.name.family", 100)
    if not family and not given:
        raise Rejected("Patient.name: has neither family nor given name")
    if "birthDate" not in resource:
        raise Rejected("Patient.birthDate: missing")
    birth = parse_date(resource["birthDate"], "Patient.birthDate", today=today, full=True)
    gender = resource.get("gender")
    if gender is not None and gender not in _SEX:
        raise Rejected(f"Patient.gender: {gender!r} is not a FHIR administrative gender")
    deceased: date | None = None
    if resource.get("deceasedDateTime") is not None:
        deceased = parse_date(resource["deceasedDateTime"], "Patient.deceasedDateTime", today=today)
        if deceased < birth:
            raise Rejected("Patient.deceasedDateTime: before the birth date")
    elif resource.get("deceasedBoolean") is True:
        # Died on a date the EMR does not give: the birth date is the earliest it can be, so no
        # audit of any month ever offers this patient (docs/import.md).
        deceased = birth
        warnings.append(
            "Patient.deceasedBoolean: no date of death; treated as deceased for every month"
        )
    phone = next(
        (
            t.get("value")
            for t in _list(resource.get("telecom"), "Patient.telecom")
            if isinstance(t, dict)
            and t.get("system") == "phone"
            and isinstance(t.get("value"), str)
        ),
        "",
    )
    address = next(
        (a for a in _list(resource.get("address"), "Patient.address") if isinstance(a, dict)), {}
    )
    lines = [x for x in _list(address.get("line"), "Patient.address.line") if isinstance(x, str)]
    return PatientRecord(
        source_id=source_id,
        mrn=mrn,
        given_name=given.strip()[:100],
        family_name=family,
        birth_date=birth,
        sex=_SEX.get(gender or "unknown", "unknown"),
        phone=str(phone)[:30],
        address_line=" ".join(lines)[:200],
        city=_text(address.get("city"), "Patient.address.city", 100),
        state=state_code(_text(address.get("state"), "Patient.address.state", 60)),
        postal_code=_text(address.get("postalCode"), "Patient.address.postalCode", 10),
        mbi=mbi,
        deceased_date=deceased,
        warnings=tuple(warnings),
    )


def map_condition(resource: Resource, today: date) -> ConditionRecord | None:
    """Condition with an ICD-10-CM and/or SNOMED CT coding, problem-list or encounter-diagnosis."""
    source_id = _resource_id(resource)
    verification = {
        c.get("code")
        for c in _codings(resource.get("verificationStatus"), "Condition.verificationStatus")
    }
    if verification & {"entered-in-error", "refuted"}:
        return None
    patient = patient_ref(resource.get("subject"), "Condition.subject")
    icd10 = snomed = display = ""
    unknown: list[str] = []
    for coding in _codings(resource.get("code"), "Condition.code"):
        system, code = coding.get("system"), coding.get("code")
        if not isinstance(code, str) or not code.strip():
            continue
        if system in ICD10_SYSTEMS and not icd10:
            normal = normalize_icd10(code)
            if is_valid_icd10cm(normal):
                icd10 = (normal[:3] + "." + normal[3:]) if len(normal) > 3 else normal
            else:
                unknown.append(f"{code!r} is not an ICD-10-CM code")
        elif system == SNOMED_SYSTEM and not snomed:
            if not code.strip().isdigit() or len(code.strip()) > 18:
                unknown.append(f"{code!r} is not a SNOMED CT code")
            else:
                snomed = code.strip()
        display = display or _text(coding.get("display"), "Condition.code.coding.display", 300)
    if not icd10 and not snomed:
        why = "; ".join(unknown) if unknown else "no ICD-10-CM or SNOMED CT coding"
        raise Rejected(f"Condition.code: {why}")
    status_codes = [
        c.get("code") for c in _codings(resource.get("clinicalStatus"), "Condition.clinicalStatus")
    ]
    status = next((s for s in status_codes if s in _CLINICAL), "active")
    onset = resource.get("onsetDateTime") or _dict(
        resource.get("onsetPeriod"), "Condition.onsetPeriod"
    ).get("start")
    abatement = resource.get("abatementDateTime") or _dict(
        resource.get("abatementPeriod"), "Condition.abatementPeriod"
    ).get("start")
    categories = [
        c.get("code")
        for cat in _list(resource.get("category"), "Condition.category")
        for c in _codings(cat, "Condition.category")
    ]
    return ConditionRecord(
        source_id=source_id,
        patient=patient,
        icd10_code=icd10,
        snomed_code=snomed,
        display=display
        or _text(
            _dict(resource.get("code"), "Condition.code").get("text"), "Condition.code.text", 300
        ),
        onset_date=_optional_date(onset, "Condition.onset", today),
        abatement_date=_optional_date(abatement, "Condition.abatement"),
        clinical_status=status,
        category=next((c for c in categories if isinstance(c, str)), ""),
    )


def map_encounter(resource: Resource, today: date) -> EncounterRecord:
    """Encounter: class, type (CPT preferred, then HCPCS, then SNOMED), period start, first participant."""
    source_id = _resource_id(resource)
    patient = patient_ref(resource.get("subject"), "Encounter.subject")
    period = _dict(resource.get("period"), "Encounter.period")
    if not period.get("start"):
        raise Rejected("Encounter.period.start: missing")
    day = parse_date(period["start"], "Encounter.period.start", today=today)
    klass = _dict(resource.get("class"), "Encounter.class").get("code") or "AMB"
    best: tuple[int, str, str, str] | None = None
    for concept in _list(resource.get("type"), "Encounter.type"):
        for coding in _codings(concept, "Encounter.type"):
            system, code = coding.get("system"), coding.get("code")
            if not isinstance(code, str):
                continue
            rank = (
                0
                if system == CPT_SYSTEM
                else 1
                if system in HCPCS_SYSTEMS
                else 2
                if system == SNOMED_SYSTEM
                else None
            )
            if rank is not None and (best is None or rank < best[0]):
                name = "cpt" if rank == 0 else "hcpcs" if rank == 1 else "snomed"
                best = (
                    rank,
                    name,
                    code.strip()[:20],
                    _text(coding.get("display"), "Encounter.type.display", 200),
                )
    practitioner = ""
    for participant in _list(resource.get("participant"), "Encounter.participant"):
        individual = _dict(participant, "Encounter.participant").get("individual")
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
        encounter_class=klass if klass in {"AMB", "EMER", "IMP", "HH", "VR"} else "OTHER",
        type_system=best[1] if best else "",
        type_code=best[2] if best else "",
        type_display=best[3] if best else "",
        practitioner_id=practitioner,
    )


def coverage_kind(*names: str) -> str:
    """Medicare Part B, Medicare Advantage, Medicaid, QMB (dual) or other, from payer words."""
    text = " ".join(names).lower().replace("_", " ")
    if "qmb" in text or "qualified medicare" in text or "dual" in text:
        return "qmb"
    if "advantage" in text or "part c" in text or "medicare managed" in text:
        return "medicare_advantage"
    if "medicare" in text or "part b" in text or "part-b" in text:
        return "medicare_part_b"
    if "medicaid" in text:
        return "medicaid"
    return "other"


# Source of Payment Typology (https://nahdo.org/sopt): the first digits say the payer family.
_SOPT = {
    "111": "medicare_part_b",
    "112": "medicare_advantage",
    "14": "qmb",
    "2": "medicaid",
    "1": "medicare_part_b",
}


def map_coverage(resource: Resource, today: date) -> CoverageRecord | None:
    """Coverage: the kind from the type (SOPT or words), the class names and the payor."""
    source_id = _resource_id(resource)
    if resource.get("status") in ("cancelled", "entered-in-error"):
        return None
    patient = patient_ref(resource.get("beneficiary"), "Coverage.beneficiary")
    type_concept = _dict(resource.get("type"), "Coverage.type")
    words = [_text(type_concept.get("text"), "Coverage.type.text", 200)]
    kind = ""
    for coding in _codings(type_concept, "Coverage.type"):
        code = str(coding.get("code") or "")
        words.append(str(coding.get("display") or ""))
        if coding.get("system") == "https://nahdo.org/sopt" and not kind:
            kind = next(
                (
                    k
                    for prefix, k in sorted(_SOPT.items(), key=lambda p: -len(p[0]))
                    if code.startswith(prefix)
                ),
                "",
            )
    payors = [p for p in _list(resource.get("payor"), "Coverage.payor") if isinstance(p, dict)]
    payer = next((str(p.get("display")) for p in payors if p.get("display")), "")
    classes = [c for c in _list(resource.get("class"), "Coverage.class") if isinstance(c, dict)]
    words += [str(c.get("name") or c.get("value") or "") for c in classes] + [payer]
    word_kind = coverage_kind(*words)
    if not kind or (kind == "medicare_part_b" and word_kind in ("medicare_advantage", "qmb")):
        kind = word_kind
    period = _dict(resource.get("period"), "Coverage.period")
    return CoverageRecord(
        source_id=source_id,
        patient=patient,
        kind=kind,
        payer_name=payer[:200],
        member_id=_text(resource.get("subscriberId"), "Coverage.subscriberId", 64),
        start_date=_optional_date(period.get("start"), "Coverage.period.start"),
        end_date=_optional_date(period.get("end"), "Coverage.period.end"),
    )


def map_claim_payer(resource: Resource, today: date) -> CoverageRecord | None:
    """The insurer named on a Claim or ExplanationOfBenefit (as Synthea writes it), dated by the claim."""
    kind_name = resource["resourceType"]
    source_id = _resource_id(resource)
    patient = patient_ref(resource.get("patient"), f"{kind_name}.patient")
    names = [str(_dict(resource.get("insurer"), f"{kind_name}.insurer").get("display") or "")]
    insurance = resource.get("insurance")
    # STU3-style EOBs (Blue Button v1) give one insurance object instead of a list
    for item in _list(
        [insurance] if isinstance(insurance, dict) else insurance, f"{kind_name}.insurance"
    ):
        coverage = _dict(
            _dict(item, f"{kind_name}.insurance").get("coverage"), f"{kind_name}.insurance.coverage"
        )
        names += [
            str(coverage.get("display") or ""),
            str(coverage.get("reference") or "").replace("-", " "),
        ]
    names = [n for n in names if n.strip()]
    if not names:
        return None
    period = _dict(resource.get("billablePeriod"), f"{kind_name}.billablePeriod")
    when = period.get("start") or resource.get("created")
    return CoverageRecord(
        source_id=source_id,
        patient=patient,
        kind=coverage_kind(*names),
        payer_name=names[0][:200],
        start_date=_optional_date(when, f"{kind_name}.billablePeriod.start", today),
        from_claims=True,
    )


def _quantity(value: Any, field: str) -> tuple[Decimal, str]:
    quantity = _dict(value, field)
    raw = quantity.get("value")
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise Rejected(f"{field}.value: missing or not a number")
    try:
        number = Decimal(str(raw)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise Rejected(f"{field}.value: {raw!r} is not a number") from None
    if not number.is_finite() or abs(number) >= 100000:
        raise Rejected(f"{field}.value: {raw!r} is out of range")
    return number, _text(quantity.get("unit") or quantity.get("code"), f"{field}.unit", 20)


def map_observation(resource: Resource, today: date) -> ObservationRecord | None:
    """Blood pressure (85354-9 with 8480-6/8462-4), HbA1c 4548-4, weight 29463-7, BMI 39156-5."""
    codes = [
        c.get("code")
        for c in _codings(resource.get("code"), "Observation.code")
        if c.get("system") == LOINC_SYSTEM
    ]
    kind = next((OBSERVATION_KINDS[c] for c in codes if c in OBSERVATION_KINDS), None)
    if kind is None or resource.get("status") in ("entered-in-error", "cancelled"):
        return None
    source_id = _resource_id(resource)
    patient = patient_ref(resource.get("subject"), "Observation.subject")
    when = resource.get("effectiveDateTime") or _dict(
        resource.get("effectivePeriod"), "Observation.effectivePeriod"
    ).get("start")
    if not when:
        raise Rejected("Observation.effective: missing")
    day = parse_date(when, "Observation.effective", today=today)
    if kind == "blood_pressure":
        parts: dict[str, tuple[Decimal, str]] = {}
        for component in _list(resource.get("component"), "Observation.component"):
            for coding in _codings(
                _dict(component, "Observation.component").get("code"), "Observation.component.code"
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


def map_medication(resource: Resource, today: date) -> MedicationRecord:
    """MedicationRequest: status, the RxNorm code, when it was written."""
    source_id = _resource_id(resource)
    patient = patient_ref(resource.get("subject"), "MedicationRequest.subject")
    concept = _dict(
        resource.get("medicationCodeableConcept"), "MedicationRequest.medicationCodeableConcept"
    )
    codings = _codings(concept, "MedicationRequest.medicationCodeableConcept")
    rx = next(
        (c for c in codings if c.get("system") == RXNORM_SYSTEM), codings[0] if codings else {}
    )
    display = _text(
        concept.get("text") or rx.get("display"), "MedicationRequest.medication.text", 300
    )
    if not rx and not display and not resource.get("medicationReference"):
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
        authored_on=_optional_date(
            resource.get("authoredOn"), "MedicationRequest.authoredOn", today
        ),
    )


def _npi(resource: Resource) -> str:
    kind = resource["resourceType"]
    for ident in _list(resource.get("identifier"), f"{kind}.identifier"):
        if (
            isinstance(ident, dict)
            and ident.get("system") == NPI_SYSTEM
            and isinstance(ident.get("value"), str)
        ):
            return str(ident["value"]).strip()
    return ""


def map_practitioner(resource: Resource, today: date) -> PractitionerRecord:
    """Practitioner: NPI and name (the importer keeps only valid NPIs as billing practitioners)."""
    source_id = _resource_id(resource)
    names = [n for n in _list(resource.get("name"), "Practitioner.name") if isinstance(n, dict)]
    name = names[0] if names else {}
    given = " ".join(
        g for g in _list(name.get("given"), "Practitioner.name.given") if isinstance(g, str)
    )
    return PractitionerRecord(
        source_id,
        _npi(resource),
        given[:100],
        _text(name.get("family"), "Practitioner.name.family", 100),
    )


def map_organization(resource: Resource, today: date) -> OrganizationRecord:
    """Organization: name and NPI, kept so later references resolve."""
    source_id = _resource_id(resource)
    return OrganizationRecord(
        source_id, _text(resource.get("name"), "Organization.name", 200), _npi(resource)
    )


MAPPERS: dict[str, Callable[[Resource, date], Record | None]] = {
    "Patient": map_patient,
    "Condition": map_condition,
    "Encounter": map_encounter,
    "Coverage": map_coverage,
    "Claim": map_claim_payer,
    "ExplanationOfBenefit": map_claim_payer,
    "Observation": map_observation,
    "MedicationRequest": map_medication,
    "Practitioner": map_practitioner,
    "Organization": map_organization,
}


def map_resource(resource: Resource, today: date) -> Record | None:
    """One resource to its record; None for types ccm skips; Rejected with the field at fault."""
    kind = resource.get("resourceType")
    if not isinstance(kind, str) or not kind:
        raise Rejected("resourceType: missing")
    mapper = MAPPERS.get(kind)
    if mapper is None:
        return None
    try:
        return mapper(resource, today)
    except Rejected:
        raise
    except (TypeError, AttributeError, KeyError, ValueError) as error:
        # A shape the hand mapping did not foresee: reject the resource, never stop the run.
        raise Rejected(f"{kind}: unexpected structure ({error.__class__.__name__})") from None
