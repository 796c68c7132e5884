import pytest
from django.test import Client
from django_scopes import scopes_disabled

from ccmweb.testing.cast import PASSWORD, Cast, make_cast


@pytest.fixture
def cast(db) -> Cast:  # type: ignore[no-untyped-def]
    return make_cast()


@pytest.fixture
def login(client: Client):  # type: ignore[no-untyped-def]
    """login(user) → a client logged in as that user (through the real login form)."""

    def _login(user) -> Client:  # type: ignore[no-untyped-def]
        response = client.post("/login/", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, "login failed"
        return client

    return _login


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
