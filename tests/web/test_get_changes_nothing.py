"""Nothing changes on a GET: every page of the app, opened by a role that may use it, leaves
every table as it was (the access log and log-in bookkeeping aside: reading is logged; and the
worklist's standings, a cache derived from the facts that the page fills as it reads)."""

import pytest
from django.apps import apps
from django.db import connection
from django_scopes import scopes_disabled
from test_isolation import ROUTES, ids, kwargs_for, role_allowed

from ccmweb.testing.cast import Cast, Stage
from ccmweb.testing.urls import LOGIN_ONLY, PUBLIC, REGISTRY

#: Tables a GET may write: the record of who read what, sessions and log-in bookkeeping, and
#: timelog.WorklistState (derived standings, recomputed from the facts: never evidence).
BOOKKEEPING = {"accounts_accesslog", "django_session", "auth_user", "timelog_workliststate"}


def snapshot() -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the bookkeeping ones, in primary-key order."""
    rows = {}
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table in BOOKKEEPING or table.startswith("axes_"):
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
            rows[table] = cursor.fetchall()
    return rows


@pytest.fixture
def cast(staged: Stage) -> Cast:
    """The module's one cast (tests/web/conftest.py `stage`), each test in a savepoint of it."""
    return staged.cast


CHECKED = [r for r in ROUTES if r.name not in PUBLIC and (not r.params or r.name in REGISTRY)]


@pytest.mark.parametrize("route", CHECKED, ids=ids)
def test_a_get_changes_nothing(route, cast, staged):
    role = role_allowed(route) if route.name not in LOGIN_ONLY else "coordinator"
    url = route.url(kwargs_for(route, cast, cast.acme))
    client = staged.client(cast.acme.users[role])
    with scopes_disabled():
        before = snapshot()
        client.get(url)
        after = snapshot()
    changed = [table for table in before if before[table] != after[table]]
    assert not changed, f"GET {route.name} changed {changed}"
