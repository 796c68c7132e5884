"""C-CDA documents (CCD, Referral Note, any C-CDA R2.x document) to ccm's records.

What is read: the patient (recordTarget), problems, encounters (and their diagnoses, and the
header's encompassingEncounter), medications, vital signs and results (the measurements
ccm keeps: blood pressure, HbA1c, weight, BMI) and payers. Sections are found by templateId
or, failing that, by their LOINC section code (vendors drop templateIds). An entry ccm
cannot keep is rejected naming its element and line; an entry of a kind ccm does not keep
(an allergy, a sodium result) is counted as skipped; a negated entry ("no known problems",
"medication refused") asserts an absence and is skipped too. A section holding only
narrative text is a warning on the patient: nothing could be read from it.

Ids: the patient is keyed by its record number (``mrn:…``) and its facts refer to it by
that number; an entry's `id` (root^extension) is kept under the patient's key, so that the same document
imported again changes nothing and two patients' entries never collide; an entry without
an id is keyed by what it says (kind, code, date). Vendors reuse one id for several entries
(HL7's own examples do): the second and later ones get `~2`, `~3` (stable, in document order).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

from lxml import etree

from ccm import coverage_kinds as kinds
from ccm.ccda.values import (
    ACT_CODE,
    CPT,
    HCPCS,
    ICD10CM,
    LOINC,
    RXNORM,
    SNOMED,
    SOPT,
    V3,
    Element,
    attr,
    codes,
    display_of,
    find,
    findall,
    ident,
    is_full_ts,
    low_high,
    narrative_ids,
    optional_ts,
    quantity,
    referenced,
    template_ids,
    text_of,
    time_value,
    ts_date,
    where,
)
from ccm.codes import is_valid_icd10cm, normalize_icd10
from ccm.facts import Fact, Latest
from ccm.fhir.payers import coverage_kind, sopt_kind
from ccm.fhir.records import (
    ConditionRecord,
    CoverageRecord,
    EncounterRecord,
    MedicationRecord,
    ObservationRecord,
    PatientRecord,
    PatientRef,
    Record,
    Rejected,
)
from ccm.fhir.states import state_code
from ccm.identifiers import Identifier, choose, is_mbi_system, is_ssn
from ccm.reading import DEFAULT_LIMITS, InputError, Limits, expand_paths, open_input, read_document
from ccm.reading.xml import parse_xml

#: Section kinds by templateId (C-CDA R2.1, entries-optional and -required) and LOINC code.
SECTIONS = {
    "2.16.840.1.113883.10.20.22.2.5": "problems",
    "2.16.840.1.113883.10.20.22.2.5.1": "problems",
    "2.16.840.1.113883.10.20.22.2.22": "encounters",
    "2.16.840.1.113883.10.20.22.2.22.1": "encounters",
    "2.16.840.1.113883.10.20.22.2.1": "medications",
    "2.16.840.1.113883.10.20.22.2.1.1": "medications",
    "2.16.840.1.113883.10.20.22.2.4": "vitals",
    "2.16.840.1.113883.10.20.22.2.4.1": "vitals",
    "2.16.840.1.113883.10.20.22.2.3": "results",
    "2.16.840.1.113883.10.20.22.2.3.1": "results",
    "2.16.840.1.113883.10.20.22.2.18": "payers",
}
SECTION_CODES = {
    "11450-4": "problems",
    "46240-8": "encounters",
    "10160-0": "medications",
    "8716-3": "vitals",
    "30954-2": "results",
    "48768-6": "payers",
}
_SECTION_NAMES = {
    "problems": "Problems",
    "encounters": "Encounters",
    "medications": "Medications",
    "vitals": "Vital Signs",
    "results": "Results",
    "payers": "Payers",
}
PROBLEM_OBSERVATION = "2.16.840.1.113883.10.20.22.4.4"
PROBLEM_STATUS = "2.16.840.1.113883.10.20.22.4.6"
#: Problem status values (SNOMED CT) to FHIR clinical status.
_PROBLEM_STATUS = {"55561003": "active", "73425007": "inactive", "413322009": "resolved"}
#: LOINC codes of the measurements kept, as the FHIR reader keeps them (ccm.fhir.mapping),
#: with the other LOINC codes C-CDA documents use for the same measurement: body weight
#: measured (3141-9), HbA1c by HPLC (17856-6) and by electrophoresis (4549-2).
MEASURES = {
    "4548-4": "hba1c",
    "17856-6": "hba1c",
    "4549-2": "hba1c",
    "29463-7": "weight",
    "3141-9": "weight",
    "39156-5": "bmi",
}
SYSTOLIC, DIASTOLIC = "8480-6", "8462-4"
_ENCOUNTER_CLASSES = {"AMB": "AMB", "EMER": "EMER", "IMP": "IMP", "ACUTE": "IMP", "NONAC": "IMP",
                      "HH": "HH", "VR": "VR", "OBSENC": "OTHER", "SS": "AMB", "FLD": "OTHER"}  # fmt: skip
#: C-CDA medication statusCode (ActStatus) to the FHIR MedicationRequest status ccm keeps.
_MED_STATUS = {"active": "active", "completed": "completed", "aborted": "stopped",
               "suspended": "on-hold", "held": "on-hold", "cancelled": "cancelled",
               "new": "draft", "normal": "active"}  # fmt: skip
_SYSTEM_NAMES = {"2.16.840.1.113883.6.103": "ICD-9-CM", "2.16.840.1.113883.6.104": "ICD-9-CM",
                 "2.16.840.1.113883.6.3": "ICD-10", LOINC: "LOINC"}  # fmt: skip
_SEX = {"F": "female", "M": "male", "UN": "unknown", "O": "other"}


class _Doc:
    """One document's reading state: its label, the patient's key, the ids given so far."""

    def __init__(self, label: str, today: date) -> None:
        self.label = label
        self.today = today
        self.key = ""
        self.mrn = ""
        self.seen: dict[tuple[str, str], int] = {}
        self.facts: list[Fact] = []
        self.skipped: dict[str, int] = {}
        self.warnings: list[str] = []
        self.narrative: dict[str, Element] | None = None

    def text_for(self, code: Element | None, entry: Element) -> str:
        """The words the narrative gives a code or, failing that, the entry itself."""
        if self.narrative is None:
            self.narrative = narrative_ids(entry.getroottree().getroot())
        return display_of(code, self.narrative) or referenced(find(entry, "c:text"), self.narrative)

    @property
    def ref(self) -> PatientRef:
        """Facts name their patient by MRN: the row an earlier import (FHIR, CSV, another
        document) made for the same record number is the one they join."""
        return PatientRef(identifier=self.mrn)

    def source(self, element: Element | None) -> str:
        return f"{self.label}:{element.sourceline}" if element is not None else self.label

    def entry_id(self, kind: str, element: Element, *content: object) -> str:
        """The entry's id under the patient's key; see the module docstring."""
        own = ident(find(element, "c:id"))
        if not own:
            digest = hashlib.blake2b(repr(content).encode(), digest_size=8).hexdigest()
            own = f"{kind.lower()}:{digest}"
        base = f"{self.key}/{own}"
        if len(base) > 190:
            base = "h:" + hashlib.blake2b(base.encode(), digest_size=16).hexdigest()
        count = self.seen.get((kind, base), 0) + 1
        self.seen[(kind, base)] = count
        return base if count == 1 else f"{base}~{count}"

    def keep(self, kind: str, element: Element, record: Record) -> None:
        self.facts.append(Fact(self.source(element), kind, record.source_id, record))

    def reject(self, kind: str, element: Element | None, error: str, source_id: str = "") -> None:
        self.facts.append(Fact(self.source(element), kind, source_id, None, error))

    def skip(self, kind: str) -> None:
        self.skipped[kind] = self.skipped.get(kind, 0) + 1


def read_ccda(
    path: Path,
    label: str | None = None,
    today: date | None = None,
    limits: Limits = DEFAULT_LIMITS,
    configured_system: str = "",
) -> list[Fact]:
    """The facts of one C-CDA file; `InputError` when it is not a readable C-CDA document."""
    name = label or path.name
    data = read_document(path, name, limits)
    return map_document(data, name, today or date.today(), limits, configured_system)


def map_document(
    data: bytes | bytearray,
    label: str,
    today: date,
    limits: Limits = DEFAULT_LIMITS,
    configured_system: str = "",
) -> list[Fact]:
    """The facts of one C-CDA document's bytes: the patient first, then what is about them."""
    root = parse_xml(data, label, limits)
    if not isinstance(root.tag, str) or root.tag != V3 + "ClinicalDocument":
        name = etree.QName(root).localname if isinstance(root.tag, str) else "?"
        raise InputError(label, f"not a C-CDA document: the root element is {name!r}, not "
                         "ClinicalDocument in the urn:hl7-org:v3 namespace")  # fmt: skip
    doc = _Doc(label, today)
    role = find(root, "c:recordTarget/c:patientRole")
    try:
        patient = _patient(doc, role, configured_system)
    except Rejected as error:
        return [Fact(doc.source(role), "Patient", doc.key, None, str(error)), *_orphans(doc, root)]
    if len(findall(root, "c:recordTarget")) > 1:
        doc.warnings.append("recordTarget: more than one patient; only the first is read")
    _read_body(doc, root)
    if doc.warnings:
        patient.warnings = (*patient.warnings, *doc.warnings)
    facts = [Fact(doc.source(role), "Patient", patient.source_id, patient), *doc.facts]
    facts += [Fact(label, kind, "", None, None, n) for kind, n in sorted(doc.skipped.items())]
    return facts


