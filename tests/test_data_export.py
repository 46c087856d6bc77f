"""A person downloads their own data: every kind of row, nobody else's words."""

import csv
import datetime
import io
import json
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from board.models import Reaction
from cohorts.models import Membership
from goals import periods
from goals.models import Goal
from notifications.models import ReminderKind
from tests import factories
from tests.board_helpers import live_session, post

pytestmark = pytest.mark.django_db

# Each kind of row the participant owns carries its own marker; nothing
# marked OTHER may reach their export.
MINE = {
    "reflections": "MINE-named-reflection",
    "anonymous": "MINE-anonymous-reflection",
    "commitments": "MINE-commitment",
    "goals": "MINE-goal",
    "goal_notes": "MINE-goal-note",
    "progress_updates": "MINE-progress",
    "checkins": "MINE-checkin",
    "checkin_replies": "MINE-reply",
}
OTHERS = (
    "OTHER-reflection",
    "OTHER-reply-to-mine",
    "OTHER-goal",
    "OTHER-checkin",
    "OTHER-coach-note",
    "OTHER-commitment",
)


def seed(cohort, facilitator, participant, other_participant, *, suffix="", weeks_back=0):
    """The participant's rows of every kind, and others' rows around them.
    Returns the session the reflections are on."""
    mine = Membership.objects.get(cohort=cohort, user=participant)
    theirs = Membership.objects.get(cohort=cohort, user=other_participant)
    session = live_session(cohort, facilitator)
    named = post(session, participant, MINE["reflections"] + suffix)
    factories.ReflectionFactory(
        session=session, author=mine, anonymous=True, text=MINE["anonymous"] + suffix
    )
    other_reflection = post(session, other_participant, "OTHER-reflection" + suffix)
    factories.ReactionFactory(reflection=other_reflection, member=mine)
    factories.ReactionFactory(reflection=named, member=theirs, emoji=Reaction.Emoji.HEART)
    factories.CommitmentFactory(session__cohort=cohort, author=mine, text=MINE["commitments"])
    factories.CommitmentFactory(session__cohort=cohort, author=theirs, text="OTHER-commitment")
    goal = factories.GoalFactory(
        cohort=cohort, owner=mine, title=MINE["goals"] + suffix, status=Goal.Status.ON_TRACK
    )
    factories.GoalFactory(cohort=cohort, owner=theirs, title="OTHER-goal" + suffix)
    factories.GoalNoteFactory(goal=goal, author=participant, body=MINE["goal_notes"])
    factories.GoalNoteFactory(goal=goal, author=facilitator, body="OTHER-coach-note")
    factories.ProgressUpdateFactory(goal=goal, author=participant, note=MINE["progress_updates"])
    period_start = periods.current_period(periods.rhythm_for(cohort)).start - datetime.timedelta(
        weeks=weeks_back
    )
    checkin = factories.CheckInFactory(
        author=mine, win=MINE["checkins"] + suffix, period_start=period_start
    )
    factories.CheckInReplyFactory(
        checkin=checkin, author=participant, body=MINE["checkin_replies"]
    )
    factories.CheckInReplyFactory(checkin=checkin, author=facilitator, body="OTHER-reply-to-mine")
    factories.CheckInFactory(
        author=theirs, win="OTHER-checkin" + suffix, period_start=period_start
    )
    factories.AttendanceFactory(session=session, membership=mine)
    factories.AttendanceFactory(session=session, membership=theirs)
    factories.EmailOptOutFactory(user=participant, kind=ReminderKind.QUIET)
    factories.EmailOptOutFactory(user=other_participant, kind=ReminderKind.AGENDA)
    return session


def download(client, user, name):
    client.force_login(user)
    response = client.get(reverse(f"privacy:{name}"))
    assert response.status_code == 200
    return response


def json_export(client, user) -> dict:
    response = download(client, user, "export_json")
    assert response["Content-Disposition"].startswith('attachment; filename="cohorts-data-')
    assert response["Content-Disposition"].endswith('.json"')
    return json.loads(response.content)


