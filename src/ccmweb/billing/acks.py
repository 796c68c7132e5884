"""Acknowledgments in: a 999 says which of our 837P transactions were received, a 277CA which
claims were accepted into adjudication or rejected, and why.

A rejected claim becomes a work item with the fix to make; once fixed, the next month close
makes a new claim (the payer never took the rejected one) and the next export sends it. Each
acknowledgment is read once (the digest of its body, so a re-delivery with a new envelope is
recognised). Only claims of the practices the acting user may touch are changed: the others
are reported as unmatched, like claims that are not ours.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from ccm.x12.ack277 import read_277
from ccm.x12.ack999 import AckError, FunctionalAck, read_999
from ccm.x12.segments import X12Error, split_segments
from ccm.x12.status_codes import fix_for
from ccmweb.params import id_param
from ccmweb.tenants.models import Organization

from .models import Acknowledgment, Claim, ClaimAck, ClaimExport

AGAIN = " Then close the month again: the corrected claim goes in the next export."


def ack_kind(raw: str) -> str:
    """999 (997 too) or 277, from the first ST01; AckError for anything else."""
    try:
        segments, _ = split_segments(raw)
    except X12Error as error:
        raise AckError(str(error)) from None
    for number, seg in enumerate(segments, 1):
        if seg[0].strip() == "ST":
            kind = seg[1].strip() if len(seg) > 1 else ""
            if kind in ("999", "997", "277"):
                return "277" if kind == "277" else "999"
            hint = " (post an 835 as a remittance)" if kind == "835" else ""
            raise AckError(
                f"segment {number} (ST): ST01 {kind[:10]!r} is not a 999, 997 or 277CA{hint}"
            )
    raise AckError("no transaction (ST … SE) in the file")


def body_digest(raw: str) -> str:
    """The digest of the transactions (first ST to last SE): envelope numbers do not change it."""
    segments = [[e.strip() for e in seg] for seg in split_segments(raw)[0]]
    tags = [seg[0] for seg in segments]
    first = tags.index("ST") if "ST" in tags else 0
    last = len(tags) - tags[::-1].index("SE") if "SE" in tags else len(tags)
    body = "~".join("*".join(seg) for seg in segments[first:last])
    return hashlib.sha256(body.encode()).hexdigest()


def _claims(organization: Any, practice_ids: Collection[int] | None) -> Any:
    found = Claim.objects.filter(organization=organization)
    return found if practice_ids is None else found.filter(practice_id__in=list(practice_ids))


def _key(control_number: str) -> int:
    """An acknowledged group or transaction control number as the key we stored, -1 (which
    matches nothing) when it is not ASCII digits a database key can hold: one rule, params'."""
    found = id_param(control_number)
    return -1 if found is None else found


def _reject(claim: Claim, ack: Acknowledgment, reasons: list[str], fix: str) -> ClaimAck:
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.REJECTED)
    return ClaimAck(
        organization_id=claim.organization_id, acknowledgment=ack, claim=claim,
        outcome="rejected", reasons=reasons, fix=fix[:300], status=ClaimAck.Status.OPEN,
    )  # fmt: skip


def _post_999(
    group: FunctionalAck, ack: Acknowledgment, claims: Any, report: dict[str, Any]
) -> list[ClaimAck]:
    made: list[ClaimAck] = []
    export = ClaimExport.objects.filter(
        organization=ack.organization,
        interchange_number=_key(group.group_number),
    ).first()
    if export is None:
        report["unmatched"].append(f"group {group.group_number}")
        return made
    for transaction_ack in group.transactions:
        number = _key(transaction_ack.control_number)
        sent = list(claims.filter(export=export, transaction_set=number))
        if not sent:
            report["unmatched"].append(
                f"group {group.group_number} transaction {transaction_ack.control_number}"
            )
            continue
        if transaction_ack.accepted:
            report["accepted"] += len(sent)
            continue
        reasons = [transaction_ack.words, *transaction_ack.errors][:20]
        fix = "The clearinghouse rejected the file's transaction: correct what it names." + AGAIN
        made += [_reject(claim, ack, reasons, fix) for claim in sent]
        report["rejected"] += len(sent)
    return made