def _orphans(doc: _Doc, root: Element) -> list[Fact]:
    """With its patient rejected, each fact the document holds is rejected too, saying why."""
    doc.key = doc.key or "?"
    _read_body(doc, root)
    reason = "its document's patient (recordTarget) was rejected"
    return [
        Fact(f.source, f.resource_type, f.source_id, None, f.error or reason) for f in doc.facts
    ]


def _read_body(doc: _Doc, root: Element) -> None:
    encompassing = find(root, "c:componentOf/c:encompassingEncounter")
    if encompassing is not None:
        _encounter(doc, encompassing, header=True)
    for section in root.iterfind(".//c:structuredBody//c:section", {"c": V3[1:-1]}):
        kind = _section_kind(section)
        if kind is None:
            continue
        entries = findall(section, "c:entry")
        if not entries:
            if section.get("nullFlavor") is None and text_of(find(section, "c:text")):
                doc.warnings.append(
                    f"{_SECTION_NAMES[kind]} section ({where(section)}): narrative text only, "
                    "no coded entries; nothing read from it"
                )
            continue
        READERS[kind](doc, section, entries)


def _either(first: Element | None, second: Element) -> Element:
    return first if first is not None else second


def _section_kind(section: Element) -> str | None:
    for root in template_ids(section):
        if root in SECTIONS:
            return SECTIONS[root]
    code = find(section, "c:code")
    return (
        SECTION_CODES.get(attr(code, "code")) if attr(code, "codeSystem") in ("", LOINC) else None
    )


