"""Administration of practices: create with checked identifiers, edit, archive only after the
short name is typed, billing practitioners and billing settings; every change in the access log."""

from django_scopes import scopes_disabled

from ccmweb.accounts.models import AccessLog
from ccmweb.billing.models import BillingSettings
from ccmweb.tenants.models import Practice, Practitioner

GOOD = {
    "name": "Riverside Internal Medicine",
    "slug": "riverside",
    "setting": "fqhc",
    "tin": "271234568",
    "billing_npi": "1234567893",
    "address_line": "5 River Rd",
    "city": "Harrisburg",
    "state": "pa",
    "postal_code": "17101-1234",
    "locality": "",
    "time_zone": "America/New_York",
    "branding_name": "Riverside Care",
    "branding_phone": "717 555 0101",
    "coordinator_assignment": "round_robin",
    "mrn_identifier_system": "urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14",
}


def logged_actions(org, object_type):
    with scopes_disabled():
        return list(
            AccessLog.objects.filter(organization=org, object_type=object_type).values_list(
                "action", flat=True
            )
        )


def test_an_admin_creates_a_practice_and_bad_identifiers_are_named(cast, login):
    client = login(cast.acme.admin)
    bad = client.post(
        "/admin/practices/new/", {**GOOD, "billing_npi": "1234567890", "postal_code": "17101"}
    )
    page = bad.content.decode()
    assert bad.status_code == 200
    assert "NPI must be 10 digits with a valid check digit." in page
    assert "Claims need the nine-digit ZIP+4" in page
    created = client.post("/admin/practices/new/", GOOD)
    assert created.status_code == 302
    with scopes_disabled():
        practice = Practice.objects.get(organization=cast.acme.org, slug="riverside")
    assert (practice.state, practice.postal_code, practice.setting) == ("PA", "17101-1234", "fqhc")
    assert practice.coordinator_assignment == "round_robin"
    assert created.url == f"/admin/practices/{practice.uid}/onboarding/"
    assert logged_actions(cast.acme.org, "practice") == ["create"]


def test_a_short_name_is_unique_within_the_organisation_only(cast, login):
    client = login(cast.acme.admin)
    taken = client.post("/admin/practices/new/", {**GOOD, "slug": cast.acme.north.slug})
    assert "Another practice of the organisation has this short name." in taken.content.decode()
    assert (
        client.post("/admin/practices/new/", {**GOOD, "slug": cast.bravo.north.slug}).status_code
        == 302
    )


def test_an_admin_limited_to_some_practices_cannot_create_one(cast, login):
    from ccmweb.tenants.models import Membership

    with scopes_disabled():
        Membership.objects.get(user=cast.acme.admin).practices.set([cast.acme.south])
    client = login(cast.acme.admin)
    assert client.post("/admin/practices/new/", GOOD).status_code == 403
    assert client.get(f"/admin/practices/{cast.acme.south.uid}/").status_code == 200


def test_archiving_needs_the_short_name_typed_and_keeps_the_data(cast, login):
    client = login(cast.acme.admin)
    url = f"/admin/practices/{cast.acme.north.uid}/archive/"
    page = client.get(url).content.decode()
    assert "its 1 patient will disappear from every page" in page
    wrong = client.post(url, {"confirm": "north"})
    assert f"Type {cast.acme.north.slug} exactly" in wrong.content.decode()
    with scopes_disabled():
        assert Practice.objects.get(pk=cast.acme.north.pk).archived_at is None
    assert client.post(url, {"confirm": cast.acme.north.slug}).status_code == 302
    with scopes_disabled():
        assert Practice.objects.get(pk=cast.acme.north.pk).archived_at is not None
    # gone from the pages: the patient list no longer shows its patient
    assert cast.acme.patient.family_name not in client.get("/patients/").content.decode()
    assert client.get(f"/patients/{cast.acme.patient.uid}/").status_code == 404
    # and restored by an admin (undo: nothing was deleted)
    assert client.post(url).status_code == 302
    assert client.get(f"/patients/{cast.acme.patient.uid}/").status_code == 200
    assert logged_actions(cast.acme.org, "practice") == ["delete", "update"]


