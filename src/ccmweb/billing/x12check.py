"""pyx12's verdict on an X12 file, as a list of readable errors (empty = valid).

Used by the test suite and by `ccm claims export` to refuse writing a file a payer would reject.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import pyx12.params
import pyx12.x12n_document


def _walk(node: Any, where: str, found: list[str]) -> None:
    if isinstance(node, dict):
        label = node.get("seg_id") or node.get("name") or where
        if node.get("cur_line") is not None:
            label = f"{label} at line {node['cur_line']}"
        for error in node.get("errors") or []:
            value = error.get("err_val")
            found.append(
                f"{label}: {error.get('err_cde')} {error.get('err_str')}"
                + (f" [{value}]" if value else "")
            )
        for key in ("interchanges", "groups", "transactions", "segments", "elements"):
            for child in node.get(key) or []:
                _walk(child, key.rstrip("s"), found)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def x12_errors(text: str | Path) -> list[str]:
    """Validate an X12 interchange (text or a path) with pyx12; return its errors in words."""
    source = str(text) if isinstance(text, Path) else io.StringIO(text)
    param = pyx12.params.params()
    fd_json = io.StringIO()
    logger = logging.getLogger("pyx12")
    collect = _Collect()
    logger.addHandler(collect)
    try:
        ok = pyx12.x12n_document.x12n_document(
            param=param, src_file=source, fd_997=None, fd_html=None, fd_json=fd_json
        )
    except Exception as exc:  # pyx12 raises EngineError on unknown maps and the like
        return [f"pyx12 could not read the file: {exc}"]
    finally:
        logger.removeHandler(collect)
    found: list[str] = []
    raw = fd_json.getvalue()
    if raw:
        _walk(json.loads(raw), "file", found)
    if not found:
        found.extend(collect.messages)
    if not ok and not found:
        found.append("pyx12 rejected the file without naming an error")
    return found
