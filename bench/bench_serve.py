"""The worklist and the patient page under concurrent clients on `ccm serve` (gunicorn), against
the database bench_worklist.py built: p50/p95 latency and throughput per page, beside a trivial
authenticated request (`/`, a 302) measured the same way.

Starts `ccm serve --task-workers 0` on a free port with the same DATABASE_URL and data folder,
logs CLIENTS clients in as `coordinator` (each its own session), and has them request one page
as fast as they can for SECONDS, page after page (trivial, worklist, patient page). Beside the
latencies it prints the CPU each request took in the server processes and in the database's
backends (from /proc, so on a busy machine the throughput may fall while those stay put):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ccm_bench \\
        .venv/bin/python bench/bench_serve.py --data-dir var/bench-worklist-pg --clients 10
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

PASSWORD = "bench-password-123"  # bench_worklist.py's


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Client:
    """One browser's session: cookies kept, CSRF token posted with the login form."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        headers = {"Host": "127.0.0.1", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}  # fmt: skip
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}/login/"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, data

    def log_in(self, username: str, password: str) -> None:
        status, page = self.request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert status == 200 and token, status
        form = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token.group(1).decode(),
                "username": username,
                "password": password,
            }  # fmt: skip
        )
        status, _ = self.request("POST", "/login/", form)
        assert status == 302, f"log-in answered {status}"


def a_patient_page(data_dir: Path) -> str:
    os.environ["CCM_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccmweb.settings")
    import django

    django.setup()
    from django_scopes import scopes_disabled

    from ccmweb.patients.models import Patient

    with scopes_disabled():
        mine = Patient.objects.filter(coordinator__username="coordinator").order_by("pk").first()
    assert mine is not None, "build the database with bench_worklist.py first"
    return f"/patients/{mine.uid}/"


def cpu_seconds(pids: set[int]) -> dict[int, float]:
    """User + system CPU seconds of each process still running (Linux /proc)."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return found


def server_pids(root: int) -> set[int]:
    """`ccm serve` and its gunicorn workers (the process tree under ROOT)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
    tree = {root}
    while grown := {pid for pid, parent in parents.items() if parent in tree} - tree:
        tree |= grown
    return tree


def backend_pids() -> set[int]:
    """The PostgreSQL backends serving this database (on this machine), other than ours."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid()"
        )
        return {row[0] for row in cursor.fetchall()}


def cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds between two samples; a process that started in between counts whole."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def load(
    clients: list[Client], path: str, status: int, seconds: float, server: int = 0
) -> dict[str, float]:
    times: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = 0.0  # set once every client is warm

    def run(client: Client) -> None:
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            got, _ = client.request("GET", path)
            mine.append(time.perf_counter() - started)
            if got != status:
                errors.append(f"{path}: {got}")
                break
        with lock:
            times.extend(mine)

    for client in clients[:3]:  # warm the workers (a 3,000-patient worklist took seconds cold)
        client.request("GET", path)
    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    web, db = server_pids(server), backend_pids()
    web_cpu, db_cpu = cpu_seconds(web), cpu_seconds(db)
    started = time.monotonic()
    stop = started + seconds
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    web_used = cpu_used(web_cpu, cpu_seconds(server_pids(server) | web))
    db_used = cpu_used(db_cpu, cpu_seconds(backend_pids() | db))
    if errors:
        raise SystemExit(errors[0])
    return {
        "web_cpu": web_used / len(times) * 1000,
        "db_cpu": db_used / len(times) * 1000,
        "n": len(times),
        "p50": statistics.median(times) * 1000,
        "p95": statistics.quantiles(times, n=20)[-1] * 1000,
        "rps": len(times) / elapsed,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path("var/bench-worklist"))
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--password", default=PASSWORD, help="coordinator's (bench_worklist's)")
    parser.add_argument(
        "--workers", type=int, default=3, help="gunicorn workers (ccm serve's default)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads a worker (ccm serve's default); 0: not passed, for commits before --threads (4)",
    )
    args = parser.parse_args()
    data_dir = args.data_dir.resolve()
    patient = a_patient_page(data_dir)
    port = free_port()
    env = os.environ | {"CCM_DATA_DIR": str(data_dir), "CCM_TEST_AXES": "False"}
    threads = ["--threads", str(args.threads)] if args.threads else []
    server = subprocess.Popen(
        [sys.executable, "-m", "ccmweb", "serve", "--port", str(port),
         "--workers", str(args.workers), *threads, "--task-workers", "0"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("ccm serve did not start") from None
                time.sleep(0.5)
        clients = [Client(port) for _ in range(args.clients)]
        for client in clients:
            client.log_in("coordinator", args.password)
        print(f"{args.clients} clients, {args.seconds:.0f} s a page, gunicorn workers {args.workers} × {args.threads or 4} threads")  # fmt: skip
        results = {}
        for name, path, status in (
            ("trivial (/ → 302)", "/", 302),
            ("worklist", "/time/worklist/", 200),
            ("patient page", patient, 200),
        ):
            results[name] = r = load(clients, path, status, args.seconds, server.pid)
            print(f"{name:18} p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  {r['rps']:6.1f} req/s  ({r['n']} requests)  "
                  f"CPU a request: web {r['web_cpu']:5.1f} ms + PostgreSQL {r['db_cpu']:5.1f} ms")  # fmt: skip
        trivial = results["trivial (/ → 302)"]
        for name in ("worklist", "patient page"):
            r = results[name]
            print(
                f"{name}: p95 {r['p95'] / trivial['p95']:.1f}× the trivial request's; "
                f"throughput 1/{trivial['rps'] / r['rps']:.1f} of it; "
                f"target p95 < 400 ms {'met' if r['p95'] < 400 else 'NOT met'}"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
