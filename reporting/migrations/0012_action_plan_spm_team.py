# Rencana aksi gets a title, a status (none / draft / set, replacing `exists`), file metadata,
# a version and per-service-type commitments; the Tim Penerapan SPM with its members.

import django.db.models.deletion
import reporting.models
import simple_history.models
from django.conf import settings
from django.db import migrations, models


def exists_to_status(apps, schema_editor):
    """A plan recorded as existing was a set regulation; idempotent (only rows still 'none')."""
    for name in ("ActionPlan", "HistoricalActionPlan"):
        model = apps.get_model("reporting", name)
        model.objects.filter(exists=True, status="none").update(status="set")


def status_to_exists(apps, schema_editor):
    for name in ("ActionPlan", "HistoricalActionPlan"):
        model = apps.get_model("reporting", name)
        model.objects.filter(status="set").update(exists=True)


class Migration(migrations.Migration):

    dependencies = [
        ('indicators', '0003_qualityitem_per_recipient'),
        ('regions', '0003_historicalregion'),
        ('reporting', '0011_document_recap_language_heartbeat'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='actionplan',
            options={'ordering': ['region__code', '-year'], 'verbose_name': 'rencana aksi', 'verbose_name_plural': 'rencana aksi'},
        ),
        migrations.AlterModelOptions(
            name='historicalactionplan',
            options={'get_latest_by': ('history_date', 'history_id'), 'ordering': ('-history_date', '-history_id'), 'verbose_name': 'historical rencana aksi', 'verbose_name_plural': 'historical rencana aksi'},
        ),
        migrations.AddField(
            model_name='actionplan',
            name='content_type',
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name='actionplan',
            name='sha256',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='actionplan',
            name='size',
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='actionplan',
            name='status',
            field=models.CharField(choices=[('none', 'Belum ada'), ('draft', 'Rancangan'), ('set', 'Ditetapkan')], db_index=True, default='none', max_length=5, verbose_name='status'),
        ),
        migrations.AddField(
            model_name='actionplan',
            name='title',
            field=models.CharField(blank=True, max_length=500, verbose_name='judul peraturan'),
        ),
        migrations.AddField(
            model_name='actionplan',
            name='version',
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.AddField(
            model_name='historicalactionplan',
            name='content_type',
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name='historicalactionplan',
            name='sha256',
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name='historicalactionplan',
            name='size',
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='historicalactionplan',
            name='status',
            field=models.CharField(choices=[('none', 'Belum ada'), ('draft', 'Rancangan'), ('set', 'Ditetapkan')], db_index=True, default='none', max_length=5, verbose_name='status'),
        ),
        migrations.AddField(
            model_name='historicalactionplan',
            name='title',
            field=models.CharField(blank=True, max_length=500, verbose_name='judul peraturan'),
        ),
        migrations.AddField(
            model_name='historicalactionplan',
            name='version',
            field=models.PositiveIntegerField(default=1),
        ),
        migrations.RunPython(exists_to_status, status_to_exists),
        migrations.RemoveField(
            model_name='actionplan',
            name='exists',
        ),
        migrations.RemoveField(
            model_name='historicalactionplan',
            name='exists',
        ),
        migrations.CreateModel(
            name='HistoricalActionPlanCommitment',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('commitment', models.TextField(verbose_name='komitmen')),
                ('budget', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='rencana anggaran (Rp)')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('plan', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reporting.actionplan')),
                ('service_type', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='indicators.servicetype')),
            ],
            options={
                'verbose_name': 'historical komitmen rencana aksi',
                'verbose_name_plural': 'historical komitmen rencana aksi',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalSpmTeam',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='tahun')),
                ('decree_number', models.CharField(max_length=200, verbose_name='nomor keputusan')),
                ('decree_date', models.DateField(verbose_name='tanggal keputusan')),
                ('chair_name', models.CharField(max_length=150, verbose_name='nama ketua')),
                ('chair_position', models.CharField(max_length=200, verbose_name='jabatan ketua')),
                ('file', models.TextField(blank=True, max_length=100)),
                ('original_name', models.CharField(blank=True, max_length=255)),
                ('content_type', models.CharField(blank=True, max_length=100)),
                ('size', models.PositiveBigIntegerField(default=0)),
                ('sha256', models.CharField(blank=True, max_length=64)),
                ('version', models.PositiveIntegerField(default=1)),
                ('updated_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('region', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='regions.region')),
                ('updated_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical Tim Penerapan SPM',
                'verbose_name_plural': 'historical Tim Penerapan SPM',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='SpmTeam',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='tahun')),
                ('decree_number', models.CharField(max_length=200, verbose_name='nomor keputusan')),
                ('decree_date', models.DateField(verbose_name='tanggal keputusan')),
                ('chair_name', models.CharField(max_length=150, verbose_name='nama ketua')),
                ('chair_position', models.CharField(max_length=200, verbose_name='jabatan ketua')),
                ('file', models.FileField(blank=True, storage=reporting.models.private_storage, upload_to='spm-teams/%Y/')),
                ('original_name', models.CharField(blank=True, max_length=255)),
                ('content_type', models.CharField(blank=True, max_length=100)),
                ('size', models.PositiveBigIntegerField(default=0)),
                ('sha256', models.CharField(blank=True, max_length=64)),
                ('version', models.PositiveIntegerField(default=1)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('region', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='spm_teams', to='regions.region')),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'Tim Penerapan SPM',
                'verbose_name_plural': 'Tim Penerapan SPM',
                'ordering': ['region__code', '-year'],
            },
        ),
        migrations.CreateModel(
            name='HistoricalSpmTeamMember',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('name', models.CharField(max_length=150, verbose_name='nama')),
                ('position', models.CharField(max_length=200, verbose_name='jabatan')),
                ('unit', models.CharField(blank=True, max_length=200, verbose_name='unit kerja lain')),
                ('role', models.CharField(choices=[('vice_chair', 'Wakil ketua'), ('secretary', 'Sekretaris'), ('coordinator', 'Koordinator bidang'), ('member', 'Anggota')], max_length=12, verbose_name='peran dalam tim')),
                ('order', models.PositiveSmallIntegerField(default=0)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('agency', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='regions.agency')),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('team', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='reporting.spmteam')),
            ],
            options={
                'verbose_name': 'historical anggota Tim Penerapan SPM',
                'verbose_name_plural': 'historical anggota Tim Penerapan SPM',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='SpmTeamMember',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=150, verbose_name='nama')),
                ('position', models.CharField(max_length=200, verbose_name='jabatan')),
                ('unit', models.CharField(blank=True, max_length=200, verbose_name='unit kerja lain')),
                ('role', models.CharField(choices=[('vice_chair', 'Wakil ketua'), ('secretary', 'Sekretaris'), ('coordinator', 'Koordinator bidang'), ('member', 'Anggota')], max_length=12, verbose_name='peran dalam tim')),
                ('order', models.PositiveSmallIntegerField(default=0)),
                ('agency', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='regions.agency')),
                ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='members', to='reporting.spmteam')),
            ],
            options={
                'verbose_name': 'anggota Tim Penerapan SPM',
                'verbose_name_plural': 'anggota Tim Penerapan SPM',
                'ordering': ['order', 'id'],
            },
        ),
        migrations.CreateModel(
            name='ActionPlanCommitment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('commitment', models.TextField(verbose_name='komitmen')),
                ('budget', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='rencana anggaran (Rp)')),
                ('plan', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='commitments', to='reporting.actionplan')),
                ('service_type', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='indicators.servicetype')),
            ],
            options={
                'verbose_name': 'komitmen rencana aksi',
                'verbose_name_plural': 'komitmen rencana aksi',
                'ordering': ['service_type__order', 'service_type__code'],
                'constraints': [models.UniqueConstraint(fields=('plan', 'service_type'), name='action_plan_commitment_unique')],
            },
        ),
        migrations.AddConstraint(
            model_name='spmteam',
            constraint=models.UniqueConstraint(fields=('region', 'year'), name='spm_team_unique'),
        ),
    ]
