"""The organisation page (branding, two-step, password and session policy within bounds), the
fee schedule page (CMS files loaded by `ccm fees load`'s code, the year checked), and the
getting-started checklist that says in words what a practice still misses."""

import io

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django_scopes import scopes_disabled

from ccmweb.accounts.models import AccessLog
from ccmweb.tenants.models import Organization

ORG = {
    "name": "Acme Care",
    "patient_facing_name": "Acme Family Care",
    "brand_color": "#aa3300",
    "min_password_length": "16",
    "idle_minutes": "10",
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def test_the_organisation_page_saves_branding_and_policy_within_bounds(cast, login):
    client = login(cast.acme.admin)
    for field, value, words in (
        ("min_password_length", "8", "Choose between 12 and 64 characters."),
        ("idle_minutes", "120", "Choose between 5 and 15 minutes"),
        ("brand_color", "red", "#RRGGBB"),
    ):
        answer = client.post("/admin/organisation/", {**ORG, field: value})
        assert words in answer.content.decode(), field
    svg = io.BytesIO(b"<svg onload='alert(1)'></svg>")
    svg.name = "logo.svg"
    refused = client.post("/admin/organisation/", {**ORG, "logo_file": svg})
    assert "must be a PNG or JPEG" in refused.content.decode()
    logo = io.BytesIO(PNG)
    logo.name = "logo.png"
    assert client.post("/admin/organisation/", {**ORG, "logo_file": logo}).status_code == 302
    org = Organization.objects.get(pk=cast.acme.org.pk)
    assert (org.patient_facing_name, org.min_password_length, org.idle_minutes) == (
        "Acme Family Care",
        16,
        10,
    )
    assert client.get("/logo").content == PNG
    assert client.get("/brand.css").content.decode() == ":root { --accent: #aa3300; }\n"
    with scopes_disabled():
        assert AccessLog.objects.filter(object_type="organization", action="update").count() == 1


def test_the_organisation_password_length_applies_to_its_members(cast):
    Organization.objects.filter(pk=cast.acme.org.pk).update(min_password_length=20)
    with pytest.raises(ValidationError, match="at least 20 characters"):
        validate_password("seventeen-chars-x", cast.acme.coordinator)
    validate_password("seventeen-chars-x", cast.bravo.coordinator)


def test_a_coordinator_may_not_see_the_organisation_page(cast, login):
    assert login(cast.acme.coordinator).get("/admin/organisation/").status_code == 403


def test_fee_schedules_load_for_the_operator_with_the_year_checked(
    cast, login, shared, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    files = shared / "data" / "cms_pfs_rvu25d"
    admin = login(cast.acme.admin)
    assert "for this installation's operator" in admin.get("/admin/fees/").content.decode()

    def upload(year):
        with (
            (files / "PPRRVU2025_Oct_care_mgmt_rows.csv").open("rb") as rvu,
            (files / "GPCI2025.csv").open("rb") as gpci,
            (files / "25LOCCO.csv").open("rb") as counties,
        ):
            return admin.post(
                "/admin/fees/",
                {"year": year, "rvu": rvu, "gpci": gpci, "counties": counties},
                follow=True,
            )

    assert upload(2025).status_code == 403
    cast.acme.admin.is_staff = True
    cast.acme.admin.save()
    wrong = upload(2026).content.decode()
    assert "Nothing was loaded" in wrong and "CMS&#x27;s 2025 file, not 2026&#x27;s" in wrong
    assert not (tmp_path / "fees").exists()
    loaded = upload(2025).content.decode()
    assert "Loaded 2025: rvu_2025.csv, gpci_2025.csv, localities_2025.csv" in loaded
    # the practice page now offers the localities of its state, counties named
    form = admin.get(f"/admin/practices/{cast.acme.north.uid}/").content.decode()
    assert "2025 locality file" in form
    assert "CHICAGO" in form and "COOK" in form
    with scopes_disabled():
        assert AccessLog.objects.filter(object_uid="fees-2025").count() == 1


def test_the_checklist_says_what_is_missing_in_words(cast, login):
    from ccmweb.tenants.models import Practitioner

    with scopes_disabled():
        Practitioner.objects.filter(pk=cast.acme.practitioner.pk).update(npi="1234567890")
        type(cast.acme.north).objects.filter(pk=cast.acme.north.pk).update(postal_code="62701")
        Practitioner.objects.create(
            organization=cast.acme.org,
            practice=cast.acme.north,
            given_name="No",
            family_name="Npi",
            npi="",
        )
    page = login(cast.acme.admin).get(f"/admin/practices/{cast.acme.north.uid}/onboarding/")
    text = page.content.decode()
    assert "The ZIP code is not ZIP+4" in text
    assert "2 billing practitioners have no valid NPI" in text
    assert "billing settings are not saved" in text
    assert "○ Gap audit reviewed" in text and "✓ EMR data imported" in text
