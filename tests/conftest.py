import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture
def shared() -> Path:
    """The shared data folder beside the repo; tests that read it skip cleanly without it."""
    if not SHARED.is_dir():
        pytest.skip("../shared is absent: externally written test data not available")
    return SHARED


@pytest.fixture(autouse=True)
def no_close_running():  # type: ignore[no-untyped-def]
    """No test (web or browser) sees a background close or reset count another test left."""
    from django.core.cache import caches

    caches["shared"].clear()


def pytest_report_header(config):  # type: ignore[no-untyped-def]
    url = os.getenv("CCM_TEST_DATABASE_URL")
    return f"database: {'PostgreSQL ' + url.split('@')[-1] if url else 'SQLite'}"
