"""docs/confidentiality.md's "Who sees what", tested as one table.

For each kind of content (goals, check-ins and their notes; reflections,
commitments, attendance and session summaries; background notes and their
history; member emails) and each role, the content's unique marker must reach
exactly the roles the table allows: on every page, in every export, in the
board snapshot, and over the cohort websocket (live events, the snapshot and
resume). The content is made, and its pages listed, in
tests/visibility_content.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from django.test import Client
from django.urls import reverse

from cohorts.models import Membership
from goals import events, periods, services
from goals.models import Goal
from tests import factories
from tests.goals_support import access, add_participant, membership, pair_up, set_rhythm
from tests.streams import close_code, cohort_socket, frames_until
from tests.visibility_content import (
    ANONYMOUS_TEXT,
    BOARD_TABLE,
    COHORT_TABLE,
    FACILITATORS,
    IN_THE_ROOM,
    ON_BOARD_SNAPSHOT,
    OWN_ATTENDANCE,
    author_checkin,
    author_goal,
    board_snapshot,
    board_surfaces,
    board_where_it_must_show,
    cohort_surfaces,
    cohort_where_it_must_show,
    goals_surfaces,
    goals_where_it_must_show,
    make_board,
    make_cohort,
    make_goals,
    marked_reflection,
)

ROLES = [
    "author",  # the participant who wrote the content (led by `leader`)
    "partner",  # the author's accountability partner
    "other_participant",  # in the cohort, not the author's partner
    "facilitator",
    "co_facilitator",  # a second coach of the same cohort
    "leader",  # the author's leader
    "other_leader",  # the leader of another participant of the cohort
    "hr_admin",
    "globex_user",  # another organization's user
    "anonymous",
]

# content -> the roles that may read it; every other role may not.
GOALS_TABLE = {
    "goal_private": {"author"} | FACILITATORS,
    "goal_cohort": IN_THE_ROOM,
    "goal_leader_flag_off": {"author", "leader"} | FACILITATORS,
    "goal_leader_flag_on": IN_THE_ROOM | {"leader"},
    "goal_shared": IN_THE_ROOM,
    "progress_on_private_goal": {"author"} | FACILITATORS,
    "checkin_partners_only": {"author", "partner"} | FACILITATORS,
    "checkin_shared_with_cohort": IN_THE_ROOM,
    "checkin_reply": {"author", "partner"} | FACILITATORS,
    "alignment_note": {"author", "leader"} | FACILITATORS,
    "leader_encouragement": {"author", "leader"} | FACILITATORS,
    "cocreation_comment": {"author"} | FACILITATORS,
}
TABLE = GOALS_TABLE | BOARD_TABLE | COHORT_TABLE

# Content whose text travels over the cohort socket (goal notes and progress
# notes never do: only the goal's summary is sent).
ON_SOCKET = {
    "goal_private",
    "goal_cohort",
    "goal_leader_flag_off",
    "goal_leader_flag_on",
    "goal_shared",
    "checkin_partners_only",
    "checkin_shared_with_cohort",
    "checkin_reply",
}


@dataclass
class World:
    cohort: object
    users: dict
    globex_cohort: object


@pytest.fixture
def world(
    cohort, facilitator, participant, other_participant, leader, hr_admin, globex_user
) -> World:
    co_facilitator = factories.UserFactory(email="coach2@acme.test", display_name="Cory Co")
    factories.MembershipFactory(
        cohort=cohort, user=co_facilitator, role=Membership.Role.FACILITATOR
    )
    other_leader = factories.UserFactory(email="lead2@acme.test", display_name="Lou Other")
    factories.OrganizationMembershipFactory(organization=cohort.organization, user=other_leader)
    third = add_participant(cohort, "p3@acme.test", "Quinn Three", leader=other_leader)
    fourth = add_participant(cohort, "p4@acme.test", "Max Four")
    pair_up(cohort, [participant, other_participant], [third, fourth])
    users = {
        "author": participant,
        "partner": other_participant,
        "other_participant": third,
        "facilitator": facilitator,
        "co_facilitator": co_facilitator,
        "leader": leader,
        "other_leader": other_leader,
        "hr_admin": hr_admin,
        "globex_user": globex_user,
        "anonymous": None,
    }
    globex_cohort = Membership.objects.get(user=globex_user).cohort
    return World(cohort=cohort, users=users, globex_cohort=globex_cohort)


def marker_for(content: str) -> str:
    """A text no page shows by chance, that Markdown exports keep as it is."""
    if content.endswith("_email"):
        return f"marked-{content.replace('_', '-')}@acme.test"
    if content == "attendance_own":
        return OWN_ATTENDANCE
    return "MARK-" + content.replace("_", "-") + "-text"


def make(content: str, world: World, marker: str):
    """Create `content` through the services, as people would; return the
    goal, check-in or session it lives on (None for the cohort's content)."""
    if content in BOARD_TABLE:
        return make_board(content, world.users, world.cohort, marker)
    if content in COHORT_TABLE:
        return make_cohort(content, world.users, world.cohort, marker)
    return make_goals(content, world.users, world.cohort, marker)


def surfaces(world: World, content: str, item) -> list[str]:
    """Every page and export that could show the content."""
    if content in BOARD_TABLE:
        return board_surfaces(world.cohort, item)
    if content in COHORT_TABLE:
        return cohort_surfaces(world.cohort)
    return goals_surfaces(world.cohort, item)


def where_it_must_show(content: str, world: World, item) -> list[str]:
    """The pages and exports where a reader must find the content."""
    if content in BOARD_TABLE:
        return board_where_it_must_show(content, item)
    if content in COHORT_TABLE:
        return cohort_where_it_must_show(content, world.cohort)
    return goals_where_it_must_show(content, world.cohort, item)


CASES = [(content, role) for content in TABLE for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize(("content", "role"), CASES)
def test_pages_and_exports(world, content, role):
    marker = marker_for(content)
    item = make(content, world, marker)
    allowed = role in TABLE[content]
    assert_pages(world, role, content, item, marker, allowed=allowed)
    if content == "reaction_counts" and allowed:
        # The summary's only reactions are the marked reflection's.
        client = Client()
        client.force_login(world.users[role])
        page = client.get(reverse("board:summary", args=[item.pk])).content.decode()
        assert "Reactions:" in page
    if content == "reflection_anonymous_author" and role in IN_THE_ROOM:
        # Its text shows, so the author's name is missing for the right reason.
        assert_pages(world, role, content, item, ANONYMOUS_TEXT, allowed=True)
    if content in ON_BOARD_SNAPSHOT and role in IN_THE_ROOM:
        snapshot = board_snapshot(world.users[role], item)
        assert (marker in json.dumps(snapshot)) is allowed, snapshot
        reflection = marked_reflection(snapshot, marker)
        if reflection is not None:
            # Only its author's board marks a reflection as theirs, named or not.
            assert reflection["mine"] is (role == "author"), reflection
            named = content != "reflection_anonymous"
            assert (reflection["author"] is not None) is named, reflection
            if content == "reaction_counts":
                assert reflection["reactions"]["heart"] == 1, reflection


def assert_pages(world, role, content, item, marker, *, allowed):
    """`role` finds the marker where the content must show, or on no page
    and in no export at all."""
    client = Client()
    if world.users[role] is not None:
        client.force_login(world.users[role])
    if allowed:
        for url in where_it_must_show(content, world, item):
            response = client.get(url)
            assert response.status_code == 200, url
            assert marker in response.content.decode(), url
    else:
        for url in surfaces(world, content, item):
            response = client.get(url)
            assert response.status_code in {200, 302, 404}, url
            assert marker not in response.content.decode(), (url, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("content", list(TABLE))
def test_foreign_and_anonymous_get_404_or_login_on_every_surface(world, content):
    """Another organization's user learns nothing, not even that it exists."""
    item = make(content, world, marker_for(content))
    stranger = Client()
    stranger.force_login(world.users["globex_user"])
    anonymous = Client()
    for url in surfaces(world, content, item):
        assert stranger.get(url).status_code == 404, url
        response = anonymous.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url, url


@pytest.mark.django_db
def test_hr_admins_see_none_of_it_not_even_the_pages(world):
    """HR admins get 404 on every goal, check-in and partner page and export."""
    for content in GOALS_TABLE:
        make(content, world, f"MARK-{content}")
    client = Client()
    client.force_login(world.users["hr_admin"])
    cohort = world.cohort.pk
    goal = Goal.objects.first()
    for url in [
        reverse("goals:list", args=[cohort]),
        reverse("goals:export", args=[cohort]),
        reverse("goals:detail", args=[cohort, goal.pk]),
        reverse("goals:checkins", args=[cohort]),
        reverse("goals:checkins_export", args=[cohort]),
        reverse("goals:partners", args=[cohort]),
        reverse("goals:rhythm", args=[cohort]),
    ]:
        assert client.get(url).status_code == 404, url
    page = client.get(reverse("cohorts:detail", args=[cohort])).content.decode()
    assert "MARK-" not in page
    assert "cohort-live" not in page


# The websocket -------------------------------------------------------------

CONNECTING = [
    "author",
    "partner",
    "other_participant",
    "facilitator",
    "co_facilitator",
    "leader",
    "other_leader",
]
REFUSED = ["hr_admin", "globex_user", "anonymous"]
SENTINEL = "test.sentinel"


@database_sync_to_async
def _make(content, world, marker):
    return make(content, world, marker)


@database_sync_to_async
def _sentinel(world):
    """A last event for every connected user: whatever was for them came first."""
    ids = [world.users[role].pk for role in CONNECTING]
    with transaction.atomic():
        events.emit(world.cohort.pk, SENTINEL, {}, user_ids=ids)


@pytest.fixture
def socket_world(transactional_db, world):
    return world


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("content", list(GOALS_TABLE))
async def test_websocket_events_and_snapshots(socket_world, content):
    world = socket_world
    marker = f"MARK-{content}-text"
    sockets = {}
    for role in CONNECTING:
        sockets[role] = await cohort_socket(world.users[role], world.cohort.pk)
        snapshot = await frames_until(sockets[role], lambda f: True)
        assert snapshot[0]["type"] == "cohort.snapshot"
    await _make(content, world, marker)
    await _sentinel(world)
    for role, communicator in sockets.items():
        live = await frames_until(communicator, lambda f: f["type"] == SENTINEL)
        expected = role in TABLE[content] and content in ON_SOCKET
        assert (marker in json.dumps(live)) is expected, (role, live)
        await communicator.disconnect()
    # A fresh connection's snapshot, and a resume from the start of the log.
    for role in CONNECTING:
        expected = role in TABLE[content] and content in ON_SOCKET
        fresh = await cohort_socket(world.users[role], world.cohort.pk)
        snapshot = (await frames_until(fresh, lambda f: True))[0]
        assert (marker in json.dumps(snapshot)) is expected, (role, snapshot)
        await fresh.disconnect()
        resumed = await cohort_socket(world.users[role], world.cohort.pk, query="last_seq=0")
        replay = await frames_until(resumed, lambda f: f["type"] == "cohort.resumed")
        assert (marker in json.dumps(replay)) is expected, (role, replay)
        await resumed.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", REFUSED)
async def test_websocket_refuses_hr_strangers_and_anonymous(socket_world, role):
    """With the code of a cohort that does not exist (4404): it tells nothing."""
    world = socket_world
    communicator = await cohort_socket(world.users[role], world.cohort.pk)
    assert await close_code(communicator) == 4404
    await communicator.disconnect()


# After a change of audience --------------------------------------------------
#
# Content written before a change (a leader replaced, a setting turned off,
# partners rotated) reaches exactly the readers the rules give after it: on
# every page and export, in a fresh snapshot and in a resume from the start
# of the log.

AFTER_CHANGE = {
    # HR names another leader: the old one loses the goal, the new one reads
    # nothing until the participant confirms.
    "leader_replaced": {"author"} | FACILITATORS,
    "leader_replaced_then_confirmed": {"author", "other_leader"} | FACILITATORS,
    "leader_goals_setting_turned_off": {"author", "leader"} | FACILITATORS,
    # A check-in keeps the partners it was written for.
    "partners_rotated": {"author", "partner"} | FACILITATORS,
}


def change(scenario: str, world: World, marker: str):
    """Write the content, make the change through the services; return the item."""
    from cohorts import services as cohort_services

    author = membership(world.users["author"], world.cohort)
    if scenario.startswith("leader_replaced"):
        goal = author_goal(world.users, world.cohort, marker, Goal.Visibility.LEADER)
        cohort_services.set_leader(
            membership=author,
            leader=world.users["other_leader"],
            changed_by=world.users["hr_admin"],
        )
        if scenario.endswith("confirmed"):
            cohort_services.confirm_leader(
                membership=author, leader_id=world.users["other_leader"].pk
            )
        return goal
    if scenario == "leader_goals_setting_turned_off":
        set_rhythm(world.cohort, participants_see_leader_goals=True)
        goal = author_goal(world.users, world.cohort, marker, Goal.Visibility.LEADER)
        rhythm = periods.rhythm_for(world.cohort)
        services.update_rhythm(
            access=access(world.users["facilitator"], world.cohort),
            cadence=rhythm.cadence,
            weekday=rhythm.weekday,
            participants_see_leader_goals=False,
        )
        return goal
    if scenario == "partners_rotated":
        entry = author_checkin(world.users, world.cohort, marker, shared=False)
        services.rotate_partners(access=access(world.users["facilitator"], world.cohort))
        return entry
    raise AssertionError(scenario)


def _content_kind(scenario: str) -> str:
    return "checkin_partners_only" if scenario == "partners_rotated" else "goal_cohort"


@pytest.mark.django_db
@pytest.mark.parametrize(("scenario", "role"), [(s, r) for s in AFTER_CHANGE for r in ROLES])
def test_pages_and_exports_after_a_change_of_audience(world, scenario, role):
    marker = f"MARK-{scenario}-text"
    item = change(scenario, world, marker)
    assert_pages(
        world, role, _content_kind(scenario), item, marker, allowed=role in AFTER_CHANGE[scenario]
    )


@database_sync_to_async
def _change(scenario, world, marker):
    return change(scenario, world, marker)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scenario", list(AFTER_CHANGE))
async def test_snapshot_and_resume_after_a_change_of_audience(socket_world, scenario):
    world = socket_world
    marker = f"MARK-{scenario}-text"
    await _change(scenario, world, marker)
    for role in CONNECTING:
        expected = role in AFTER_CHANGE[scenario]
        fresh = await cohort_socket(world.users[role], world.cohort.pk)
        first = await fresh.receive_output(timeout=5)
        if first["type"] == "websocket.close":
            # No longer anything to the cohort (the replaced leader): refused.
            assert not expected and first["code"] == 4404, (role, first)
            await fresh.disconnect()
            continue
        snapshot = json.loads(first["text"])
        assert snapshot["type"] == "cohort.snapshot", (role, snapshot)
        assert (marker in json.dumps(snapshot)) is expected, (role, snapshot)
        await fresh.disconnect()
        resumed = await cohort_socket(world.users[role], world.cohort.pk, query="last_seq=0")
        replay = await frames_until(resumed, lambda f: f["type"] == "cohort.resumed")
        assert (marker in json.dumps(replay)) is expected, (role, replay)
        await resumed.disconnect()
