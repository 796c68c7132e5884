"""A month close started from the billing page runs on a background thread, and every server
process can say how far it has got.

The close is one transaction (services.py), so nothing it writes shows before it commits: not
a "running" flag, not a count. Its progress goes to the "shared" cache instead (files under
CCM_DATA_DIR, shared by gunicorn's workers): set when the close starts, after every batch and
on failure, deleted when it ends. An entry the close stops refreshing (the process died; the
transaction rolled back, so the month is as it was) expires after STALE seconds.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django_scopes import scope

from ccm.periods import BillingMonth
from ccmweb.tenants.models import Organization, Practice

from .services import close_month

STALE = 300  # seconds without news before a close counts as gone (a batch takes seconds)
FAILED_KEPT = 3600  # how long the page says the last close failed
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Running:
    """A close under way (or just failed) for one practice-month."""

    done: int = 0
    total: int = 0
    failed: str = ""  # the error's class name: never a message, which could name a patient

    @property
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else 0


def _key(practice: Practice, month: BillingMonth) -> str:
    return f"close:{practice.organization_id}:{practice.pk}:{month.first.isoformat()}"


def running_close(practice: Practice, month: BillingMonth) -> Running | None:
    """The close of PRACTICE's MONTH under way or just failed, as any process sees it."""
    found = caches["shared"].get(_key(practice, month))
    return Running(**found) if isinstance(found, dict) else None


def start_close(practice: Practice, month: BillingMonth) -> bool:
    """Close the month on a background thread; False if a close of it is under way already.

    Tests (settings.TESTING) close inline, inside the test's transaction. Two closes started
    at once from two processes are still safe: the close locks its month (services.py).
    """
    current = running_close(practice, month)
    if current is not None and not current.failed:
        return False
    _tell(practice, month, Running())
    if settings.TESTING:
        _close(practice, month)
        return True
    threading.Thread(
        target=_in_background,
        args=(practice.organization_id, practice.pk, month),
        daemon=True,
        name=f"close-{practice.pk}-{month}",
    ).start()
    return True


def _tell(practice: Practice, month: BillingMonth, state: Running) -> None:
    timeout = FAILED_KEPT if state.failed else STALE
    caches["shared"].set(_key(practice, month), asdict(state), timeout)


def _close(practice: Practice, month: BillingMonth) -> None:
    def progress(done: int, total: int) -> None:
        _tell(practice, month, Running(done, total))

    try:
        close_month(practice, month, progress=progress)
    except Exception as error:
        _tell(practice, month, Running(failed=error.__class__.__name__))
        log.error("month close failed: %s", error.__class__.__name__)  # no message: no PHI
        if settings.TESTING:
            raise
        return
    caches["shared"].delete(_key(practice, month))


def _in_background(org_pk: int, practice_pk: int, month: BillingMonth) -> None:
    """Thread body: its own database connection (closed at the end: a thread's connection
    outlives it otherwise), inside the organisation's scope."""
    try:
        with scope(organization=Organization.objects.get(pk=org_pk)):
            _close(Practice.objects.get(pk=practice_pk), month)
    finally:
        connections.close_all()
