"""A cohort's lifecycle (cohorts/lifecycle.py, docs/lifecycle.md): what each
state allows, who moves a cohort from one state to the next, and the program
window and capacity rules of the cohort form.

Every refused write is checked twice: the person gets the state's sentence,
and every table of the cohort, the board, goals and the event log is as it
was (`snapshot`)."""

from __future__ import annotations

import datetime
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.layers import DEFAULT_CHANNEL_LAYER, channel_layers
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from board import services as board_services
from board.models import AgendaTemplate, CohortSession
from board.rules import access_session
from cohorts import invitation_acceptance, lifecycle
from cohorts import services as cohort_services
from cohorts.forms import CohortForm, add_months, is_usual_window
from cohorts.models import BackgroundNote, Cohort, Invitation, Membership
from cohorts.permissions import access_cohort
from goals import periods
from goals import services as goals_services
from lib.errors import DomainError
from realtime.ratelimit import limiter
from tests import factories
from tests.board_helpers import ended_session, live_session, scheduled_session
from tests.goals_support import checkin, membership, pair_up, personal_goal, set_rhythm
from tests.streams import board_path, join_cohort, open_stream, reply_to, send

Status = Cohort.Status
CLOSED = [Status.COMPLETED, Status.ARCHIVED]


def snapshot() -> dict:
    """Every row of the cohorts, board, goals and realtime tables (presence
    aside: it is who has a board open, not content)."""
    rows = {}
    for label in ("cohorts", "board", "goals", "realtime"):
        for model in apps.get_app_config(label).get_models():
            if model._meta.model_name == "presence":
                continue
            rows[model._meta.label] = sorted(
                model.objects.order_by().values_list(), key=lambda row: row[0]
            )
    return rows


def set_status(cohort, status) -> None:
    Cohort.objects.filter(pk=cohort.pk).update(status=status)


def sentence(status) -> str:
    return escape(str(lifecycle.STAGES[status].closed_message))


# A cohort with something of every kind in it ------------------------------------------


class World:
    """Everyone and everything the write paths below touch, made while the
    cohort is active."""

    def __init__(self, cohort, facilitator, participant, other_participant, leader, hr, outsider):
        self.cohort = cohort
        self.users = {
            "facilitator": facilitator,
            "participant": participant,
            "other_participant": other_participant,
            "leader": leader,
            "hr_admin": hr,
        }
        self.outsider = outsider
        set_rhythm(cohort)
        # A leader named by HR, awaiting the participant's answer.
        Membership.objects.filter(cohort=cohort, user=other_participant).update(
            leader=outsider, leader_confirmed_at=None
        )
        self.invitation = factories.InvitationFactory(
            cohort=cohort, email="new@acme.test", token="lifecycle-token"
        )
        Invitation.objects.filter(pk=self.invitation.pk).update(
            sent_at=timezone.now() - datetime.timedelta(hours=2)
        )
        self.invitee = factories.UserFactory(email="new@acme.test")
        self.note = BackgroundNote.objects.create(
            organization=cohort.organization, cohort=cohort, body="Merger.", author=facilitator
        )
        self.goal = personal_goal(cohort, participant, visibility="leader")
        self.milestone = self.goal.milestones.create(position=1, title="First step")
        self.round = pair_up(cohort, [participant, other_participant])
        rhythm = periods.rhythm_for(cohort)
        self.checkin = checkin(
            cohort, participant, period_start=periods.current_period(rhythm).start
        )
        self.scheduled = scheduled_session(cohort, facilitator, title="Next one")
        self.ended = ended_session(cohort, facilitator, title="Done one")
        self.template = AgendaTemplate.objects.create(
            owner=facilitator,
            organization=cohort.organization,
            name="Mine",
            phases=board_services.default_agenda(),
        )


@pytest.fixture
def world(cohort, facilitator, participant, other_participant, leader, hr_admin, outsider):
    return World(cohort, facilitator, participant, other_participant, leader, hr_admin, outsider)


def cohort_form(**overrides):
    return {
        "name": "Leading Through Change",
        "kind": "group",
        "purpose": "",
        "capacity": "10",
        "starts_on": "2026-01-10",
        "ends_on": "2026-08-10",
        "time_zone": "UTC",
        **overrides,
    }


