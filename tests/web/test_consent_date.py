"""The consent form takes the date the patient consented (a paper consent signed last week):
today on the practice's clock by default, never in the future, never before the initiating-visit
window the core gives; a refused date keeps what was typed and says why beside the field."""

import datetime as dt
import re

import pytest
from django_scopes import scopes_disabled

from ccm.periods import BillingMonth
from ccm.rules import month_policy
from ccmweb.enrollment.models import ConsentRecord


@pytest.fixture
def today(midday):  # type: ignore[no-untyped-def]
    """The practice's date (noon there, so no test straddles midnight)."""
    return midday.date()


def post(client, patient, practitioner, day, **extra):  # type: ignore[no-untyped-def]
    values = {
        "program": "ccm",
        "billing_practitioner": practitioner.pk,
        "method": "verbal",
        "decision": "accepted",
        "decline_reason": "",
        "consent_date": day if isinstance(day, str) else day.isoformat(),
        **extra,
    }
    return client.post(f"/enrollment/{patient.uid}/consent/", values)


def earliest(program, today):  # type: ignore[no-untyped-def]
    return month_policy(BillingMonth.of(today)).earliest_consent(program, today)


def test_the_form_offers_today_on_the_practices_clock(cast, login, today):
    html = login(cast.acme.coordinator).get(f"/enrollment/{cast.acme.patient.uid}/consent/")
    field = re.search(r'<input type="date" name="consent_date"[^>]*>', html.content.decode())
    assert field is not None
    assert f'value="{today.isoformat()}"' in field.group(0)
    assert f'max="{today.isoformat()}"' in field.group(0)
    assert f'min="{earliest("ccm", today).isoformat()}"' in field.group(0)


def test_a_paper_consent_signed_last_week_is_stored_with_its_date(cast, login, today):
    t = cast.acme
    signed = today - dt.timedelta(days=7)
    response = post(login(t.coordinator), t.patient, t.practitioner, signed)
    assert response.status_code == 302
    with scopes_disabled():
        record = ConsentRecord.objects.get(patient=t.patient)
    assert record.effective_date == signed


def test_a_future_date_is_refused_beside_the_field(cast, login, today):
    t = cast.acme
    response = post(login(t.coordinator), t.patient, t.practitioner, today + dt.timedelta(days=1))
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(
        r'name="consent_date"[^>]*aria-invalid="true"[^>]*>'
        r'<ul class="errorlist" id="id_consent_date_error"><li>The consent date cannot be in the future',
        html,
    )
    with scopes_disabled():
        assert not ConsentRecord.objects.filter(patient=t.patient).exists()


def test_a_date_before_the_initiating_visit_window_is_refused(cast, login, today):
    t = cast.acme
    too_early = earliest("ccm", today) - dt.timedelta(days=1)
    response = post(login(t.coordinator), t.patient, t.practitioner, too_early)
    assert response.status_code == 200
    assert "cannot be before" in response.content.decode()
    with scopes_disabled():
        assert not ConsentRecord.objects.filter(patient=t.patient).exists()


def test_the_window_is_the_programs_apcm_reaches_further_back(cast, login, today):
    t = cast.acme
    day = earliest("apcm", today)
    if day >= earliest("ccm", today):
        pytest.skip("APCM's look-back reaches no further than CCM's this early in APCM's life")
    client = login(t.coordinator)
    assert post(client, t.patient, t.practitioner, day).status_code == 200  # CCM: too early
    assert post(client, t.patient, t.practitioner, day, program="apcm").status_code == 302
    with scopes_disabled():
        assert ConsentRecord.objects.get(patient=t.patient).effective_date == day


def test_a_refused_form_keeps_what_was_typed(cast, login, today):
    t = cast.acme
    typed = (today + dt.timedelta(days=3)).isoformat()
    response = post(
        login(t.coordinator),
        t.patient,
        t.practitioner,
        typed,
        program="pcm",
        method="written",
        decision="declined",
        decline_reason="Wants to ask her daughter",
    )
    html = response.content.decode()
    assert f'value="{typed}"' in html
    assert 'value="Wants to ask her daughter"' in html
    assert re.search(r'<option value="pcm" selected>', html)
    assert re.search(r'value="written"[^>]*checked', html)
    assert re.search(r'value="declined"[^>]*checked', html)
    assert re.search(rf'<option value="{t.practitioner.pk}" selected>', html)
