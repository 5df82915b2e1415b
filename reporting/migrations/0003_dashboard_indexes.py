"""Dashboard aggregates: one covering, partial index over the reports that count in capaian.

Per period and region it holds service type, index and band, so the roll-ups (by region,
sector, service type, band) are index-only scans. Raw SQL because Django's model indexes
cannot express INCLUDE on every backend; the model state is unchanged.
"""

from django.db import migrations

NAME = "report_dashboard_cover"


def create(apps, schema_editor):
    include = (
        " INCLUDE (service_type_id, capaian_index, band)"
        if schema_editor.connection.vendor == "postgresql"
        else ""
    )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAME} ON reporting_report (period_id, region_id){include} "
        "WHERE capaian_index IS NOT NULL AND entered_at IS NOT NULL"
    )


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("reporting", "0002_jobs_documents")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
