"""Erasure: a person's words go, their reflections stay as "a former participant"."""

import io
import json
import logging

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from board import services as board_services
from board.models import (
    Attendance,
    BoardEvent,
    CalendarFeed,
    Commitment,
    Presence,
    Reaction,
    Reflection,
)
from board.rules import access_session
from cohorts.models import (
    BackgroundNote,
    BackgroundNoteRevision,
    Invitation,
    Membership,
    OrganizationMembership,
)
from goals import periods
from goals.models import CheckIn, CheckInReply, Goal, GoalNote, ProgressUpdate
from notifications.models import EmailOptOut, SentReminder
from privacy.erasure import FORMER_PARTICIPANT, erase_person
from privacy.models import ErasureRecord
from tests import factories
from tests.board_helpers import end
from tests.test_data_export import MINE, seed

pytestmark = pytest.mark.django_db

NAME, EMAIL = "Pat One", "p1@acme.test"


@pytest.fixture
def seeded(cohort, facilitator, participant, other_participant, acme, hr_admin):
    """The participant's rows of every kind, plus the traces kept about them."""
    session = seed(cohort, facilitator, participant, other_participant)
    mine = Membership.objects.get(cohort=cohort, user=participant)
    factories.CalendarFeedFactory(user=participant)
    factories.SentReminderFactory(user=participant)
    factories.PresenceFactory(session=session, membership=mine)
    note = factories.BackgroundNoteFactory(
        organization=acme, cohort=cohort, participant=mine, body="Pat is new in the role."
    )
    factories.BackgroundNoteRevisionFactory(
        note=note, organization=acme, cohort=cohort, subject=NAME, body="Pat is new."
    )
    factories.InvitationFactory(cohort=cohort, email=EMAIL)
    return session


def test_erasure_removes_what_they_wrote_and_keeps_the_cohort_record(
    seeded, cohort, participant, other_participant, leader
):
    reactions_before = Reaction.objects.count()
    assert OrganizationMembership.objects.filter(user=participant).exists()
    erase_person(participant)

    assert not Goal.objects.filter(owner__user=participant).exists()
    assert not GoalNote.objects.filter(author=participant).exists()
    assert not ProgressUpdate.objects.filter(author=participant).exists()
    assert not CheckIn.objects.filter(author__user=participant).exists()
    assert not CheckInReply.objects.filter(author=participant).exists()
    assert not Commitment.objects.filter(author__user=participant).exists()
    assert not Presence.objects.filter(membership__user=participant).exists()
    for model in (OrganizationMembership, EmailOptOut, SentReminder, CalendarFeed):
        assert not model.objects.filter(user=participant).exists(), model
    assert not BackgroundNote.objects.filter(participant__user=participant).exists()
    assert not BackgroundNoteRevision.objects.filter(subject=NAME).exists()
    assert not Invitation.objects.filter(email__iexact=EMAIL).exists()

    # Others' rows stay.
    assert Goal.objects.filter(owner__user=other_participant).exists()
    assert CheckIn.objects.filter(author__user=other_participant).exists()
    assert EmailOptOut.objects.filter(user=other_participant).exists()

    # Reflections, reactions and attendance stay on the anonymized membership.
    texts = set(Reflection.objects.filter(author__user=participant).values_list("text", flat=True))
    assert texts == {MINE["reflections"], MINE["anonymous"]}
    assert Reaction.objects.count() == reactions_before
    assert Attendance.objects.filter(session=seeded).count() == 2
    membership = Membership.objects.get(cohort=cohort, user=participant)
    assert membership.leader_id is None

    participant.refresh_from_db()
    assert participant.display_name == FORMER_PARTICIPANT
    assert participant.email.endswith("@erased.invalid")
    assert not participant.is_active
    assert not participant.has_usable_password()
    assert participant.time_zone == ""


