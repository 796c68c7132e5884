"""Who pays: FHIR Coverage, and the insurer named on Claim / ExplanationOfBenefit resources."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Any

from ccm import coverage_kinds as kinds
from ccm.codes import APCM, APCM_BEHAVIORAL, CCM, COMPLEX_CCM, PCM
from ccm.fhir.fields import (
    Resource,
    as_dict,
    as_list,
    codings,
    optional_date,
    patient_ref,
    resource_id,
    text,
)
from ccm.fhir.records import BilledService, ClaimRecord, CoverageRecord, Notes, PatientRef

_PARTS = re.compile(r"\bparts?[\s_-]*([abcd](?:\s*(?:,|and|&|/|\+|-)\s*[abcd])*)\b")
_WORDS = (  # first match wins: the most specific first (docs/import.md, "Coverage kinds")
    (re.compile(r"\bqmb|qualified medicare ben"), kinds.QMB),
    (re.compile(r"\bslmb|specified low[\s-]income"), kinds.SLMB),
    (re.compile(r"\bqi-?1?\b|qualifying individual"), kinds.QI),
    (re.compile(r"full[\s-]*benefit dual|\bfbde\b"), kinds.FULL_DUAL),
    (
        re.compile(r"advantage|\bmapd\b|\bma-pd\b|medicare (managed|hmo|ppo|pffs|msa)|\bd-?snp\b"),
        kinds.ADVANTAGE,
    ),
    (re.compile(r"\bdual|medi-medi"), kinds.OTHER_DUAL),
    (re.compile(r"medigap|medicare supplement"), kinds.MEDIGAP),
)


@lru_cache(maxsize=1024)
def coverage_kind(*names: str) -> str:
    """The coverage kind (`ccm.rules.coverage.KINDS`) the payer's words name: Medicare Part A,
    B, C (Advantage) or D, Medigap, Medicaid, a dual status (QMB, SLMB, QI, full, other), or
    other. "Medicare" alone is original Medicare, read as Part B. Cached: every claim of a
    bulk export names one of a few insurers, and the eight patterns cost more than the claim's
    other reading (bench/RESULTS.md, "import")."""
    text = " ".join(names).lower().replace("_", " ")
    for pattern, kind in _WORDS:
        if pattern.search(text):
            return kind
    parts = {letter for m in _PARTS.finditer(text) for letter in re.findall("[abcd]", m.group(1))}
    if "c" in parts:
        return kinds.ADVANTAGE
    if "b" in parts:
        return kinds.PART_B
    if "a" in parts:
        return kinds.PART_A
    if "d" in parts or "prescription drug plan" in text:
        return kinds.PART_D
    medicare, medicaid = "medicare" in text, "medicaid" in text or "medi-cal" in text
    if medicare and medicaid:
        return kinds.OTHER_DUAL
    if medicare:
        return kinds.PART_B
    if medicaid:
        return kinds.MEDICAID
    return kinds.OTHER


# Source of Payment Typology (https://nahdo.org/sopt): the longest prefix decides.
_SOPT = {
    "1": kinds.PART_B,  # Medicare
    "11": kinds.ADVANTAGE,  # Medicare (managed care): HMO 111, PPO 112, POS 113, other 119
    "12": kinds.PART_B,  # Medicare (non-managed care): FFS 121
    "122": kinds.PART_D,  # Medicare drug benefit
    "123": kinds.ADVANTAGE,  # Medicare Medical Savings Account: a Part C plan
    "14": kinds.OTHER_DUAL,  # dual eligibility Medicare/Medicaid organization
    "191": kinds.PART_D,  # Medicare pharmacy benefit manager
    "2": kinds.MEDICAID,
    "3": kinds.OTHER,
    "5": kinds.OTHER,
    "6": kinds.OTHER,
    "7": kinds.OTHER,
    "8": kinds.OTHER,
    "9": kinds.OTHER,
}
_SOPT_SYSTEMS = ("https://nahdo.org/sopt", "urn:oid:2.16.840.1.113883.3.221.5")
#: Blue Button's monthly dual status codes (dual_01..dual_12) to kinds; 00/99/NA say nothing.
_BB_DUAL = {
    "01": kinds.QMB,  # QMB only
    "02": kinds.QMB,  # QMB and full Medicaid
    "03": kinds.SLMB,
    "04": kinds.SLMB,  # SLMB and full Medicaid
    "05": kinds.OTHER_DUAL,  # QDWI
    "06": kinds.QI,
    "08": kinds.FULL_DUAL,
    "09": kinds.OTHER_DUAL,
    "10": kinds.OTHER_DUAL,
}


def sopt_kind(code: str) -> str:
    """The coverage kind a Source of Payment Typology code names (the longest prefix), "" if
    none: one table for every reader (FHIR, C-CDA)."""
    prefix = max((p for p in _SOPT if code.startswith(p)), key=len, default="")
    return _SOPT.get(prefix, "")


def _blue_button_dual(resource: Resource) -> str:
    """The latest month's dual status of a Blue Button Coverage (extension dual_MM)."""
    found = ""
    for ext in sorted(
        (e for e in resource.get("extension") or [] if isinstance(e, dict)),
        key=lambda e: str(e.get("url", "")),
    ):
        url = str(ext.get("url", ""))
        if "/variables/dual_" in url and url[-2:].isdigit():
            coding = ext.get("valueCoding")
            code = str(coding.get("code", "")) if isinstance(coding, dict) else ""
            found = _BB_DUAL.get(code, found)
    return found