# Each page write: who sends it, where, with what. Forms are valid, so that only
# the cohort's state can refuse them.
PAGE_WRITES = {
    "edit the cohort": ("hr_admin", "cohorts:edit", lambda w: {}, lambda w: cohort_form()),
    "link a leader": (
        "hr_admin",
        "cohorts:set_leader",
        lambda w: {"membership_id": membership(w.users["participant"], w.cohort).pk},
        lambda w: {f"m{membership(w.users['participant'], w.cohort).pk}-leader": w.outsider.pk},
    ),
    "confirm a leader": (
        "other_participant",
        "cohorts:leader_confirm",
        lambda w: {"membership_id": membership(w.users["other_participant"], w.cohort).pk},
        lambda w: {"leader": w.outsider.pk},
    ),
    "decline a leader": (
        "other_participant",
        "cohorts:leader_decline",
        lambda w: {"membership_id": membership(w.users["other_participant"], w.cohort).pk},
        lambda w: {"leader": w.outsider.pk},
    ),
    "invite": (
        "hr_admin",
        "cohorts:invite",
        lambda w: {},
        lambda w: {"email": "third@acme.test", "role": "participant"},
    ),
    "invite from CSV": (
        "facilitator",
        "cohorts:bulk_invite",
        lambda w: {},
        lambda w: {"csv_text": "third@acme.test,Third,participant"},
    ),
    "resend an invitation": (
        "hr_admin",
        "cohorts:invitation_resend",
        lambda w: {"invitation_id": w.invitation.pk},
        lambda w: {},
    ),
    "revoke an invitation": (
        "hr_admin",
        "cohorts:invitation_revoke",
        lambda w: {"invitation_id": w.invitation.pk},
        lambda w: {},
    ),
    "start a session": (
        "facilitator",
        "board:start",
        lambda w: {"session_id": w.scheduled.pk},
        lambda w: {},
    ),
    "cancel a session": (
        "facilitator",
        "board:cancel",
        lambda w: {"session_id": w.scheduled.pk},
        lambda w: {},
    ),
    "draft a goal": (
        "participant",
        "goals:new",
        lambda w: {},
        lambda w: {"title": "Listen more", "visibility": "private"},
    ),
    "edit a goal": (
        "facilitator",
        "goals:edit",
        lambda w: {"goal_id": w.goal.pk},
        lambda w: {"title": "Delegate even more"},
    ),
    "set a goal's status": (
        "participant",
        "goals:status",
        lambda w: {"goal_id": w.goal.pk},
        lambda w: {"status": "at_risk"},
    ),
    "set a goal's visibility": (
        "participant",
        "goals:visibility",
        lambda w: {"goal_id": w.goal.pk},
        lambda w: {"visibility": "cohort"},
    ),
    "post progress": (
        "participant",
        "goals:progress",
        lambda w: {"goal_id": w.goal.pk},
        lambda w: {"value": "40", "note": "Halfway"},
    ),
    "comment on a goal": (
        "facilitator",
        "goals:note",
        lambda w: {"goal_id": w.goal.pk},
        lambda w: {"kind": "comment", "body": "Well done"},
    ),
    "encourage as the leader": (
        "leader",
        "goals:note",
        lambda w: {"goal_id": w.goal.pk},
        lambda w: {"kind": "encouragement", "body": "Proud of you"},
    ),
    "add a milestone": (
        "participant",
        "goals:milestone_add",
        lambda w: {"goal_id": w.goal.pk},
        lambda w: {"title": "Second step"},
    ),
    "tick a milestone": (
        "participant",
        "goals:milestone_action",
        lambda w: {"goal_id": w.goal.pk, "milestone_id": w.milestone.pk, "action": "done"},
        lambda w: {},
    ),
    "check in": (
        "other_participant",
        "goals:checkin_submit",
        lambda w: {},
        lambda w: {
            "period_start": periods.current_period(periods.rhythm_for(w.cohort)).start,
            "energy": "4",
            "win": "A good week",
        },
    ),
    "reply to a check-in": (
        "other_participant",
        "goals:checkin_reply",
        lambda w: {"checkin_id": w.checkin.pk},
        lambda w: {"body": "Nice one", "client_id": str(uuid.uuid4())},
    ),
    "rotate partners": ("facilitator", "goals:partners_rotate", lambda w: {}, lambda w: {}),
    "change the rhythm": (
        "facilitator",
        "goals:rhythm",
        lambda w: {},
        lambda w: {"cadence": "fortnightly", "weekday": "2"},
    ),
}