def test_stored_stream_events_lose_their_words_and_name(
    seeded, cohort, participant, other_participant
):
    """The event log keeps its order, but nothing of the person's: the
    events of deleted items keep only an id (which resume then drops), and
    the name in the rest becomes the former-participant label."""
    checkin = CheckIn.objects.get(author__user=participant)
    reply = CheckInReply.objects.get(author=participant)
    rhythm = periods.rhythm_for(cohort)
    person = {"id": participant.pk, "name": NAME}
    saved = factories.CohortEventFactory(
        rhythm=rhythm,
        type="checkin.saved",
        payload={
            "checkin": {"id": checkin.pk, "author": person, "win": MINE["checkins"]},
        },
    )
    replied = factories.CohortEventFactory(
        rhythm=rhythm,
        type="reply.posted",
        payload={"reply": {"id": reply.pk, "checkin": checkin.pk, "author": person}},
    )
    others = factories.CohortEventFactory(
        rhythm=rhythm,
        type="checkin.saved",
        payload={"checkin": {"id": 999_999, "author": {"id": other_participant.pk, "name": "R"}}},
    )
    board_events = BoardEvent.objects.filter(session=seeded)
    assert NAME in json.dumps(list(board_events.values_list("payload", flat=True)))

    erase_person(participant)

    saved.refresh_from_db()
    replied.refresh_from_db()
    others.refresh_from_db()
    assert saved.payload == {"checkin": {"id": checkin.pk}}
    assert replied.payload == {"reply": {"id": reply.pk, "checkin": checkin.pk}}
    assert others.payload["checkin"]["author"]["name"] == "R"
    board_log = json.dumps(list(board_events.values_list("payload", flat=True)))
    assert NAME not in board_log
    assert FORMER_PARTICIPANT in board_log
    assert MINE["reflections"] in board_log


def test_erasure_clears_the_links_of_those_they_lead(cohort, participant, leader):
    erase_person(leader)
    membership = Membership.objects.get(cohort=cohort, user=participant)
    assert (membership.leader_id, membership.leader_confirmed_at) == (None, None)


def test_board_and_summary_show_a_former_participant(
    client, seeded, cohort, facilitator, participant
):
    session = end(seeded, facilitator)
    erase_person(participant)

    snapshot = json.dumps(board_services.board_snapshot(access_session(facilitator, session.pk)))
    assert MINE["reflections"] in snapshot
    assert NAME not in snapshot

    client.force_login(facilitator)
    for name in ("board:summary", "board:summary_md", "board:summary_csv"):
        page = client.get(reverse(name, args=[session.pk])).content.decode()
        assert MINE["reflections"] in page, name
        assert FORMER_PARTICIPANT in page, name
        assert NAME not in page and EMAIL not in page, name


def test_no_page_or_admin_shows_the_person_afterwards(
    client, seeded, acme, cohort, facilitator, hr_admin, participant
):
    erase_person(participant)
    superuser = factories.UserFactory(email="root@example.test", is_staff=True, is_superuser=True)
    pages = [
        (facilitator, reverse("cohorts:roster", args=[cohort.pk])),
        (facilitator, reverse("cohorts:detail", args=[cohort.pk])),
        (hr_admin, reverse("cohorts:organization", args=[acme.pk])),
        (hr_admin, reverse("privacy:erasure_requests", args=[acme.pk])),
        (superuser, reverse("admin:accounts_user_changelist")),
        (superuser, reverse("admin:board_reflection_changelist")),
        (superuser, reverse("admin:cohorts_membership_changelist")),
        (superuser, reverse("admin:privacy_erasurerecord_changelist")),
    ]
    for viewer, url in pages:
        client.force_login(viewer)
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert NAME not in page and EMAIL not in page, url


