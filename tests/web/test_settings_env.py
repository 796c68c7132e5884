"""Settings from the environment: a yes/no, a number or a database that is neither stops the
start, named; a blank value is an unset one."""

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ccmweb.settings import envbool, envdatabase, envint, envlist, envsecret, envtext


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


def test_envbool_default_when_blank(monkeypatch: pytest.MonkeyPatch) -> None:
    """`CCM_SMTP_TLS=` in an env file keeps the default (TLS on), not "no"."""
    monkeypatch.setenv("CCM_SMTP_TLS", " ")
    assert envbool("CCM_SMTP_TLS", "True") is True and envbool("CCM_SMTP_TLS") is False


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


@pytest.mark.parametrize("raw", ["", "  "])
def test_a_blank_database_url_is_the_default_sqlite_file(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", raw)  # `DATABASE_URL=` in an env file
    found = envdatabase("DATABASE_URL", "sqlite:////srv/ccm/ccm.sqlite3")
    assert (found["ENGINE"], found["NAME"]) == (
        "django.db.backends.sqlite3",
        "/srv/ccm/ccm.sqlite3",
    )


def test_a_postgresql_url_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://ccm:s3cret@db.internal:5433/ccm")
    found = envdatabase("DATABASE_URL", "sqlite:////srv/ccm/ccm.sqlite3")
    assert found["ENGINE"] == "django.db.backends.postgresql"
    assert (found["HOST"], found["PORT"], found["NAME"]) == ("db.internal", 5433, "ccm")


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ("mysql://ccm:s3cret@db/ccm", "mysql://"),
        ("oracle://ccm:s3cret@db/ccm", "oracle://"),
        ("s3cret@db/ccm", "that value"),
        ("postgress://ccm:s3cret@db/ccm", "postgress://"),
    ],
)
def test_a_database_ccm_does_not_run_on_stops_the_start_without_its_password(
    monkeypatch: pytest.MonkeyPatch, raw: str, named: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", raw)
    with pytest.raises(ImproperlyConfigured) as refused:
        envdatabase("DATABASE_URL", "sqlite:////srv/ccm/ccm.sqlite3")
    message = str(refused.value)
    assert message.startswith("DATABASE_URL: ccm runs on PostgreSQL") and message.endswith(named)
    assert "s3cret" not in message


def test_a_blank_number_or_text_is_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """`CCM_DATA_DIR=` must not put the database in the current folder, `CCM_WORKERS=` must not
    stop the start: set but blank is unset."""
    monkeypatch.setenv("CCM_WORKERS", " ")
    monkeypatch.setenv("CCM_DATA_DIR", "")
    assert envint("CCM_WORKERS", 3) == 3
    assert envtext("CCM_DATA_DIR", "var") == "var"
    monkeypatch.setenv("CCM_DATA_DIR", " /srv/ccm ")
    assert envtext("CCM_DATA_DIR", "var") == "/srv/ccm"


def test_a_secret_file_that_cannot_be_read_stops_the_start_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-key"
    monkeypatch.setenv("CCM_SECRET_KEY_FILE", str(missing))
    with pytest.raises(
        ImproperlyConfigured, match=r"CCM_SECRET_KEY_FILE='.*no-such-key': cannot be"
    ):
        envsecret("CCM_SECRET_KEY")
    missing.write_text(" the key \n")
    assert envsecret("CCM_SECRET_KEY") == "the key"


def test_a_list_setting_drops_spaces_and_empty_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCM_ALLOWED_HOSTS", " ccm.example.org , ,localhost,")
    assert envlist("CCM_ALLOWED_HOSTS", "127.0.0.1") == ["ccm.example.org", "localhost"]
    monkeypatch.setenv("CCM_ALLOWED_HOSTS", " ")
    assert envlist("CCM_ALLOWED_HOSTS", "127.0.0.1,localhost") == ["127.0.0.1", "localhost"]