# In an archived cohort only HR admins and facilitators open anything.
ARCHIVED_READERS = {"hr_admin", "facilitator"}


def post_as(client, world, write):
    role, name, kwargs, data = PAGE_WRITES[write]
    client.force_login(world.users[role])
    if name.startswith("board:"):
        url = reverse(name, kwargs=kwargs(world))
    else:
        url = reverse(name, kwargs={"cohort_id": world.cohort.pk, **kwargs(world)})
    return client.post(url, data(world), follow=True)


@pytest.mark.parametrize("status", CLOSED)
@pytest.mark.parametrize("write", sorted(PAGE_WRITES))
def test_a_closed_cohort_refuses_every_page_write_and_changes_nothing(
    client, world, status, write
):
    set_status(world.cohort, status)
    before = snapshot()
    response = post_as(client, world, write)
    role = PAGE_WRITES[write][0]
    if status == Status.ARCHIVED and role not in ARCHIVED_READERS:
        assert response.status_code == 404  # put away: as if it were not there
    else:
        assert sentence(status) in response.content.decode(), write
    assert snapshot() == before


@pytest.mark.parametrize("write", sorted(PAGE_WRITES))
def test_each_page_write_goes_through_in_an_active_cohort(client, world, write):
    """The same requests change something while the cohort is active: the
    refusals above come from the state alone."""
    before = snapshot()
    response = post_as(client, world, write)
    assert response.status_code in (200, 400)
    assert sentence(Status.COMPLETED) not in response.content.decode()
    assert snapshot() != before, write


def test_accepting_an_invitation_to_a_completed_cohort_is_refused(client, world):
    set_status(world.cohort, Status.COMPLETED)
    client.force_login(world.invitee)
    before = snapshot()
    url = reverse("cohorts:invitation", args=["lifecycle-token"])
    response = client.post(url)
    assert response.status_code == 410
    assert "takes no new members" in response.content.decode()
    assert snapshot() == before
    assert not Membership.objects.filter(user=world.invitee).exists()


def test_enrolling_reads_the_state_under_the_lock(world):
    """An acceptance checked before HR completed the cohort still enrolls no
    one: enroll re-reads the state under the cohort's lock."""
    stale = Cohort.objects.get(pk=world.cohort.pk)
    set_status(world.cohort, Status.COMPLETED)
    with pytest.raises(DomainError) as refused:
        cohort_services.enroll(cohort=stale, user=world.invitee, role=Membership.Role.PARTICIPANT)
    assert refused.value.code == "cohort_closed"
    assert not Membership.objects.filter(user=world.invitee).exists()


def test_a_leader_accepting_later_is_not_linked_in_a_closed_cohort(acme, hr_admin):
    """A participant named a leader who joins afterwards: in an open cohort
    the link is made when the leader accepts; in a completed one it is not."""
    open_cohort = factories.CohortFactory(organization=acme, status=Status.ACTIVE)
    closed_cohort = factories.CohortFactory(organization=acme, status=Status.ACTIVE)
    boss_email = "late.boss@acme.test"
    for cohort in (open_cohort, closed_cohort):
        invitee = factories.UserFactory()
        invitation = factories.InvitationFactory(
            cohort=cohort, email=invitee.email, invited_by=hr_admin, leader_email=boss_email
        )
        invitation_acceptance.accept_invitation(invitation=invitation, user=invitee)
    set_status(closed_cohort, Status.COMPLETED)
    boss = factories.UserFactory(email=boss_email)
    leader_invitation = factories.InvitationFactory(
        cohort=open_cohort, email=boss_email, invited_by=hr_admin, role=Invitation.Role.LEADER
    )

    invitation_acceptance.accept_invitation(invitation=leader_invitation, user=boss)

    led = Membership.objects.filter(leader=boss)
    assert list(led.values_list("cohort_id", flat=True)) == [open_cohort.pk]


