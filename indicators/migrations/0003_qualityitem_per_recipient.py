from django.db import migrations, models

# Quality items given one per recipient (the catalog YAML marks them `per_recipient: true`);
# published editions are never rewritten by load_catalog, so existing rows are marked here.
PER_RECIPIENT = ("Perlengkapan belajar bagi", "Sandang bagi korban bencana")


def mark(apps, schema_editor):
    QualityItem = apps.get_model("indicators", "QualityItem")
    for prefix in PER_RECIPIENT:
        QualityItem.objects.filter(description__startswith=prefix, has_quantity=True).update(
            per_recipient=True
        )


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="qualityitem",
            name="per_recipient",
            field=models.BooleanField(default=False, verbose_name="per penerima"),
        ),
        migrations.RunPython(mark, migrations.RunPython.noop),
    ]
