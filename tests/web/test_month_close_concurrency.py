"""Two closes of the same month at once produce one set of claims (PostgreSQL row locks)."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django_scopes import scope, scopes_disabled

from ccmweb.billing import testdata
from ccmweb.billing.models import Claim, LedgerEntry
from ccmweb.billing.services import close_month

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_simultaneous_closes_make_one_claim(cast):
    with scopes_disabled():
        testdata.billable_month(cast.acme)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            with scope(organization=cast.acme.org):
                close_month(
                    cast.acme.north, testdata.MONTH, now=dt.datetime(2026, 4, 2, tzinfo=dt.UTC)
                )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with scopes_disabled():
        assert Claim.objects.count() == 1
        assert LedgerEntry.objects.count() == 1