def test_a_draft_takes_invitations_and_plans_sessions_but_starts_none(client, world):
    set_status(world.cohort, Status.DRAFT)
    client.force_login(world.users["hr_admin"])
    response = client.post(
        reverse("cohorts:invite", args=[world.cohort.pk]),
        {"email": "third@acme.test", "role": "participant"},
    )
    assert response.status_code == 302
    assert Invitation.objects.filter(email="third@acme.test").exists()
    facilitator = world.users["facilitator"]
    planned = scheduled_session(world.cohort, facilitator, title="Planned ahead")
    before = snapshot()
    client.force_login(facilitator)
    response = client.post(reverse("board:start", args=[planned.pk]), follow=True)
    assert sentence(Status.DRAFT) in response.content.decode()
    assert snapshot() == before
    assert CohortSession.objects.get(pk=planned.pk).status == "scheduled"


def test_the_board_page_of_a_draft_offers_no_start_and_says_why(client, world):
    set_status(world.cohort, Status.DRAFT)
    client.force_login(world.users["facilitator"])
    text = client.get(reverse("board:board", args=[world.scheduled.pk])).content.decode()
    assert 'id="board-start-form"' not in text
    assert sentence(Status.DRAFT) in text


# Services: every caller inherits the refusal ----------------------------------------------


def _board_service_calls(world):
    facilitator = world.users["facilitator"]

    def session_access():
        return access_session(facilitator, world.scheduled.pk)

    start = world.cohort.starts_on + datetime.timedelta(days=3)
    return {
        "schedule": lambda: board_services.create_session(
            access=access_cohort(facilitator, world.cohort.pk),
            title="Another",
            starts_at=datetime.datetime.combine(start, datetime.time(9), datetime.UTC),
            duration_minutes=60,
        ),
        "reschedule": lambda: board_services.update_session(
            access=session_access(),
            title="Renamed",
            starts_at=world.scheduled.starts_at,
            duration_minutes=60,
        ),
        "add a phase": lambda: board_services.add_phase(
            access=session_access(), kind="discussion", title="More"
        ),
        "move a phase": lambda: board_services.move_phase(
            access=session_access(),
            phase_id=world.scheduled.phases.order_by("position").last().pk,
            offset=-1,
        ),
        "apply a template": lambda: board_services.apply_agenda_template(
            access=session_access(), template_id=world.template.pk
        ),
        "save a template": lambda: board_services.save_agenda_template(
            access=session_access(), name="Again"
        ),
        "edit partner groups": lambda: goals_services.edit_partner_groups(
            access=access_cohort(facilitator, world.cohort.pk),
            round=world.round,
            assignment={
                membership(world.users["participant"], world.cohort).pk: 1,
                membership(world.users["other_participant"], world.cohort).pk: 1,
            },
        ),
        "add a note to the cohort": lambda: _note_service(world),
    }


def _note_service(world):
    from cohorts import services as cohort_services

    return cohort_services.add_background_note(
        organization=world.cohort.organization,
        author=world.users["hr_admin"],
        body="Closing note.",
        cohort=world.cohort,
    )


@pytest.mark.parametrize(
    "call",
    [
        "schedule",
        "reschedule",
        "add a phase",
        "move a phase",
        "apply a template",
        "save a template",
        "edit partner groups",
    ],
)
def test_a_completed_cohort_refuses_the_board_and_goals_services(world, call):
    from lib.errors import DomainError

    calls = _board_service_calls(world)
    set_status(world.cohort, Status.COMPLETED)
    before = snapshot()
    with pytest.raises(DomainError) as refused:
        calls[call]()
    assert refused.value.code == "cohort_closed"
    assert refused.value.message == lifecycle.STAGES[Status.COMPLETED].closed_message
    assert snapshot() == before


