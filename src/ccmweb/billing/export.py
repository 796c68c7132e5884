"""Send a month's claims once: the file is written and checked before any claim is marked.

One transaction: the practice's billing settings row is locked (two exports never send the
same claim), the unsent claims are read, claims a payer would reject are held out with the
reason, the file is written and checked against X12's character set, the export is recorded
with the file itself (to download again), and only then are its claims marked sent, each
with the transaction (ST02) it went in, which a 999 names. Anything that fails before the
commit leaves every claim as it was.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from ccm.claims_fhir import claim_bundle
from ccm.codes.icd10cm_years import icd10cm_problem, icd10cm_year_missing
from ccm.periods import BillingMonth
from ccm.x12 import claim837i
from ccm.x12 import claim837p as x12
from ccm.x12.csv_superbill import write_superbill
from ccm.x12.segments import outside_basic
from ccmweb.sql import IdList, concrete_field
from ccmweb.tenants.models import Practice

from .claims import batch_for, institutional_batch, month_claims
from .models import BillingSettings, Claim, ClaimExport
from .services import billing_settings
from .validators import validate_billing_zip

FORMATS = ("837p", "837i", "csv", "fhir")
X12_FORMATS = ("837p", "837i")  # which one a practice sends is its type's (cms-rules §13)


class ExportRefused(ValueError):
    """The whole export cannot go (settings, address): the message says what to fix."""


@dataclass
class Export:
    """What an export did: the file's text (None when nothing was left to send), how many
    claims went, the claims held out with their reasons, and findings worth reading."""

    text: str | None
    count: int
    record: ClaimExport | None = None
    usage: str = "P"
    held: list[tuple[str, str]] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)


def readiness(practice: Practice, settings: BillingSettings) -> list[str]:
    """What stops any 837P/837I of this practice from going, in words (empty: ready)."""
    problems = []
    if not (practice.address_line and practice.city and practice.state):
        problems.append(
            f"Practice {practice.name}: the billing address (street, city, state) is incomplete."
        )
    try:
        validate_billing_zip(practice.postal_code or "")
    except ValidationError as error:
        problems.append(
            f"Practice {practice.name}: ZIP {practice.postal_code!r}: {error.messages[0]}"
        )
    for name in ("submitter_id", "receiver_id"):
        try:
            concrete_field(BillingSettings, name).run_validators(getattr(settings, name))
        except ValidationError as error:
            problems.append(f"Billing settings: {name}: {error.messages[0]}")
    return problems


def claim_problems(claim: Claim, written: x12.Claim | claim837i.Claim) -> list[str]:
    """Why this claim cannot go in a file now, in words (empty: it can)."""
    found = (
        claim837i.check_claim(written)
        if isinstance(written, claim837i.Claim)
        else x12.check_claim(written)
    )
    problems = [p.split(": ", 1)[1] for p in found]
    if claim.frequency != Claim.Frequency.ORIGINAL and not written.original_reference:
        problems.append(
            "a replacement or void needs the payer's claim control number of the claim it "
            "corrects (CLP07 of its 835, or REF*1K of a 277CA): post that first"
        )
    day = min((line.service_date for line in written.lines), default=None)
    if day is not None:
        problems += [p for p in (icd10cm_problem(c, day) for c in written.diagnoses) if p]
    return problems


def _next_number(practice: Practice) -> int:
    last = ClaimExport.objects.filter(organization_id=practice.organization_id).aggregate(
        n=Max("interchange_number")
    )["n"]
    return (last or 0) + 1


def _render(
    file_format: str,
    practice: Practice,
    settings: BillingSettings,
    batch: x12.ClaimBatch | claim837i.ClaimBatch,
    number: int,
    now: dt.datetime,
) -> str:
    if file_format == "csv":
        assert isinstance(batch, x12.ClaimBatch)  # the superbill and FHIR read professional claims
        return write_superbill((batch,))
    if file_format == "fhir":
        assert isinstance(batch, x12.ClaimBatch)
        created = now.astimezone(dt.UTC).date().isoformat()
        return orjson.dumps(claim_bundle((batch,), created), option=orjson.OPT_INDENT_2).decode()
    env = x12.Interchange(
        submitter=x12.Submitter(
            practice.name,
            settings.submitter_id or practice.tin,
            settings.contact_name,
            settings.contact_phone,
        ),
        receiver=x12.Receiver(settings.receiver_name, settings.receiver_id),
        created=now.astimezone(dt.UTC).replace(tzinfo=None),
        interchange_number=number,
        group_number=number,
        usage="P" if settings.production else "T",
    )
    if isinstance(batch, claim837i.ClaimBatch):
        text = claim837i.write_837i(env, (batch,))
    else:
        text = x12.write_837p(env, (batch,))
    bad = outside_basic(text)
    if bad:  # the writer transliterates: this would be a bug, and nothing is marked
        segment, char = bad[0]
        raise ExportRefused(f"segment {segment}: {char!r} is outside X12's character set")
    return text


def _keeping(
    batch: x12.ClaimBatch | claim837i.ClaimBatch, going: list[x12.Claim | claim837i.Claim]
) -> x12.ClaimBatch | claim837i.ClaimBatch:
    """BATCH with only the claims that are GOING (the others are held)."""
    kept = {id(c) for c in going}
    if isinstance(batch, claim837i.ClaimBatch):
        return dataclasses.replace(batch, claims=tuple(c for c in batch.claims if id(c) in kept))
    return dataclasses.replace(batch, claims=tuple(c for c in batch.claims if id(c) in kept))


@transaction.atomic
def export_claims(
    practice: Practice,
    month: BillingMonth,
    file_format: str,
    now: dt.datetime | None = None,
    user: Any = None,
) -> Export:
    """Write the month's unsent claims; mark them sent only once the file is written."""
    if file_format not in FORMATS:
        raise ExportRefused(f"--format: must be one of {', '.join(FORMATS)}, not {file_format!r}")
    now = now or timezone.now()
    settings = billing_settings(practice)
    settings = BillingSettings.objects.select_for_update().get(pk=settings.pk)
    if file_format in X12_FORMATS and file_format != practice.claim_form:
        raise ExportRefused(
            f"Practice {practice.name} ({practice.get_setting_display()}) bills on the "
            f"{practice.claim_form.upper()}, not the {file_format.upper()}: "
            f"export --format {practice.claim_form}"
        )
    problems = readiness(practice, settings) if file_format in X12_FORMATS else []
    if problems:
        raise ExportRefused(" ".join(problems))
    unsent = month_claims(practice, month)
    batch: x12.ClaimBatch | claim837i.ClaimBatch = (
        institutional_batch(practice, month, unsent)
        if file_format == "837i"
        else batch_for(practice, unsent)
    )
    claims = {c.claim_number: c for c in unsent}
    going, held = [], []
    for written in batch.claims:
        reasons = claim_problems(claims[written.claim_id], written)
        if reasons:
            held.append((written.claim_id, "; ".join(reasons)))
        else:
            going.append(written)
    days = {line.service_date for c in going for line in c.lines}
    findings = sorted({f for f in map(icd10cm_year_missing, days) if f})
    usage = "P" if settings.production or file_format not in X12_FORMATS else "T"
    if not going:
        return Export(None, 0, usage=usage, held=held, findings=findings)
    number = _next_number(practice)
    batch = _keeping(batch, going)
    text = _render(file_format, practice, settings, batch, number, now)
    record = ClaimExport.objects.create(
        organization_id=practice.organization_id,
        practice=practice,
        month=month.first,
        file_format=file_format,
        interchange_number=number,
        usage=usage,
        claim_count=len(going),
        content=text,
        created_at=now,
        created_by=user,
    )
    size = x12.CLAIMS_PER_TRANSACTION
    for start in range(0, len(going), size):
        ids = [claims[c.claim_id].pk for c in going[start : start + size]]
        Claim.objects.filter(pk__in=IdList(ids)).update(
            status=Claim.Status.SENT,
            sent_at=now,
            export=record,
            transaction_set=1 + start // size if file_format in X12_FORMATS else None,
        )
    return Export(text, len(going), record, usage, held, findings)
