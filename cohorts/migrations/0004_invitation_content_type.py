# The invitation's content type follows the model from accounts to cohorts, so
# that staff permissions on invitations and the admin's history of them stay
# attached. A new database has no content type yet: this changes nothing.

from django.db import migrations


def _move(apps, schema_editor, old_app, new_app):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    types = ContentType.objects.using(db)
    if types.filter(app_label=new_app, model="invitation").exists():
        return
    if types.filter(app_label=old_app, model="invitation").update(app_label=new_app):
        ContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    _move(apps, schema_editor, "accounts", "cohorts")


def backwards(apps, schema_editor):
    _move(apps, schema_editor, "cohorts", "accounts")


class Migration(migrations.Migration):

    dependencies = [
        ("cohorts", "0003_invitation"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
