"""Log-in, lockout, idle expiry, the organisation/practice switcher, headers, `ccm user add`."""

import datetime
import io
import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django_scopes import scopes_disabled

from ccmweb.accounts.middleware import LAST_SEEN, TOUCH_SECONDS
from ccmweb.patients.models import Patient
from ccmweb.tenants.models import Membership
from ccmweb.testing.cast import PASSWORD


def post_login(client, username, password=PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password, **extra})


# --- log in, log out -------------------------------------------------------------------------


def test_coordinator_logs_in_and_lands_on_the_worklist(cast, client):
    response = post_login(client, cast.acme.coordinator.username)
    assert response.status_code == 302 and response.url == "/"
    page = client.get("/", follow=True)
    assert page.redirect_chain[-1][0] == "/time/worklist/"
    assert b"Acmepatient" in client.get("/patients/").content


def test_wrong_password_says_so_without_saying_which_part_was_wrong(cast, client):
    response = post_login(client, cast.acme.coordinator.username, "not the password")
    assert response.status_code == 200
    assert b"Your username and password didn't match" in response.content
    assert client.get("/patients/").status_code == 302


def test_log_out_is_a_post_and_ends_the_session(cast, login):
    client = login(cast.acme.coordinator)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302 and response.url == "/login/"
    assert client.get("/patients/").url.startswith("/login/?next=")


def test_a_user_changes_their_own_password(cast, login):
    user = cast.acme.coordinator
    client = login(user)
    form = client.get("/password/")
    assert b"Change your password" in form.content
    new = "a long new passphrase 7"
    response = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        follow=True,
    )
    assert b"Your password was changed." in response.content
    assert client.get("/patients/").status_code == 200  # still logged in
    fresh = Client()
    assert post_login(fresh, user.username).status_code == 200  # the old one no longer works
    assert post_login(fresh, user.username, new).status_code == 302


def test_a_password_change_needs_the_old_password_and_a_strong_new_one(cast, login):
    user = cast.acme.coordinator
    client = login(user)
    wrong_old = client.post(
        "/password/",
        {"old_password": "guess", "new_password1": "a long new passphrase 7",
         "new_password2": "a long new passphrase 7"},
    )  # fmt: skip
    assert b"Your old password was entered incorrectly" in wrong_old.content
    weak = client.post(
        "/password/", {"old_password": PASSWORD, "new_password1": "1234", "new_password2": "1234"}
    )
    assert b"too short" in weak.content
    user.refresh_from_db()
    assert user.check_password(PASSWORD)  # nothing changed
    assert "guess" not in wrong_old.content.decode()  # no password echoed back
    assert 'value="1234"' not in weak.content.decode()


def test_the_password_page_needs_a_login(db, client):
    assert client.get("/password/").url.startswith("/login/?next=")


def test_login_never_redirects_off_site(cast, client):
    response = post_login(client, cast.acme.coordinator.username, next="https://evil.example/")
    assert response.status_code == 302 and response.url == "/"


def test_a_user_without_membership_is_told_so(db, client):
    get_user_model().objects.create_user(username="drifter", password=PASSWORD)
    post_login(client, "drifter")
    response = client.get("/")
    assert response.status_code == 403 and b"not a member of any organisation" in response.content
    assert client.get("/patients/").status_code == 403


# --- lockout (django-axes) -------------------------------------------------------------------


def test_account_locks_after_the_failure_limit_even_for_the_right_password(cast, client):
    username = cast.acme.coordinator.username
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert post_login(client, username, "wrong password").status_code == 200
    locked = post_login(client, username, "wrong password")
    assert locked.status_code == 429 and b"Too many failed attempts" in locked.content
    assert post_login(client, username).status_code == 429
    # Another user from the same address is not locked out by it.
    assert post_login(Client(), cast.acme.biller.username).status_code == 302


def test_a_success_before_the_limit_resets_the_count(cast, client):
    username = cast.acme.coordinator.username
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        post_login(client, username, "wrong password")
    assert post_login(client, username).status_code == 302
    client.post("/logout/")
    assert post_login(client, username, "wrong password").status_code == 200


# --- idle expiry -----------------------------------------------------------------------------


def set_last_seen(client, seconds_ago):
    session = client.session
    session[LAST_SEEN] = time.time() - seconds_ago
    session.save()


def test_session_expires_after_idle_minutes(cast, login):
    client = login(cast.acme.coordinator)
    set_last_seen(client, settings.IDLE_TIMEOUT_SECONDS + 5)
    response = client.get(f"/patients/{cast.acme.patient.uid}/")
    assert response.status_code == 302 and response.url.startswith("/login/?next=")
    assert client.get("/patients/").status_code == 302


