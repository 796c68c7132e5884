"""Writes stay inside the acting user's practices: every upload and bulk action (a POST with no
id in its URL) by a user limited to acme south, naming north's objects, leaves north's rows as
they were; the same forms by a user of both practices do change north (they are not inert).

North's claim, files and work items (`north_setup`) and the south-limited users are made once
for the module (`north`); each test runs in a savepoint of it."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled
from test_isolation import ROLE_CHECKED, ids, limited_to_south, role_allowed

from ccmweb.tenants.models import Role
from ccmweb.testing.cast import Cast, Stage, log_in
from ccmweb.testing.urls import REGISTRY


@pytest.fixture
def cast(staged: Stage) -> Cast:
    """The module's one cast (tests/web/conftest.py `stage`), each test in a savepoint of it."""
    return staged.cast


@dataclass
class North:
    files: dict[str, Any]
    users: dict[str, Any]  # role → a user of that role limited to acme south
    logged_in: Stage  # their sessions

    def client(self, role: str) -> Client:
        """A client of ROLE's user limited to acme south (logged in once for the module)."""
        return self.logged_in.client(self.users[role])


@pytest.fixture(scope="module")
def north(stage: Stage, django_db_blocker: Any) -> North:
    """North's files and claim (north_setup) and, for each role, a user limited to acme south
    logged in: made once, inside the module's transaction."""
    with django_db_blocker.unblock():
        files = north_setup(stage.cast)
        users = {role: limited_to_south(stage.cast, role) for role in Role.values}
        cookies = {user.username: log_in(user).cookies for user in users.values()}
    return North(files, users, Stage(stage.cast, cookies))


def north_rows(cast: Cast) -> dict[str, list[str]]:
    """Every row of acme's north practice in each table that names a practice or a patient."""
    from django.db import connection

    rows: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for label, sql, params in north_queries(cast.acme.north):
            cursor.execute(sql, params)
            rows[label] = sorted(repr(row) for row in cursor.fetchall())
    return rows


def north_queries(north: Any) -> list[tuple[str, str, tuple[Any, ...]]]:
    """The SQL of north_rows' queries, made by the ORM once for NORTH (made each time, they
    cost more than running them: ~80 a call, 7 calls a test of the writes below)."""
    from django.apps import apps
    from django.db import connection

    key = (connection.alias, north.pk)
    if key not in _NORTH_QUERIES:
        queries = []
        with scopes_disabled():
            for model in apps.get_models():
                fields = {f.name for f in model._meta.fields}
                if "practice" in fields:
                    found = model._default_manager.filter(practice=north)
                elif "patient" in fields:
                    found = model._default_manager.filter(patient__practice=north)
                elif "claim" in fields:  # remittance lines, denials, acknowledgments of a claim
                    found = model._default_manager.filter(claim__practice=north)
                else:
                    continue
                sql, params = found.values_list().query.sql_with_params()
                queries.append((model._meta.label, sql, tuple(params)))
        _NORTH_QUERIES[key] = queries
    return _NORTH_QUERIES[key]


_NORTH_QUERIES: dict[tuple[str, Any], list[tuple[str, str, tuple[Any, ...]]]] = {}


def north_files(cast: Cast) -> dict[str, Any]:
    """North's claim sent, denied (an open denial) and rejected by a 277CA (an open work item);
    and the files a south user might upload about it: an 835 paying it, a 277CA rejecting it."""
    import datetime as dt

    from ccm.periods import BillingMonth
    from ccm.x12.ack277 import write_277ca
    from ccmweb.billing import testdata
    from ccmweb.billing.acks import import_ack
    from ccmweb.billing.models import Claim, ClaimAck, Denial
    from ccmweb.billing.remittance import post_remittance
    from ccmweb.billing.remittance_demo import write_month_835

    north, month = cast.acme.north, BillingMonth.of(testdata.MONTH)
    at = dt.datetime(2026, 4, 20, 8, 0, tzinfo=dt.UTC)
    with scopes_disabled():
        REGISTRY["billing:export_file"].kwargs(cast, cast.acme)  # closed and sent
        claim = Claim.objects.get(practice=north, current=True)
        if not Denial.objects.filter(claim=claim).exists():
            denied, _ = write_month_835(north, month, "denied", [], [], trace="NDENY", now=at)
            post_remittance(denied, cast.acme.org)
            rejected = write_277ca(
                [(claim.number, "A7", "562", "", claim.total_charge)],
                ("MEDICARE", "12502"), dt.datetime(2026, 4, 21, 8, 0), 9,
            )  # fmt: skip
            import_ack(rejected, cast.acme.org)
        paying, _ = write_month_835(north, month, "paid", [], [], trace="NPAY", now=at)
        return {
            "835": paying.encode(),
            "277CA": write_277ca(
                [(claim.number, "A7", "21", "", claim.total_charge)],
                ("MEDICARE", "12502"),
                dt.datetime(2026, 4, 22, 8, 0),
                10,
            ).encode(),  # fmt: skip
            "denial": str(Denial.objects.get(claim=claim, status="open").uid),
            "resolve": str(ClaimAck.objects.get(claim=claim, status="open").uid),
        }


