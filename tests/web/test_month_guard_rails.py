"""Month guard rails: no close before the month ends where the practice is (bill early instead),
an administrator reopens a month nothing of which was sent, and the month's
state is reported."""

import datetime as dt
from io import StringIO

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_scopes import scopes_disabled

from ccm.periods import BillingMonth
from ccmweb.billing import testdata
from ccmweb.billing.export import export_claims
from ccmweb.billing.models import Claim, MonthClose, MonthReopen
from ccmweb.billing.services import MonthNotOver, close_month, is_month_closed
from ccmweb.testing.cast import PASSWORD

MARCH = testdata.MONTH
# 23:30 on 31 March in New York is already 1 April in UTC: the month has not ended there.
LAST_EVENING = dt.datetime(2026, 4, 1, 3, 30, tzinfo=dt.UTC)
NEXT_MORNING = dt.datetime(2026, 4, 1, 4, 30, tzinfo=dt.UTC)


def test_a_month_that_has_not_ended_in_the_practices_time_zone_is_refused(cast):
    with scopes_disabled():
        testdata.billable_month(cast.acme)
        with pytest.raises(
            MonthNotOver, match=r"2026-03 has not ended .* 2026-03-31 \(America/New_York\)"
        ):
            close_month(cast.acme.north, MARCH, now=LAST_EVENING)
        assert not MonthClose.objects.filter(status="closed").exists()
        assert close_month(cast.acme.north, MARCH, now=NEXT_MORNING).status == "closed"


def test_cli_refuses_the_running_month_naming_its_last_day(cast):
    running = BillingMonth.of(dt.date.today())
    with pytest.raises(CommandError, match=f"its last day is {running.last:%Y-%m-%d}"):
        call_command("month", "close", "--practice", "acme-north", "--month", str(running))


def test_the_close_page_refuses_a_running_month(cast, login):
    running = BillingMonth.of(dt.date.today())
    page = (
        login(cast.acme.biller)
        .post(
            "/billing/close/",
            {"practice": str(cast.acme.north.uid), "month": str(running)},
            follow=True,
        )
        .content.decode()
    )
    assert "has not ended" in page and "Bill early" in page
    with scopes_disabled():
        assert not MonthClose.objects.filter(status="closed").exists()


def test_bill_early_sends_the_base_code_and_the_month_end_close_the_add_ons(cast):
    with scopes_disabled():
        testdata.billable_month(cast.acme, minutes=45)  # 4 March: 99490 and one 99439
        early = close_month(
            cast.acme.north, MARCH, now=dt.datetime(2026, 3, 10, tzinfo=dt.UTC), early=True
        )
        (first,) = Claim.objects.all()
        assert (early.status, early.billable) == ("open", 1) and not is_month_closed(
            cast.acme.north, MARCH
        )
        assert [ln.code for ln in first.lines.all()] == ["99490"] and first.early
        export_claims(cast.acme.north, MARCH, "837p", now=dt.datetime(2026, 3, 10, tzinfo=dt.UTC))
        testdata.log_time(
            cast.acme, cast.acme.patient, dt.date(2026, 3, 20), 20
        )  # month still open
        close_month(cast.acme.north, MARCH, now=NEXT_MORNING)
        first.refresh_from_db()
        add_ons = Claim.objects.get(program_family="ccm+")
        assert (first.current, first.status, first.frequency) == (True, "sent", "1")
        assert [(ln.code, ln.units) for ln in add_ons.lines.all()] == [("99439", 2)]
        assert add_ons.status == "approved" and add_ons.frequency == "1"


def test_an_admin_reopens_a_month_with_nothing_sent_and_says_why(cast, login):
    with scopes_disabled():
        testdata.billable_month(cast.acme)
        close_month(cast.acme.north, MARCH, now=NEXT_MORNING)
    form = {
        "practice": str(cast.acme.north.uid),
        "month": "2026-03",
        "reopen": "1",
        "reason": "Late notes",
    }
    biller = Client()
    biller.post("/login/", {"username": cast.acme.biller.username, "password": PASSWORD})
    assert biller.post("/billing/close/", form).status_code == 403
    login(cast.acme.admin).post("/billing/close/", form)
    with scopes_disabled():
        reopen = MonthReopen.objects.get()
        claim = Claim.objects.get()
        assert not is_month_closed(cast.acme.north, MARCH)
    assert (reopen.reason, reopen.by) == ("Late notes", cast.acme.admin)
    assert (claim.current, claim.status) == (False, "void")


def test_a_month_with_a_claim_sent_is_not_reopened(cast, login):
    with scopes_disabled():
        testdata.billable_month(cast.acme)
        close_month(cast.acme.north, MARCH, now=NEXT_MORNING)
        export_claims(cast.acme.north, MARCH, "837p", now=NEXT_MORNING)
    form = {"practice": str(cast.acme.north.uid), "month": "2026-03", "reopen": "1", "reason": "x"}
    page = login(cast.acme.admin).post("/billing/close/", form, follow=True).content.decode()
    assert "replacement claims" in page
    with scopes_disabled():
        assert is_month_closed(cast.acme.north, MARCH) and not MonthReopen.objects.exists()


def test_cli_close_json_says_the_month_is_billed_early(cast):
    running = BillingMonth.of(dt.date.today())
    out = StringIO()
    call_command(
        "month",
        "close",
        "--practice",
        "acme-north",
        "--month",
        str(running),
        "--early",
        "--json",
        stdout=out,
    )
    report = orjson.loads(out.getvalue())
    assert (report["status"], report["early"]) == ("open", True)
