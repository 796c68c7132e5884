"""Every URL, discovered from the resolver, is guarded, scoped to its organisation and practice,
and answers each role as roles.py says. A view that forgets its scope makes this file fail.

How to make a new URL pass: see src/ccmweb/testing/urls.py.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from django_scopes import ScopeError, scopes_disabled

from ccmweb.patients.models import Patient
from ccmweb.tenants.models import Membership, Role
from ccmweb.tenants.roles import CAPABILITIES, can
from ccmweb.testing.cast import PASSWORD, Cast, Stage, Tenant, log_in
from ccmweb.testing.urls import LOGIN_ONLY, PUBLIC, REGISTRY


@dataclass(frozen=True)
class Route:
    name: str | None
    route: str
    callback: Any
    params: tuple[str, ...]

    @property
    def capability(self) -> str | None:
        return getattr(self.callback, "capability", None)

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")

    def url(self, kwargs: dict[str, Any]) -> str:
        assert self.name is not None
        return reverse(self.name, kwargs=kwargs or None)


def _params(pattern: Any) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return list(pattern.converters)
    return list(pattern.regex.groupindex)


def walk(
    resolver: URLResolver, prefix: str = "", namespace: str = "", params: tuple[str, ...] = ()
) -> Iterator[Route]:
    """Every URL pattern under RESOLVER, with its namespaced name and all its parameters."""
    for entry in resolver.url_patterns:
        here = (*params, *_params(entry.pattern))
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry, prefix + str(entry.pattern), inner, here)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            yield Route(name, prefix + str(entry.pattern), entry.callback, here)


ROUTES = list(walk(get_resolver()))
GUARDED = [r for r in ROUTES if r.name not in PUBLIC]
WITH_PARAMS = [r for r in ROUTES if r.params and r.name not in PUBLIC]
ROLE_CHECKED = [r for r in GUARDED if r.name not in LOGIN_ONLY]


def ids(route: Route) -> str:
    return route.name or route.route


@pytest.fixture
def cast(staged: Stage) -> Cast:
    """The module's one cast (tests/web/conftest.py `stage`), each test in a savepoint of it."""
    return staged.cast


def kwargs_for(route: Route, cast: Cast, tenant: Tenant) -> dict[str, Any]:
    if not route.params:
        return {}
    assert route.name in REGISTRY, (
        f"{route.name or route.route} has parameters {route.params} but no entry in "
        "ccmweb/testing/urls.py: register how to fill them so the isolation test can call it"
    )
    with scopes_disabled():
        kwargs = REGISTRY[route.name].kwargs(cast, tenant)
    assert set(kwargs) == set(route.params), f"{route.name}: registry gives {set(kwargs)}"
    return kwargs


def role_allowed(route: Route) -> str:
    """A role that holds the route's capability: a refusal then can only come from scoping."""
    if route.name in LOGIN_ONLY:
        return Role.COORDINATOR
    assert route.capability, f"{route.name} has no @requires capability"
    return next(r for r in Role.values if can(r, route.capability))


def call(client: Client, url: str) -> dict[str, int]:
    return {"GET": client.get(url).status_code, "POST": client.post(url).status_code}


def first_allowed_status(client: Client, url: str) -> int:
    """GET, or POST when the view only takes POST."""
    status = client.get(url).status_code
    return client.post(url).status_code if status == 405 else status


def test_the_walk_finds_the_urls_we_know_of():
    names = {r.name for r in ROUTES}
    assert {
        "login",
        "logout",
        "healthz",
        "home",
        "switch",
        "patients:list",
        "patients:detail",
    } <= names
    assert next(r for r in ROUTES if r.name == "patients:detail").params == ("uid",)


@pytest.mark.parametrize("route", ROUTES, ids=ids)
def test_every_url_is_named_and_guarded(route):
    assert route.name, f"{route.route}: give the URL a name so the registry can refer to it"
    if route.name in PUBLIC | LOGIN_ONLY:
        return
    assert route.capability, (
        f"{route.name}: decorate the view with @requires('<capability>') from "
        "ccmweb.tenants.decorators, or list it in PUBLIC/LOGIN_ONLY in ccmweb/testing/urls.py"
    )
    assert route.capability in CAPABILITIES, f"{route.name}: unknown capability"


def test_registry_names_only_urls_that_exist():
    names = {r.name for r in ROUTES}
    assert set(REGISTRY) <= names, f"stale registry entries: {set(REGISTRY) - names}"
    assert names >= (PUBLIC | LOGIN_ONLY)


@pytest.mark.parametrize("route", GUARDED, ids=ids)
def test_anonymous_is_sent_to_login(route, cast):
    url = route.url(kwargs_for(route, cast, cast.acme))
    for method in ("get", "post"):
        response = getattr(Client(), method)(url)
        status = response.status_code
        if status == 405:
            continue
        if route.is_api:
            assert status in (401, 403), f"anonymous {method} {route.name}: {status}"
            continue
        assert status == 302, f"anonymous {method} {route.name}: {status}"
        assert response.url.startswith(reverse("login") + "?next="), response.url


@pytest.mark.parametrize("route", WITH_PARAMS, ids=ids)
def test_user_of_other_organisation_gets_404(route, cast, staged):
    role = role_allowed(route)
    client = staged.client(cast.acme.users[role])
    own = first_allowed_status(client, route.url(kwargs_for(route, cast, cast.acme)))
    assert own != 404, f"{route.name}: the registry's own-organisation object is not found"
    statuses = call(client, route.url(kwargs_for(route, cast, cast.bravo)))
    assert set(statuses.values()) <= {404, 405} and 404 in statuses.values(), (
        f"{role} of acme on bravo's {route.name}: {statuses}"
    )