def test_the_erased_person_is_signed_out(client, participant):
    client.force_login(participant)
    erase_person(participant)
    response = client.get(reverse("notifications:settings"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_hr_sees_an_erasure_the_operator_ran_unasked(client, acme, hr_admin, participant):
    call_command("erase_person", EMAIL, "--yes", stdout=io.StringIO())
    [record] = ErasureRecord.objects.all()
    assert (record.organization, record.requested_by) == (acme, None)
    client.force_login(hr_admin)
    page = client.get(reverse("privacy:erasure_requests", args=[acme.pk])).content.decode()
    assert FORMER_PARTICIPANT in page and "Done" in page
    assert NAME not in page


def test_erasure_is_logged_without_the_email(caplog, participant):
    with caplog.at_level(logging.INFO, logger="privacy.erasure"):
        record = erase_person(participant)
    assert f"#{participant.pk}" in caplog.text
    assert EMAIL not in caplog.text and NAME not in caplog.text
    assert record.done_at is not None
    assert record.subject_id == participant.pk


def test_erasure_is_one_transaction(monkeypatch, seeded, participant):
    """A failure half-way leaves everything as it was."""

    def fail(*args, **kwargs):
        raise RuntimeError("mail server on fire")

    monkeypatch.setattr("privacy.erasure.EmailAddress.objects.filter", fail)
    with pytest.raises(RuntimeError):
        erase_person(participant)
    participant.refresh_from_db()
    assert participant.email == EMAIL
    assert Goal.objects.filter(owner__user=participant).exists()
    assert not ErasureRecord.objects.exists()


# The operator's command ------------------------------------------------------


def test_command_erases_and_carries_out_the_pending_request(acme, hr_admin, participant):
    factories.ErasureRecordFactory(
        subject_id=participant.pk, subject_label=NAME, organization=acme, requested_by=hr_admin
    )
    call_command("erase_person", EMAIL.upper(), "--yes", stdout=io.StringIO())
    participant.refresh_from_db()
    assert participant.display_name == FORMER_PARTICIPANT
    [record] = ErasureRecord.objects.all()
    assert record.done_at is not None
    assert record.subject_label == FORMER_PARTICIPANT
    assert record.requested_by == hr_admin


def test_command_asks_before_erasing(monkeypatch, participant):
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    with pytest.raises(CommandError):
        call_command("erase_person", EMAIL)
    participant.refresh_from_db()
    assert participant.email == EMAIL
    assert not ErasureRecord.objects.exists()


def test_command_refuses_an_unknown_email(db):
    with pytest.raises(CommandError, match="No account"):
        call_command("erase_person", "nobody@acme.test", "--yes")


# HR's request, by role -------------------------------------------------------


def request_erasure_as(client, user, organization, subject):
    client.force_login(user)
    return client.post(
        reverse("privacy:erasure_requests", args=[organization.pk]), {"person": subject.pk}
    )


def test_hr_admin_requests_the_erasure_of_a_member(client, acme, hr_admin, participant):
    client.force_login(hr_admin)
    page = client.get(reverse("privacy:erasure_requests", args=[acme.pk])).content.decode()
    assert NAME in page
    response = request_erasure_as(client, hr_admin, acme, participant)
    assert response.status_code == 302
    [record] = ErasureRecord.objects.all()
    assert (record.subject_id, record.organization, record.requested_by) == (
        participant.pk,
        acme,
        hr_admin,
    )
    assert record.done_at is None
    # Asked twice: still one request. Nothing is erased until the operator acts.
    request_erasure_as(client, hr_admin, acme, participant)
    assert ErasureRecord.objects.count() == 1
    participant.refresh_from_db()
    assert participant.is_active and participant.email == EMAIL


@pytest.mark.parametrize(
    "role", ["facilitator", "other_participant", "leader", "outsider", "globex_user"]
)
def test_only_the_organizations_hr_admin_may_request(client, request, acme, participant, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    assert client.get(reverse("privacy:erasure_requests", args=[acme.pk])).status_code == 404
    assert request_erasure_as(client, user, acme, participant).status_code == 404
    assert not ErasureRecord.objects.exists()


def test_hr_admin_cannot_request_for_another_organizations_person(
    client, acme, hr_admin, globex_user
):
    assert request_erasure_as(client, hr_admin, acme, globex_user).status_code == 404
    assert request_erasure_as(client, hr_admin, acme, hr_admin).status_code == 404
    assert not ErasureRecord.objects.exists()


def test_organization_page_links_to_erasure_requests(client, acme, hr_admin):
    client.force_login(hr_admin)
    page = client.get(reverse("cohorts:organization", args=[acme.pk])).content.decode()
    assert reverse("privacy:erasure_requests", args=[acme.pk]) in page
