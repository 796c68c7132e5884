"""The access log refuses changes in the database too (ccmweb.sql.append_only)."""

from django.db import migrations

from ccmweb.sql import append_only


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_two_factor")]

    operations = [append_only("accounts_accesslog")]
