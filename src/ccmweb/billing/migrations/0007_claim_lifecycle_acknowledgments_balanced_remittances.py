
import ccmweb.billing.validators
import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


def exports_to_claims(apps, schema_editor):
    """Each claim keeps the first file it went out in (a claim is sent once from now on)."""
    Claim = apps.get_model("billing", "Claim")
    Through = apps.get_model("billing", "ClaimExport_claims")
    first = {}
    for claim_id, export_id in Through.objects.order_by("claimexport_id").values_list(
        "claim_id", "claimexport_id"
    ):
        first.setdefault(claim_id, export_id)
    for claim_id, export_id in first.items():
        Claim.objects.filter(pk=claim_id).update(export_id=export_id)


def payer_keys(apps, schema_editor):
    """Posted 835s keyed by payer and trace; a trace posted twice before this keeps both rows
    (the second under a marked key), so the constraint can hold."""
    Remittance = apps.get_model("billing", "Remittance")
    seen = set()
    for remit in Remittance.objects.order_by("pk"):
        key = (remit.organization_id, remit.payer_name.upper(), remit.trace_number)
        remit.payer_key = remit.payer_name.upper()[:60] + ("" if key not in seen else f"#{remit.pk}")
        seen.add(key)
        remit.save(update_fields=["payer_key"])


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0006_billing_settings_clearinghouse_name'),
        ('patients', '0003_tenant_leading_indexes_serve_the_organization'),
        ('tenants', '0002_two_factor'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Acknowledgment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('kind', models.CharField(help_text='999 (or 997) or 277CA.', max_length=5)),
                ('digest', models.CharField(max_length=64)),
                ('reference', models.CharField(blank=True, help_text='AK102 or BHT03.', max_length=50)),
                ('accepted', models.PositiveIntegerField(default=0)),
                ('rejected', models.PositiveIntegerField(default=0)),
                ('unmatched', models.JSONField(default=list)),
                ('notes', models.JSONField(default=list)),
                ('received_at', models.DateTimeField()),
            ],
        ),
        migrations.CreateModel(
            name='ClaimAck',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('outcome', models.CharField(help_text='accepted, rejected or status.', max_length=10)),
                ('reasons', models.JSONField(default=list, help_text='Status codes in words.')),
                ('fix', models.CharField(blank=True, max_length=300)),
                ('status', models.CharField(choices=[('open', 'Open'), ('resolved', 'Resolved')], default='resolved', max_length=8)),
                ('resolved_at', models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name='MonthReopen',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.CharField(max_length=300)),
                ('at', models.DateTimeField()),
            ],
        ),
        migrations.CreateModel(
            name='ProviderAdjustment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('provider_id', models.CharField(blank=True, max_length=50)),
                ('fiscal_period', models.DateField(null=True)),
                ('reason', models.CharField(max_length=2)),
                ('reference', models.CharField(blank=True, max_length=50)),
                ('amount', models.DecimalField(decimal_places=2, max_digits=12)),
            ],
        ),
        migrations.RemoveConstraint(
            model_name='remittance',
            name='remittance_once',
        ),
        migrations.AddField(
            model_name='claim',
            name='export',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='billing.claimexport'),
        ),
        migrations.RunPython(exports_to_claims, migrations.RunPython.noop, elidable=True),
        migrations.RemoveField(
            model_name='claimexport',
            name='claims',
        ),
        migrations.AlterField(
            model_name='claim',
            name='export',
            field=models.ForeignKey(blank=True, db_index=False, help_text='The one file this claim went out in (a claim is sent once).', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='claims', to='billing.claimexport'),
        ),
        migrations.AddField(
            model_name='claim',
            name='hold_reason',
            field=models.CharField(blank=True, default='', help_text='Why the payer says this claim must not be sent again (e.g. CARC B20).', max_length=300),
        ),
        migrations.AddField(
            model_name='claim',
            name='transaction_set',
            field=models.PositiveIntegerField(blank=True, help_text='ST02 of its transaction in that file (999 AK202).', null=True),
        ),
        migrations.AddField(
            model_name='claimexport',
            name='claim_count',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='claimexport',
            name='content',
            field=models.TextField(blank=True, help_text='The file as written.'),
        ),
        migrations.AddField(
            model_name='claimexport',
            name='usage',
            field=models.CharField(default='P', help_text='ISA15: P production, T test.', max_length=1),
        ),
        migrations.AddField(
            model_name='denial',
            name='service_code',
            field=models.CharField(blank=True, help_text="A denied line's code; blank for the whole claim.", max_length=8),
        ),
        migrations.AddField(
            model_name='ledgerentry',
            name='line',
            field=models.ForeignKey(blank=True, db_index=False, help_text="The CLP it posts: a reversal undoes exactly that posting's rows.", null=True, on_delete=django.db.models.deletion.PROTECT, to='billing.remittanceline'),
        ),
        migrations.AddField(
            model_name='monthclose',
            name='early_at',
            field=models.DateTimeField(blank=True, help_text='Last bill-early run in the running month (§11).', null=True),
        ),
        migrations.AddField(
            model_name='remittance',
            name='balanced',
            field=models.BooleanField(default=True, help_text='BPR02 = Σ CLP04 − Σ PLB.'),
        ),
        migrations.AddField(
            model_name='remittance',
            name='claims_amount',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12),
        ),
        migrations.AddField(
            model_name='remittance',
            name='payer_key',
            field=models.CharField(default='', help_text="TRN03 (or the payer's name): whose trace number.", max_length=80),
        ),
        migrations.AddField(
            model_name='remittance',
            name='payment_method',
            field=models.CharField(blank=True, max_length=3),
        ),
        migrations.AddField(
            model_name='remittance',
            name='plb_amount',
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12),
        ),
        migrations.AddField(
            model_name='remittance',
            name='posted_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='remittance',
            name='practice',
            field=models.ForeignKey(blank=True, db_index=False, help_text='The payee practice (N1*PE), when the file names one of ours.', null=True, on_delete=django.db.models.deletion.PROTECT, to='tenants.practice'),
        ),
        migrations.AddField(
            model_name='remittance',
            name='unmatched',
            field=models.JSONField(default=list, help_text='CLP01s that matched no claim of ours.'),
        ),
        migrations.AddField(
            model_name='remittance',
            name='warnings',
            field=models.JSONField(default=list),
        ),
        migrations.AddField(
            model_name='remittanceline',
            name='crossover_payer',
            field=models.CharField(blank=True, help_text='NM1*TT: the payer the claim was forwarded to.', max_length=60),
        ),
        migrations.AddField(
            model_name='remittanceline',
            name='outcome',
            field=models.CharField(blank=True, help_text='paid, denied, reversed, unmatched … in words.', max_length=10),
        ),
        migrations.AddField(
            model_name='remittanceline',
            name='payer_claim_id',
            field=models.CharField(blank=True, max_length=50),
        ),
        migrations.AddField(
            model_name='remittanceline',
            name='segment',
            field=models.PositiveIntegerField(default=0, help_text="The CLP's segment number."),
        ),
        migrations.AlterField(
            model_name='billingsettings',
            name='receiver_id',
            field=models.CharField(default='MACPLACEHOLDER', help_text="The MAC's or clearinghouse's receiver id (ISA08/1000B).", max_length=15, validators=[ccmweb.billing.validators.validate_interchange_id]),
        ),
        migrations.AlterField(
            model_name='billingsettings',
            name='submitter_id',
            field=models.CharField(blank=True, help_text='ISA06/1000A id the MAC or clearinghouse gave you. Until it and the receiver id are set, exports are test files (ISA15 = T).', max_length=15, validators=[ccmweb.billing.validators.validate_interchange_id]),
        ),
        migrations.AlterField(
            model_name='claim',
            name='status',
            field=models.CharField(choices=[('draft', 'Waiting for sign-off'), ('approved', 'Approved'), ('sent', 'Sent'), ('accepted', 'Accepted by the payer'), ('rejected', 'Rejected before adjudication'), ('paid', 'Paid'), ('denied', 'Denied'), ('reversed', 'Payment reversed'), ('replaced', 'Replaced by a correction'), ('void', 'Void')], max_length=8),
        ),
        migrations.AddIndex(
            model_name='claim',
            index=models.Index(condition=models.Q(('export__isnull', False)), fields=['export', 'transaction_set'], name='claim_export_idx'),
        ),
        migrations.RunPython(payer_keys, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name='remittance',
            constraint=models.UniqueConstraint(fields=('organization', 'payer_key', 'trace_number'), name='remittance_once'),
        ),
        migrations.AddField(
            model_name='acknowledgment',
            name='organization',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='tenants.organization'),
        ),
        migrations.AddField(
            model_name='acknowledgment',
            name='received_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='claimack',
            name='acknowledgment',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='billing.acknowledgment'),
        ),
        migrations.AddField(
            model_name='claimack',
            name='claim',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='acks', to='billing.claim'),
        ),
        migrations.AddField(
            model_name='claimack',
            name='organization',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, to='tenants.organization'),
        ),
        migrations.AddField(
            model_name='claimack',
            name='resolved_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='monthreopen',
            name='by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='monthreopen',
            name='close',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reopens', to='billing.monthclose'),
        ),
        migrations.AddField(
            model_name='monthreopen',
            name='organization',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='tenants.organization'),
        ),
        migrations.AddField(
            model_name='provideradjustment',
            name='organization',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, to='tenants.organization'),
        ),
        migrations.AddField(
            model_name='provideradjustment',
            name='remittance',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='provider_adjustments', to='billing.remittance'),
        ),
        migrations.AddConstraint(
            model_name='acknowledgment',
            constraint=models.UniqueConstraint(fields=('organization', 'digest'), name='acknowledgment_once'),
        ),
    ]
