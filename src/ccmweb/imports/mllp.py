"""`ccm hl7 listen`: an MLLP listener that imports each HL7v2 message it receives and answers
with an ACK once what it kept is committed.

MLLP frames a message as `<VT>message<FS><CR>`. Each message is imported as its own run
(format hl7, the same reader and writer as `ccm import hl7`): its rows are committed before
the ACK goes out, so an `AA` means stored, and a sender that resends after a lost ACK changes
nothing (the ledger). The ACK says `AA` when every fact was kept, `AE` with the first reason
when some were rejected, `AR` when the message could not be read at all. Nothing about a
patient is logged: a line per message with the control id's length, counts and the code.
Connections are served one at a time per thread, imports one at a time (a lock), and a
connection idle for `IDLE_SECONDS` is closed.
"""

from __future__ import annotations

import datetime as dt
import shutil
import socketserver
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection
from django_scopes import scope

from ccm.hl7.messages import Raw, ack_for, parse
from ccm.reading import Limits
from ccmweb.tenants.models import Practice

from .services import input_limits, report, run_import, start_run

START, END = b"\x0b", b"\x1c\r"
IDLE_SECONDS = 300


def import_message(practice: Practice, data: bytes, today: dt.date | None = None) -> bytes:
    """Import one message into PRACTICE; the ACK to send back (MLLP-framed)."""
    folder = Path(tempfile.mkdtemp(prefix="hl7-", dir=_spool()))
    try:
        (folder / "message.hl7").write_bytes(data)
        with scope(organization=practice.organization):
            run = start_run(practice, "hl7")
            run_import(run, [str(folder)], today=today)
            result = report(run)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return START + ack(data, result) + END


def ack(data: bytes, result: dict[str, object]) -> bytes:
    """AA, AE with the first rejection's reason, or AR when the message was refused whole."""
    rejected = result["rejected"]
    assert isinstance(rejected, list)
    whole = [r for r in rejected if r.get("resource_type") in ("Message", "File")]
    code = "AR" if whole else "AE" if rejected else "AA"
    reason = str(rejected[0]["reason"]) if rejected else ""
    return ack_for(data, code, reason)


def _spool() -> Path:
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.connection.settimeout(IDLE_SECONDS)
        buffer = b""
        limit = self.server.limits.document_bytes
        try:
            while chunk := self.connection.recv(65536):
                buffer += chunk
                while (end := buffer.find(b"\x1c")) >= 0:
                    frame, buffer = buffer[:end], buffer[end + 1 :].removeprefix(b"\r")
                    start = frame.find(START)
                    self._answer(frame[start + 1 :] if start >= 0 else frame)
                if len(buffer) > limit:  # a frame past the document bound: refused, then closed
                    self.connection.sendall(START + ack_for(b"", "AR", "message too large") + END)
                    return
        except TimeoutError:
            return
        finally:
            connection.close()  # this thread's database connection

    def _answer(self, message: bytes) -> None:
        with self.server.lock:
            reply = import_message(self.server.practice, message.strip(b"\r\n"))
        self.server.log(reply)
        self.connection.sendall(reply)


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        practice: Practice,
        limits: Limits,
        log: Callable[[bytes], None],
    ) -> None:
        super().__init__(address, _Handler)
        self.practice = practice
        self.limits = limits
        self.lock = threading.Lock()
        self.log = log


def _log(reply: bytes) -> None:
    """One line a message: the ACK code only (the ACK carries no patient data, but the log
    needs none of it)."""
    code = reply.split(b"MSA|", 1)[1][:2].decode("ascii", "replace") if b"MSA|" in reply else "?"
    print(f"hl7: message acknowledged {code}", file=sys.stderr, flush=True)


def server(practice: Practice, host: str, port: int) -> _Server:
    """A listener bound to HOST:PORT (port 0: any free one, see `.server_address`)."""
    return _Server((host, port), practice, input_limits(), _log)


__all__ = ["Raw", "ack", "import_message", "parse", "server"]
