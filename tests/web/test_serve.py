"""`make run` in small: `ccm demo` then `ccm serve` (gunicorn + whitenoise) on a fresh data dir."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

CCM = Path(sys.executable).with_name("ccm")


def ccm_env(data_dir: Path, **values: str) -> dict[str, str]:
    """This process's environment without its ccm settings and database, on DATA_DIR."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CCM_", "DATABASE_URL"))}
    return env | {"CCM_DATA_DIR": str(data_dir), **values}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


QUEUE_A_CLOSE = """
import time
from django_scopes import scopes_disabled
from ccmweb.billing.tasks import close_month_job
from ccmweb.jobs.models import Job
from ccmweb.jobs.tasks import start
from ccmweb.tenants.models import Practice
with scopes_disabled():
    job = start(close_month_job, Practice.objects.get(slug="demo-clinic"), "2026-01", month="2026-01")
    for _ in range(1800):
        job.refresh_from_db()
        if job.status not in Job.ACTIVE:
            break
        time.sleep(0.1)
    print(job.status)
"""


@pytest.mark.long
@pytest.mark.skipif(not CCM.exists(), reason="the `ccm` script is not installed in this venv")
def test_demo_then_serve_shows_the_login_page_and_static_css(
    tmp_path: Path, migrated_template: Path | None
) -> None:
    """The data dir starts from the suite's migrated database where there is one (its
    `migrate` then finds nothing to do, ~4 s less); CI's migrate from nothing (tests/conftest.py)."""
    env = ccm_env(tmp_path, CCM_DEMO_PASSWORD="serve-smoke-password")
    if migrated_template:
        shutil.copyfile(migrated_template, tmp_path / "ccm.sqlite3")
    demo = subprocess.run(
        [CCM, "demo", "--patients", "5"], env=env, capture_output=True, text=True, timeout=120
    )
    assert demo.returncode == 0, demo.stderr[-2000:]
    assert "5 patients (5 new)" in demo.stdout

    port = free_port()
    server = subprocess.Popen(
        [CCM, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        status, page = 0, ""
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status, page = get(f"http://127.0.0.1:{port}/login/")
                break
            except OSError:
                time.sleep(0.2)
        assert server.poll() is None, server.stderr.read()[-2000:] if server.stderr else ""
        assert status == 200 and "Log in" in page
        status, css = get(f"http://127.0.0.1:{port}/static/ccm/ccm.css")
        assert status == 200 and "{" in css
        # the task worker `ccm serve` started runs a close queued as the close page queues it
        queued = subprocess.run(
            [CCM, "shell", "-c", QUEUE_A_CLOSE], env=env, capture_output=True, text=True
        )
        assert queued.returncode == 0, queued.stderr[-2000:]
        if queued.stdout.split()[-1] != "done":
            server.terminate()
            raise AssertionError(
                queued.stdout + (server.stderr.read()[-3000:] if server.stderr else "")
            )
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.mark.django_db(transaction=True)
def test_serve_closes_its_database_connection_before_gunicorn_forks_the_workers(
    monkeypatch, settings, tmp_path
):
    """A connection `ccm serve` opened (migrate does) and left open would be inherited by every
    worker; sync workers (--threads 1) then all used it at once and read each other's replies."""
    from django.core.management import call_command
    from django.db import connection
    from gunicorn.app.wsgiapp import WSGIApplication

    settings.STATIC_ROOT = tmp_path
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    open_when_forking = []
    monkeypatch.setattr(
        WSGIApplication, "run", lambda self: open_when_forking.append(connection.connection)
    )
    connection.ensure_connection()  # as migrate leaves it
    call_command("serve", "--no-migrate", "--task-workers", "0", "--threads", "1")
    assert open_when_forking == [None]


@pytest.mark.skipif(not CCM.exists(), reason="the `ccm` script is not installed in this venv")
@pytest.mark.parametrize(
    ("values", "refused"),
    [
        ({"DATABASE_URL": "mysql://ccm:s3cret@db/ccm"}, "DATABASE_URL: ccm runs on PostgreSQL"),
        (
            {"DATABASE_URL": "", "CCM_HTTPS": "ture"},  # a blank URL is the default: on to HTTPS
            "CCM_HTTPS='ture': expected one of 1, true, yes, on, 0, false, no, off",
        ),
        (
            {"CCM_LOG_LEVEL": "verbose"},
            "CCM_LOG_LEVEL='verbose': expected one of debug, info, warning, error, critical",
        ),
        (
            {"CCM_TRUSTED_PROXIES": "10.0.0.1, 10.0.0.300"},
            "CCM_TRUSTED_PROXIES: '10.0.0.300' is not an address or network",
        ),
        (
            {"CCM_CSRF_TRUSTED_ORIGINS": "https://ccm.example.org, ccm.example.net"},
            "CCM_CSRF_TRUSTED_ORIGINS: 'ccm.example.net' needs its scheme, e.g. 'https://ccm.",
        ),
    ],
)
def test_a_setting_the_environment_gets_wrong_is_one_line_naming_it(
    tmp_path: Path, values: dict[str, str], refused: str
) -> None:
    """`ccm` started with a value it cannot use says so in one line naming the variable (no
    traceback, no password) and exits 2."""
    env = ccm_env(tmp_path, **values)
    ran = subprocess.run([CCM, "demo"], env=env, capture_output=True, text=True, timeout=120)
    assert ran.returncode == 2
    assert ran.stderr.startswith(f"ccm: {refused}") and ran.stderr.count("\n") == 1
    assert "s3cret" not in ran.stderr + ran.stdout
