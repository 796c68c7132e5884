from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0002_worklist_job_kind'),
    ]

    operations = [
        migrations.AddField(
            model_name='job',
            name='rerun',
            field=models.BooleanField(default=False, help_text='Asked for again while running: queued once more when done.'),
        ),
    ]
