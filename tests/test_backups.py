"""Backups: the whole database through bin/backup and bin/restore (pg_dump
and pg_restore), and one cohort through export_cohort and import_cohort,
each restored into a new database and checked there by a separate process,
as on a fresh machine.

PostgreSQL only: they run in the PostgreSQL pass, against the real pg_dump,
pg_restore and createdb. Each test makes its databases under names of its
own (the xdist worker and the process) and drops them at the end.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from allauth.account.models import EmailAddress
from django.conf import global_settings, settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from accounts.models import User
from cohorts.models import Cohort
from tests import factories
from tests.backups_support import seen_by

ROOT = Path(settings.BASE_DIR)
ON_POSTGRESQL = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
PASSWORD = "restore-check-2026"
ACME_COHORT = "Leading Through Change"

pytestmark = [
    pytest.mark.skipif(not ON_POSTGRESQL, reason="pg_dump and pg_restore: the PostgreSQL pass"),
    pytest.mark.django_db(transaction=True),  # pg_dump reads only what is committed
    pytest.mark.slow,  # each seeds the demo and starts other processes
]


def url_of(name: str) -> str:
    """A postgres:// URL for the database `name` on the test database's server."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    return f"postgres://{credentials}@{host}:{db['PORT'] or 5432}/{name}"


@pytest.fixture
def new_database():
    """Names for new databases, dropped after the test."""
    made = []
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")

    def name(label: str) -> str:
        made.append(f"backup_{worker}_{os.getpid()}_{label}")
        return made[-1]

    yield name
    with psycopg.connect(url_of("postgres"), autocommit=True) as server:
        for database in made:
            server.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
def demo(settings):
    """The seeded demo, committed, with passwords a separate process can check
    (the suite's fast hasher is not in the site's list)."""
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    call_command("seed_demo", "--password", PASSWORD, stdout=open(os.devnull, "w"))


def run(*command: str, database_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "1", "PYTHON": sys.executable}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def manage(*args: str, database_url: str) -> subprocess.CompletedProcess:
    return run(sys.executable, "manage.py", *args, database_url=database_url)


