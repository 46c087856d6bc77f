"""Who may open a session board and what each sees: docs/confidentiality.md's table, as a table."""

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from board import services
from cohorts.permissions import (
    access_session,
    access_session_management,
    access_session_scheduling,
)
from tests.realtime.conftest import schedule_session, start_live

pytestmark = pytest.mark.django_db

ROLES = [
    "facilitator",
    "participant",
    "other_participant",
    "leader",
    "hr_admin",
    "outsider",
    "globex_user",
    "anonymous",
]
IN_THE_ROOM = {"facilitator", "participant", "other_participant"}


@pytest.fixture
def person(request):
    if request.param == "anonymous":
        return AnonymousUser()
    return request.getfixturevalue(request.param)


@pytest.fixture
def board(cohort, facilitator, participant, other_participant):
    """A live board where Pat posted a named and an anonymous reflection and a commitment."""
    session = start_live(schedule_session(cohort, facilitator), facilitator)
    pat = access_session(participant, session.pk)
    named = services.post_reflection(
        access=pat, phase_id=session.current_phase_id, text="Named", client_id=uuid.uuid4()
    )
    checkin = session.phases.get(kind="checkin")
    coach = access_session(facilitator, session.pk)
    services.update_phase(
        access=coach,
        phase_id=checkin.pk,
        kind="checkin",
        title="Check-in",
        prompt="",
        timebox_minutes=5,
        anonymous=True,
    )
    anonymous = services.post_reflection(
        access=access_session(participant, session.pk),
        phase_id=checkin.pk,
        text="Anonymous",
        client_id=uuid.uuid4(),
    )
    services.goto_phase(access=coach, phase_id=session.phases.get(kind="commitments").pk)
    services.add_commitment(
        access=access_session(participant, session.pk), text="Pat's", client_id=uuid.uuid4()
    )
    return {"session": session, "named": named, "anonymous": anonymous}


@pytest.mark.parametrize("person", ROLES, indirect=True)
def test_who_may_open_the_board(board, person, request):
    role = request.node.callspec.params["person"]
    session = board["session"]
    if role in IN_THE_ROOM:
        assert access_session(person, session.pk).session == session
    else:
        with pytest.raises(Http404):
            access_session(person, session.pk)


@pytest.mark.parametrize("person", ROLES, indirect=True)
def test_a_missing_session_is_404_for_everyone(board, person):
    """The same refusal as for a session one may not open (pages and sockets)."""
    with pytest.raises(Http404):
        access_session(person, board["session"].pk + 100)
    with pytest.raises(Http404):
        access_session(person, "not-a-number")


@pytest.mark.parametrize("person", ROLES, indirect=True)
def test_only_facilitators_run_sessions(board, person, request):
    role = request.node.callspec.params["person"]
    session = board["session"]
    if role == "facilitator":
        assert access_session_management(person, session.pk).can_run
        assert access_session_scheduling(person, session.cohort_id).is_facilitator
    else:
        with pytest.raises(Http404):
            access_session_management(person, session.pk)
        with pytest.raises(Http404):
            access_session_scheduling(person, session.cohort_id)


# (role, sees named author, sees own "mine", sees others' commitments, all attendance)
SEES = [
    ("facilitator", True, False, True, True),
    ("participant", True, True, True, False),  # Pat: their own commitment
    ("other_participant", True, False, False, False),
]


@pytest.mark.parametrize(("role", "named_author", "mine", "commitment", "attendance"), SEES)
def test_what_each_person_in_the_room_sees(
    board, request, role, named_author, mine, commitment, attendance
):
    user = request.getfixturevalue(role)
    access = access_session(user, board["session"].pk)
    snapshot = services.board_snapshot(access)
    reflections = {r["text"]: r for r in snapshot["reflections"]}
    assert (reflections["Named"]["author"] is not None) is named_author
    assert reflections["Named"]["mine"] is mine
    # Anonymous: the text for everyone, the author for no one, "mine" for the author.
    assert reflections["Anonymous"]["author"] is None
    assert reflections["Anonymous"]["mine"] is mine
    assert bool(snapshot["commitments"]) is commitment
    assert access.can_see_all_attendance is attendance
