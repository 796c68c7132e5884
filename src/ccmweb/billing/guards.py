"""Month guard rails: an administrator reopens a closed month only while nothing of it was
sent (afterwards changes go through replacement claims), with a reason that is kept."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from ccm.periods import BillingMonth

from .models import Claim, LedgerEntry, MonthClose, MonthReopen


def reopen_blocker(practice: Any, month: BillingMonth) -> str | None:
    """Why the month cannot be reopened, in words; None when it can."""
    close = MonthClose.objects.filter(practice=practice, month=month.first).first()
    if close is None or close.status != MonthClose.Status.CLOSED:
        return f"{month} is not closed."
    if Claim.objects.filter(practice=practice, month=month.first, sent_at__isnull=False).exists():
        return (
            f"Claims of {month} have been sent: change the month through replacement claims "
            "(log the time as an amendment and close the month again)."
        )
    return None


@transaction.atomic
def reopen_month(
    practice: Any, month: BillingMonth, reason: str, user: Any, now: dt.datetime | None = None
) -> MonthReopen:
    """Reopen a closed month nothing of which was sent: time can be logged again, its unsent
    claims are withdrawn (a ledger row each), the next close decides the month anew."""
    now = now or timezone.now()
    reason = " ".join(reason.split())[:300]
    if not reason:
        raise ValueError("Say why the month is reopened: the reason is kept with the month.")
    close = MonthClose.objects.select_for_update().get(practice=practice, month=month.first)
    blocker = reopen_blocker(practice, month)
    if blocker:
        raise ValueError(blocker)
    unsent = list(Claim.objects.filter(practice=practice, month=month.first, current=True))
    Claim.objects.filter(pk__in=[c.pk for c in unsent]).update(
        current=False, status=Claim.Status.VOID
    )
    LedgerEntry.objects.bulk_create(
        LedgerEntry(organization_id=c.organization_id, claim=c, kind=LedgerEntry.Kind.VOID,
                    amount=-c.expected, at=now, note="Unsent claim withdrawn: the month was reopened")
        for c in unsent
    )  # fmt: skip
    close.status = MonthClose.Status.OPEN
    close.save(update_fields=["status"])
    return MonthReopen.objects.create(
        organization_id=practice.organization_id, close=close, reason=reason, by=user, at=now
    )
