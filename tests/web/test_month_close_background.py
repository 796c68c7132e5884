"""The close page starts the close on a background thread and shows its progress, readable
by every server process (billing/running.py); a second start while one runs starts nothing,
and a failed close says so and may be run again."""

import time

import pytest
from django_scopes import scopes_disabled

from ccmweb.billing import running, testdata
from ccmweb.billing.models import MonthClose
from ccmweb.billing.running import Running, running_close, start_close
from ccmweb.testing.cast import make_cast

MONTH = testdata.MONTH


def page_of(client, acme, path="/billing/close/"):  # type: ignore[no-untyped-def]
    return client.get(f"{path}?practice={acme.north.uid}&month={MONTH}")


def until_ended(practice, timeout: float = 60.0) -> Running | None:  # type: ignore[no-untyped-def]
    """Poll as the page does until the background close has ended (or failed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = running_close(practice, MONTH)
        if state is None or state.failed:
            return state
        time.sleep(0.05)
    raise AssertionError("the background close did not end")


def test_the_page_shows_a_running_close_and_its_fragment_counts_up(cast, login):
    acme = cast.acme
    running._tell(acme.north, MONTH, Running(done=4000, total=10000))
    client = login(acme.biller)
    html = page_of(client, acme).content.decode()
    assert "Closing 2026-03… 4000 of 10000 patients" in html
    assert 'id="close-month" disabled' in html
    assert 'hx-trigger="every 1s"' in html
    running._tell(acme.north, MONTH, Running(done=9000, total=10000))
    fragment = page_of(client, acme, "/billing/close/progress/")
    assert "9000 of 10000 patients" in fragment.content.decode()
    assert "<h1>" not in fragment.content.decode()  # the fragment only, not the page


def test_once_the_close_has_ended_the_fragment_sends_the_page_to_its_result(cast, login):
    acme = cast.acme
    answer = page_of(login(acme.biller), acme, "/billing/close/progress/")
    assert answer.status_code == 200
    assert answer["HX-Redirect"] == f"/billing/close/?practice={acme.north.uid}&month={MONTH}"


def test_a_second_start_while_one_runs_starts_nothing(cast, login):
    acme = cast.acme
    running._tell(acme.north, MONTH, Running(done=1, total=2))
    client = login(acme.biller)
    answer = client.post(
        "/billing/close/", {"practice": str(acme.north.uid), "month": str(MONTH)}, follow=True
    )
    assert "already running" in answer.content.decode()
    with scopes_disabled():
        assert not MonthClose.objects.exists()
    assert running_close(acme.north, MONTH) == Running(done=1, total=2)


def test_the_other_practice_and_month_are_not_running(cast):
    acme = cast.acme
    running._tell(acme.north, MONTH, Running(done=1, total=2))
    assert running_close(acme.south, MONTH) is None
    assert running_close(acme.north, MONTH.previous()) is None


@pytest.fixture
def committed(transactional_db, settings):  # type: ignore[no-untyped-def]
    """A cast the background thread's own connection can see, closes not run inline."""
    settings.TESTING = False
    return make_cast()


def test_a_background_close_closes_the_month_and_leaves_no_progress_behind(committed):
    acme = committed.acme
    with scopes_disabled():
        testdata.billable_month(acme, minutes=25)
    assert start_close(acme.north, MONTH) is True
    assert until_ended(acme.north) is None
    with scopes_disabled():
        close = MonthClose.objects.get(practice=acme.north, month=MONTH.first)
    assert (close.status, close.billable, close.claims, str(close.total)) == (
        "closed",
        1,
        1,
        "66.13",
    )


def test_a_failed_close_says_so_changes_nothing_and_may_run_again(committed, login, monkeypatch):
    acme = committed.acme
    with scopes_disabled():
        testdata.billable_month(acme, minutes=25)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("Patient Alice Acmepatient 1EG4TE5MK73")  # never shown or logged

    monkeypatch.setattr(running, "close_month", broken)
    assert start_close(acme.north, MONTH) is True
    assert until_ended(acme.north) == Running(failed="RuntimeError")
    html = page_of(login(acme.biller), acme).content.decode()
    assert "failed (RuntimeError) and changed nothing" in html
    assert "Alice" not in html and "1EG4TE5MK73" not in html
    with scopes_disabled():
        assert not MonthClose.objects.filter(status="closed").exists()
    monkeypatch.undo()
    assert start_close(acme.north, MONTH) is True  # a failed close does not block the next
    assert until_ended(acme.north) is None
    with scopes_disabled():
        assert MonthClose.objects.get(practice=acme.north).billable == 1
