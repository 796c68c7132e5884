"""The bulk list helpers of ccmweb/sql.py on the real database: `__among` (many strings as one
parameter) and IdList must find exactly the rows an `__in` list would, whatever the strings hold."""

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
