"""A forgotten password: a one-hour, one-use link by e-mail; the page never tells whether an
address has an account; a new password still needs the second step of log-in."""

import re

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client

from ccmweb.testing.cast import PASSWORD

NEW = "a-much-longer-new-passphrase-42"


def ask(client: Client, address: str) -> str:
    answer = client.post("/password/reset/", {"email": address}, follow=True)
    assert answer.status_code == 200
    return answer.content.decode()


def link_in(message: mail.EmailMessage) -> str:
    found = re.search(r"https?://[^/]+(/password/reset/[^/]+/[^/]+/)", message.body)
    assert found, message.body
    return found.group(1)


def set_password(client: Client, link: str, password: str = NEW) -> str:
    form = client.get(link, follow=True)  # Django swaps the token for a session key first
    return client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": password, "new_password2": password},
        follow=True,
    ).content.decode()


def test_a_link_by_mail_sets_a_new_password_once(cast):
    user = cast.acme.coordinator
    user.email = "coordinator@acme.example"
    user.save()
    client = Client()
    assert "a link to set a new password is on its way" in ask(client, "Coordinator@Acme.example")
    [message] = mail.outbox
    assert message.to == ["coordinator@acme.example"] and user.username in message.body
    link = link_in(message)
    assert "Log in with it now" in set_password(client, link)
    assert Client().post("/login/", {"username": user.username, "password": NEW}).status_code == 302
    again = Client().get(link, follow=True).content.decode()
    assert "This link does not work" in again  # once only


def test_an_unknown_address_gets_the_same_page_and_no_mail(cast):
    page = ask(Client(), "nobody@nowhere.example")
    assert "a link to set a new password is on its way" in page
    assert mail.outbox == []


def test_the_new_password_must_pass_the_validators(cast):
    user = cast.acme.biller
    user.email = "biller@acme.example"
    user.save()
    client = Client()
    ask(client, user.email)
    page = set_password(client, link_in(mail.outbox[0]), "short")
    assert "This password is too short" in page
    assert (
        Client().post("/login/", {"username": user.username, "password": PASSWORD}).status_code
        == 302
    )


def test_a_user_with_an_authenticator_still_needs_the_code(cast):
    import time

    from ccmweb.accounts import totp, two_factor

    user = cast.acme.admin
    user.email = "admin@acme.example"
    user.save()
    secret = totp.new_secret()
    assert two_factor.enable(user, secret, totp.hotp(secret, int(time.time()) // 30))
    client = Client()
    ask(client, user.email)
    set_password(client, link_in(mail.outbox[0]))
    answer = Client().post("/login/", {"username": user.username, "password": NEW})
    assert answer.status_code == 302 and answer["Location"] == "/login/code/"


def test_the_command_sets_the_address_and_refuses_a_bad_one(cast, capsys):
    call_command("user", "set-email", cast.acme.biller.username, "billing@acme.example")
    cast.acme.biller.refresh_from_db()
    assert cast.acme.biller.email == "billing@acme.example"
    with pytest.raises(CommandError, match="not an e-mail address"):
        call_command("user", "set-email", cast.acme.biller.username, "not an address")


def test_one_address_gets_three_links_an_hour_and_the_page_never_says_so(cast):
    user = cast.acme.biller
    user.email = "biller@acme.example"
    user.save()
    for _ in range(5):
        assert "a link to set a new password is on its way" in ask(Client(), "biller@acme.example")
    assert len(mail.outbox) == 3