def test_activity_within_the_idle_window_keeps_the_session(cast, login):
    client = login(cast.acme.coordinator)
    set_last_seen(client, settings.IDLE_TIMEOUT_SECONDS - 60)
    assert client.get("/patients/").status_code == 200
    assert time.time() - client.session[LAST_SEEN] < 60


def test_requests_within_a_minute_of_the_last_write_leave_the_session_alone(cast, login):
    client = login(cast.acme.coordinator)
    set_last_seen(client, TOUCH_SECONDS - 20)
    written = client.session[LAST_SEEN]
    assert client.get("/patients/").status_code == 200
    assert client.session[LAST_SEEN] == written
    set_last_seen(client, TOUCH_SECONDS + 1)
    assert client.get("/patients/").status_code == 200
    assert time.time() - client.session[LAST_SEEN] < 5


def test_an_htmx_request_after_expiry_sends_the_whole_page_to_login(cast, login):
    client = login(cast.acme.coordinator)
    set_last_seen(client, settings.IDLE_TIMEOUT_SECONDS + 5)
    page = f"/patients/{cast.acme.patient.uid}/"
    response = client.get(
        page, headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"}
    )
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == f"/login/?next={page}"


# --- organisation and practice switcher ------------------------------------------------------


@pytest.fixture
def consultant(cast):
    """A coordinator who works for both organisations."""
    with scopes_disabled():
        user = get_user_model().objects.create_user(username="consultant", password=PASSWORD)
        Membership.objects.create(user=user, organization=cast.acme.org, role="coordinator")
        Membership.objects.create(user=user, organization=cast.bravo.org, role="coordinator")
    return user


def test_member_of_two_organisations_switches_between_them(cast, consultant, login):
    client = login(consultant)
    acme_patient, bravo_patient = cast.acme.patient.uid, cast.bravo.patient.uid
    assert client.get(f"/patients/{acme_patient}/").status_code == 200
    assert client.get(f"/patients/{bravo_patient}/").status_code == 404
    page = client.get("/patients/")
    assert b'name="organization"' in page.content and b"Bravopatient" not in page.content

    response = client.post("/switch/", {"organization": str(cast.bravo.org.uid)})
    assert response.status_code == 302
    assert client.get(f"/patients/{bravo_patient}/").status_code == 200
    assert client.get(f"/patients/{acme_patient}/").status_code == 404
    assert b"Bravopatient" in client.get("/patients/").content


def test_switching_to_an_organisation_you_do_not_belong_to_is_refused(cast, login):
    client = login(cast.acme.coordinator)
    response = client.post("/switch/", {"organization": str(cast.bravo.org.uid)})
    assert response.status_code == 400
    assert client.get(f"/patients/{cast.bravo.patient.uid}/").status_code == 404


@pytest.fixture
def south_only(cast):
    """A coordinator of Acme limited to its south practice (the cast's patient is at north)."""
    with scopes_disabled():
        user = get_user_model().objects.create_user(username="southie", password=PASSWORD)
        membership = Membership.objects.create(
            user=user, organization=cast.acme.org, role="coordinator"
        )
        membership.practices.set([cast.acme.south])
    return user


def test_user_limited_to_one_practice_sees_only_its_patients(cast, south_only, login):
    client = login(south_only)
    assert client.get(f"/patients/{cast.acme.patient.uid}/").status_code == 404
    assert b"Acmepatient" not in client.get("/patients/").content
    refused = client.post("/switch/", {"practice": str(cast.acme.north.uid)})
    assert refused.status_code == 400
    assert client.get(f"/patients/{cast.acme.patient.uid}/").status_code == 404


def test_choosing_one_practice_narrows_what_an_org_wide_user_sees(cast, login):
    client = login(cast.acme.coordinator)
    client.post("/switch/", {"practice": str(cast.acme.south.uid)})
    assert client.get(f"/patients/{cast.acme.patient.uid}/").status_code == 404
    client.post("/switch/", {"practice": ""})
    assert client.get(f"/patients/{cast.acme.patient.uid}/").status_code == 200


# --- headers and cookies ---------------------------------------------------------------------


