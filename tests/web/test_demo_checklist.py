"""The demo organisation's getting-started checklist is half done: patients, consents, care
plans and coordinators are there; the gap audit, the MAC's receiver id, a close and a claim
file are still to do, each said in words."""

import io

import pytest
from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from ccmweb.tenants.models import Practice
from ccmweb.tenants.onboarding import checklist

pytestmark = pytest.mark.django_db


def test_the_demo_shows_the_checklist_half_done(monkeypatch):
    monkeypatch.setenv("CCM_DEMO_PASSWORD", "a-demo-password-for-scripts")
    call_command("demo", patients=30, stdout=io.StringIO())
    with scopes_disabled():
        practice = Practice.objects.get(slug="demo-clinic")
    with scope(organization=practice.organization):
        steps = {step.title: step for step in checklist(practice)}
    done = {title for title, step in steps.items() if step.done}
    assert done == {
        "EMR data imported",
        "Outreach list exported or assigned",
        "First consents",
        "Care plans signed",
    }
    assert steps["Practice details"].missing == "the MAC's receiver id is still the placeholder"
    assert steps["First month closed"].missing == "no month is closed yet"
