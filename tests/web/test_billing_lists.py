"""Billing list pages page through long months and log every patient they name."""

import datetime as dt

import pytest
from django_scopes import scopes_disabled

from ccmweb.accounts.models import AccessLog
from ccmweb.billing import testdata, views
from ccmweb.billing.services import close_month
from ccmweb.patients.models import Patient

NOW = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def three_claims(cast):  # type: ignore[no-untyped-def]
    """Three billable patients of Acme North, March 2026 closed."""
    acme = cast.acme
    with scopes_disabled():
        patients = [testdata.billable_month(acme), *testdata.billable_patients(acme, 2, "List")]
        assert close_month(acme.north, testdata.MONTH, now=NOW).claims == 3
    return acme, patients


def shown(patients) -> list[str]:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        return sorted(
            AccessLog.objects.filter(
                action="view", patient_uid__in=[str(p.uid) for p in patients]
            ).values_list("patient_uid", flat=True)
        )


@pytest.mark.parametrize("path", ["/billing/claims/", "/billing/packets/"])
def test_a_long_month_is_paged_and_each_patient_shown_is_logged(
    three_claims, login, monkeypatch, path
):
    acme, patients = three_claims
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = login(acme.biller if path == "/billing/claims/" else acme.auditor)
    query = f"?practice={acme.north.uid}&month=2026-03"
    first = client.get(path + query).content.decode()
    assert "Page 1 of 2 (3 in all)" in first
    assert first.count("List") + first.count("Acmepatient") == 2
    assert len(shown(patients)) == 2
    second = client.get(path + query + "&page=2").content.decode()
    assert "Page 2 of 2" in second and f"practice={acme.north.uid}" in second
    assert sorted(set(shown(patients))) == sorted(str(p.uid) for p in patients)


def test_the_close_page_pages_its_held_months_for_the_month_it_closed(
    three_claims, login, monkeypatch
):
    acme, patients = three_claims
    with scopes_disabled():
        Patient.objects.filter(pk__in=[p.pk for p in patients]).update(mbi="")  # held: no MBI
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = login(acme.biller)
    closed = client.post(
        "/billing/close/", {"practice": str(acme.north.uid), "month": "2026-03"}, follow=True
    ).content.decode()
    assert "Page 1 of 2 (3 in all)" in closed
    # The pager names the practice and month the close was for (they came in the POST).
    assert f"?practice={acme.north.uid}&amp;month=2026-03&amp;page=2" in closed


def test_one_page_needs_no_pager(three_claims, login):
    acme, patients = three_claims
    html = login(acme.biller).get(f"/billing/claims/?practice={acme.north.uid}&month=2026-03")
    assert "Page 1 of" not in html.content.decode()
    assert len(shown(patients)) == 3
