"""A coordinator turns on two-step log-in in a real browser, then logs in with the app's code."""

import time

import pytest
from playwright.sync_api import expect

from ccmweb.accounts import totp
from ccmweb.accounts.models import TwoFactor

pytestmark = pytest.mark.browser


def test_turn_on_two_step_log_in_then_log_in_with_a_code(
    page, live_server, cast, log_in, form_log_in, screenshot
):
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    user = cast.acme.coordinator
    log_in(page, live_server, user.username)
    page.get_by_role("link", name="Two-step log-in").click()
    expect(page.locator("figure.qr svg")).to_be_visible()
    screenshot(page, "two-factor-setup")
    secret = page.locator("[data-secret]").inner_text().replace(" ", "")
    page.get_by_label("Code from your app").fill(totp.hotp(secret, totp.step_at(time.time())))
    page.get_by_role("button", name="Turn on two-step log-in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(8)

    page.get_by_role("button", name="Log out").click()
    form_log_in(page, live_server, user.username)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    spent = TwoFactor.objects.get(user=user).last_step  # the setup's step is used up
    page.get_by_label("Code").fill(totp.hotp(secret, spent + 1))
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()  # a coordinator's day
    assert not refused, refused
