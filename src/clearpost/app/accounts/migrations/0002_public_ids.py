"""Random public IDs for staff and API tokens, filled in for rows that already exist."""

from django.db import migrations, models

import clearpost.app.accounts.models


def fill_ids(apps, schema_editor):  # type: ignore[no-untyped-def]
    User = apps.get_model("accounts", "User")
    ApiToken = apps.get_model("accounts", "ApiToken")
    for user in User.objects.filter(public_id__isnull=True):
        user.public_id = clearpost.app.accounts.models.new_staff_id()
        user.save(update_fields=["public_id"])
    for token in ApiToken.objects.filter(public_id__isnull=True):
        token.public_id = clearpost.app.accounts.models.new_token_id()
        token.save(update_fields=["public_id"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="public_id",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="public_id",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.RunPython(fill_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="public_id",
            field=models.CharField(
                default=clearpost.app.accounts.models.new_staff_id,
                editable=False,
                max_length=32,
                unique=True,
            ),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="public_id",
            field=models.CharField(
                default=clearpost.app.accounts.models.new_token_id,
                editable=False,
                max_length=32,
                unique=True,
            ),
        ),
    ]
