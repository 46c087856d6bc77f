"""Migrations follow the layers, and invitations moved from accounts to cohorts
without losing a row.

A new database runs accounts' 0001_user and cohorts' 0003_invitation, which
replace accounts' 0001_initial and 0002_initial (the second depends on
cohorts). A database made before the move has those two applied: Django then
counts their replacements as applied, and the invitation table, which keeps
its name, is read through cohorts' model.
"""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from cohorts.models import Invitation
from tests import factories

# Lowest first: an app's migrations may depend only on its own and lower apps'.
LAYERS = ["accounts", "cohorts", "realtime", "board", "goals"]

# Where a database made before invitations moved to cohorts stands.
BEFORE_THE_MOVE = [
    ("accounts", "0002_initial"),
    ("cohorts", "0002_leader_confirmation_note_history"),
]
REPLACEMENTS = [("accounts", "0001_user"), ("cohorts", "0003_invitation")]
CONTENT_TYPE_MOVE = ("cohorts", "0004_invitation_content_type")
# accounts' migrations made after the move, undone to stand where it stood.
ACCOUNTS_AFTER_THE_MOVE = {("accounts", "0003_user_time_zone")}

AT = datetime.datetime(2026, 11, 20, 9, 30, tzinfo=datetime.UTC)


def upward_dependencies(graph) -> list[tuple]:
    return [
        (node.key, parent.key)
        for node in graph.node_map.values()
        for parent in node.parents
        if node.key[0] in LAYERS
        and parent.key[0] in LAYERS
        and LAYERS.index(parent.key[0]) > LAYERS.index(node.key[0])
    ]


def test_a_new_database_runs_no_migration_that_depends_on_a_higher_layer():
    """The graph Django resolves for an empty database follows the layers."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    assert upward_dependencies(graph) == []
    assert set(REPLACEMENTS) <= set(graph.nodes)
    assert ("accounts", "0002_initial") not in graph.nodes


def test_the_migrations_kept_for_old_databases_are_the_ones_that_went_upwards():
    """Without the replacements, accounts' 0002_initial depends on cohorts:
    the check above would see it if the replacements stopped applying."""
    graph = MigrationLoader(None, ignore_no_migrations=True, replace_migrations=False).graph
    assert upward_dependencies(graph) == [
        (("accounts", "0002_initial"), ("cohorts", "0001_initial"))
    ]


def old_executor() -> MigrationExecutor:
    """An executor on the migrations as they were, replaced ones included."""
    executor = MigrationExecutor(connection)
    executor.loader = MigrationLoader(connection, replace_migrations=False)
    return executor


def go_back_to(old_nodes: list[tuple], recorder: MigrationRecorder) -> None:
    """Leave the database as accounts' old migrations left it at `old_nodes`:
    their invitation table and records, its content type under accounts, no
    replacement recorded."""
    # Unapplying cohorts' 0003 keeps the table; it also unrecords accounts'
    # 0002_initial, which it replaces.
    MigrationExecutor(connection).migrate([REPLACEMENTS[0]])
    old_executor().migrate([BEFORE_THE_MOVE[1]])
    recorder.record_unapplied(*REPLACEMENTS[0])
    old_invitation = (
        MigrationLoader(connection, replace_migrations=False)
        .project_state(old_nodes)
        .apps.get_model("accounts", "Invitation")
    )
    with connection.schema_editor() as editor:
        editor.delete_model(old_invitation)
        editor.create_model(old_invitation)
    for node in old_nodes:
        recorder.record_applied(*node)
    applied = {key for key in recorder.applied_migrations() if key[0] in LAYERS}
    assert set(old_nodes) <= applied
    assert not (set(REPLACEMENTS) | {CONTENT_TYPE_MOVE}) & applied


def migrate_to_the_end() -> set[tuple]:
    """Migrate forward as `manage.py migrate` would; return what it ran."""
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    plan = {(step.app_label, step.name) for step, _ in executor.migration_plan(leaves)}
    executor.migrate(leaves)
    return plan


def add_old_invitations() -> list[dict]:
    """Pending, accepted and revoked invitations, written through the models
    of accounts' 0002_initial; return their rows."""
    old = MigrationLoader(connection, replace_migrations=False).project_state(BEFORE_THE_MOVE).apps
    User = old.get_model("accounts", "User")
    OldInvitation = old.get_model("accounts", "Invitation")
    organization = old.get_model("cohorts", "Organization").objects.create(
        name="Acme", slug="acme"
    )
    cohort = old.get_model("cohorts", "Cohort").objects.create(
        organization=organization,
        name="Leading Through Change",
        starts_on=AT.date(),
        ends_on=AT.date() + datetime.timedelta(days=180),
    )
    hr_admin = User.objects.create(email="hr@acme.test", display_name="Hana")
    newcomer = User.objects.create(email="new@acme.test")
    common = {"cohort": cohort, "created_at": AT, "sent_at": AT, "invited_by": hr_admin}
    OldInvitation.objects.create(
        **common,
        email="ana@acme.test",
        name="Ana",
        role="participant",
        leader_email="boss@acme.test",
        token_hash="a" * 64,
        send_count=3,
        expires_at=AT + datetime.timedelta(days=3650),
    )
    OldInvitation.objects.create(
        **common,
        email="new@acme.test",
        role="facilitator",
        token_hash="b" * 64,
        expires_at=AT + datetime.timedelta(days=14),
        accepted_at=AT + datetime.timedelta(hours=2),
        accepted_by=newcomer,
    )
    OldInvitation.objects.create(
        **common,
        email="boss@acme.test",
        role="leader",
        token_hash="c" * 64,
        expires_at=AT + datetime.timedelta(days=14),
        revoked_at=AT + datetime.timedelta(days=1),
    )
    return list(OldInvitation.objects.order_by("pk").values())


