"""The audit packet of one patient-month: everything an auditor asks for, as JSON and as a PDF."""

from __future__ import annotations

from typing import Any

from ccm.periods import BillingMonth
from ccm.rules import month_policy
from ccmweb.pdf import render_pdf

from .models import Claim, MonthClose, PatientMonth


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _close_policy(pm: PatientMonth) -> dict[str, Any]:
    """The policy values the month's close kept once for all its patient-months."""
    found = (
        MonthClose.objects.filter(practice_id=pm.practice_id, month=pm.month)
        .values_list("policy", flat=True)
        .first()
    )
    return found or {}


def packet(pm: PatientMonth) -> dict[str, Any]:
    """Eligibility basis, consent, visit, care plan in force, time (amendments beside originals),
    the rule trace with its sections and policy values, and the claims with their remittances."""
    from ccmweb.careplans.models import CarePlanVersion
    from ccmweb.enrollment.models import ConsentRecord
    from ccmweb.timelog.month_case import month_bounds

    patient, practice = pm.patient, pm.practice
    month = BillingMonth.of(pm.month)
    inputs = pm.inputs or {}
    policy = pm.policy or _close_policy(pm)
    enrollment = inputs.get("enrollment", {})
    conditions = {c.icd10_code: c for c in patient.conditions.all()}
    consents = ConsentRecord.objects.filter(
        patient=patient, effective_date__lte=month.last
    ).select_related("billing_practitioner", "obtained_by")
    plan = (
        CarePlanVersion.objects.filter(care_plan__patient=patient, effective_from__lte=month.last)
        .select_related("signed_by")
        .order_by("-effective_from", "-number")
        .first()
    )
    start, end = month_bounds(month, practice.time_zone)
    entries = (
        patient.time_entries.filter(started_at__gte=start, started_at__lt=end)
        .select_related("user")
        .order_by("started_at", "pk")
    )
    claims = (
        Claim.objects.filter(patient=patient, month=pm.month)
        .prefetch_related("lines", "remittances", "ledger")
        .order_by("created_at", "pk")
    )
    return {
        "patient": {
            "uid": str(patient.uid),
            "name": patient.name,
            "mrn": patient.mrn,
            "birth_date": _iso(patient.birth_date),
            "mbi": patient.mbi,
        },
        "practice": {"name": practice.name, "npi": practice.billing_npi, "tin": practice.tin},
        "month": str(month),
        "decision": {
            "status": pm.status,
            "reason": pm.reason,
            "fix": pm.fix,
            "lines": pm.lines,
            "total": f"{pm.total:.2f}",
            "minutes": pm.minutes,
            "decided_at": _iso(pm.decided_at),
        },
        "eligibility": [
            {
                "code": code,
                "display": getattr(conditions.get(code), "display", ""),
                "onset": _iso(getattr(conditions.get(code), "onset_date", None)),
            }
            for code in inputs.get("patient", {}).get("chronic_conditions", [])
        ],
        "coverage": {
            "medicare_part_b": inputs.get("patient", {}).get("medicare_part_b"),
            "qmb": inputs.get("patient", {}).get("qmb"),
        },
        "consents": [
            {
                "decision": c.decision,
                "program": c.program,
                "method": c.method,
                "effective_date": _iso(c.effective_date),
                "obtained_at": _iso(c.obtained_at),
                "obtained_by": c.obtained_by.get_username(),
                "billing_practitioner": str(c.billing_practitioner or ""),
                "disclosures_shown": c.disclosures_shown,
            }
            for c in consents
        ],
        "initiating_visit": enrollment.get("initiating_visit_date"),
        "care_plan": None
        if plan is None
        else {
            "version": plan.number,
            "effective_from": _iso(plan.effective_from),
            "signed_by": str(plan.signed_by or ""),
            "signed_at": _iso(plan.signed_at),
        },
        "time": [
            {
                "uid": str(e.uid),
                "author": e.user.get_username(),
                "performer": e.performer,
                "program": e.program,
                "activity": e.activity,
                "started_at": _iso(e.started_at),
                "ended_at": _iso(e.ended_at),
                "minutes": e.minutes,
                "note": e.note,
                "countable": e.countable,
                "amends": str(e.amends.uid) if e.amends else None,
                "recorded_at": _iso(e.created_at),
            }
            for e in entries
        ],
        "rule_trace": pm.findings,
        "rules_inputs": inputs,
        "policy_in_force": policy,
        # the values that encode a reading cms-rules.md marks UNCONFIRMED (§12): a practice's choice
        "unconfirmed_policies": sorted(month_policy(month).unconfirmed() & policy.keys()),
        "claims": [
            {
                "number": c.claim_number,
                "status": c.status,
                "frequency": c.frequency,
                "replaces": c.replaces.claim_number if c.replaces else None,
                "diagnoses": c.diagnoses,
                "total_charge": f"{c.total_charge:.2f}",
                "expected": f"{c.expected:.2f}",
                "sent_at": _iso(c.sent_at),
                "lines": [
                    {
                        "code": ln.code,
                        "units": ln.units,
                        "charge": f"{ln.charge:.2f}",
                        "service_date": _iso(ln.service_date),
                    }
                    for ln in c.lines.all()
                ],
                "remittances": [
                    {
                        "status": r.status,
                        "paid": f"{r.paid:.2f}",
                        "adjustments": r.adjustments,
                        "remarks": r.remarks,
                    }
                    for r in c.remittances.all()
                ],
                "ledger": [
                    {
                        "kind": e.kind,
                        "amount": f"{e.amount:.2f}",
                        "reason": e.reason,
                        "note": e.note,
                        "at": _iso(e.at),
                    }
                    for e in c.ledger.order_by("at", "pk")
                ],
            }
            for c in claims
        ],
    }


def packet_pdf(html: str) -> bytes:
    """The packet page rendered to PDF by WeasyPrint (imported late: it is heavy)."""
    return render_pdf(html)
