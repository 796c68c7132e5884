"""From claims in the database to the core's 837P/CSV/FHIR dataclasses, and the export record."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ccm.claims_fhir import claim_bundle
from ccm.periods import BillingMonth
from ccm.x12 import claim837p as x12
from ccm.x12.csv_superbill import write_superbill
from ccmweb.tenants.models import Practice

from .models import Claim, ClaimExport
from .services import billing_settings

EXPORTABLE = (Claim.Status.APPROVED, Claim.Status.SENT, Claim.Status.PAID, Claim.Status.DENIED)


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
            for ln in sorted(claim.lines.all(), key=lambda ln: ln.code)
        ),
        place_of_service="11",
        frequency=claim.frequency,
        original_reference=(claim.replaces.payer_claim_id or claim.replaces.claim_number)
        if claim.replaces
        else "",
        rendering=x12.Practitioner(rendering.family_name, rendering.given_name, rendering.npi)
        if rendering
        else None,
    )


def month_claims(practice: Practice, month: BillingMonth) -> list[Claim]:
    """The month's current, approved-or-later claims, in a stable order."""
    return list(
        Claim.objects.filter(
            practice=practice, month=month.first, current=True, status__in=EXPORTABLE
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


@transaction.atomic
def export_claims(
    practice: Practice,
    month: BillingMonth,
    file_format: str,
    now: dt.datetime | None = None,
    user: Any = None,
) -> tuple[str, int]:
    """The file's text and its claim count; approved claims become sent (never edited after)."""
    now = now or timezone.now()
    claims = month_claims(practice, month)
    settings = billing_settings(practice)
    batch = batch_for(practice, claims)
    last = (
        ClaimExport.objects.filter(organization_id=practice.organization_id).aggregate(
            n=Max("interchange_number")
        )["n"]
        or 0
    )
    number = last + 1
    if file_format == "837p":
        submitter_id = settings.submitter_id or practice.tin
        env = x12.Interchange(
            submitter=x12.Submitter(
                practice.name, submitter_id, settings.contact_name, settings.contact_phone
            ),
            receiver=x12.Receiver(settings.receiver_name, settings.receiver_id),
            created=now.astimezone(dt.UTC).replace(tzinfo=None),
            interchange_number=number,
            group_number=number,
            usage="P",
        )
        text = x12.write_837p(env, (batch,))
    elif file_format == "csv":
        text = write_superbill((batch,))
    elif file_format == "fhir":
        created = now.astimezone(dt.UTC).date().isoformat()
        text = orjson.dumps(claim_bundle((batch,), created), option=orjson.OPT_INDENT_2).decode()
    else:
        raise ValueError(f"--format: must be 837p, csv or fhir, not {file_format!r}")
    export = ClaimExport.objects.create(
        organization_id=practice.organization_id,
        practice=practice,
        month=month.first,
        file_format=file_format,
        interchange_number=number,
        created_at=now,
        created_by=user,
    )
    export.claims.set(claims)
    Claim.objects.filter(pk__in=[c.pk for c in claims], status=Claim.Status.APPROVED).update(
        status=Claim.Status.SENT, sent_at=now
    )
    return text, len(claims)