@pytest.mark.parametrize("write", ["check in", "draft a goal", "rotate partners"])
def test_a_goals_write_on_a_page_loaded_before_completion_is_refused(world, write):
    """The access was read while the cohort was active; HR completes it; the
    write then arrives: its transaction reads the state afresh and refuses."""
    participant = access_cohort(world.users["participant"], world.cohort.pk)
    facilitator = access_cohort(world.users["facilitator"], world.cohort.pk)
    period = periods.current_period(periods.rhythm_for(world.cohort))
    calls = {
        "check in": lambda: goals_services.submit_checkin(
            access=participant, period_start=period.start, energy=3, win="Late"
        ),
        "draft a goal": lambda: goals_services.draft_personal_goal(
            access=participant,
            owner=membership(world.users["participant"], world.cohort),
            title="Too late",
        ),
        "rotate partners": lambda: goals_services.rotate_partners(access=facilitator),
    }
    set_status(world.cohort, Status.COMPLETED)
    before = snapshot()
    with pytest.raises(DomainError) as refused:
        calls[write]()
    assert refused.value.code == "cohort_closed"
    assert snapshot() == before


def test_background_notes_take_closing_notes_until_the_cohort_is_archived(client, world):
    """Completed: HR and the coach still add closing notes. Archived: read-only."""
    from lib.errors import DomainError

    set_status(world.cohort, Status.COMPLETED)
    client.force_login(world.users["facilitator"])
    url = reverse("cohorts:notes", args=[world.cohort.pk])
    assert client.post(url, {"about": "cohort", "body": "Handover."}).status_code == 302
    assert BackgroundNote.objects.filter(body="Handover.").exists()
    set_status(world.cohort, Status.ARCHIVED)
    before = snapshot()
    response = client.post(url, {"about": "cohort", "body": "Too late."}, follow=True)
    assert sentence(Status.ARCHIVED) in response.content.decode()
    edit = reverse("cohorts:note_edit", args=[world.cohort.pk, world.note.pk])
    response = client.post(edit, {"body": "Rewritten."}, follow=True)
    assert sentence(Status.ARCHIVED) in response.content.decode()
    delete = reverse("cohorts:note_delete", args=[world.cohort.pk, world.note.pk])
    response = client.post(delete, follow=True)
    assert sentence(Status.ARCHIVED) in response.content.decode()
    with pytest.raises(DomainError):
        _note_service(world)
    assert snapshot() == before


# Websockets: a refused frame gets an error frame, and nothing changes -------------------


