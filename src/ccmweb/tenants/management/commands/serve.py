"""`ccm serve`: migrate, collect static files, start the task workers, serve with gunicorn."""

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections


class Command(BaseCommand):
    help = "Serve the web app with gunicorn and run background tasks beside it (make run PORT=8001 for another port)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=int(os.getenv("CCM_WORKERS", "3")))
        # Sync workers (one request at a time each) by default: under 10 clients on 2 cores they
        # served as many requests a second as 4 threads a worker, with a p95 a third lower (threads
        # share their worker's GIL, so a worker's requests slow each other while another idles;
        # bench/RESULTS.md, worklist, 2026-12-02 c). They need a proxy that buffers slow clients.
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.getenv("CCM_THREADS", "1")),
            help="threads a worker (1: gunicorn's sync workers, one request each at a time)",
        )
        parser.add_argument(
            "--task-workers",
            type=int,
            default=int(os.getenv("CCM_TASK_WORKERS", "1")),
            help="`ccm worker` processes to start beside the server (0: they run elsewhere)",
        )
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        if not opts["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        from gunicorn.app.wsgiapp import WSGIApplication

        self.stdout.write(
            f"ccm serving on http://{opts['host']}:{opts['port']}/ (data in {settings.DATA_DIR})"
        )
        # Each worker stops by itself if this process dies without stopping it (--parent).
        workers = [
            subprocess.Popen(
                [sys.executable, "-m", "ccmweb", "worker", "--parent", str(os.getpid())]
            )
            for _ in range(opts["task_workers"])
        ]
        argv = [
            "gunicorn",
            "ccmweb.wsgi:application",
            "--bind",
            f"{opts['host']}:{opts['port']}",
            "--workers",
            str(opts["workers"]),
            "--threads",
            str(opts["threads"]),
            "--access-logfile",
            "-",
            # Access log lines carry the path only (opaque ids), never query strings or bodies.
            "--access-logformat",
            '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
        ]
        sys.argv = argv
        # gunicorn forks its workers from this process: a database connection opened above (by
        # migrate or collectstatic) would be inherited by every worker and used by all at once
        # from their main threads (sync workers serve there), mixing their replies on one socket.
        connections.close_all()
        try:
            WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
        finally:
            for worker in workers:  # asked to stop, a worker ends after its task under way…
                worker.terminate()
            for worker in workers:
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:  # …or is killed: its job shows interrupted,
                    worker.kill()  # and the next worker queues it again where that is safe
