"""A re-close rewrites a changed month's row (bench/RESULTS.md, "month close"). On a full page
PostgreSQL writes the new version elsewhere and adds an entry to each of the table's four
indexes; with a quarter of each page left free it writes it beside the old one, a HOT update
without index entries (the month's indexed columns, its keys and status, rarely change).
Pages written from now on keep the room; the rows already stored are not moved."""

from django.db import migrations


def leave_room(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE billing_patientmonth SET (fillfactor = 75)")


def fill_pages(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE billing_patientmonth RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0010_months_remember_the_patient_revision_they_read"),
    ]

    operations = [migrations.RunPython(leave_room, fill_pages)]