def _post_277(raw: str, ack: Acknowledgment, claims: Any, report: dict[str, Any]) -> list[ClaimAck]:
    made: list[ClaimAck] = []
    for transaction_ack in read_277(raw):
        report["notes"] += list(transaction_ack.notes)
        for result in transaction_ack.claims:
            claim = claims.filter(number=result.claim_id.upper(), sent_at__isnull=False).first()
            if claim is None:
                report["unmatched"].append(result.claim_id)
                continue
            reasons = [s.words for s in result.statuses]
            if result.payer_claim_id:
                Claim.objects.filter(pk=claim.pk).update(payer_claim_id=result.payer_claim_id[:50])
            if result.rejected:
                fix = fix_for([s.code for s in result.statuses]) + AGAIN
                made.append(_reject(claim, ack, reasons, fix))
                report["rejected"] += 1
                continue
            if result.accepted and claim.status == Claim.Status.SENT:
                Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.ACCEPTED)
            report["accepted" if result.accepted else "informational"] += 1
            made.append(
                ClaimAck(organization_id=claim.organization_id, acknowledgment=ack, claim=claim,
                         outcome=result.outcome, reasons=reasons)
            )  # fmt: skip
    return made


@transaction.atomic
def import_ack(
    raw: str,
    organization: Any,
    practice_ids: Collection[int] | None = None,
    user: Any = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Read a 999/997 or 277CA and update the claims it names; AckError if it is malformed
    (then nothing changes). The report: kind, status, accepted, rejected, unmatched, notes."""
    kind = ack_kind(raw)
    groups = read_999(raw) if kind == "999" else ()
    if kind == "277":
        read_277(raw)  # every error before anything is written
    digest = body_digest(raw)
    report: dict[str, Any] = {"kind": "999" if kind == "999" else "277CA", "status": "read",
                              "accepted": 0, "rejected": 0, "informational": 0, "unmatched": [], "notes": []}  # fmt: skip
    if Acknowledgment.objects.filter(organization=organization, digest=digest).exists():
        report["status"] = "already_read"
        return report
    ack = Acknowledgment.objects.create(
        organization=organization, kind=report["kind"], digest=digest,
        reference=groups[0].group_number if groups else "", received_at=now or timezone.now(),
        received_by=user,
    )  # fmt: skip
    claims = _claims(organization, practice_ids)
    made: list[ClaimAck] = []
    if kind == "999":
        for group in groups:
            made += _post_999(group, ack, claims, report)
    else:
        made = _post_277(raw, ack, claims, report)
    ClaimAck.objects.bulk_create(made, batch_size=2000)
    ack.accepted, ack.rejected = report["accepted"], report["rejected"]
    ack.unmatched, ack.notes = report["unmatched"][:500], report["notes"][:50]
    ack.save()
    return report


def import_ack_cli(path: Path, practice: Any = None) -> dict[str, Any]:
    """`ccm claims ack FILE`: the organisation is the one whose claims or exports the file
    names (with --practice, that practice's organisation, touching only its claims)."""
    try:
        raw = path.read_text(encoding="ascii", errors="replace")
        kind = ack_kind(raw)
        organization = practice.organization if practice else _organization_named(raw, kind)
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror}") from None
    except AckError as exc:
        raise CommandError(f"{path}: {exc}") from None
    if organization is None:
        return _none_ours(raw, kind)
    try:
        with scope(organization=organization):
            return import_ack(raw, organization, [practice.pk] if practice else None)
    except AckError as exc:
        raise CommandError(f"{path}: {exc}") from None


def _none_ours(raw: str, kind: str) -> dict[str, Any]:
    """A file naming no claim or export of ours, reported as the remittance command does: each
    claim (277CA) or transaction (999) it names, unmatched; nothing read into the database."""
    notes = ["none of the claims or files it names is ours: nothing changed"]
    if kind == "999":
        names = [
            f"{g.group_number}/{t.control_number}" for g in read_999(raw) for t in g.transactions
        ]
    else:
        transactions = read_277(raw)
        names = [c.claim_id for t in transactions for c in t.claims]
        notes += [note for t in transactions for note in t.notes]
    return {"kind": "999" if kind == "999" else "277CA", "status": "unmatched", "accepted": 0,
            "rejected": 0, "informational": 0, "unmatched": names, "notes": notes}  # fmt: skip


def _organization_named(raw: str, kind: str) -> Any:
    with scopes_disabled():
        if kind == "999":
            numbers = [n for g in read_999(raw) if (n := _key(g.group_number)) >= 0]
            orgs = set(
                ClaimExport.objects.filter(interchange_number__in=numbers).values_list(
                    "organization_id", flat=True
                )
            )
            if len(orgs) > 1:
                raise CommandError(
                    "several organisations sent a file of that number: pass --practice"
                )
            return Organization.objects.filter(pk__in=orgs).first()
        ids = [c.claim_id.upper() for t in read_277(raw) for c in t.claims]
        claim = Claim.objects.filter(number__in=ids[:1000]).select_related("organization").first()
        return claim.organization if claim else None