# -- the patient ---------------------------------------------------------------------------
def _patient(doc: _Doc, role: Element | None, configured_system: str) -> PatientRecord:
    if role is None:
        raise Rejected("recordTarget/patientRole: missing")
    ids = findall(role, "c:id")
    found = [
        (Identifier(value=attr(i, "extension"), system=attr(i, "root")), i)
        for i in ids
        if not i.get("nullFlavor") and attr(i, "extension")
    ]
    identity = choose([i for i, _e in found], "patientRole/id", configured_system)
    warnings = list(identity.warnings)
    usable = [(i, e) for i, e in found if not is_ssn(i) and not is_mbi_system(i.system)]
    chosen = next(((i, e) for i, e in usable if i.value.strip() == identity.mrn), None)
    if chosen is None and usable:
        chosen = usable[0]  # no MRN by the policy: the EMR's first own id is the key
    person = find(role, "c:patient")
    if person is None:
        raise Rejected("patientRole/patient: missing")
    names = findall(person, "c:name")
    name = next((n for n in names if attr(n, "use") in ("", "L")), names[0] if names else None)
    given = " ".join(
        text_of(g, 100) for g in findall(name, "c:given") if attr(g, "qualifier") != "CL"
    )
    family = text_of(find(name, "c:family"), 100)
    if not given and not family:
        raise Rejected(
            f"patient/name: has neither family nor given name ({where(_either(name, person))})"
        )
    birth_element = find(person, "c:birthTime")
    birth_value = attr(birth_element, "value")
    if not birth_value:
        flavor = attr(birth_element, "nullFlavor")
        raise Rejected("patient/birthTime: missing" + (f" (nullFlavor {flavor})" if flavor else ""))
    if not is_full_ts(birth_value):
        raise Rejected(f"patient/birthTime: {birth_value[:20]!r} is not a full date")
    birth = ts_date(birth_value, "patient/birthTime", doc.today)
    sex = _SEX.get(attr(find(person, "c:administrativeGenderCode"), "code").upper(), "unknown")
    if chosen is not None:
        mrn = identity.mrn or chosen[0].value.strip()
    else:  # only an SSN or MBI (HL7's own CCD): keyed by who the patient is, never by the SSN
        who = "|".join((family.lower(), given.lower(), birth.isoformat(), sex))
        mrn = "CCDA-" + hashlib.blake2b(who.encode(), digest_size=8).hexdigest().upper()
        warnings = [w for w in warnings if "no medical record number" not in w]
        warnings.append(
            "patientRole/id: no identifier but a Social Security number or MBI; the patient is "
            f"keyed by name, birth date and sex as {mrn}"
        )
    if len(mrn) > 64:
        raise Rejected("patientRole/id/@extension: MRN longer than 64 characters")
    # keyed by the record number, not root^extension: HL7's own examples give one patient
    # under two roots, and a practice's MRN names one person whatever OID the export uses
    doc.mrn = mrn
    doc.key = mrn if mrn.startswith("CCDA-") else f"mrn:{mrn}"
    deceased = None
    died = find(person, "sdtc:deceasedTime")
    if attr(died, "value"):
        deceased = ts_date(attr(died, "value"), "patient/sdtc:deceasedTime", doc.today)
        if deceased < birth:
            raise Rejected("patient/sdtc:deceasedTime: before the birth date")
    elif attr(find(person, "sdtc:deceasedInd"), "value") == "true":
        deceased = birth  # died on a date the document does not give: never an opportunity
        warnings.append(
            "patient/sdtc:deceasedInd: no date of death; treated as deceased for every month"
        )
    addresses = findall(role, "c:addr")
    address = next(
        (a for a in addresses if "HP" in attr(a, "use").split()),
        addresses[0] if addresses else None,
    )
    phones = [
        attr(t, "value") for t in findall(role, "c:telecom") if attr(t, "value").startswith("tel:")
    ]
    return PatientRecord(
        source_id=doc.key,
        mrn=mrn,
        given_name=given[:100],
        family_name=family,
        birth_date=birth,
        sex=sex,
        phone=phones[0].removeprefix("tel:")[:30] if phones else "",
        address_line=" ".join(text_of(s, 200) for s in findall(address, "c:streetAddressLine"))[
            :200
        ],
        city=text_of(find(address, "c:city"), 100),
        state=state_code(text_of(find(address, "c:state"), 60)),
        postal_code=text_of(find(address, "c:postalCode"), 10),
        mbi=identity.mbi,
        deceased_date=deceased,
        warnings=tuple(warnings),
    )