@pytest.mark.django_db(transaction=True)
def test_a_database_made_before_the_move_keeps_every_invitation():
    """Every row and field made under accounts reads back through cohorts'
    model; no table is rebuilt, and the permissions stay attached."""
    recorder = MigrationRecorder(connection)
    try:
        go_back_to(BEFORE_THE_MOVE, recorder)
        content_type = ContentType.objects.get(app_label="accounts", model="invitation")
        permission_ids = set(content_type.permission_set.values_list("pk", flat=True))
        assert permission_ids
        rows = add_old_invitations()
        ran = migrate_to_the_end()
    finally:
        migrate_to_the_end()
        ContentType.objects.clear_cache()

    # The invitation table is neither made nor changed: only its content type moves.
    assert CONTENT_TYPE_MOVE in ran
    assert not {key for key in ran if key[0] == "accounts"} - ACCOUNTS_AFTER_THE_MOVE | (
        set(REPLACEMENTS) & ran
    )
    assert list(Invitation.objects.order_by("pk").values()) == rows
    statuses = {i.email: (i.status, i.cohort.name) for i in Invitation.objects.all()}
    assert statuses == {
        "ana@acme.test": ("pending", "Leading Through Change"),
        "new@acme.test": ("accepted", "Leading Through Change"),
        "boss@acme.test": ("revoked", "Leading Through Change"),
    }
    assert {i.invited_by.email for i in Invitation.objects.all()} == {"hr@acme.test"}
    assert Invitation.objects.get(role="facilitator").accepted_by.email == "new@acme.test"
    moved = ContentType.objects.get_for_model(Invitation)
    assert moved.pk == content_type.pk
    assert set(Permission.objects.filter(content_type=moved).values_list("pk", flat=True)) == (
        permission_ids
    )
    assert set(REPLACEMENTS) <= set(recorder.applied_migrations())


@pytest.mark.django_db(transaction=True)
def test_a_database_left_between_the_two_old_accounts_migrations_gets_the_missing_columns():
    """accounts' 0001_initial made the table without its cohort and inviter;
    cohorts' 0003 adds them, and an invitation can then be written."""
    recorder = MigrationRecorder(connection)
    try:
        go_back_to([("accounts", "0001_initial"), BEFORE_THE_MOVE[1]], recorder)
        ran = migrate_to_the_end()
    finally:
        migrate_to_the_end()
        ContentType.objects.clear_cache()

    assert REPLACEMENTS[1] in ran
    with connection.cursor() as cursor:
        columns = {
            column.name
            for column in connection.introspection.get_table_description(
                cursor, Invitation._meta.db_table
            )
        }
    assert columns == {field.column for field in Invitation._meta.local_fields}
    invitation = factories.InvitationFactory(cohort=factories.CohortFactory())
    assert Invitation.objects.get(pk=invitation.pk).cohort == invitation.cohort