@pytest.fixture
def _fresh_channel_layer():
    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)
    limiter.reset()
    yield
    channel_layers.backends.pop(DEFAULT_CHANNEL_LAYER, None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_fresh_channel_layer")
async def test_a_completed_cohort_refuses_a_reply_over_its_stream(world):
    await database_sync_to_async(set_status)(world.cohort, Status.COMPLETED)
    before = await database_sync_to_async(snapshot)()
    socket, opening = await join_cohort(world.users["other_participant"], world.cohort)
    [entry] = [c for c in opening["checkins"] if c["id"] == world.checkin.pk]
    assert entry["can_reply"] is False  # the page offers no reply box
    client_id = await send(socket, "reply.post", checkin=world.checkin.pk, text="Late reply")
    reply = await reply_to(socket, client_id)
    assert (reply["type"], reply["code"]) == ("error", "cohort_closed")
    assert reply["message"] == str(lifecycle.STAGES[Status.COMPLETED].closed_message)
    await socket.disconnect()
    assert await database_sync_to_async(snapshot)() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_fresh_channel_layer")
@pytest.mark.parametrize("status", [Status.DRAFT, Status.COMPLETED])
async def test_no_board_of_a_draft_or_completed_cohort_takes_a_frame(world, status):
    """No session is live outside an active cohort (it cannot start, and the
    cohort cannot leave the active state while one is live), so every
    board frame that writes is refused."""
    await database_sync_to_async(set_status)(world.cohort, status)
    session = world.scheduled if status == Status.DRAFT else world.ended
    phase = await database_sync_to_async(lambda: session.phases.order_by("position").first())()
    before = await database_sync_to_async(snapshot)()
    frames = {
        "participant": [
            ("reflection.post", {"phase": phase.pk, "text": "Hello"}),
            ("commitment.add", {"text": "Call Sam"}),
        ],
        "facilitator": [
            ("phase.goto", {"phase": phase.pk}),
            ("timer.start", {"seconds": 60}),
            ("posting.lock", {"locked": True}),
            ("session.end", {}),
        ],
    }
    for role, messages in frames.items():
        socket = await open_stream(world.users[role], board_path(session.pk))
        for type_, fields in messages:
            reply = await reply_to(socket, await send(socket, type_, **fields))
            assert reply["type"] == "error" and reply["message"], (role, type_)
        await socket.disconnect()
    assert await database_sync_to_async(snapshot)() == before


# Transitions ------------------------------------------------------------------------------

ROLES = ["hr_admin", "facilitator", "participant", "leader", "globex_user"]


@pytest.fixture
def people(hr_admin, facilitator, participant, leader, globex_user):
    return {
        "hr_admin": hr_admin,
        "facilitator": facilitator,
        "participant": participant,
        "leader": leader,
        "globex_user": globex_user,
    }


def move(client, cohort, shown, target):
    return client.post(
        reverse("cohorts:status", args=[cohort.pk]), {"shown": shown, "target": target}
    )


@pytest.mark.parametrize(("source", "target"), sorted(lifecycle.MOVES))
@pytest.mark.parametrize("role", ROLES)
def test_only_hr_admins_move_a_cohort(client, cohort, people, role, source, target):
    set_status(cohort, source)
    client.force_login(people[role])
    response = move(client, cohort, source, target)
    cohort.refresh_from_db()
    if role == "hr_admin":
        assert response.status_code == 302
        assert cohort.status == target
    else:
        assert response.status_code == 404
        assert cohort.status == source


REFUSED_MOVES = [
    (source, target)
    for source in Status.values
    for target in [*Status.values, "closed"]
    if source != target and (source, target) not in lifecycle.MOVES
]


@pytest.mark.parametrize(("source", "target"), REFUSED_MOVES)
def test_a_move_the_lifecycle_has_not_is_refused_clearly(client, cohort, hr_admin, source, target):
    set_status(cohort, source)
    client.force_login(hr_admin)
    response = client.post(
        reverse("cohorts:status", args=[cohort.pk]),
        {"shown": source, "target": target},
        follow=True,
    )
    assert "A cohort cannot go from" in response.content.decode()
    cohort.refresh_from_db()
    assert cohort.status == source


def test_a_second_click_changes_nothing_and_says_so(client, cohort, hr_admin):
    set_status(cohort, Status.ACTIVE)
    client.force_login(hr_admin)
    move(client, cohort, Status.ACTIVE, Status.COMPLETED)
    response = client.post(
        reverse("cohorts:status", args=[cohort.pk]),
        {"shown": Status.ACTIVE, "target": Status.COMPLETED},
        follow=True,
    )
    assert "This cohort is completed already" in response.content.decode()
    # A stale page offering "Make the cohort active" on a completed one moves nothing.
    move(client, cohort, Status.DRAFT, Status.ACTIVE)
    cohort.refresh_from_db()
    assert cohort.status == Status.COMPLETED


def test_a_cohort_with_a_live_session_is_not_completed(client, cohort, facilitator, hr_admin):
    session = live_session(cohort, facilitator)
    client.force_login(hr_admin)
    response = client.post(
        reverse("cohorts:status", args=[cohort.pk]),
        {"shown": Status.ACTIVE, "target": Status.COMPLETED},
        follow=True,
    )
    assert "A session of this cohort is live" in response.content.decode()
    cohort.refresh_from_db()
    assert cohort.status == Status.ACTIVE
    assert CohortSession.objects.get(pk=session.pk).status == "live"


@pytest.mark.parametrize("status", Status.values)
def test_the_cohort_page_says_what_the_state_allows_and_offers_hr_its_moves(
    client, cohort, hr_admin, facilitator, status
):
    set_status(cohort, status)
    client.force_login(hr_admin)
    text = client.get(cohort.get_absolute_url()).content.decode()
    assert escape(str(lifecycle.STAGES[status].sentence)) in text
    for move_ in lifecycle.moves_from(status):
        assert f'value="{move_.target}"' in text and escape(str(move_.label)) in text
    client.force_login(facilitator)
    text = client.get(cohort.get_absolute_url()).content.decode()
    assert reverse("cohorts:status", args=[cohort.pk]) not in text
    assert (reverse("cohorts:invite", args=[cohort.pk]) in text) is (
        status in (Status.DRAFT, Status.ACTIVE)
    )


# Archived: put away -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("hr_admin", 200),
        ("facilitator", 200),
        ("participant", 404),
        ("leader", 404),
        ("globex_user", 404),
    ],
)
def test_an_archived_cohort_opens_for_hr_and_its_facilitators_only(
    client, cohort, people, role, code
):
    set_status(cohort, Status.ARCHIVED)
    client.force_login(people[role])
    assert client.get(cohort.get_absolute_url()).status_code == code


