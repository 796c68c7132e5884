"""The named cast every web test uses: two organisations, two practices each, one user per role.

`cast.acme.coordinator` is Acme's coordinator; `cast.bravo.north` is one of Bravo's practices;
`cast.acme.patient` is a patient of Acme's first practice. Tests read as sentences:
`test_coordinator_at_other_org_gets_404`.
"""

import datetime
from copy import deepcopy
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client
from django_scopes import scopes_disabled

from ccm.codes import USUAL_INITIATING_VISIT
from ccmweb.patients.models import Condition, Coverage, Encounter, Patient
from ccmweb.tenants.models import Membership, Organization, Practice, Practitioner, Role

CAST_TIME_ZONE = "America/New_York"  # every practice of the cast
PASSWORD = "correct horse battery staple"
# Valid NPIs (Luhn with the 80840 prefix).
NPIS = ["1234567893", "1245319599", "1003000126", "1111111112", "1497758544", "1932102084"]


@dataclass
class Tenant:
    org: Organization
    practices: list[Practice]
    users: dict[str, Any]
    practitioner: Practitioner
    patient: Patient

    def __getattr__(self, name: str) -> Any:
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)

    @property
    def north(self) -> Practice:
        return self.practices[0]

    @property
    def south(self) -> Practice:
        return self.practices[1]


@dataclass
class Cast:
    acme: Tenant
    bravo: Tenant


def make_tenant(slug: str, name: str, npi_offset: int) -> Tenant:
    User = get_user_model()
    org = Organization.objects.create(name=name, slug=slug, kind=Organization.Kind.SERVICE_COMPANY)
    practices = [
        Practice.objects.create(
            organization=org,
            name=f"{name} {part.title()} Clinic",
            slug=f"{slug}-{part}",
            tin=f"{12345678 + npi_offset + i}".rjust(9, "0"),
            billing_npi=NPIS[npi_offset + i],
            locality="",
            time_zone=CAST_TIME_ZONE,
            address_line="1 Main St",
            city="Springfield",
            state="IL",
            postal_code="62701-1234",
        )
        for i, part in enumerate(["north", "south"])
    ]
    users = {}
    for role in Role.values:
        user = User.objects.create_user(username=f"{slug}_{role}", password=PASSWORD)
        Membership.objects.create(user=user, organization=org, role=role)
        users[role] = user
    practitioner = Practitioner.objects.create(
        organization=org,
        practice=practices[0],
        user=users["practitioner"],
        given_name="Pat",
        family_name=f"{name}doc",
        npi=NPIS[npi_offset + 2],
        credential="MD",
    )
    patient = Patient.objects.create(
        organization=org,
        practice=practices[0],
        mrn=f"{slug.upper()}-1",
        given_name="Alice",
        family_name=f"{name}patient",
        birth_date=datetime.date(1950, 4, 2),
        sex="female",
        mbi="1EG4TE5MK73",
        part_b=True,
        coordinator=users["coordinator"],
    )
    Condition.objects.create(
        organization=org,
        patient=patient,
        icd10_code="E11.9",
        display="Type 2 diabetes",
        onset_date=datetime.date(2015, 1, 1),
    )
    Condition.objects.create(
        organization=org,
        patient=patient,
        icd10_code="I10",
        display="Hypertension",
        onset_date=datetime.date(2012, 1, 1),
    )
    Encounter.objects.create(
        organization=org,
        patient=patient,
        date=datetime.date(2025, 11, 20),
        type_system="cpt",
        type_code=USUAL_INITIATING_VISIT,
        type_display="Office visit",
        practitioner=practitioner,
    )
    Coverage.objects.create(
        organization=org,
        patient=patient,
        kind="medicare_part_b",
        payer_name="Medicare",
        start_date=datetime.date(2015, 4, 1),
    )
    return Tenant(
        org=org, practices=practices, users=users, practitioner=practitioner, patient=patient
    )


def make_cast() -> Cast:
    with scopes_disabled():
        return Cast(acme=make_tenant("acme", "Acme", 0), bravo=make_tenant("bravo", "Bravo", 3))


def log_in(user: Any, client: Client | None = None, password: str = PASSWORD) -> Client:
    """CLIENT (else a new one) logged in as USER (a user or a username) through the real login
    form (axes wants a request), with PASSWORD; fails the test when the form does not let them
    in."""
    username = getattr(user, "username", user)
    client = client or Client()
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302, f"login as {username} failed"
    return client


@dataclass
class Stage:
    """A cast made once for many tests, each of Acme's users logged in once through the real
    form (tests/web/conftest.py `stage`: the rows live in a transaction rolled back after them)."""

    cast: Cast
    cookies: dict[str, SimpleCookie]

    @classmethod
    def of(cls, cast: Cast) -> "Stage":
        cookies = {user.username: log_in(user).cookies for user in cast.acme.users.values()}
        return cls(cast, cookies)

    def client(self, user: Any, **options: Any) -> Client:
        """A new client in USER's session of that log-in (a test's changes to the session row
        roll back with the rest of its writes)."""
        client = Client(**options)
        client.cookies = deepcopy(self.cookies[user.username])
        return client
