import functools
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
def no_reset_counts_left():  # type: ignore[no-untyped-def]
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


#: Tests a worker holds, the one it runs included: it needs the next to start one (teardown).
QUEUED = 3


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):  # type: ignore[no-untyped-def]
    """xdist's `load` scheduling with short queues: a worker holds at most QUEUED tests.

    The stock scheduler lets a worker that runs quick tests queue up to a quarter of what is
    left; near the end that worker had taken every browser journey (they come last: they flush
    the database) and ran them alone for 60–90 s while the other sat idle (bench/RESULTS.md,
    "test suite"). Tests still go out in the list's order, so each worker's flushes stay last."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScheduling

    class ShortQueues(LoadScheduling):
        def __init__(self, config, log):  # type: ignore[no-untyped-def]
            super().__init__(config, log)
            self.maxschedchunk = self.maxschedchunk or QUEUED  # the first batch too

        def check_schedule(self, node, duration=0):  # type: ignore[no-untyped-def]
            if node.shutting_down:
                return
            if not self.pending:
                node.shutdown()
                return
            queued = len(self.node2pending[node])
            if queued < QUEUED:
                self._send_tests(node, QUEUED - queued)

    return ShortQueues(config, log)


@functools.cache
def _migrated_key() -> str:
    """What a freshly migrated database depends on: Django's version, every migration's source
    and the project modules a migration names (ccmweb.sql's triggers, validators)."""
    import hashlib
    import inspect
    import sys

    import django
    from django.db.migrations.loader import MigrationLoader

    files: dict[str, str] = {}  # module name → its file: every worktree of the repo shares one
    for migration in MigrationLoader(None, ignore_no_migrations=True).disk_migrations.values():
        module = sys.modules[type(migration).__module__]
        files[module.__name__] = str(module.__file__)
        for value in vars(module).values():
            named = inspect.getmodule(value)
            if named and named.__name__.split(".")[0] in ("ccm", "ccmweb"):
                files[named.__name__] = str(named.__file__)
    digest = hashlib.sha256(django.__version__.encode())
    for name, file in sorted(files.items()):
        digest.update(name.encode() + Path(file).read_bytes())
    return digest.hexdigest()[:20]


def _template_paths() -> tuple[Path, Path] | None:
    """The migrated template's path and the test database's, on SQLite outside CI; else None
    (PostgreSQL, and CI, migrate from nothing). Not cached: the test database's name changes
    when pytest-django gives each xdist worker its own."""
    from django.conf import settings as django_settings

    database = django_settings.DATABASES["default"]
    test = database.get("TEST", {}).get("NAME")
    if not test or database["ENGINE"] != "django.db.backends.sqlite3" or os.getenv("CI"):
        return None
    return Path(test).with_name(f"ccm-test-migrated-{_migrated_key()}.sqlite3"), Path(test)


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings):  # type: ignore[no-untyped-def]
    """On SQLite, a worker starts from a copy of a database the migrations made before (kept
    beside the test databases, named by a hash of the migrations) instead of running the ~100
    migrations again (~10 s a worker); `migrate` then still runs and finds nothing to do.
    CI, --create-db and CCM_TEST_DB_TEMPLATE=0 migrate from nothing."""
    keep = bool(request.config.getvalue("reuse_db") and not request.config.getvalue("create_db"))
    paths = _template_paths()
    if (
        keep
        or paths is None
        or request.config.getvalue("create_db")
        or os.getenv("CCM_TEST_DB_TEMPLATE", "1") == "0"
    ):
        return keep
    template, test = paths
    request.config.stash[_TEMPLATE] = paths
    if not template.exists():
        return False
    import shutil

    shutil.copyfile(template, test)
    return True


_TEMPLATE = pytest.StashKey[tuple[Path, Path]]()


@pytest.fixture(scope="session")
def migrated_template() -> Path | None:
    """The SQLite database the migrations made, where django_db_keepdb keeps one: a `ccm`
    subprocess's CCM_DATA_DIR can start from a copy of it instead of migrating from nothing
    (~12 s). None on PostgreSQL, in CI, or before any run on this machine has made it."""
    paths = _template_paths()
    return paths[0] if paths and paths[0].exists() else None


@pytest.fixture(scope="session")
def django_db_setup(request, django_db_setup, django_db_keepdb):  # type: ignore[no-untyped-def]
    """pytest-django's, then the migrated database saved as the template when there was none;
    a copied database is removed at the end (keepdb leaves it)."""
    import sqlite3
    from contextlib import closing

    paths = request.config.stash.get(_TEMPLATE, None)
    if paths and not django_db_keepdb:
        template, test = paths
        partial = template.with_suffix(f".{os.getpid()}.partial")
        with closing(sqlite3.connect(test)) as source, closing(sqlite3.connect(partial)) as copy:
            source.backup(copy)
        os.replace(partial, template)  # whole or not at all, whichever worker is first
    yield
    if paths and django_db_keepdb:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{paths[1]}{suffix}").unlink(missing_ok=True)


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
