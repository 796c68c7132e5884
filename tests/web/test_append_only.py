"""The ledger and the access log refuse changes in the database itself, not only through
their models (ccmweb.sql.append_only): raw SQL, a shell or another tool cannot rewrite them."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django_scopes import scopes_disabled

from ccmweb.accounts.models import AccessLog
from ccmweb.billing import testdata
from ccmweb.billing.models import LedgerEntry
from ccmweb.billing.services import close_month

NOW = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def rows(cast):  # type: ignore[no-untyped-def]
    """One ledger row (from a close) and one access-log row."""
    with scopes_disabled():
        testdata.billable_month(cast.acme)
        close_month(cast.acme.north, testdata.MONTH, now=NOW)
        AccessLog.objects.create(
            organization=cast.acme.org, action="view", object_type="patient", object_uid="x"
        )
        return LedgerEntry.objects.get(), AccessLog.objects.get()


def refused(sql: str, pk: int) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [pk])
    except IntegrityError as error:
        assert "append-only" in str(error)
        return True
    return False


def test_no_update_of_the_ledger_or_the_access_log(rows):
    entry, seen = rows
    assert refused("UPDATE billing_ledgerentry SET amount = 0 WHERE id = %s", entry.pk)
    assert refused("UPDATE accounts_accesslog SET object_uid = 'y' WHERE id = %s", seen.pk)
    with scopes_disabled():
        assert LedgerEntry.objects.get().amount == entry.amount
        assert AccessLog.objects.get().object_uid == "x"


def test_no_delete_from_them_on_postgresql(rows):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite refuses UPDATE only: Django empties its tables with DELETE")
    entry, seen = rows
    assert refused("DELETE FROM billing_ledgerentry WHERE id = %s", entry.pk)
    assert refused("DELETE FROM accounts_accesslog WHERE id = %s", seen.pk)
    with scopes_disabled():
        assert LedgerEntry.objects.count() == 1 and AccessLog.objects.count() == 1


def test_new_rows_still_go_in(rows):
    entry, _ = rows
    with scopes_disabled():
        LedgerEntry.objects.create(
            organization_id=entry.organization_id, claim_id=entry.claim_id,
            kind=LedgerEntry.Kind.ADJUSTED, amount=-1, at=NOW, note="test",
        )  # fmt: skip
        assert LedgerEntry.objects.count() == 2
