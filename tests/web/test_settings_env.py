"""Settings from the environment: a yes/no or a number that is neither stops the start, named."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from ccmweb.settings import envbool, envint


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("Yes", True), (" on ", True),
                                               ("0", False), ("false", False), ("", False)])  # fmt: skip
def test_envbool_reads_the_usual_words(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("CCM_SOMETHING", raw)
    assert envbool("CCM_SOMETHING") is expected


def test_envbool_default_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CCM_SOMETHING", raising=False)
    assert envbool("CCM_SOMETHING") is False and envbool("CCM_SOMETHING", "True") is True


@pytest.mark.parametrize("raw", ["ture", "2", "enabled"])
def test_envbool_refuses_anything_else(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("CCM_HTTPS", raw)
    with pytest.raises(ImproperlyConfigured, match=f"CCM_HTTPS='{raw}'"):
        envbool("CCM_HTTPS")


def test_envint_refuses_a_word(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCM_WORKERS", "two")
    with pytest.raises(ImproperlyConfigured, match="CCM_WORKERS='two'"):
        envint("CCM_WORKERS", 1)
    monkeypatch.setenv("CCM_WORKERS", " 3 ")
    assert envint("CCM_WORKERS", 1) == 3
