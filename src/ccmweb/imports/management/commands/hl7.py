"""`ccm hl7 listen --port PORT --practice SLUG [--host 127.0.0.1]`: receive HL7v2 over MLLP."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ccmweb.imports.mllp import server
from ccmweb.tenants.practices import practice_named


class Command(BaseCommand):
    help = "HL7v2: `hl7 listen --port PORT --practice SLUG` imports each message and ACKs it."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listen = sub.add_parser(
            "listen", help="an MLLP listener; each message imported, then ACKed"
        )
        listen.add_argument("--port", type=int, required=True, help="TCP port (2575 is MLLP's)")
        listen.add_argument(
            "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)"
        )
        listen.add_argument("--practice", required=True, help="practice slug the messages are for")
        listen.add_argument("--org", help="organisation slug, when the practice slug repeats")

    def handle(self, *args: Any, **opts: Any) -> None:
        practice = practice_named(opts["practice"], opts.get("org"))
        listener = server(practice, opts["host"], opts["port"])
        port = listener.server_address[1]
        print(
            f"hl7: listening on {opts['host']}:{port} for {practice.slug}",
            file=sys.stderr,
            flush=True,
        )
        try:
            listener.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            listener.server_close()
