"""Screenshots of the worklist, a patient page and a care plan on the demo data, for the guides.

Makes the demo (`ccm demo`) in a data folder of its own (a temporary one by default), serves it
with `ccm serve`, logs in as the demo coordinator in Debian's Chromium (Playwright; no browser
download) and saves PNGs under docs/screenshots/:

    .venv/bin/python scripts/screenshots.py                  # 300 demo patients, ~2 minutes
    .venv/bin/python scripts/screenshots.py --patients 1000 --out /tmp/shots
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "demo-screenshots-123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, server: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("ccm serve stopped before it answered")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"ccm serve did not answer on port {port}")


def a_patient_with_a_care_plan(env: dict[str, str]) -> tuple[str, str]:
    """(patient uid, care plan uid) of the demo coordinator's patient with the most time logged
    among those with a signed care plan (read in this process, from the same data folder)."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccmweb.settings")
    import django

    django.setup()
    from django.db.models import Count
    from django_scopes import scopes_disabled

    from ccmweb.careplans.models import CarePlan

    with scopes_disabled():
        plan = (
            CarePlan.objects.filter(
                patient__coordinator__username="coordinator",
                versions__signed_at__isnull=False,
            )
            .annotate(entries=Count("patient__time_entries", distinct=True))
            .select_related("patient")
            .order_by("-entries", "pk")
            .first()
        )
    if plan is None:
        raise SystemExit("the demo coordinator has no patient with a signed care plan")
    return str(plan.patient.uid), str(plan.uid)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=300)
    parser.add_argument("--data-dir", type=Path, help="default: a new temporary folder")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="ccm-screenshots-"))
    env = {"CCM_DATA_DIR": str(data_dir.resolve()), "CCM_DEMO_PASSWORD": PASSWORD}
    env.pop("DATABASE_URL", None)
    ccm = [sys.executable, "-m", "ccmweb"]
    child_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | env
    subprocess.run([*ccm, "demo", "--patients", str(args.patients)], env=child_env, check=True)
    patient_uid, plan_uid = a_patient_with_a_care_plan(env)

    port = free_port()
    server = subprocess.Popen(
        [*ccm, "serve", "--port", str(port), "--workers", "1", "--task-workers", "0"],
        env=child_env,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for(port, server)
        from playwright.sync_api import sync_playwright

        base = f"http://127.0.0.1:{port}"
        args.out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(f"{base}/login/")
            page.get_by_label("Username").fill("coordinator")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_load_state()
            shots = {
                "worklist": ("/time/worklist/", False),  # the top of the day plan: 50 rows a page
                "patient-page": (f"/patients/{patient_uid}/", True),
                "care-plan": (f"/careplans/{plan_uid}/", True),
            }
            for name, (path, full) in shots.items():
                response = page.goto(base + path)
                if response is None or response.status != 200:
                    raise SystemExit(f"{path}: {response.status if response else 'no answer'}")
                page.screenshot(path=str(args.out / f"{name}.png"), full_page=full)
                print(args.out / f"{name}.png")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
