"""The audit packet: an auditor opens any packet (HTML, JSON, PDF) and can change nothing."""

import datetime as dt

import pytest
from django_scopes import scopes_disabled

from ccmweb.billing import testdata
from ccmweb.billing.models import Claim, PatientMonth
from ccmweb.billing.services import close_month

NOW = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def month(cast):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        patient = testdata.billable_month(cast.acme)
        entry = patient.time_entries.get()
        testdata.log_time(cast.acme, patient, dt.date(2026, 3, 4), 30, amends=entry)
        close_month(cast.acme.north, testdata.MONTH, now=NOW)
        yield cast.acme, PatientMonth.objects.get()


def test_auditor_reads_the_packet_json_with_every_part(month, login):
    tenant, pm = month
    data = login(tenant.auditor).get(f"/billing/packets/{pm.uid}/packet.json").json()
    assert [c["code"] for c in data["eligibility"]] == ["E11.9", "I10"]
    assert data["consents"][0]["decision"] == "accepted"
    assert data["care_plan"]["signed_by"] and data["initiating_visit"] == "2025-11-20"
    assert len(data["time"]) == 2 and data["time"][1]["amends"] == data["time"][0]["uid"]
    assert any("§1a" in f["rule"] for f in data["rule_trace"]) and data["policy_in_force"]
    # policies that encode an UNCONFIRMED reading are named as such; confirmed figures are not
    assert "cap_99439" in data["unconfirmed_policies"]
    assert "ccm_base_minutes" in data["policy_in_force"]
    assert "ccm_base_minutes" not in data["unconfirmed_policies"]
    assert data["claims"][0]["lines"][0]["code"] == "99490"


def test_auditor_gets_a_pdf(month, login):
    tenant, pm = month
    response = login(tenant.auditor).get(f"/billing/packets/{pm.uid}/packet.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_auditor_cannot_close_approve_export_or_post(month, login):
    tenant, pm = month
    client = login(tenant.auditor)
    for url in (
        "/billing/close/",
        "/billing/signoff/",
        "/billing/claims/export/",
        "/billing/remittance/",
        "/billing/denials/",
    ):
        assert client.post(url, {"month": "2026-03", "all": "1"}).status_code == 403
    with scopes_disabled():
        assert Claim.objects.get().status == "approved"


def test_other_org_auditor_gets_404(month, cast, login):
    _, pm = month
    assert login(cast.bravo.auditor).get(f"/billing/packets/{pm.uid}/").status_code == 404