def zip_export(client, user) -> dict[str, list[dict]]:
    response = download(client, user, "export_zip")
    assert response["Content-Disposition"].endswith('.zip"')
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {
            name.removesuffix(".csv"): list(
                csv.DictReader(io.StringIO(archive.read(name).decode()))
            )
            for name in archive.namelist()
        }


def test_json_export_holds_every_kind_of_row_and_nothing_of_anyone_else(
    client, cohort, facilitator, participant, other_participant, leader
):
    seed(cohort, facilitator, participant, other_participant)
    document = json_export(client, participant)
    text = json.dumps(document)
    for marker in MINE.values():
        assert marker in text
    for marker in OTHERS:
        assert marker not in text
    assert other_participant.email not in text
    assert document["profile"] == [
        {
            "id": participant.pk,
            "display_name": "Pat One",
            "email": "p1@acme.test",
            "time_zone": "",
            "date_joined": participant.date_joined.isoformat(),
        }
    ]
    [membership] = document["cohort_memberships"]
    assert (membership["cohort_name"], membership["role"]) == (cohort.name, "participant")
    assert membership["leader_email"] == leader.email
    assert {r["text"]: r["anonymous"] for r in document["reflections"]} == {
        MINE["reflections"]: False,
        MINE["anonymous"]: True,
    }
    assert [r["emoji"] for r in document["reactions"]] == ["plus_one"]
    [checkin] = document["checkins"]
    assert checkin["replies_from_others"] == 1
    assert [r["body"] for r in document["checkin_replies"]] == [MINE["checkin_replies"]]
    assert len(document["attendance"]) == 1
    assert [o["kind"] for o in document["email_opt_outs"]] == ["quiet"]


def test_zip_export_has_one_csv_per_table_with_the_same_rows(
    client, cohort, facilitator, participant, other_participant
):
    seed(cohort, facilitator, participant, other_participant)
    tables = zip_export(client, participant)
    document = json_export(client, participant)
    assert set(tables) == set(document)
    for name, rows in document.items():
        assert len(tables[name]) == len(rows), name
    everything = json.dumps(tables)
    for marker in MINE.values():
        assert marker in everything
    for marker in OTHERS:
        assert marker not in everything


def test_an_empty_account_exports_headers_only(client, outsider):
    tables = zip_export(client, outsider)
    assert len(tables["profile"]) == 1
    assert tables["goals"] == []


def test_csv_cells_cannot_start_a_formula(client, cohort, participant):
    mine = Membership.objects.get(cohort=cohort, user=participant)
    factories.CommitmentFactory(
        session__cohort=cohort, author=mine, text='=HYPERLINK("http://evil.test","x")'
    )
    participant.display_name = "+Pat"
    participant.save()
    tables = zip_export(client, participant)
    assert tables["commitments"][0]["text"] == '\'=HYPERLINK("http://evil.test","x")'
    assert tables["profile"][0]["display_name"] == "'+Pat"
    # The JSON keeps the words as written: no spreadsheet reads it.
    document = json_export(client, participant)
    assert document["commitments"][0]["text"].startswith("=HYPERLINK")


def test_export_needs_a_sign_in(client):
    for name in ("export_json", "export_zip"):
        response = client.get(reverse(f"privacy:{name}"))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_settings_page_links_to_both_downloads(client, participant):
    client.force_login(participant)
    page = client.get(reverse("notifications:settings")).content.decode()
    assert reverse("privacy:export_json") in page
    assert reverse("privacy:export_zip") in page


@pytest.mark.parametrize("name", ["export_json", "export_zip"])
def test_export_queries_do_not_grow_with_the_data(
    client, name, cohort, facilitator, participant, other_participant
):
    client.force_login(participant)
    url = reverse(f"privacy:{name}")
    counts, weeks_back = [], 0
    for size in (1, 10):
        for n in range(size):
            seed(
                cohort,
                facilitator,
                participant,
                other_participant,
                suffix=f"-{size}-{n}",
                weeks_back=weeks_back,
            )
            weeks_back += 1
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
