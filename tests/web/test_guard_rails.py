"""Guard rails: the sign-off approves what its page shows unless all is asked, and says how
many and which months before it does; irreversible buttons name their consequence."""

import datetime as dt

from django_scopes import scopes_disabled

from ccmweb.billing import testdata, views
from ccmweb.billing.models import BillingSettings, Claim
from ccmweb.billing.services import close_month

NOW = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)


def test_sign_off_approves_the_page_shown_and_asks_before_all(cast, login, monkeypatch):
    acme = cast.acme
    with scopes_disabled():
        BillingSettings.objects.create(
            organization=acme.org, practice=acme.north, requires_signoff=True
        )
        testdata.billable_month(acme)
        testdata.billable_patients(acme, 2, "Guard")
        assert close_month(acme.north, testdata.MONTH, now=NOW).claims == 3
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    client = login(acme.users["practitioner"])
    page = client.get("/billing/signoff/").content.decode()
    assert "Approve the 2 shown" in page
    assert "Approve all 3 claims across Mar 2026–Mar 2026, not only the 2 on this page?" in page
    with scopes_disabled():
        drafts = list(
            Claim.objects.filter(practice=acme.north, status="draft").order_by("month", "pk")
        )
    shown = [str(c.uid) for c in drafts[:2]]
    client.post("/billing/signoff/", {"claim": shown})
    with scopes_disabled():
        approved = set(Claim.objects.filter(status="approved").values_list("uid", flat=True))
    assert {str(u) for u in approved} == set(shown)
    client.post("/billing/signoff/", {"all": "1"})
    with scopes_disabled():
        assert Claim.objects.filter(status="draft").count() == 0


def test_close_and_export_ask_first_naming_the_consequence(cast, login):
    client = login(cast.acme.biller)
    close = client.get("/billing/close/").content.decode()
    assert "time logged for" in close and "becomes an amendment" in close
    claims = client.get("/billing/claims/").content.decode()
    assert "Claims in the file are marked sent, once." in claims
