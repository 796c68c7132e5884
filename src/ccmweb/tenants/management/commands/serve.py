"""`ccm serve`: migrate, collect static files, and serve with gunicorn (not runserver)."""

import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the web app with gunicorn (make run PORT=8001 for another port)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=int(os.getenv("CCM_WORKERS", "3")))
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args, **opts):  # type: ignore[no-untyped-def]
        if not opts["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        from gunicorn.app.wsgiapp import WSGIApplication

        self.stdout.write(
            f"ccm serving on http://{opts['host']}:{opts['port']}/ (data in {settings.DATA_DIR})"
        )
        argv = [
            "gunicorn",
            "ccmweb.wsgi:application",
            "--bind",
            f"{opts['host']}:{opts['port']}",
            "--workers",
            str(opts["workers"]),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            # Access log lines carry the path only (opaque ids), never query strings or bodies.
            "--access-logformat",
            '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms',
        ]
        import sys

        sys.argv = argv
        WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