# -- problems ------------------------------------------------------------------------------
def _items(
    doc: _Doc, entries: list[Element], kind: str, items_of: Callable[[Element], list[Element]]
) -> Iterator[Element]:
    """Each entry's items of one kind, in order; an entry holding none is counted as a skipped
    KIND (the import report says how many entries were not read), never silently dropped."""
    for entry in entries:
        items = items_of(entry)
        if not items:
            doc.skip(kind)
        yield from items


def _problems(doc: _Doc, section: Element, entries: list[Element]) -> None:
    for observation in _items(doc, entries, "Condition", _problem_observations):
        concern = observation.getparent()
        act = concern.getparent() if concern is not None else None
        _condition(doc, observation, act, "problem-list-item")


def _problem_observations(entry: Element) -> list[Element]:
    """The entry's problem observations by templateId; without templateIds, the concern act's
    subject, or the entry's own observation."""
    return [
        o for o in entry.iter(V3 + "observation") if PROBLEM_OBSERVATION in template_ids(o)
    ] or (
        findall(entry, "c:act/c:entryRelationship/c:observation") or findall(entry, "c:observation")
    )


def _condition(doc: _Doc, observation: Element, act: Element | None, category: str) -> None:
    if attr(observation, "negationInd").lower() == "true":
        doc.skip("Condition")  # "patient does not have diabetes": an absence, not a problem
        return
    value = find(observation, "c:value")
    found = codes(value)
    icd10 = snomed = ""
    unknown = []
    for code, system, _display in found:
        if system == ICD10CM and not icd10:
            normal = normalize_icd10(code)
            if is_valid_icd10cm(normal):
                icd10 = normal[:3] + "." + normal[3:] if len(normal) > 3 else normal
            else:
                unknown.append(f"{code[:20]!r} is not an ICD-10-CM code")
        elif system == SNOMED and not snomed:
            if code.isdigit() and len(code) <= 18:
                snomed = code
            else:
                unknown.append(f"{code[:20]!r} is not a SNOMED CT code")
    low, high = low_high(find(observation, "c:effectiveTime"))
    display = next((d for _c, _s, d in found if d), "") or display_of(value)
    source_id = doc.entry_id("Condition", observation, icd10, snomed, display, low)
    others = [f"{c.code} ({_SYSTEM_NAMES.get(c.system, c.system or 'no system')})" for c in found]
    if not icd10 and not snomed and others and not unknown:
        unknown.append(f"{', '.join(others)[:120]}: neither ICD-10-CM nor SNOMED CT")
    if not icd10 and not snomed:
        flavor = attr(value, "nullFlavor")
        why = "; ".join(unknown) or (
            f"nullFlavor {flavor} and no ICD-10-CM or SNOMED CT translation"
            if flavor
            else "no ICD-10-CM or SNOMED CT code"
        )
        doc.reject(
            "Condition",
            observation,
            f"Problem observation value ({where(_either(value, observation))}): {why}",
            source_id,
        )
        return
    status = ""
    for inner in observation.iter(V3 + "observation"):
        if PROBLEM_STATUS in template_ids(inner):
            status = _PROBLEM_STATUS.get(attr(find(inner, "c:value"), "code"), "")
    try:
        onset = optional_ts(low, "Problem observation effectiveTime/low", doc.today)
        abated = optional_ts(high, "Problem observation effectiveTime/high")
    except Rejected as error:
        doc.reject("Condition", observation, str(error), source_id)
        return
    if not status:
        concern_done = (
            attr(find(act, "c:statusCode"), "code") == "completed" if act is not None else False
        )
        status = "resolved" if (abated and abated <= doc.today) or concern_done else "active"
    doc.keep(
        "Condition",
        observation,
        ConditionRecord(
            source_id=source_id,
            patient=doc.ref,
            icd10_code=icd10,
            snomed_code=snomed,
            display=display,
            onset_date=onset,
            abatement_date=abated,
            clinical_status=status,
            category=category,
        ),
    )