def map_coverage(
    resource: Resource, today: date, notes: Notes | None = None
) -> CoverageRecord | None:
    """Coverage: the kind from the type (SOPT or words), the class names (R4 class, STU3
    grouping: Blue Button's "Part A"…"Part D") and the payor; dual status from Blue Button."""
    source_id = resource_id(resource)
    if resource.get("status") in ("cancelled", "entered-in-error"):
        return None
    beneficiary = resource.get("beneficiary") or resource.get("subscriber")
    patient = patient_ref(beneficiary, "Coverage.beneficiary")
    type_concept = as_dict(resource.get("type"), "Coverage.type")
    words = [text(type_concept.get("text"), "Coverage.type.text", 200)]
    kind = ""
    for coding in codings(type_concept, "Coverage.type"):
        code = str(coding.get("code") or "")
        words.append(str(coding.get("display") or ""))
        if coding.get("system") in _SOPT_SYSTEMS and not kind:
            kind = sopt_kind(code)
        elif code.upper() in ("MEDICARE", "MEDICAID", "DUAL"):
            words.append(code)
    payors = [p for p in as_list(resource.get("payor"), "Coverage.payor") if isinstance(p, dict)]
    payer = next((str(p.get("display")) for p in payors if p.get("display")), "")
    classes = [c for c in as_list(resource.get("class"), "Coverage.class") if isinstance(c, dict)]
    words += [str(c.get("name") or c.get("value") or "") for c in classes] + [payer]
    grouping = resource.get(
        "grouping"
    )  # STU3 (Blue Button v1): subGroup "Medicare", subPlan "Part A"
    if isinstance(grouping, dict):
        words += [str(v) for v in grouping.values() if isinstance(v, str)]
    word_kind = coverage_kind(*words)
    if not kind or (kind == kinds.PART_B and word_kind != kinds.OTHER):
        kind = word_kind  # the words are more specific than SOPT's "Medicare"
    dual = _blue_button_dual(resource)
    if dual and kind == kinds.PART_B:
        kind = dual  # a dual status implies Part B (ccm.rules.coverage.CoveragePolicy)
    period = as_dict(resource.get("period"), "Coverage.period")
    return CoverageRecord(
        source_id=source_id,
        patient=patient,
        kind=kind,
        payer_name=(payer or next((w for w in words if w.strip()), ""))[:200],
        member_id=text(resource.get("subscriberId"), "Coverage.subscriberId", 64),
        start_date=optional_date(period.get("start"), "Coverage.period.start"),
        end_date=optional_date(period.get("end"), "Coverage.period.end"),
    )


#: Codes that mean a practice manages the patient's care month by month (cms-rules §1a):
#: billed by someone else, the patient is enrolled elsewhere (docs/import.md).
CARE_MANAGER_CODES = CCM | COMPLEX_CCM | PCM | APCM | APCM_BEHAVIORAL
#: Their bare strings: every item of every claim is tested (CodeSet's `in`, a call a code).
_CARE_MANAGER_STRINGS = CARE_MANAGER_CODES.codes
_NPI_IN_REFERENCE = re.compile(r"us-npi\|(\d{10})")


