"""The ledger refuses changes in the database too (ccmweb.sql.append_only)."""

from django.db import migrations

from ccmweb.sql import append_only


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_billing_settings_unique_within_the_tenant")]

    operations = [append_only("billing_ledgerentry")]
