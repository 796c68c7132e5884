"""The client's address behind a proxy, recovery codes as people type them, and time that
cannot slip into a month while it closes."""

import time

import pytest
from django.test import Client, override_settings
from django_scopes import scope

from ccmweb.accounts import totp, two_factor
from ccmweb.accounts.client import client_address, parse_networks
from ccmweb.accounts.models import AccessLog
from ccmweb.testing.cast import PASSWORD

PROXY = "10.0.0.7"
PROXIES = parse_networks("10.0.0.0/24, ::1")


def test_forwarded_for_is_believed_only_from_a_trusted_proxy():
    assert client_address(PROXY, "203.0.113.9", PROXIES) == "203.0.113.9"
    # the client's own header is never the answer: the proxy's last entry is
    assert client_address(PROXY, "1.2.3.4, 203.0.113.9", PROXIES) == "203.0.113.9"
    # a chain of our proxies is walked back to the first address that is not one
    assert client_address(PROXY, "203.0.113.9, 10.0.0.8", PROXIES) == "203.0.113.9"
    # anyone else's header is ignored
    assert client_address("198.51.100.4", "203.0.113.9", PROXIES) == "198.51.100.4"
    assert client_address(PROXY, "garbage", PROXIES) == PROXY
    with pytest.raises(ValueError, match="CCM_TRUSTED_PROXIES: 'nope'"):
        parse_networks("10.0.0.1, nope")


def _fail_login(username: str, peer: str, forwarded: str) -> int:
    client = Client(REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    return client.post("/login/", {"username": username, "password": "wrong password!"}).status_code


@override_settings(TRUSTED_PROXIES="10.0.0.0/24")
def test_five_wrong_passwords_through_the_proxy_lock_out_that_client_only(cast):
    user = cast.acme.coordinator.username
    for _ in range(5):
        _fail_login(user, PROXY, "203.0.113.9")
    assert _fail_login(user, PROXY, "203.0.113.9") == 429
    elsewhere = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.4")
    response = elsewhere.post("/login/", {"username": user, "password": PASSWORD})
    assert response.status_code == 302  # before: the proxy's address, so everyone locked out
    with scope(organization=cast.acme.org):
        elsewhere.get("/patients/")
        elsewhere.get(f"/patients/{cast.acme.patient.uid}/")
        assert (
            AccessLog.objects.filter(user=cast.acme.coordinator).last().ip_address == "198.51.100.4"
        )


@override_settings(TRUSTED_PROXIES="10.0.0.0/24")
def test_a_client_that_is_no_proxy_cannot_choose_its_address(cast):
    user = cast.acme.coordinator.username
    for number in range(5):
        _fail_login(user, "198.51.100.66", f"203.0.113.{number}")
    assert _fail_login(user, "198.51.100.66", "203.0.113.200") == 429


@pytest.mark.parametrize("typed", ["{code}", "{bare}", "{bare_lower}", " {spaced} ", "{dashes}"])
def test_recovery_codes_are_accepted_as_people_type_them(cast, typed):
    user = cast.acme.coordinator
    secret = totp.new_secret()
    codes = two_factor.enable(user, secret, totp.hotp(secret, totp.step_at(time.time())))
    assert codes
    code = codes[0]
    bare = code.replace("-", "")
    text = typed.format(
        code=code,
        bare=bare,
        bare_lower=bare.lower(),
        spaced=f"{bare[:5]} {bare[5:]}",
        dashes=f"{bare[:5]}–{bare[5:]}",  # an en dash, as a phone's keyboard may put it
    )
    assert two_factor.check(user, text)
    assert not two_factor.check(user, code)  # each code logs in once