# -- encounters ----------------------------------------------------------------------------
def _encounters(doc: _Doc, section: Element, entries: list[Element]) -> None:
    for encounter in _items(doc, entries, "Encounter", lambda e: findall(e, "c:encounter")):
        _encounter(doc, encounter)
        for observation in encounter.iter(V3 + "observation"):
            if PROBLEM_OBSERVATION in template_ids(observation):
                _condition(doc, observation, None, "encounter-diagnosis")


def _encounter(doc: _Doc, encounter: Element, header: bool = False) -> None:
    code = find(encounter, "c:code")
    found = codes(code)
    when = time_value(find(encounter, "c:effectiveTime"))
    ranked = sorted(
        (c for c in found if c.system in (CPT, HCPCS, SNOMED)),
        key=lambda c: (CPT, HCPCS, SNOMED).index(c.system),
    )
    best = ranked[0] if ranked else None
    source_id = doc.entry_id("Encounter", encounter, when, found)
    if not when:
        if header:
            return  # a header without a date says nothing the body does not
        doc.reject(
            "Encounter",
            encounter,
            f"Encounter effectiveTime ({where(encounter)}): missing",
            source_id,
        )
        return
    try:
        day = ts_date(when, "Encounter effectiveTime", doc.today)
    except Rejected as error:
        doc.reject("Encounter", encounter, str(error), source_id)
        return
    klass = next(
        (_ENCOUNTER_CLASSES.get(c.code, "OTHER") for c in found if c.system == ACT_CODE), "AMB"
    )
    system = {CPT: "cpt", HCPCS: "hcpcs", SNOMED: "snomed"}.get(best.system, "") if best else ""
    doc.keep(
        "Encounter",
        encounter,
        EncounterRecord(
            source_id=source_id,
            patient=doc.ref,
            date=day,
            encounter_class=klass,
            type_system=system,
            type_code=best.code[:20] if best else "",
            type_display=((best.display if best else "") or display_of(code))[:200],
        ),
    )


