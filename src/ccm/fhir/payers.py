"""Who pays: FHIR Coverage, and the insurer named on Claim / ExplanationOfBenefit resources."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

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
from ccm.fhir.records import BilledService, ClaimRecord, CoverageRecord, PatientRef


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
    source_id = resource_id(resource)
    if resource.get("status") in ("cancelled", "entered-in-error"):
        return None
    patient = patient_ref(resource.get("beneficiary"), "Coverage.beneficiary")
    type_concept = as_dict(resource.get("type"), "Coverage.type")
    words = [text(type_concept.get("text"), "Coverage.type.text", 200)]
    kind = ""
    for coding in codings(type_concept, "Coverage.type"):
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
    payors = [p for p in as_list(resource.get("payor"), "Coverage.payor") if isinstance(p, dict)]
    payer = next((str(p.get("display")) for p in payors if p.get("display")), "")
    classes = [c for c in as_list(resource.get("class"), "Coverage.class") if isinstance(c, dict)]
    words += [str(c.get("name") or c.get("value") or "") for c in classes] + [payer]
    word_kind = coverage_kind(*words)
    if not kind or (kind == "medicare_part_b" and word_kind in ("medicare_advantage", "qmb")):
        kind = word_kind
    period = as_dict(resource.get("period"), "Coverage.period")
    return CoverageRecord(
        source_id=source_id,
        patient=patient,
        kind=kind,
        payer_name=payer[:200],
        member_id=text(resource.get("subscriberId"), "Coverage.subscriberId", 64),
        start_date=optional_date(period.get("start"), "Coverage.period.start"),
        end_date=optional_date(period.get("end"), "Coverage.period.end"),
    )


#: Codes that mean a practice manages the patient's care month by month (cms-rules §1a):
#: billed by someone else, the patient is enrolled elsewhere (docs/import.md).
CARE_MANAGER_CODES = CCM | COMPLEX_CCM | PCM | APCM | APCM_BEHAVIORAL
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
        codes = [str(c.get("code") or "").strip() for c in coded]
        code = next((c for c in codes if c in CARE_MANAGER_CODES), None)
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


def map_claim(resource: Resource, today: date) -> ClaimRecord | None:
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
