from collections.abc import Iterator
from copy import deepcopy

import pytest
from django.db import transaction
from django.test import Client
from django_scopes import scopes_disabled

from ccmweb.testing.cast import Cast, Stage, log_in, make_cast


@pytest.fixture
def cast(db, module_cast: Cast | None) -> Cast:  # type: ignore[no-untyped-def]
    """The named cast as made: a copy of the module's (`module_cast`), else a new one."""
    return make_cast() if module_cast is None else deepcopy(module_cast)


@pytest.fixture
def login(client: Client):  # type: ignore[no-untyped-def]
    """login(user) → a client logged in as that user (through the real login form)."""

    def _login(user) -> Client:  # type: ignore[no-untyped-def]
        return log_in(user, client)

    return _login


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(
        {"transactional_db", "live_server", "task_worker"} & set(getattr(item, "fixturenames", ()))
        or (marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    )


def _rolled_back(django_db_blocker, items: list[pytest.Item]) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """A transaction around ITEMS, rolled back after the last: fixtures of that scope that ask
    for it make rows (under django_db_blocker.unblock()) that each of them starts from, each
    test in a savepoint inside it (pytest-django's `db`) whatever the one before wrote."""
    mixed = [i.nodeid for i in items if _transactional(i)]
    assert not mixed, f"a transactional test cannot run inside another transaction: {mixed}"
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _module_items(request: pytest.FixtureRequest) -> list[pytest.Item]:
    """The session's tests of REQUEST's module."""
    return [i for i in request.session.items if getattr(i, "module", None) is request.module]


@pytest.fixture(scope="module")
def module_db(request, django_db_setup, django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Rows made once for every test of a module (see _rolled_back)."""
    yield from _rolled_back(django_db_blocker, _module_items(request))


@pytest.fixture(scope="class")
def class_db(request, django_db_setup, django_db_blocker) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Rows made once for every test of a class (see _rolled_back)."""
    items = [i for i in request.session.items if getattr(i, "cls", None) is request.cls]
    yield from _rolled_back(django_db_blocker, items)


@pytest.fixture(scope="module")
def module_cast(request, django_db_blocker) -> Cast | None:  # type: ignore[no-untyped-def]
    """The cast made once for a module whose tests all run inside one transaction (module_db),
    each test in a savepoint of it; None in a module with a transactional test (the cast's
    rows must be committed there, and each such test flushes them). Making the cast for each
    test was ~15 s of the web tests' ~118 in one process (bench/RESULTS.md, "test suite")."""
    if any(_transactional(i) for i in _module_items(request)):
        return None
    request.getfixturevalue("module_db")
    with django_db_blocker.unblock():
        return make_cast()


@pytest.fixture(scope="module")
def stage(module_cast, django_db_blocker) -> Stage:  # type: ignore[no-untyped-def]
    """The cast of a module whose tests take it as made (`staged`): made and logged in once
    (module_db). The sessions are rows of that transaction too (SESSION_ENGINE is the
    database), so a test's log-out or session change rolls back with it."""
    from django.conf import settings

    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert module_cast is not None, "a module with a transactional test cannot share a stage"
    with django_db_blocker.unblock():
        return Stage.of(module_cast)


@pytest.fixture
def staged(stage: Stage, db) -> Stage:  # type: ignore[no-untyped-def]
    """This test's view of the module's stage: the cast's objects copied (a test may change
    them in memory; the next test gets them as made, as Django's setUpTestData does)."""
    return Stage(deepcopy(stage.cast), stage.cookies)


@pytest.fixture
def unscoped():  # type: ignore[no-untyped-def]
    with scopes_disabled():
        yield


@pytest.fixture
def midday():  # type: ignore[no-untyped-def]
    """Noon of today in the cast's time zone, clock ticking (see ccmweb.testing.clock)."""
    from ccmweb.testing.clock import midday as travel

    with travel() as noon:
        yield noon


def pytest_runtest_setup(item: pytest.Item) -> None:
    """`@pytest.mark.postgres` tests (concurrency, a second connection) skip on SQLite."""
    from django.db import connection

    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set CCM_TEST_DATABASE_URL)")
