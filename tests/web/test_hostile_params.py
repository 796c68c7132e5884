"""Query and form values that do not parse answer 400 or 404, never 500, on every URL; a month
that does not parse is an error, never another month; ids too large for the database, digits
that are not ASCII and ids that are not UUIDs are refused as such."""

import datetime as dt

import pytest
from django_scopes import scope
from test_isolation import ROLE_CHECKED, ids, kwargs_for, role_allowed

from ccmweb.billing.models import MonthClose
from ccmweb.testing.cast import Cast, Stage

#: Every name a view reads from the query string or a form (grep request.GET/POST in ccmweb).
NAMES = [
    "page",
    "user",
    "coordinator",
    "month",
    "practice",
    "patient",
    "since",
    "until",
    "program",
    "status",
    "template",
    "claim",
    "denial",
    "format",
    "code",
    "minutes",
    "date",
    "next_contact",
    "activity",
    "channel",
    "outcome",
    "level",
    "action",
    "next",
    "organization",
    "all",
    "answer",
    "note",
    "q",
    "method",
    "decision",
    "billing_practitioner",
    "practitioner",
]
HOSTILE = [
    "99999999999999999999999",
    "²",
    "-1",
    "2026-13",
    "0000-00",
    "x" * 5000,
    "\x00",
    "1e400",
    "NaN",
    "not-a-uuid",
]


@pytest.fixture
def cast(staged: Stage) -> Cast:
    """The module's one cast (tests/web/conftest.py `stage`), each test in a savepoint of it."""
    return staged.cast


@pytest.mark.parametrize("route", ROLE_CHECKED, ids=ids)
def test_no_value_of_any_parameter_makes_a_500(route, cast, staged):
    client = staged.client(cast.acme.users[role_allowed(route)], raise_request_exception=False)
    url = route.url(kwargs_for(route, cast, cast.acme))
    for value in HOSTILE:
        values = dict.fromkeys(NAMES, value)
        got = client.get(url, values).status_code
        assert got < 500, f"GET {route.name} with {value[:30]!r}: {got}"
        got = client.post(url, values).status_code
        assert got < 500, f"POST {route.name} with {value[:30]!r}: {got}"


@pytest.mark.parametrize("value", ["99999999999999999999999", "²", "1.5", "-3"])
def test_a_user_or_coordinator_id_that_cannot_be_an_id_is_400(cast, login, value):
    admin = login(cast.acme.admin)
    assert admin.get("/access-log/", {"user": value}).status_code == 400
    assert admin.get("/time/assign/", {"coordinator": value}).status_code == 400


@pytest.mark.parametrize("value", ["2026-13", "garbage", "２０２６-０３", "0001-01", "2026-3"])
def test_posting_a_close_with_a_month_that_does_not_parse_closes_nothing(cast, login, value):
    biller = login(cast.acme.biller)
    response = biller.post(
        "/billing/close/", {"practice": str(cast.acme.north.uid), "month": value}
    )
    assert response.status_code == 400
    assert "Month:" in response.content.decode()
    with scope(organization=cast.acme.org):
        assert not MonthClose.objects.exists()  # it closed the previous month
    assert biller.get("/billing/close/", {"month": value}).status_code == 400
    assert biller.get("/billing/claims/", {"month": value}).status_code == 400


def test_posting_a_close_without_a_month_closes_nothing(cast, login):
    biller = login(cast.acme.biller)
    response = biller.post("/billing/close/", {"practice": str(cast.acme.north.uid)})
    assert response.status_code == 400
    with scope(organization=cast.acme.org):
        assert not MonthClose.objects.exists()


def test_a_month_given_plainly_still_closes(cast, login):
    month = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    biller = login(cast.acme.biller)
    response = biller.post(
        "/billing/close/", {"practice": str(cast.acme.north.uid), "month": month.strftime("%Y-%m")}
    )
    assert response.status_code == 302
    with scope(organization=cast.acme.org):
        assert MonthClose.objects.get().month == month.replace(day=1)


@pytest.mark.parametrize(
    "name",
    ["billing:packet_pdf", "careplans:patient_copy", "billing:statement", "careplans:detail"],
)
def test_a_page_or_download_that_only_shows_refuses_a_post(name, cast, staged):
    """Views that only show (require_safe) answer a POST 405 instead of rendering it again."""
    route = next(r for r in ROLE_CHECKED if r.name == name)
    client = staged.client(cast.acme.users[role_allowed(route)])
    url = route.url(kwargs_for(route, cast, cast.acme))
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 405
