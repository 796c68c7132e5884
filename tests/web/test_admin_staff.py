"""Staff administration: invitations by e-mail (one use, expiring), role and practice changes,
deactivation that ends access at once, a lost authenticator reset; each in the access log."""

import datetime as dt
import re
import time

from django.core import mail
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from ccmweb.accounts.models import AccessLog, Invitation
from ccmweb.tenants.models import Membership

NEW_PASSWORD = "a-long-enough-passphrase-77"


def invite(client, **fields):
    data = {"email": "nora@example.org", "role": "coordinator", **fields}
    return client.post("/admin/staff/", data)


def link_in(message) -> str:
    found = re.search(r"https?://[^/]+(/invite/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def accept(client: Client, link: str, username: str = "nora", password: str = NEW_PASSWORD):
    form = client.get(link, follow=True)
    return client.post(
        form.redirect_chain[-1][0],
        {
            "username": username,
            "first_name": "Nora",
            "last_name": "Quinn",
            "password1": password,
            "password2": password,
        },
        follow=True,
    )


def test_an_invitation_link_makes_a_member_once(cast, login):
    admin = login(cast.acme.admin)
    assert invite(admin, practices=[cast.acme.south.pk]).status_code == 302
    (message,) = mail.outbox
    assert message.to == ["nora@example.org"]
    link = link_in(message)
    with scopes_disabled():
        invitation = Invitation.objects.get()
        assert link.split("/")[2] not in invitation.token_digest  # only a digest is kept
    stranger = Client()
    page = stranger.get(link, follow=True)
    assert page.redirect_chain[-1][0] == "/invite/"  # the token leaves the address at once
    assert "Join Acme" in page.content.decode()
    short = accept(stranger, link, password="short")
    assert "too short" in short.content.decode()
    done = accept(stranger, link)
    assert "Your account is ready" in done.content.decode()
    with scopes_disabled():
        member = Membership.objects.get(user__username="nora")
        assert (member.organization, member.role) == (cast.acme.org, "coordinator")
        assert list(member.practices.all()) == [cast.acme.south]
        assert member.user.email == "nora@example.org"
    again = Client().get(link, follow=True)
    assert again.status_code == 410 and "already used" in again.content.decode()


def test_an_expired_or_withdrawn_invitation_does_not_work(cast, login):
    admin = login(cast.acme.admin)
    invite(admin)
    invite(admin, email="omar@example.org")
    first, second = (link_in(m) for m in mail.outbox)
    with scopes_disabled():
        nora = Invitation.objects.get(email="nora@example.org")
        Invitation.objects.filter(pk=nora.pk).update(
            expires_at=timezone.now() - dt.timedelta(seconds=1)
        )
        omar = Invitation.objects.get(email="omar@example.org")
    assert "expired" in Client().get(first, follow=True).content.decode()
    assert admin.post(f"/admin/staff/invitations/{omar.uid}/revoke/").status_code == 302
    assert "withdrawn" in Client().get(second, follow=True).content.decode()
    with scopes_disabled():
        logged = AccessLog.objects.filter(object_type="invitation").values_list("action", flat=True)
        assert sorted(logged) == ["create", "create", "delete"]


def test_the_staff_list_shows_last_login_and_two_step_state(cast, login):
    page = login(cast.acme.admin).get("/admin/staff/").content.decode()
    assert "acme_coordinator" in page and "never" in page
    assert "bravo_coordinator" not in page


def test_a_role_change_and_the_last_admin_guard(cast, login):
    admin = login(cast.acme.admin)
    with scopes_disabled():
        coordinator = Membership.objects.get(user=cast.acme.coordinator)
        own = Membership.objects.get(user=cast.acme.admin)
    answer = admin.post(
        f"/admin/staff/{coordinator.uid}/", {"role": "biller", "practices": [cast.acme.north.pk]}
    )
    assert answer.status_code == 302
    with scopes_disabled():
        coordinator.refresh_from_db()
        assert coordinator.role == "biller"
        assert list(coordinator.practices.all()) == [cast.acme.north]
    refused = admin.post(f"/admin/staff/{own.uid}/", {"role": "auditor"})
    assert "only organisation-wide administrator" in refused.content.decode()


def test_deactivation_ends_access_at_once_and_keeps_history(cast, login):
    member_client = Client()
    member_client.post(
        "/login/",
        {"username": cast.acme.coordinator.username, "password": "correct horse battery staple"},
    )
    assert member_client.get("/patients/").status_code == 200
    admin = login(cast.acme.admin)
    with scopes_disabled():
        coordinator = Membership.objects.get(user=cast.acme.coordinator)
    assert admin.post(f"/admin/staff/{coordinator.uid}/deactivate/").status_code == 302
    after = member_client.get("/patients/")
    assert after.status_code == 302 and after.url.startswith("/login/")
    cast.acme.coordinator.refresh_from_db()
    assert not cast.acme.coordinator.is_active
    with scopes_disabled():
        assert Membership.objects.get(pk=coordinator.pk).deactivated_at is not None
        actions = list(
            AccessLog.objects.filter(object_type="membership").values_list("action", flat=True)
        )
    assert actions == ["delete"]
    assert "deactivated" in admin.get("/admin/staff/").content.decode()


def test_reset_two_factor_removes_the_authenticator(cast, login):
    from ccmweb.accounts import totp, two_factor

    secret = totp.new_secret()
    two_factor.enable(cast.acme.biller, secret, totp.hotp(secret, totp.step_at(time.time())))
    admin = login(cast.acme.admin)
    with scopes_disabled():
        biller = Membership.objects.get(user=cast.acme.biller)
    assert "Two-step log-in: on" in admin.get(f"/admin/staff/{biller.uid}/").content.decode()
    admin.post(f"/admin/staff/{biller.uid}/two-factor/")
    assert two_factor.factor_of(cast.acme.biller) is None
    with scopes_disabled():
        assert AccessLog.objects.filter(object_type="membership", action="update").count() == 1


def test_the_first_administrator_of_a_new_installation(db, monkeypatch):
    import io
    import sys

    from django.core.management import call_command

    from ccmweb.tenants.models import Organization

    monkeypatch.setattr(sys, "stdin", io.StringIO("a long and uncommon phrase\n"))
    out = io.StringIO()
    call_command(
        "user", "add", "pat", "--org", "riverside", "--org-name", "Riverside Care",
        "--role", "admin", "--operator", "--password-stdin", stdout=out,
    )  # fmt: skip
    assert "created organisation riverside (Riverside Care)" in out.getvalue()
    org = Organization.objects.get(slug="riverside")
    with scopes_disabled():
        member = Membership.objects.get(organization=org)
    assert member.role == "admin" and member.user.is_staff
