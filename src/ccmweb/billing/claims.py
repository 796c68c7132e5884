"""From claims in the database to the core's 837P/837I/CSV/FHIR dataclasses (export.py writes
the file)."""

from __future__ import annotations

from typing import Any

from ccm.codes.care_management import claim_line_order
from ccm.periods import BillingMonth
from ccm.rules import institutional
from ccm.x12 import claim837i
from ccm.x12 import claim837p as x12
from ccmweb.tenants.models import Practice

from .models import Claim
from .services import billing_settings


def _address(obj: Any) -> x12.Address:
    return x12.Address(
        obj.address_line or "UNKNOWN",
        obj.city or "UNKNOWN",
        obj.state or "XX",
        obj.postal_code or "00000",
    )


def claim_dataclass(claim: Claim, settings: Any) -> x12.Claim:
    """One claim row (with patient, lines, rendering, replaces loaded) as the writer's input."""
    patient = claim.patient
    diagnoses = tuple(claim.diagnoses)
    pointers = tuple(range(1, min(4, len(diagnoses)) + 1))
    rendering = claim.rendering
    return x12.Claim(
        claim_id=claim.claim_number,
        subscriber=x12.Subscriber(
            patient.family_name,
            patient.given_name,
            patient.mbi,
            patient.birth_date,
            patient.sex,
            _address(patient),
        ),
        payer=x12.Payer(settings.payer_name, settings.payer_id),
        diagnoses=diagnoses,
        lines=tuple(
            x12.ServiceLine(ln.code, ln.units, ln.charge, ln.service_date, pointers)
            for ln in sorted(claim.lines.all(), key=lambda ln: claim_line_order(ln.code))
        ),
        place_of_service="11",
        frequency=claim.frequency,
        original_reference=claim.replaces.payer_claim_id if claim.replaces else "",
        rendering=x12.Practitioner(rendering.family_name, rendering.given_name, rendering.npi)
        if rendering
        else None,
    )


def month_claims(practice: Practice, month: BillingMonth) -> list[Claim]:
    """The month's claims not yet sent: current, approved, not held; in a stable order."""
    return list(
        Claim.objects.filter(
            practice=practice,
            month=month.first,
            current=True,
            status=Claim.Status.APPROVED,
            sent_at__isnull=True,
            hold_reason="",
        )
        .select_related("patient", "rendering", "replaces")
        .prefetch_related("lines")
        .order_by("created_at", "pk")
    )


def batch_for(practice: Practice, claims: list[Claim]) -> x12.ClaimBatch:
    settings = billing_settings(practice)
    provider = x12.BillingProvider(
        practice.name, practice.billing_npi, practice.tin, _address(practice)
    )
    return x12.ClaimBatch(provider, tuple(claim_dataclass(c, settings) for c in claims))


def institutional_claim(
    claim: Claim, settings: Any, facility_type: str, revenue_codes: Any
) -> claim837i.Claim:
    """One RHC/FQHC claim row as the 837I writer's input (cms-rules §13): the month is the
    statement period, each line carries the practice's revenue code for its date of service,
    and the claim's billing practitioner is the attending provider the guide requires."""
    professional = claim_dataclass(claim, settings)
    month = BillingMonth.of(claim.month)
    return claim837i.Claim(
        claim_id=professional.claim_id,
        subscriber=professional.subscriber,
        payer=professional.payer,
        diagnoses=professional.diagnoses,
        lines=tuple(
            claim837i.ServiceLine(
                institutional.revenue_code_on(ln.service_date, revenue_codes),
                ln.code,
                ln.units,
                ln.charge,
                ln.service_date,
            )
            for ln in professional.lines
        ),
        facility_type=facility_type,
        statement_from=month.first,
        statement_to=month.last,
        attending=professional.rendering,
        frequency=professional.frequency,
        original_reference=professional.original_reference,
    )


def institutional_batch(
    practice: Practice, month: BillingMonth, claims: list[Claim]
) -> claim837i.ClaimBatch:
    """The month's claims of an RHC/FQHC as one 837I batch; the type of bill by the month."""
    settings = billing_settings(practice)
    facility_type = institutional.facility_type(practice.setting, month.last)
    revenue_codes = practice.revenue_code_settings()
    provider = x12.BillingProvider(
        practice.name, practice.billing_npi, practice.tin, _address(practice)
    )
    return claim837i.ClaimBatch(
        provider,
        tuple(institutional_claim(c, settings, facility_type, revenue_codes) for c in claims),
    )
