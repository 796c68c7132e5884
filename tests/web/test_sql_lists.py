"""The bulk list helpers of ccmweb/sql.py on the real database: `__among` (many strings as one
parameter), `__anyof` and IdList must find exactly the rows an `__in` list would, whatever the
strings hold."""

from django_scopes import scope

from ccmweb.imports.models import ImportedResource
from ccmweb.sql import IdList

AWKWARD = [
    'a"quote',
    "back\\slash",
    'both\\"',
    "comma,inside",
    "{brace}",
    "with space",
    "NULL",
    "",
    "ünïcødé-日本",
    "new\nline",
    "tab\there",
    "'single'",
]


def test_among_and_id_list_match_an_in_list(cast):
    practice = cast.acme.north
    org = practice.organization
    with scope(organization=org):
        rows = ImportedResource.objects.bulk_create(
            ImportedResource(
                organization=org,
                practice=practice,
                resource_type="Patient",
                source_id=sid,
                content_hash="0" * 32,
            )
            for sid in [*AWKWARD, "other", "x"]
        )
        found = ImportedResource.objects.filter(source_id__among=AWKWARD).values_list(
            "source_id", flat=True
        )
        assert sorted(found) == sorted(AWKWARD)
        none = ImportedResource.objects.filter(source_id__among=[]).count()
        assert none == 0
        some = [r.pk for r in rows[:3]]
        assert sorted(
            ImportedResource.objects.filter(pk__in=IdList(iter(some))).values_list("pk", flat=True)
        ) == sorted(some)
        assert not ImportedResource.objects.filter(pk__in=IdList(iter([]))).exists()
        assert sorted(
            ImportedResource.objects.filter(pk__anyof=iter(some)).values_list("pk", flat=True)
        ) == sorted(some)
        assert not ImportedResource.objects.filter(pk__anyof=[]).exists()


def test_anyof_on_a_foreign_key_matches_an_in_list(cast):
    from ccmweb.patients.models import Condition

    t = cast.acme
    with scope(organization=t.org):
        wanted = [t.patient.pk, 0]
        listed = Condition.objects.filter(patient_id__in=wanted).values_list("pk", flat=True)
        assert listed.exists()
        anyof = Condition.objects.filter(patient_id__anyof=wanted).values_list("pk", flat=True)
        assert sorted(anyof) == sorted(listed)
        assert sorted(
            Condition.objects.filter(patient__anyof=wanted).values_list("pk", flat=True)
        ) == sorted(listed)


def test_bulk_rows_fail_with_djangos_own_errors(cast):
    """The import's row writer talks to the drivers directly (COPY, SQLite's own marks); a
    row the database refuses still raises Django's IntegrityError, as the ORM would."""
    import pytest
    from django.db import IntegrityError, transaction

    from ccmweb.imports.rows import insert_rows

    practice = cast.acme.north
    columns = ("organization_id", "practice_id", "resource_type", "source_id", "content_hash")
    row = (practice.organization_id, practice.pk, "Patient", "twice", "0" * 32)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(ImportedResource, columns, [row, row])
