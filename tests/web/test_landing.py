"""Each role lands where its day starts: the coordinator on the worklist, the practitioner on
their queue, the biller on billing, the others on the patient list; after the password, after
the authenticator's code and after a practice switch. A safe `next=` wins; an unsafe one is
ignored."""

import pytest
from django.test import Client

from ccmweb.accounts import totp
from ccmweb.accounts.models import TwoFactor
from ccmweb.testing.cast import PASSWORD

LANDINGS = [
    ("coordinator", "/time/worklist/"),
    ("practitioner", "/tasks/queue/"),
    ("biller", "/billing/close/"),
    ("admin", "/patients/"),
    ("auditor", "/patients/"),
]


def user_of(tenant, role):  # type: ignore[no-untyped-def]
    return tenant.practitioner.user if role == "practitioner" else getattr(tenant, role)


def log_in(client, username, next_url=None):  # type: ignore[no-untyped-def]
    """The password step; returns where it sends the browser."""
    query = {"next": next_url} if next_url else {}
    url = "/login/" + (f"?next={next_url}" if next_url else "")
    response = client.post(url, {"username": username, "password": PASSWORD, **query})
    assert response.status_code == 302
    return response.url


def landing(client, url):  # type: ignore[no-untyped-def]
    """Follow URL to the page it ends on: that page's path, which must answer 200."""
    page = client.get(url, follow=True)
    assert page.status_code == 200
    return page.redirect_chain[-1][0] if page.redirect_chain else url


@pytest.mark.parametrize(("role", "lands_on"), LANDINGS)
def test_each_role_lands_where_its_day_starts(cast, client, role, lands_on):
    assert landing(client, log_in(client, user_of(cast.acme, role).username)) == lands_on


@pytest.mark.parametrize(("role", "lands_on"), LANDINGS)
def test_a_practice_switch_lands_on_the_same_page(cast, login, role, lands_on):
    client = login(user_of(cast.acme, role))
    response = client.post("/switch/", {"practice": str(cast.acme.north.uid)})
    assert landing(client, response.url) == lands_on


def test_a_safe_next_wins_over_the_landing(cast, client):
    wanted = f"/patients/{cast.acme.patient.uid}/"
    assert log_in(client, cast.acme.coordinator.username, wanted) == wanted


def test_a_next_to_another_site_is_ignored(cast, client):
    url = log_in(client, cast.acme.coordinator.username, "https://evil.example/")
    assert landing(client, url) == "/time/worklist/"


@pytest.mark.parametrize(
    ("role", "next_url", "lands_on"),
    [("biller", None, "/billing/close/"), ("coordinator", "/patients/", "/patients/")],
)
def test_after_the_authenticators_code_the_role_lands_too(cast, role, next_url, lands_on):
    from tests.web.test_two_factor import turn_on

    user = getattr(cast.acme, role)
    setup = Client()
    log_in(setup, user.username)
    secret, _ = turn_on(setup)
    fresh = Client()
    assert log_in(fresh, user.username, next_url) == "/login/code/"
    step = TwoFactor.objects.get(user=user).last_step + 1  # setting up spent the current one
    response = fresh.post("/login/code/", {"code": totp.hotp(secret, step)})
    assert response.status_code == 302
    assert landing(fresh, response.url) == lands_on