def _npi_of_party(value: Any) -> str:
    """An NPI from a provider reference: an identifier (Blue Button) or a conditional reference."""
    if not isinstance(value, dict):
        return ""
    identifier = value.get("identifier")
    if isinstance(identifier, dict) and isinstance(identifier.get("value"), str):
        words = str(identifier.get("system", "")) + str(identifier.get("type", ""))
        number = str(identifier["value"]).strip()
        if "npi" in words.lower() and number.isdigit():
            return number
    found = _NPI_IN_REFERENCE.search(str(value.get("reference") or ""))
    return found.group(1) if found else ""


def _billing_npi(resource: Resource) -> str:
    """The claim's provider NPI, else the responsible (or first) care-team member's."""
    npi = _npi_of_party(resource.get("provider"))
    team = [t for t in as_list(resource.get("careTeam"), "careTeam") if isinstance(t, dict)]
    team.sort(key=lambda member: member.get("responsible") is not True)
    for member in team:
        npi = npi or _npi_of_party(member.get("provider"))
    return npi


def _billed_services(resource: Resource, kind_name: str, today: date) -> tuple[BilledService, ...]:
    """The care-management codes among the claim's items, each with its service date."""
    period = as_dict(resource.get("billablePeriod"), f"{kind_name}.billablePeriod")
    fallback = period.get("start") or resource.get("created")
    services = []
    npi = ""
    for item in as_list(resource.get("item"), f"{kind_name}.item"):
        if not isinstance(item, dict):
            continue
        coded = codings(item.get("productOrService") or item.get("service"), f"{kind_name}.item")
        code = None
        for coding in coded:
            found = str(coding.get("code") or "").strip()
            if found.upper() in _CARE_MANAGER_STRINGS:  # as `found in CARE_MANAGER_CODES`
                code = found
                break
        if code is None:
            continue
        when = (
            item.get("servicedDate")
            or as_dict(item.get("servicedPeriod"), f"{kind_name}.item.servicedPeriod").get("start")
            or fallback
        )
        day = optional_date(when, f"{kind_name}.item.serviced", today)
        if day is None:
            continue
        npi = npi or _billing_npi(resource)
        services.append(BilledService(code, day, npi))
    return tuple(services)


def map_claim(resource: Resource, today: date, notes: Notes | None = None) -> ClaimRecord | None:
    """A Claim/EOB: the insurer it names (as Synthea writes it) and the care-management codes billed."""
    kind_name = resource["resourceType"]
    source_id = resource_id(resource)
    patient = patient_ref(resource.get("patient"), f"{kind_name}.patient")
    payer = _claim_payer(resource, kind_name, source_id, patient, today)
    services = _billed_services(resource, kind_name, today)
    if payer is None and not services:
        return None
    return ClaimRecord(source_id, patient, payer, services)


def _claim_payer(
    resource: Resource, kind_name: str, source_id: str, patient: PatientRef, today: date
) -> CoverageRecord | None:
    """The insurer named on the claim, dated by the claim; None when it names none."""
    names = [str(as_dict(resource.get("insurer"), f"{kind_name}.insurer").get("display") or "")]
    insurance = resource.get("insurance")
    # STU3-style EOBs (Blue Button v1) give one insurance object instead of a list
    for item in as_list(
        [insurance] if isinstance(insurance, dict) else insurance, f"{kind_name}.insurance"
    ):
        coverage = as_dict(
            as_dict(item, f"{kind_name}.insurance").get("coverage"),
            f"{kind_name}.insurance.coverage",
        )
        names += [
            str(coverage.get("display") or ""),
            str(coverage.get("reference") or "").replace("-", " "),
        ]
    names = [n for n in names if n.strip()]
    if not names:
        return None
    period = as_dict(resource.get("billablePeriod"), f"{kind_name}.billablePeriod")
    when = period.get("start") or resource.get("created")
    return CoverageRecord(
        source_id=source_id,
        patient=patient,
        kind=coverage_kind(*names),
        payer_name=names[0][:200],
        start_date=optional_date(when, f"{kind_name}.billablePeriod.start", today),
        from_claims=True,
    )