# -- medications ---------------------------------------------------------------------------
def _medications(doc: _Doc, section: Element, entries: list[Element]) -> None:
    given = _items(
        doc, entries, "MedicationRequest", lambda e: findall(e, "c:substanceAdministration")
    )
    for administration in given:
        _medication(doc, administration)


def _medication(doc: _Doc, administration: Element) -> None:
    status_code = attr(find(administration, "c:statusCode"), "code")
    if attr(administration, "negationInd").lower() == "true" or status_code == "nullified":
        doc.skip("MedicationRequest")  # refused or entered in error: not a medication taken
        return
    material = find(administration, "c:consumable/c:manufacturedProduct/c:manufacturedMaterial")
    code = find(material, "c:code")
    found = codes(code)
    rx = next((c for c in found if c.system == RXNORM), None)
    display = (
        (rx.display if rx else "")
        or display_of(code)
        or text_of(find(material, "c:name"), 300)
        or doc.text_for(code, administration)  # a narrative-only entry: its text is its name
    )
    authored_value = attr(find(administration, "c:author/c:time"), "value")
    start = next(
        (low for t in findall(administration, "c:effectiveTime") if (low := low_high(t)[0])), ""
    )
    source_id = doc.entry_id("MedicationRequest", administration, found, display, start)
    if not rx and not display:
        doc.reject("MedicationRequest", administration,
                   f"manufacturedMaterial/code ({where(administration)}): no RxNorm code and no name",
                   source_id)  # fmt: skip
        return
    try:
        authored = optional_ts(authored_value or start, "substanceAdministration author/time")
    except Rejected as error:
        doc.reject("MedicationRequest", administration, str(error), source_id)
        return
    doc.keep(
        "MedicationRequest",
        administration,
        MedicationRecord(
            source_id=source_id,
            patient=doc.ref,
            status=_MED_STATUS.get(status_code, "unknown"),
            rxnorm_code=rx.code[:20] if rx else "",
            display=display[:300],
            authored_on=authored if authored is None or authored <= doc.today else None,
        ),
    )