def seen_in(database_url: str, emails: list[str]) -> dict:
    """What each person sees in that database, signed in with the demo password."""
    done = run(
        sys.executable, "-m", "tests.backups_support", PASSWORD, ACME_COHORT, *emails,
        database_url=database_url,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def seen_here(email: str) -> dict:
    user = User.objects.get(email=email)
    client = Client()
    client.force_login(user)
    return seen_by(client, user, ACME_COHORT)


def row_counts(database_url: str) -> dict[str, int]:
    with psycopg.connect(database_url) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {
            table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
        }


def assert_same_demo(restored_url: str, emails: list[str]) -> None:
    """The people sign in to the restored database and see there what they
    see here."""
    seen = seen_in(restored_url, emails)
    for email in emails:
        there = seen[email]
        assert there.pop("login") == [302, "/"], email
        assert there["home"] == [200, True] and there["board_page"] == 200, email
        assert there["cohort_page"][0] == 200 and there["board_snapshot"], email
        assert there == seen_here(email), email


def test_whole_database_round_trip_gives_back_every_row_and_a_working_demo(
    demo, new_database, tmp_path
):
    source = url_of(connection.settings_dict["NAME"])
    dump = tmp_path / "cohorts.dump"

    backup = run("bin/backup", str(dump), database_url=source)
    assert backup.returncode == 0, backup.stderr
    assert "pg_dump --format=custom" in backup.stdout and dump.stat().st_size > 0

    restored = url_of(new_database("whole"))
    restore = run("bin/restore", str(dump), database_url=restored)
    assert restore.returncode == 0, restore.stdout + restore.stderr
    assert "migrate --check" in restore.stdout and "restore: done" in restore.stdout

    counts = row_counts(source)
    assert counts["cohorts_cohort"] == 2 and counts["accounts_user"] > 10
    assert row_counts(restored) == counts
    assert_same_demo(restored, ["coach@acme.test", "p1@acme.test"])


def test_one_cohort_round_trip_onto_a_fresh_database(demo, new_database, tmp_path):
    acme = Cohort.objects.get(name=ACME_COHORT)
    export = tmp_path / "cohort.json"
    call_command("export_cohort", acme.pk, export, stdout=open(os.devnull, "w"))

    fresh = url_of(new_database("cohort"))
    with psycopg.connect(url_of("postgres"), autocommit=True) as server:
        server.execute(f'CREATE DATABASE "{fresh.rsplit("/", 1)[1]}"')
    migrate = manage("migrate", "--noinput", database_url=fresh)
    assert migrate.returncode == 0, migrate.stderr
    loaded = manage("import_cohort", str(export), database_url=fresh)
    assert loaded.returncode == 0, loaded.stderr
    assert f"Loaded cohort {acme.pk}" in loaded.stdout

    there = row_counts(fresh)
    assert there["cohorts_cohort"] == 1 and there["cohorts_organization"] == 1
    here = row_counts(url_of(connection.settings_dict["NAME"]))
    for table in ("board_reflection", "board_phase", "goals_checkin", "goals_checkinreply"):
        assert 0 < there[table] <= here[table], table
    assert_same_demo(fresh, ["coach@acme.test", "p1@acme.test"])


def test_refused_inputs_say_why(new_database, tmp_path):
    missing = (Cohort.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    with pytest.raises(CommandError, match=f"There is no cohort with the id {missing}"):
        call_command("export_cohort", missing, tmp_path / "none.json")
    assert not (tmp_path / "none.json").exists()
    with pytest.raises(CommandError, match="There is no file"):
        call_command("import_cohort", tmp_path / "absent.json")
    (tmp_path / "other.json").write_text("[]")
    with pytest.raises(CommandError, match="not a cohort export: it holds no cohort"):
        call_command("import_cohort", tmp_path / "other.json")
    (tmp_path / "cohort.dump").write_text("[]")
    with pytest.raises(CommandError, match="its name must end in .json"):
        call_command("import_cohort", tmp_path / "cohort.dump")
    # Loaded where it already is, it would be written over rather than given back.
    cohort = factories.CohortFactory()
    call_command("export_cohort", cohort.pk, tmp_path / "here.json", stdout=open(os.devnull, "w"))
    with pytest.raises(CommandError, match=f"cohort with the id {cohort.pk} is already in"):
        call_command("import_cohort", tmp_path / "here.json")

    not_postgres = run("bin/backup", str(tmp_path / "x.dump"), database_url="sqlite:///x.db")
    assert not_postgres.returncode == 2 and "PostgreSQL" in not_postgres.stderr
    no_file = run("bin/restore", str(tmp_path / "absent.dump"), database_url=url_of("x"))
    assert no_file.returncode == 2 and "is not a file" in no_file.stderr
    # The test database exists: a restore never writes into an existing one.
    (tmp_path / "some.dump").write_bytes(b"")
    existing = run(
        "bin/restore", str(tmp_path / "some.dump"),
        database_url=url_of(connection.settings_dict["NAME"]),
    )  # fmt: skip
    assert existing.returncode == 1 and "already exists" in existing.stderr


def cohort_with_a_story():
    cohort = factories.CohortFactory()
    member = factories.MembershipFactory(cohort=cohort)
    factories.CheckInFactory(author=member)
    factories.GoalFactory(cohort=cohort, owner=member)
    return cohort, member


def test_a_cohort_comes_back_onto_a_copy_that_lost_it(tmp_path):
    cohort, member = cohort_with_a_story()
    export = tmp_path / "cohort.json"
    call_command("export_cohort", cohort.pk, export, stdout=open(os.devnull, "w"))
    before = (list(cohort.memberships.values()), list(cohort.checkins.values()))
    cohort_id = cohort.pk
    cohort.delete()

    call_command("import_cohort", export, stdout=open(os.devnull, "w"))

    restored = Cohort.objects.get(pk=cohort_id)
    assert (list(restored.memberships.values()), list(restored.checkins.values())) == before
    assert restored.goals.get().owner == member


def test_a_person_under_another_id_stops_the_load_and_nothing_changes(tmp_path):
    cohort, member = cohort_with_a_story()
    export = tmp_path / "cohort.json"
    call_command("export_cohort", cohort.pk, export, stdout=open(os.devnull, "w"))
    cohort_id = cohort.pk
    cohort.delete()
    email = member.user.email
    User.objects.filter(pk=member.user.pk).update(email="moved@example.test")
    EmailAddress.objects.filter(user=member.user).update(email="moved@example.test")
    factories.UserFactory(email=email)

    with pytest.raises(CommandError, match="Nothing was loaded"):
        call_command("import_cohort", export)

    assert not Cohort.objects.filter(pk=cohort_id).exists()
    assert User.objects.get(pk=member.user.pk).email == "moved@example.test"
