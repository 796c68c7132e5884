"""Shared fixtures for real-browser journeys: Debian's Chromium, driven by Playwright's sync API.

No browser is ever downloaded: without /usr/bin/chromium every browser test skips, saying so.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccmweb.testing.cast import PASSWORD, Cast, make_cast
from ccmweb.testing.cast import log_in as client_log_in

# Playwright's sync API runs an event loop in this thread; Django's ORM would refuse to run
# beside it. The test database is only ever touched from one thread at a time here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "img"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/browser is a browser test (`-m "not browser"` skips it)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium not installed at /usr/bin/chromium")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=30_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def cast(transactional_db: None) -> Cast:
    """The named cast, committed, so the live server's thread sees it."""
    return make_cast()


VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 30_000  # the first patient page warms rule caches


def _new_tab(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


@pytest.fixture(scope="session")
def _tab(browser: Any, live_server: Any) -> Iterator[dict[str, Any]]:
    """The tab `page` hands each test, made once: a new context and tab (Chromium starts a
    renderer, Playwright sets itself up in it) cost ~0.8 s of Chromium's CPU a test."""
    held = {"page": _new_tab(browser, live_server)}
    yield held
    held["page"].context.close()


@pytest.fixture
def page(_tab: dict[str, Any], browser: Any, live_server: Any) -> Iterator[Any]:
    """A browser tab pointed at the live server, as if new: on a blank page, no cookies, nothing
    in the origin's storage, no event handler or viewport a test before left (the handlers a
    test adds with page.on are taken off after it; a tab a test closed is made again)."""
    if _tab["page"].is_closed():
        _tab["page"] = _new_tab(browser, live_server)
    page = _tab["page"]
    added: list[tuple[str, Any]] = []
    on = page.on

    def recording_on(event: str, handler: Any) -> None:
        added.append((event, handler))
        on(event, handler)

    page.on = recording_on  # the tab's own, not the test's monkeypatch: undone here alone
    try:
        yield page
    finally:
        del page.on
    if page.is_closed():
        return
    for event, handler in added:
        page.remove_listener(event, handler)
    if page.url.startswith(live_server.url):
        page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
    page.goto("about:blank")  # no page left polling the server into the next test
    page.context.clear_cookies()
    page.set_viewport_size(VIEWPORT)
    page.set_default_timeout(TIMEOUT_MS)


def _log_in(page: Any, live_server: Any, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form, as a person would: the form's page, both fields, the
    button (test_login_and_patient and the two-step journey keep this; `log_in` is quicker)."""
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def _session_log_in(
    page: Any, live_server: Any, username: str, password: str = PASSWORD, to: str = ""
) -> None:
    """Log in by posting the real login form from Django's test client (cast.log_in), hand the
    browser that session's cookie and open the home page a log-in lands on (or TO, a path); for
    a user without two-step log-in (form_log_in for one with it). A journey about what comes
    after the log-in skips rendering the form in Chromium: ~0.5 s a log-in, ~30 of them."""
    from django.conf import settings
    from django.shortcuts import resolve_url

    session = client_log_in(username, password=password).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}{to or resolve_url(settings.LOGIN_REDIRECT_URL)}")


def _screenshot(page: Any, name: str) -> None:
    """Save docs/img/NAME.png for the guide, only when CCM_SCREENSHOTS=1 (CI keeps a clean tree)."""
    if os.getenv("CCM_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def log_in() -> Any:
    """log_in(page, live_server, username, password=cast PASSWORD, to=path): logged in, on the
    home page (or TO)."""
    return _session_log_in


@pytest.fixture
def form_log_in() -> Any:
    """form_log_in(page, live_server, username, password=cast PASSWORD): the same through the
    login form in the browser."""
    return _log_in


@pytest.fixture
def screenshot() -> Any:
    """screenshot(page, name): docs/img/NAME.png when CCM_SCREENSHOTS=1."""
    return _screenshot


@pytest.fixture
def midday():  # type: ignore[no-untyped-def]
    """Noon of today in the cast's time zone, clock ticking (see ccmweb.testing.clock)."""
    from ccmweb.testing.clock import midday as travel

    with travel() as noon:
        yield noon