# -- vital signs and results ---------------------------------------------------------------
def _measurements(doc: _Doc, section: Element, entries: list[Element]) -> None:
    for entry in entries:
        organizers = findall(entry, "c:organizer")
        groups: list[tuple[Element | None, list[Element]]] = [
            (o, findall(o, "c:component/c:observation")) for o in organizers
        ]
        for organizer, observations in groups or [(None, findall(entry, "c:observation"))]:
            _measurement_group(doc, organizer, observations)


def _measurement_group(doc: _Doc, organizer: Element | None, observations: list[Element]) -> None:
    pressure: dict[str, Element] = {}
    for observation in observations:
        loinc = [c.code for c in codes(find(observation, "c:code")) if c.system in (LOINC, "")]
        status = attr(find(observation, "c:statusCode"), "code")
        if (
            status in ("cancelled", "nullified", "aborted")
            or attr(observation, "negationInd") == "true"
        ):
            doc.skip("Observation")
            continue
        if SYSTOLIC in loinc or DIASTOLIC in loinc:
            pressure[SYSTOLIC if SYSTOLIC in loinc else DIASTOLIC] = observation
            continue
        kind = next((MEASURES[c] for c in loinc if c in MEASURES), None)
        if kind is None:
            doc.skip("Observation")
            continue
        _single(doc, organizer, observation, kind)
    if pressure:
        _pressure(doc, organizer, pressure)


def _when(doc: _Doc, observation: Element, organizer: Element | None) -> date:
    value = time_value(find(observation, "c:effectiveTime")) or time_value(
        find(organizer, "c:effectiveTime")
    )
    if not value:
        raise Rejected(f"observation effectiveTime ({where(observation)}): missing")
    return ts_date(value, "observation effectiveTime", doc.today)


def _single(doc: _Doc, organizer: Element | None, observation: Element, kind: str) -> None:
    value = find(observation, "c:value")
    status = attr(find(observation, "c:statusCode"), "code")
    if (value is None or value.get("nullFlavor")) and status in ("active", "new", "held"):
        doc.skip("Observation")  # a pending result: no value yet, nothing to keep
        return
    source_id = doc.entry_id("Observation", observation, kind, attr(value, "value"))
    try:
        day = _when(doc, observation, organizer)
        number, unit = quantity(value, f"observation value ({where(_either(value, observation))})")
    except Rejected as error:
        doc.reject("Observation", observation, str(error), source_id)
        return
    doc.keep("Observation", observation,
             ObservationRecord(source_id, doc.ref, kind, day, number, None, unit))  # fmt: skip


def _pressure(doc: _Doc, organizer: Element | None, parts: dict[str, Element]) -> None:
    """Systolic and diastolic are two observations in C-CDA, one blood pressure in ccm."""
    first = parts.get(SYSTOLIC, parts.get(DIASTOLIC))
    assert first is not None
    anchor = organizer if organizer is not None else first
    source_id = doc.entry_id("Observation", anchor, "bp", sorted(parts)) + "/bp"
    if SYSTOLIC not in parts or DIASTOLIC not in parts:
        missing = "diastolic 8462-4" if SYSTOLIC in parts else "systolic 8480-6"
        doc.reject(
            "Observation",
            first,
            f"blood pressure ({where(first)}): no {missing} beside it",
            source_id,
        )
        return
    try:
        day = _when(doc, parts[SYSTOLIC], organizer)
        values: dict[str, tuple[Decimal, str]] = {
            code: quantity(find(element, "c:value"), f"observation value ({where(element)})")
            for code, element in parts.items()
        }
    except Rejected as error:
        doc.reject("Observation", first, str(error), source_id)
        return
    doc.keep("Observation", first, ObservationRecord(
        source_id, doc.ref, "blood_pressure", day, values[SYSTOLIC][0], values[DIASTOLIC][0],
        values[SYSTOLIC][1]))  # fmt: skip


