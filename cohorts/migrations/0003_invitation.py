# Invitation moves from accounts to cohorts and keeps its table,
# accounts_invitation, with its rows.
#
# This migration replaces accounts' 0002_initial (the invitation's cohort and
# inviter), so that a new database runs no accounts migration that depends on
# cohorts; accounts' 0001_user replaces 0001_initial. On a database made before
# the move, 0002_initial is applied already: Django counts this migration as
# applied too and runs nothing, and the table keeps its rows. On a new
# database it makes the table.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def create_table_if_missing(apps, schema_editor):
    Invitation = apps.get_model("cohorts", "Invitation")
    table = Invitation._meta.db_table
    introspection = schema_editor.connection.introspection
    if table not in introspection.table_names():
        schema_editor.create_model(Invitation)
        return
    # A database left between accounts' 0001_initial and 0002_initial has the
    # table without its cohort and inviter: add them, as 0002_initial would.
    # Columns are read again after each one: SQLite adds a foreign key by
    # rebuilding the table with every field of the model.
    for field in Invitation._meta.local_fields:
        with schema_editor.connection.cursor() as cursor:
            description = introspection.get_table_description(cursor, table)
        if field.column not in {column.name for column in description}:
            schema_editor.add_field(Invitation, field)


class Migration(migrations.Migration):

    replaces = [("accounts", "0002_initial")]

    dependencies = [
        ("cohorts", "0002_leader_confirmation_note_history"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Invitation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('email', models.EmailField(max_length=254, verbose_name='email')),
                        ('name', models.CharField(blank=True, max_length=120, verbose_name='name')),
                        ('role', models.CharField(choices=[('participant', 'Participant'), ('facilitator', 'Facilitator'), ('leader', 'Leader')], max_length=20, verbose_name='role')),
                        ('leader_email', models.EmailField(blank=True, max_length=254, verbose_name='leader email')),
                        ('token_hash', models.CharField(editable=False, max_length=64, unique=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('sent_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('send_count', models.PositiveIntegerField(default=1)),
                        ('expires_at', models.DateTimeField()),
                        ('accepted_at', models.DateTimeField(blank=True, null=True)),
                        ('revoked_at', models.DateTimeField(blank=True, null=True)),
                        ('accepted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='accepted_invitations', to=settings.AUTH_USER_MODEL)),
                        ('cohort', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='cohorts.cohort')),
                        ('invited_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'invitation',
                        'verbose_name_plural': 'invitations',
                        'db_table': 'accounts_invitation',
                        'ordering': ['-created_at'],
                    },
                ),
            ],
            database_operations=[],
        ),
        # Unapplying keeps the table and its rows: applying again adopts them.
        migrations.RunPython(create_table_if_missing, migrations.RunPython.noop),
    ]