def test_archived_cohorts_are_listed_apart_on_the_organization_page(
    client, acme, cohort, hr_admin
):
    put_away = factories.CohortFactory(organization=acme, name="Class of 2024")
    set_status(put_away, Status.ARCHIVED)
    client.force_login(hr_admin)
    response = client.get(reverse("cohorts:organization", args=[acme.pk]))
    text = response.content.decode()
    assert [c.name for c in response.context["cohorts"]] == ["Leading Through Change"]
    assert [c.name for c in response.context["archived_cohorts"]] == ["Class of 2024"]
    assert text.index("Leading Through Change") < text.index('id="archived-heading"')
    assert text.index('id="archived-heading"') < text.index("Class of 2024")


# The cohort form: program window and capacity ---------------------------------------------


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "usual"),
    [
        ("2026-01-10", "2026-07-10", True),  # 6 months exactly
        ("2026-01-10", "2026-07-09", False),  # a day short
        ("2026-01-10", "2026-10-10", True),  # 9 months exactly
        ("2026-01-10", "2026-10-11", False),  # a day over
        ("2025-08-31", "2026-02-28", True),  # 6 calendar months, to the month's end
        ("2025-08-31", "2026-02-27", False),
    ],
)
def test_the_usual_window_counts_calendar_months_bounds_included(starts_on, ends_on, usual):
    start, end = datetime.date.fromisoformat(starts_on), datetime.date.fromisoformat(ends_on)
    assert is_usual_window(start, end) is usual


def test_add_months_keeps_the_day_or_the_months_last():
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2026, 11, 15), 3) == datetime.date(2027, 2, 15)


def test_an_unusual_window_asks_for_confirmation_then_saves(client, acme, hr_admin):
    client.force_login(hr_admin)
    url = reverse("cohorts:cohort_create", args=[acme.pk])
    data = cohort_form(name="Sprint", ends_on="2026-03-21")  # 10 weeks
    response = client.post(url, data)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.fields["confirm_window"].label == "Yes, this programme runs 10 weeks"
    assert "10 weeks, outside the usual 6 to 9 months" in str(form.errors["confirm_window"])
    assert 'value="2026-01-10/2026-03-21"' in response.content.decode()
    assert not Cohort.objects.filter(name="Sprint").exists()
    response = client.post(
        url, {**data, "confirm_window": "on", "window_shown": "2026-01-10/2026-03-21"}
    )
    assert response.status_code == 302
    assert Cohort.objects.get(name="Sprint").ends_on == datetime.date(2026, 3, 21)


def test_a_box_ticked_for_another_window_confirms_nothing(acme):
    form = CohortForm(
        cohort_form(
            ends_on="2026-04-01", confirm_window="on", window_shown="2026-01-10/2026-03-21"
        )
    )
    assert not form.is_valid()
    assert "confirm_window" in form.errors
    assert form.data["window_shown"] == "2026-01-10/2026-04-01"
    assert "confirm_window" not in form.data  # shown unticked for the new window


def test_a_usual_window_shows_no_box(acme):
    form = CohortForm(cohort_form())
    assert form.is_valid(), form.errors
    assert "confirm_window" not in form.fields


