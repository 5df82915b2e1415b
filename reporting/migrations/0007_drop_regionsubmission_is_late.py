"""Timeliness is computed by reporting.rules.windows from submitted_at and the due date.

The stored `is_late` flag was a second truth (set at submit time, written by hand by the
demo) that disagreed with the dashboards; the model keeps `is_late` as a property.
Nothing to carry over: the rule recomputes every value from columns that stay.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0006_period_version"),
    ]

    operations = [
        migrations.RemoveField(model_name="historicalregionsubmission", name="is_late"),
        migrations.RemoveField(model_name="regionsubmission", name="is_late"),
    ]
