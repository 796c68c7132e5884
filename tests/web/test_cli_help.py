"""The small things a newcomer hits first: every verb `ccm help` lists has its own help,
`ccm --version` prints ccm's version, and `make run` takes another port."""

import re
import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest

from ccmweb.cli import OWN_VERBS, main

VERBS = sorted({m.group(1) for m in re.finditer(r"^  ([a-z]+) ", OWN_VERBS, re.MULTILINE)})


def test_the_help_lists_the_verbs_we_know():
    assert {"demo", "serve", "user", "import", "rules", "fees", "month", "claims"} <= set(VERBS)


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_the_help_names_has_its_own_help(verb, capsys):
    assert main(["help", verb]) == 0
    out = capsys.readouterr()
    assert f"usage: ccm {verb}" in out.out, out
    assert "Unknown command" not in out.out + out.err


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"ccm {version('ccm')}\n"


def test_make_run_takes_a_port():
    root = Path(__file__).resolve().parents[2]
    dry = subprocess.run(
        ["make", "-n", "run", "PORT=8001"], cwd=root, capture_output=True, text=True, check=True
    )
    assert "serve --host 127.0.0.1 --port 8001" in dry.stdout
