from django.db import migrations

from reporting.figures import services, triggers


def repair(apps, schema_editor):
    """The triggers that add a report of a region without a province (an ended one, province
    code '') to the nation's service rows only, then the figures recomputed with them.

    The triggers of 0019 also added such a report to "its province's" row, keyed '' like the
    nation's, so the nation's rows counted it twice; this refill repairs them."""
    triggers.install(schema_editor.connection)
    services.fill(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0020_report_not_entered_index"),
    ]

    operations = [
        # Backwards nothing: these triggers suit 0020's tables too, and 0019's undo drops them.
        migrations.RunPython(repair, migrations.RunPython.noop),
    ]
