from django_scopes import scopes_disabled

from ccmweb.accounts.models import AccessLog


def test_login_page_is_served(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    assert b"Username" in response.content and b"Log in" in response.content
    assert "Content-Security-Policy" in response.headers


def test_coordinator_sees_own_patient_and_the_view_is_logged(cast, login):
    c = login(cast.acme.coordinator)
    page = c.get(f"/patients/{cast.acme.patient.uid}/")
    assert page.status_code == 200
    assert b"E11.9" in page.content
    with scopes_disabled():
        row = AccessLog.objects.get(patient_uid=str(cast.acme.patient.uid))
    assert row.user == cast.acme.coordinator and row.action == "view"


def test_coordinator_at_other_org_gets_404(cast, login):
    c = login(cast.acme.coordinator)
    assert c.get(f"/patients/{cast.bravo.patient.uid}/").status_code == 404


def test_every_model_change_has_its_migration(db):
    """A model edited without `makemigrations` would migrate a database that lacks a column."""
    import io

    from django.core.management import call_command

    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit as missing:
        raise AssertionError(f"models differ from migrations:\n{out.getvalue()}") from missing