@pytest.mark.parametrize(
    "route",
    [r for r in WITH_PARAMS if r.name in REGISTRY and REGISTRY[r.name].practice_bound],
    ids=ids,
)
def test_user_limited_to_other_practice_gets_404(route, cast):
    role = role_allowed(route)
    with scopes_disabled():
        user = type(cast.acme.coordinator).objects.create_user(
            username=f"acme_south_{role}", password=PASSWORD
        )
        Membership.objects.create(user=user, organization=cast.acme.org, role=role).practices.set(
            [cast.acme.south]
        )
    statuses = call(log_in(user), route.url(kwargs_for(route, cast, cast.acme)))
    assert set(statuses.values()) <= {404, 405} and 404 in statuses.values(), (
        f"{role} limited to acme south on a north {route.name}: {statuses}"
    )


@pytest.mark.parametrize("route", ROLE_CHECKED, ids=ids)
def test_each_role_is_refused_exactly_where_roles_py_says(route, cast, staged):
    url = route.url(kwargs_for(route, cast, cast.acme))
    for role in Role.values:
        status = first_allowed_status(staged.client(cast.acme.users[role]), url)
        if can(role, route.capability):
            assert status != 403, f"{role} may use {route.name} but got 403"
        else:
            assert status == 403, f"{role} may not use {route.name} but got {status}"


def markers_of(tenant: Tenant, *, practice_data_only: bool = False) -> list[str]:
    """Strings that only TENANT's pages may show: its patient, practitioner, practices."""
    assert tenant.patient and tenant.practitioner
    found = [tenant.patient.family_name, tenant.patient.mrn, tenant.practitioner.family_name]
    return found if practice_data_only else [*found, *(p.name for p in tenant.practices)]


@pytest.mark.parametrize("route", [r for r in ROLE_CHECKED if not r.params], ids=ids)
def test_no_page_shows_another_organisations_or_practices_data(route, cast, staged):
    """Lists have no id to 404 on: prove they leak nothing instead."""
    role = role_allowed(route)
    body = staged.client(cast.acme.users[role]).get(route.url({})).content.decode()
    for marker in markers_of(cast.bravo):
        assert marker not in body, f"{role} of acme sees bravo's {marker!r} on {route.name}"
    with scopes_disabled():
        user = type(cast.acme.coordinator).objects.create_user(username="south", password=PASSWORD)
        Membership.objects.create(user=user, organization=cast.acme.org, role=role).practices.set(
            [cast.acme.south]
        )
    body = log_in(user).get(route.url({})).content.decode()
    for marker in markers_of(cast.acme, practice_data_only=True):
        assert marker not in body, f"a south-only {role} sees north's {marker!r} on {route.name}"


def test_the_roles_table_in_docs_matches_roles_py():
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "security.md").read_text()
    for capability, roles in CAPABILITIES.items():
        cells = " | ".join("yes" if r in roles else "" for r in Role.values)
        assert f"| `{capability}` | {cells} |" in docs, f"docs/security.md: {capability}"


def test_every_tenant_table_is_scoped_and_its_unique_constraints_include_organization():
    """Ready for distribution on organization_id (docs/scaling.md); uid is a random UUID."""
    from django.apps import apps
    from django.db.models import UniqueConstraint

    tenant_models = [
        m for m in apps.get_models() if any(f.name == "organization" for f in m._meta.fields)
    ]
    assert len(tenant_models) > 5
    for model in tenant_models:
        label = model._meta.label
        with pytest.raises(ScopeError):  # a ScopedManager: unscoped queries raise
            list(model._default_manager.all())
        for constraint in model._meta.constraints:
            if isinstance(constraint, UniqueConstraint):
                assert "organization" in constraint.fields, f"{label}.{constraint.name}"
        for fields in model._meta.unique_together:
            assert "organization" in fields, f"{label} unique_together {fields}"
        for field in model._meta.fields:
            if field.unique and not field.primary_key:
                assert field.name == "uid", f"{label}.{field.name} is unique across organisations"


def test_a_patient_query_outside_any_scope_raises(cast):
    with pytest.raises(ScopeError):
        list(Patient.objects.all())


def limited_to_south(cast: Cast, role: str) -> Any:
    with scopes_disabled():
        user = type(cast.acme.coordinator).objects.create_user(
            username=f"south_{role}", password=PASSWORD
        )
        Membership.objects.create(user=user, organization=cast.acme.org, role=role).practices.set(
            [cast.acme.south]
        )
    return user


def test_the_assign_page_offers_only_coordinators_of_the_users_practices(cast, staged):
    with scopes_disabled():
        north_nurse = type(cast.acme.coordinator).objects.create_user(
            "north_nurse", password=PASSWORD
        )
        Membership.objects.create(
            user=north_nurse, organization=cast.acme.org, role=Role.COORDINATOR
        ).practices.set([cast.acme.north])
    south_admin = log_in(limited_to_south(cast, Role.ADMIN))
    page = south_admin.get(reverse("timelog:assign")).content.decode()
    assert "north_nurse" not in page  # every coordinator of the organisation was listed
    assert cast.acme.coordinator.username in page  # works in every practice, south included
    whole = staged.client(cast.acme.admin).get(reverse("timelog:assign")).content.decode()
    assert "north_nurse" in whole
