"""Two-step log-in: RFC 6238 codes, the login's second step, recovery codes, the organisation
requirement and `ccm user reset-two-factor`."""

import base64
import io
import re
import time

from django.core.management import call_command
from django.test import Client

from ccmweb.accounts import totp
from ccmweb.accounts.models import TwoFactor
from ccmweb.accounts.views import MAX_CODE_FAILURES, PENDING, PENDING_SECONDS
from ccmweb.testing.cast import PASSWORD

RFC_SECRET = base64.b32encode(b"12345678901234567890").decode()


def test_codes_match_the_rfc_6238_and_4226_vectors():
    # RFC 4226 appendix D (HOTP, counters 0..9) and RFC 6238 appendix B (SHA-1, 8 digits).
    assert [totp.hotp(RFC_SECRET, c) for c in range(3)] == ["755224", "287082", "359152"]
    assert totp.hotp(RFC_SECRET, 9) == "520489"
    for unix, code in [(59, "94287082"), (1111111109, "07081804"), (2000000000, "69279037")]:
        assert totp.hotp(RFC_SECRET, totp.step_at(unix), digits=8) == code


def test_a_code_is_accepted_one_step_either_side_and_never_twice():
    secret, now = totp.new_secret(), 1_800_000_000.0
    step = totp.step_at(now)
    for offset in (-1, 0, 1):
        assert totp.matching_step(secret, totp.hotp(secret, step + offset), now, 0) == step + offset
    assert totp.matching_step(secret, totp.hotp(secret, step + 2), now, 0) is None
    assert totp.matching_step(secret, totp.hotp(secret, step), now, last_step=step) is None
    assert totp.matching_step(secret, "12 34", now, 0) is None
    assert totp.matching_step(secret, "abcdef", now, 0) is None


def current(secret: str) -> str:
    return totp.hotp(secret, totp.step_at(time.time()))


def turn_on(client: Client) -> tuple[str, list[str]]:
    """Set up an authenticator through the page, as a user would; returns (secret, recovery)."""
    page = client.get("/two-factor/").content.decode()
    assert "<svg" in page  # the QR code
    secret = re.search(r"data-secret>([A-Z2-7 ]+)<", page).group(1).replace(" ", "")
    shown = client.post("/two-factor/", {"action": "enable", "code": current(secret)})
    codes = re.findall(r"<code>([A-Z2-7]{5}-[A-Z2-7]{5})</code>", shown.content.decode())
    assert len(codes) == 8
    return secret, codes


def password_step(client: Client, username: str):  # type: ignore[no-untyped-def]
    return client.post("/login/", {"username": username, "password": PASSWORD})


def test_with_an_authenticator_the_password_alone_does_not_log_in(cast, login):
    user = cast.acme.coordinator
    secret, _ = turn_on(login(user))
    fresh = Client()
    response = password_step(fresh, user.username)
    assert response.status_code == 302 and response.url == "/login/code/"
    assert fresh.get("/patients/").status_code == 302  # not logged in yet
    wrong = fresh.post("/login/code/", {"code": "000000"})
    assert "That code is not right" in wrong.content.decode()
    # A step the user already spent (setting up) cannot be used again, so wait for the next one.
    code = totp.hotp(secret, TwoFactor.objects.get(user=user).last_step + 1)
    ok = fresh.post("/login/code/", {"code": code})
    assert ok.status_code == 302 and ok.url == "/"
    assert fresh.get("/patients/").status_code == 200
    again = Client()
    password_step(again, user.username)
    replay = again.post("/login/code/", {"code": code})
    assert "That code is not right, or was already used" in replay.content.decode()


def test_a_recovery_code_works_once(cast, login):
    user = cast.acme.coordinator
    _, codes = turn_on(login(user))
    first = Client()
    password_step(first, user.username)
    assert first.post("/login/code/", {"code": codes[0].lower()}).status_code == 302
    second = Client()
    password_step(second, user.username)
    assert second.post("/login/code/", {"code": codes[0]}).status_code == 200
    assert len(TwoFactor.objects.get(user=user).recovery_digests) == 7


def test_too_many_wrong_codes_or_a_slow_code_start_the_login_over(cast, login):
    user = cast.acme.coordinator
    turn_on(login(user))
    client = Client()
    password_step(client, user.username)
    for _ in range(MAX_CODE_FAILURES - 1):
        assert client.post("/login/code/", {"code": "000000"}).status_code == 200
    # The wrong codes count as failed log-ins: the fifth locks the user out, password or not.
    assert client.post("/login/code/", {"code": "000000"}).status_code == 429
    assert client.get("/login/code/").url == "/login/"
    assert password_step(client, user.username).status_code == 429
    call_command("axes_reset", verbosity=0)
    password_step(client, user.username)
    session = client.session
    pending = session[PENDING]
    pending["at"] -= PENDING_SECONDS + 1
    session[PENDING] = pending
    session.save()
    assert client.post("/login/code/", {"code": "000000"}).url == "/login/"


def test_turning_it_off_needs_the_password_and_a_code(cast, login):
    user = cast.acme.coordinator
    client = login(user)
    secret, _ = turn_on(client)
    next_code = totp.hotp(secret, TwoFactor.objects.get(user=user).last_step + 1)
    refused = client.post(
        "/two-factor/", {"action": "disable", "password": "wrong", "code": next_code}
    )
    assert "Your password was entered incorrectly." in refused.content.decode()
    assert TwoFactor.objects.filter(user=user).exists()
    client.post("/two-factor/", {"action": "disable", "password": PASSWORD, "code": next_code})
    assert not TwoFactor.objects.filter(user=user).exists()
    assert password_step(Client(), user.username).url == "/"  # the password alone again


def test_an_organisation_can_require_it(cast, login):
    out = io.StringIO()
    call_command("user", "require-two-factor", cast.acme.org.slug, "on", stdout=out)
    assert "now requires" in out.getvalue()
    client = login(cast.acme.coordinator)
    assert client.get("/patients/").url == "/two-factor/"
    hx = client.get("/patients/", HTTP_HX_REQUEST="true")
    assert hx.status_code == 403 and hx["HX-Redirect"] == "/two-factor/"
    assert "requires two-step log-in" in client.get("/two-factor/").content.decode()
    secret, _ = turn_on(client)
    assert client.get("/patients/").status_code == 200
    code = totp.hotp(secret, TwoFactor.objects.get(user=cast.acme.coordinator).last_step + 1)
    kept = client.post("/two-factor/", {"action": "disable", "password": PASSWORD, "code": code})
    assert "cannot be turned off" in kept.content.decode()
    assert TwoFactor.objects.filter(user=cast.acme.coordinator).exists()
    # Another organisation is not affected.
    other = Client()
    assert password_step(other, cast.bravo.coordinator.username).url == "/"
    assert other.get("/patients/").status_code == 200


def test_an_administrator_resets_a_lost_authenticator(cast, login):
    user = cast.acme.coordinator
    turn_on(login(user))
    out = io.StringIO()
    call_command("user", "reset-two-factor", user.username, stdout=out)
    assert "removed" in out.getvalue()
    assert password_step(Client(), user.username).url == "/"