# -- payers --------------------------------------------------------------------------------
def _payers(doc: _Doc, section: Element, entries: list[Element]) -> None:
    policies = _items(
        doc, entries, "Coverage", lambda e: findall(e, "c:act/c:entryRelationship/c:act")
    )
    for policy in policies:
        _coverage(doc, policy)


def _coverage(doc: _Doc, policy: Element) -> None:
    found = codes(find(policy, "c:code"))
    performers = findall(policy, "c:performer/c:assignedEntity")
    payer = next(
        (p for p in performers if attr(find(p, "c:code"), "code") == "PAYOR"),
        performers[0] if performers else None,
    )
    payer_name = text_of(find(payer, "c:representedOrganization/c:name"), 200)
    covered = find(policy, "c:participant[@typeCode='COV']")
    member = next(
        (
            attr(i, "extension")
            for i in findall(covered, "c:participantRole/c:id")
            if attr(i, "extension")
        ),
        "",
    )
    low, high = low_high(find(covered, "c:time"))
    source_id = doc.entry_id("Coverage", policy, found, payer_name, member)
    kind = next((k for c in found if c.system == SOPT and (k := sopt_kind(c.code))), "")
    words = [d for _c, _s, d in found] + [payer_name]
    word_kind = coverage_kind(*words)
    if not kind or (kind == kinds.PART_B and word_kind != kinds.OTHER):
        kind = word_kind  # the words are more specific than SOPT's "Medicare" (as for FHIR)
    try:
        start = optional_ts(low, "policy participant time/low")
        end = optional_ts(high, "policy participant time/high")
    except Rejected as error:
        doc.reject("Coverage", policy, str(error), source_id)
        return
    if not found and not payer_name:
        doc.reject(
            "Coverage",
            policy,
            f"policy activity ({where(policy)}): neither a payer type code nor a payer name",
            source_id,
        )
        return
    doc.keep("Coverage", policy, CoverageRecord(
        source_id=source_id, patient=doc.ref, kind=kind, payer_name=payer_name,
        member_id=member[:64], start_date=start, end_date=end))  # fmt: skip


READERS = {
    "problems": _problems,
    "encounters": _encounters,
    "medications": _medications,
    "vitals": _measurements,
    "results": _measurements,
    "payers": _payers,
}


def is_ccda(path: Path) -> bool:
    """A file the C-CDA import reads from a folder: .xml (any case), not hidden."""
    return path.suffix.lower() == ".xml" and not path.name.startswith(".")


_DOCUMENT_TIME = re.compile(rb"<(?:\w+:)?effectiveTime\s+value=\"(\d{4,14})")


def document_time(path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    """The document's own effectiveTime (the first in its header), "" when unreadable."""
    try:
        with open_input(path, path.name, limits) as stream:
            head = stream.read(32768)
    except InputError:
        return ""
    found = _DOCUMENT_TIME.search(head)
    return found.group(1).decode().ljust(14, "0") if found else ""


def input_files(paths: list[str | Path], limits: Limits = DEFAULT_LIMITS) -> list[Path]:
    """Files named, and the .xml files of folders named: the newest document first, so that
    of an entry several documents repeat, the newest document's version is the one kept."""
    found = expand_paths(paths, limits, is_ccda)
    timed = [(document_time(p, limits), str(p), p) for p in found]
    timed.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return [p for _time, _name, p in timed]


class Documents:
    """The documents of one import, read in turn (newest first, see `input_files`).

    Exports of one patient repeat the same entries document after document (a monthly CCD
    holds the whole problem list each time). An entry seen earlier in the run, the same or as
    an older version, is counted as skipped rather than reported as a duplicate id: the
    newest document's version is the one kept."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS, configured_system: str = "") -> None:
        self.limits = limits
        self.configured_system = configured_system
        self.latest = Latest()

    def read(self, path: Path, today: date) -> list[Fact]:
        facts = read_ccda(path, path.name, today, self.limits, self.configured_system)
        return self.latest.fresh(facts, path.name)