def test_billing_practitioners_need_a_valid_npi_once_per_practice(cast, login):
    client = login(cast.acme.admin)
    url = f"/admin/practices/{cast.acme.north.uid}/practitioners/new/"
    fields = {"given_name": "Ada", "family_name": "Nguyen", "credential": "NP", "npi": "1245319598"}
    assert "valid check digit" in client.post(url, fields).content.decode()
    taken = client.post(url, {**fields, "npi": cast.acme.practitioner.npi})
    assert "already has a practitioner with this NPI" in taken.content.decode()
    fields.update(npi="1497758544", coordinator=cast.acme.coordinator.pk)
    assert client.post(url, fields).status_code == 302
    with scopes_disabled():
        ada = Practitioner.objects.get(practice=cast.acme.north, family_name="Nguyen")
    assert ada.coordinator == cast.acme.coordinator
    assert logged_actions(cast.acme.org, "practitioner") == ["create"]


def test_a_coordinator_of_another_organisation_cannot_be_chosen(cast, login):
    client = login(cast.acme.admin)
    url = f"/admin/practices/{cast.acme.north.uid}/practitioners/new/"
    fields = {"given_name": "Ada", "family_name": "Nguyen", "credential": "NP", "npi": "1497758544"}
    answer = client.post(url, {**fields, "coordinator": cast.bravo.coordinator.pk})
    assert "Select a valid choice" in answer.content.decode()


def test_billing_settings_are_saved_with_charges_and_logged(cast, login):
    client = login(cast.acme.admin)
    url = f"/admin/practices/{cast.acme.north.uid}/billing/"
    page = client.get(url).content.decode()
    assert "still the placeholder" in page
    with scopes_disabled():
        assert not BillingSettings.objects.filter(practice=cast.acme.north).exists()  # not on GET
    fields = {
        "requires_signoff": "on",
        "signoff_sample_percent": "25",
        "clearinghouse_name": "Acme Clearing",
        "submitter_id": "SUB123",
        "receiver_name": "NOVITAS",
        "receiver_id": "12502",
        "payer_name": "MEDICARE PART B",
        "payer_id": "12502",
        "contact_name": "Billing",
        "contact_phone": "(717) 555-0100",
        "charge_99490": "95.5",
    }
    assert (
        "Between 1 and 100"
        in client.post(url, {**fields, "signoff_sample_percent": "0"}).content.decode()
    )
    assert client.post(url, fields).status_code == 302
    with scopes_disabled():
        saved = BillingSettings.objects.get(practice=cast.acme.north)
    assert saved.charges == {"99490": "95.50"}
    assert (saved.signoff_sample_percent, saved.contact_phone) == (25, "7175550100")
    assert saved.clearinghouse_name == "Acme Clearing"
    assert logged_actions(cast.acme.org, "billingsettings") == ["update"]


def test_an_fqhc_chooses_its_revenue_code_from_a_date_and_an_office_cannot(cast, login):
    import datetime as dt

    from ccmweb.tenants.models import RevenueCodeSetting

    client = login(cast.acme.admin)
    page = f"/admin/practices/{cast.acme.north.uid}/"
    url = page + "revenue-code/"
    assert "Revenue code on the 837I" not in client.get(page).content.decode()
    office = client.post(url, {"effective_from": "2025-10-01", "revenue_code": "0529"}, follow=True)
    assert "only RHCs and FQHCs report revenue codes" in office.content.decode()
    with scopes_disabled():
        Practice.objects.filter(pk=cast.acme.north.pk).update(setting="fqhc")
    shown = client.get(page).content.decode()
    assert "Revenue code on the 837I" in shown and "(the default)" in shown
    bad = client.post(url, {"effective_from": "2025-10-01", "revenue_code": "52"}, follow=True)
    assert "A revenue code is 4 digits" in bad.content.decode()
    client.post(url, {"effective_from": "2025-10-01", "revenue_code": "0529"})
    with scopes_disabled():
        row = RevenueCodeSetting.objects.get(practice=cast.acme.north)
    assert (row.effective_from, row.revenue_code) == (dt.date(2025, 10, 1), "0529")
    assert logged_actions(cast.acme.org, "revenuecodesetting") == ["create"]