def north_setup(cast: Cast) -> dict[str, Any]:
    """North's files (`north_files`), and its closed month's claim waiting for sign-off."""
    from ccmweb.billing.models import BillingSettings

    files = north_files(cast)
    with scopes_disabled():
        BillingSettings.objects.update_or_create(
            organization=cast.acme.org,
            practice=cast.acme.north,
            defaults={"requires_signoff": True},
        )
        return {**files, "claim": REGISTRY["billing:ledger"].kwargs(cast, cast.acme)["uid"]}


def north_form(
    cast: Cast, files: dict[str, Any], with_practice: bool, upload: str = ""
) -> dict[str, Any]:
    """A POST naming north's objects (FILES: `north_setup`) in every field a bulk action or
    upload reads; UPLOAD (835 or 277CA) puts north's remittance or acknowledgment in the `file`
    field. New upload objects each time: a POST reads them to the end."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    claim = files["claim"]
    patient = (
        b'{"resourceType":"Patient","id":"x1","birthDate":"1950-01-01","name":[{"family":"Z"}]}\n'
    )
    form: dict[str, Any] = {
        "patient": [str(cast.acme.patient.uid)],
        "claim": str(claim),
        "all": "1",
        "month": "2026-03",
        "coordinator": str(cast.acme.coordinator.pk),
        "format": "fhir",
        "files": [SimpleUploadedFile("Patient.000.ndjson", patient)],
        "denial": files["denial"],
    }
    if upload:
        form["file"] = SimpleUploadedFile(f"north.{upload.lower()}", files[upload])
    else:  # the acknowledgments page resolves a work item only when no file comes with it
        form["resolve"] = files["resolve"]
    if with_practice:
        form["practice"] = str(cast.acme.north.uid)
    return form


@pytest.mark.parametrize("route", [r for r in ROLE_CHECKED if not r.params], ids=ids)
def test_a_user_limited_to_one_practice_changes_nothing_in_another(route, cast, north):
    """Uploads (imports), bulk actions (assign, sign-off, close, export…) and every other POST
    without an id in its URL, by a user limited to acme south naming north's objects."""
    role = role_allowed(route)
    client = north.client(role)
    files = north.files
    before = north_rows(cast)
    for with_practice in (True, False):
        for upload in ("", "835", "277CA"):
            form = north_form(cast, files, with_practice, upload)
            status = client.post(route.url({}), form).status_code
            assert status < 500, f"{role} limited to south, POST {route.name}: {status}"
            assert north_rows(cast) == before, (
                f"{role} limited to south changed north by {route.name} ({upload or 'no file'})"
            )


@pytest.mark.parametrize(
    ("name", "upload"),
    [("billing:remittance", "835"), ("billing:acks", "277CA"), ("billing:acks", ""),
     ("billing:denials", "")],
)  # fmt: skip
def test_the_north_files_and_forms_do_change_north_for_a_user_of_both(
    name, upload, cast, staged, north
):
    """The forms above are not inert: the organisation's biller, limited to no practice, posts
    the same 835, reads the same 277CA and resolves the same work items, and north changes."""
    client = staged.client(cast.acme.biller)
    form = north_form(cast, north.files, True, upload)
    before = north_rows(cast)
    assert client.post(reverse(name), form).status_code < 500
    assert north_rows(cast) != before