def test_security_headers_on_every_page(cast, login):
    for response in (Client().get("/login/"), login(cast.acme.coordinator).get("/patients/")):
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        nonce = csp.split("'nonce-")[1].split("'")[0]
        assert f'nonce="{nonce}"'.encode() in response.content
        assert "unsafe-inline" not in csp
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_session_cookie_is_http_only_and_same_site(cast, client):
    post_login(client, cast.acme.coordinator.username)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def fresh_settings(**env):
    """The settings a real deployment gets: imported in a new process, outside pytest."""
    names = [
        "PASSWORD_HASHERS",
        "AXES_FAILURE_LIMIT",
        "AXES_COOLOFF_TIME",
        "SESSION_COOKIE_AGE",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "AUTH_PASSWORD_VALIDATORS",
    ]
    code = (
        "import json, ccmweb.settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CCM_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_deployed_settings_hash_with_argon2_and_read_the_environment(tmp_path):
    deployed = fresh_settings(CCM_DATA_DIR=str(tmp_path))
    assert deployed["PASSWORD_HASHERS"][0].endswith("Argon2PasswordHasher")
    assert deployed["SESSION_COOKIE_AGE"] == 15 * 60
    assert deployed["AXES_FAILURE_LIMIT"] == 5
    assert deployed["SESSION_COOKIE_SECURE"] is False
    assert (
        len(deployed["AUTH_PASSWORD_VALIDATORS"]) == 5
    )  # Django's four and the organisation's length

    tuned = fresh_settings(
        CCM_DATA_DIR=str(tmp_path),
        CCM_IDLE_MINUTES="5",
        CCM_HTTPS="1",
        CCM_LOGIN_FAILURE_LIMIT="3",
        CCM_LOGIN_COOLOFF_MINUTES="60",
    )
    assert tuned["SESSION_COOKIE_AGE"] == 300 and tuned["AXES_FAILURE_LIMIT"] == 3
    assert tuned["AXES_COOLOFF_TIME"] == 1
    assert tuned["SESSION_COOKIE_SECURE"] and tuned["CSRF_COOKIE_SECURE"]
    assert tuned["SECURE_HSTS_SECONDS"] >= 31536000


# --- `ccm user add` --------------------------------------------------------------------------


def user_add(monkeypatch, *args, password="a long and uncommon phrase"):
    monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
    out = io.StringIO()
    call_command("user", "add", *args, "--password-stdin", stdout=out)
    return out.getvalue()


def test_user_add_creates_a_member_who_can_log_in(cast, monkeypatch, client):
    out = user_add(
        monkeypatch,
        "newnurse",
        "--org",
        "acme",
        "--role",
        "coordinator",
        "--practice",
        "acme-south",
    )
    assert "added newnurse to acme as coordinator" in out
    with scopes_disabled():
        membership = Membership.objects.get(user__username="newnurse")
        assert membership.role == "coordinator"
        assert list(membership.practices.all()) == [cast.acme.south]
    user = membership.user
    assert user.password != "a long and uncommon phrase" and user.check_password(
        "a long and uncommon phrase"
    )
    response = post_login(client, "newnurse", "a long and uncommon phrase")
    assert response.status_code == 302
    assert client.get(f"/patients/{cast.acme.patient.uid}/").status_code == 404


def test_user_add_refuses_weak_passwords_and_unknown_organisations(cast, monkeypatch):
    with pytest.raises(CommandError, match="password"):
        user_add(monkeypatch, "weak", "--org", "acme", "--role", "biller", password="12345678")
    with pytest.raises(CommandError, match="--org"):
        user_add(monkeypatch, "lost", "--org", "nowhere", "--role", "biller")
    with pytest.raises(CommandError, match="already a member"):
        user_add(monkeypatch, cast.acme.biller.username, "--org", "acme", "--role", "biller")
    assert not get_user_model().objects.filter(username__in=["weak", "lost"]).exists()


# --- patient search and pages ----------------------------------------------------------------


def add_patients(tenant, count, family_name="Zed"):
    with scopes_disabled():
        Patient.objects.bulk_create(
            Patient(
                organization=tenant.org,
                practice=tenant.north,
                mrn=f"Z-{i:03}",
                given_name=f"Zoe{i:03}",
                family_name=family_name,
                birth_date=datetime.date(1948, 1, 1),
            )
            for i in range(count)
        )


def test_search_travels_in_the_post_body_never_the_url(cast, login):
    add_patients(cast.acme, 1)
    client = login(cast.acme.coordinator)
    by_url = client.get("/patients/", {"q": "Zed"})
    assert b"Acmepatient" in by_url.content and b"Zoe000" in by_url.content
    by_post = client.post("/patients/", {"q": "Zed"})
    assert b"Zoe000" in by_post.content and b"Acmepatient" not in by_post.content
    assert b'method="post"' in by_post.content
    by_mrn = client.post("/patients/", {"q": "acme-1"})
    assert b"Acmepatient" in by_mrn.content and b"Zoe000" not in by_mrn.content


def test_patient_list_pages_by_fifty(cast, login):
    add_patients(cast.acme, 55)
    client = login(cast.acme.coordinator)
    first = client.get("/patients/")
    assert b"56 patients" in first.content and b"Page 1 of 2" in first.content
    assert b"Zoe000" in first.content and b"Zoe054" not in first.content
    second = client.post("/patients/", {"q": "Zed", "page": "2"})
    assert b"Page 2 of 2" in second.content and b"Zoe054" in second.content
    assert b"Zoe000" not in second.content
