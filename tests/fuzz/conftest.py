"""Fuzz suites: print each parser's figures (inputs, seconds) at the end of the session."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from fuzzing import EXAMPLES, FIGURES


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # type: ignore[no-untyped-def]
    if not FIGURES:
        return
    terminalreporter.section(f"fuzz figures (CCM_FUZZ_EXAMPLES={EXAMPLES})")
    for name, (count, seconds) in sorted(FIGURES.items()):
        rate = count / seconds if seconds else 0
        terminalreporter.write_line(
            f"{name:<28} {int(count):>9,} inputs  {seconds:8.1f} s  {rate:8,.0f}/s"
        )


@pytest.fixture(scope="session")
def scratch(tmp_path_factory):  # type: ignore[no-untyped-def]
    """One folder for the session's fuzz inputs (each suite overwrites its own file): in
    memory where Linux offers it (writing a file to disk cost 3 ms, the parse 0.3 ms)."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        yield tmp_path_factory.mktemp("fuzz")
        return
    folder = Path(tempfile.mkdtemp(prefix="ccm-fuzz-", dir=shm))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
