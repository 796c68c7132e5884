import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests: CI (and CCM_HYPOTHESIS=thorough) tries 500 cases a property; a developer's
# run tries 50, so the inner loop stays quick. tests/fuzz sets its own counts.
settings.register_profile("thorough", max_examples=500)
settings.register_profile("dev", max_examples=50)
settings.load_profile(os.getenv("CCM_HYPOTHESIS") or ("thorough" if os.getenv("CI") else "dev"))

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture
def shared() -> Path:
    """The shared data folder beside the repo; tests that read it skip cleanly without it."""
    if not SHARED.is_dir():
        pytest.skip("../shared is absent: externally written test data not available")
    return SHARED


@pytest.fixture(autouse=True)
def no_close_running():  # type: ignore[no-untyped-def]
    """No test (web or browser) sees a reset-link count another test left."""
    from django.core.cache import caches

    caches["shared"].clear()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`@pytest.mark.long` tests that use no database run first. pytest-django puts tests
    without a database last, and xdist hands tests out in that order: a long one there ran
    alone on one worker at the end while the other worker sat idle. Tests with a database
    keep pytest-django's order (a transactional test's flush must come after the others)."""
    db_fixtures = {"db", "transactional_db", "live_server", "django_db_setup"}

    def first(item: pytest.Item) -> bool:
        uses_db = item.get_closest_marker("django_db") or db_fixtures & set(
            getattr(item, "fixturenames", ())
        )
        return bool(item.get_closest_marker("long")) and not uses_db

    items.sort(key=lambda item: not first(item))  # stable: the rest keep their order


def pytest_report_header(config):  # type: ignore[no-untyped-def]
    url = os.getenv("CCM_TEST_DATABASE_URL")
    return f"database: {'PostgreSQL ' + url.split('@')[-1] if url else 'SQLite'}"


@pytest.fixture
def task_worker(settings, transactional_db):  # type: ignore[no-untyped-def]
    """Tasks queued in the database, as served, and a worker thread in this process running
    them (the test's own thread would not see its rows otherwise: transactional_db)."""
    import threading

    from django.db import connection

    from ccmweb.jobs.management.commands.worker import Housekeeping

    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    worker = Housekeeping(
        None,
        queue_names=["default"],
        interval=0.05,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    stop = threading.Event()

    def loop() -> None:
        try:
            while not stop.is_set():
                worker.run()
                stop.wait(0.05)
        finally:
            connection.close()

    thread = threading.Thread(target=loop, name="task-worker", daemon=True)
    thread.start()
    yield worker
    stop.set()
    thread.join(timeout=30)