def test_an_unchanged_unusual_window_is_not_asked_again(cohort):
    Cohort.objects.filter(pk=cohort.pk).update(
        starts_on=datetime.date(2026, 1, 10), ends_on=datetime.date(2026, 2, 10)
    )
    cohort.refresh_from_db()
    form = CohortForm(cohort_form(ends_on="2026-02-10"), instance=cohort)
    assert form.is_valid(), form.errors


def test_the_end_comes_after_the_start(acme):
    form = CohortForm(cohort_form(ends_on="2026-01-10"))
    assert form.errors["ends_on"] == ["The program must end after it starts."]
    assert "confirm_window" not in form.errors


@pytest.mark.parametrize(
    ("kind", "capacity", "valid"),
    [
        ("group", 1, False),
        ("group", 2, True),
        ("group", 12, True),
        ("group", 13, False),
        ("team", 13, True),
        ("team", 50, True),
        ("team", 51, False),
    ],
)
def test_capacity_fits_the_kind(db, kind, capacity, valid):
    form = CohortForm(cohort_form(kind=kind, capacity=str(capacity)))
    assert form.is_valid() is valid
    if not valid:
        low, high = {"group": (2, 12), "team": (2, 50)}[kind]
        assert form.errors["capacity"] == [f"A {kind} holds {low} to {high} participants."]


def test_changing_the_kind_checks_the_capacity_again(client, cohort, hr_admin):
    Cohort.objects.filter(pk=cohort.pk).update(kind="team", capacity=30)
    client.force_login(hr_admin)
    response = client.post(
        reverse("cohorts:edit", args=[cohort.pk]),
        cohort_form(
            kind="group",
            capacity="30",
            starts_on=cohort.starts_on.isoformat(),
            ends_on=cohort.ends_on.isoformat(),
        ),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["capacity"]
    cohort.refresh_from_db()
    assert (cohort.kind, cohort.capacity) == ("team", 30)


def test_the_capacity_rule_holds_for_every_caller_of_the_services(cohort):
    from cohorts import services as cohort_services
    from lib.errors import DomainError

    with pytest.raises(DomainError) as refused:
        cohort_services.update_cohort(cohort=cohort, kind="group", capacity=20)
    assert refused.value.code == "capacity_out_of_range"
    cohort.refresh_from_db()
    assert cohort.capacity == 10


def test_the_time_zone_is_saved_from_the_form(client, cohort, hr_admin):
    client.force_login(hr_admin)
    response = client.post(
        reverse("cohorts:edit", args=[cohort.pk]),
        cohort_form(
            time_zone="America/New_York",
            starts_on=cohort.starts_on.isoformat(),
            ends_on=cohort.ends_on.isoformat(),
        ),
    )
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.time_zone == "America/New_York"


def test_a_session_does_not_start_on_an_access_read_before_the_cohort_was_completed(world):
    """The state is read again under the cohort's lock when a session starts:
    an access (a page, a socket) read while the cohort was active starts
    nothing once it is completed."""
    from lib.errors import DomainError

    stale = access_session(world.users["facilitator"], world.scheduled.pk)
    assert stale.can_start
    set_status(world.cohort, Status.COMPLETED)
    before = snapshot()
    with pytest.raises(DomainError) as refused:
        board_services.start_session(access=stale)
    assert refused.value.code == "cohort_closed"
    assert snapshot() == before


# The capabilities, state by state ---------------------------------------------------------

CAPABILITIES = {
    # capability: the states it holds in, for the role that has it at all
    "can_manage": {Status.DRAFT, Status.ACTIVE},
    "accepts_invitations": {Status.DRAFT, Status.ACTIVE},
    "is_open_for_work": {Status.DRAFT, Status.ACTIVE},
    "can_run_sessions": {Status.ACTIVE},
    "can_write_background": {Status.DRAFT, Status.ACTIVE, Status.COMPLETED},
    "is_manager": set(Status.values),
    "can_read_background": set(Status.values),
}


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("capability", sorted(CAPABILITIES))
def test_the_rule_book_says_what_each_state_allows(cohort, facilitator, capability, status):
    set_status(cohort, status)
    access = access_cohort(facilitator, cohort.pk)
    assert getattr(access, capability) is (status in CAPABILITIES[capability])
