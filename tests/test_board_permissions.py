"""Who may open, run and schedule a session board, as a table. What each
person in the room sees there is in tests/test_visibility_table.py."""

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from board import services
from board.rules import (
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
    ).reflection
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
    ).reflection
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
