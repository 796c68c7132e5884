"""`ccm worker`: run background tasks (imports, closes, audits, scheduled jobs) from the database.

`ccm serve` starts one beside the web server (CCM_TASK_WORKERS of them); run more on other
machines with `ccm worker`. It is django_tasks_db's worker, with ccm's housekeeping between
tasks and at least once a minute while idle: jobs whose process died are marked interrupted
(and the safe-to-repeat ones queued again), and scheduled jobs that have come due are started.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from ccmweb.jobs.schedule import run_due
from ccmweb.jobs.tasks import reap

log = logging.getLogger("ccmweb.jobs")
HOUSEKEEPING_EVERY = 60.0  # seconds


class Housekeeping(Worker):
    """The database worker, run a batch at a time (every ready task, then back here)."""

    def __init__(self, parent: int | None, **options: Any) -> None:
        super().__init__(**options)
        self.parent = parent
        self.last_housekeeping = 0.0

    def serve(self) -> None:
        self.configure_signals()
        while self.running:
            if self.parent is not None and os.getppid() != self.parent:
                log.warning("worker %s: `ccm serve` has gone; stopping", self.worker_id)
                return
            if time.monotonic() - self.last_housekeeping >= HOUSEKEEPING_EVERY:
                self.housekeeping()
            self.run()  # batch mode: every ready task, then return
            if self.running:
                time.sleep(self.interval)

    def housekeeping(self) -> None:
        self.last_housekeeping = time.monotonic()
        close_old_connections()
        try:
            found = reap()
            if found:
                log.warning("worker %s: %d interrupted job(s) found", self.worker_id, found)
            for name in run_due():
                log.info("worker %s: scheduled %s started", self.worker_id, name)
        except Exception as error:  # the worker outlives a failed housekeeping round
            log.error("worker housekeeping failed: %s", error.__class__.__name__)


class Command(BaseCommand):
    help = "Run background tasks (imports, month closes, audits, scheduled jobs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", default="default", help="queues, comma separated")
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument("--batch", action="store_true", help="run every ready task, then exit")
        parser.add_argument("--parent", type=int, help="stop when this process (ccm serve) is gone")

    def handle(self, *args: Any, **opts: Any) -> None:
        logging.getLogger("django_tasks_db").setLevel(logging.INFO)
        worker = Housekeeping(
            opts["parent"],
            queue_names=opts["queue"].split(","),
            interval=opts["interval"],
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"{socket.gethostname()}:{os.getpid()}"[:64],
            excluded_queue_names=[],
        )
        if opts["batch"]:
            worker.housekeeping()
            worker.run()
            return
        self.stderr.write(f"ccm worker {worker.worker_id} waiting for tasks")
        sys.stderr.flush()
        worker.serve()
