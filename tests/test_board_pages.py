"""Session pages: the sessions list, scheduling, the agenda and its templates,
start and end, the board page and the summary with its exports.

Who may open what is also checked for every URL and role in
tests/test_tenant_isolation.py; here each page's behaviour is tested.
"""

import csv
import datetime
import io
import json
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from board import services
from board.models import (
    COMMITMENT_MAX_LENGTH,
    REFLECTION_MAX_LENGTH,
    AgendaTemplate,
    CohortSession,
    Phase,
    PhaseKind,
    Reaction,
)
from board.rules import access_session
from board.services.common import MAX_TIMER_SECONDS
from cohorts.models import Membership
from tests import factories
from tests.board_helpers import end, ended_session, live_session, post, scheduled_session

MARKUP = '<script>alert("x")</script><b>bold</b>'


def _form_datetime(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _phases(session):
    return list(
        Phase.objects.filter(session=session).order_by("position").values_list("title", flat=True)
    )


@pytest.fixture
def session(cohort, facilitator):
    """Tomorrow's session of the cohort, with the default agenda."""
    return scheduled_session(cohort, facilitator)


# The sessions list and the cohort page's panel ----------------------------------


def test_facilitator_sees_sessions_and_can_schedule(client, cohort, facilitator, session):
    client.force_login(facilitator)
    response = client.get(reverse("board:sessions", args=[cohort.pk]))
    assert response.status_code == 200
    assert session.title in response.content.decode()
    assert reverse("board:schedule", args=[cohort.pk]) in response.content.decode()


def test_participant_sees_sessions_without_scheduling(client, cohort, participant, session):
    client.force_login(participant)
    response = client.get(reverse("board:sessions", args=[cohort.pk]))
    assert session.title in response.content.decode()
    assert reverse("board:schedule", args=[cohort.pk]) not in response.content.decode()


def test_sessions_list_splits_upcoming_and_past(client, cohort, facilitator, participant):
    past = ended_session(cohort, facilitator, title="Session 1: Arrival")
    upcoming = scheduled_session(cohort, facilitator, title="Session 2: Next")
    client.force_login(participant)
    response = client.get(reverse("board:sessions", args=[cohort.pk]))
    assert [s.pk for s in response.context["upcoming"]] == [upcoming.pk]
    assert [s.pk for s in response.context["past"]] == [past.pk]
    assert reverse("board:summary", args=[past.pk]) in response.content.decode()


def test_cohort_page_lists_sessions_for_members_only(
    client, cohort, facilitator, participant, leader, hr_admin
):
    live = live_session(cohort, facilitator, title="Session 3: Live now")
    board_url = reverse("board:board", args=[live.pk])
    schedule_url = reverse("board:schedule", args=[cohort.pk])
    for member in (facilitator, participant):
        client.force_login(member)
        page = client.get(reverse("cohorts:detail", args=[cohort.pk])).content.decode()
        assert "Session 3: Live now" in page
        assert board_url in page
        assert (schedule_url in page) is (member == facilitator)
    for other in (leader, hr_admin):
        client.force_login(other)
        page = client.get(reverse("cohorts:detail", args=[cohort.pk])).content.decode()
        assert "Session 3: Live now" not in page
        assert board_url not in page


@pytest.mark.parametrize("role", ["leader", "hr_admin", "outsider", "globex_user"])
def test_people_outside_the_room_get_404_on_session_pages(client, request, cohort, session, role):
    client.force_login(request.getfixturevalue(role))
    for url in (
        reverse("board:sessions", args=[cohort.pk]),
        reverse("board:detail", args=[session.pk]),
        reverse("board:board", args=[session.pk]),
    ):
        assert client.get(url).status_code == 404, url


# Scheduling -----------------------------------------------------------------------


def test_facilitator_schedules_a_session_with_the_default_agenda(client, cohort, facilitator):
    client.force_login(facilitator)
    starts_at = timezone.now() + datetime.timedelta(days=7)
    response = client.post(
        reverse("board:schedule", args=[cohort.pk]),
        {
            "title": "Session 5: Feedback",
            "starts_at": _form_datetime(starts_at),
            "duration_minutes": 90,
        },
    )
    session = CohortSession.objects.get(cohort=cohort)
    assert response.status_code == 302
    assert response["Location"] == reverse("board:agenda", args=[session.pk])
    assert session.title == "Session 5: Feedback"
    assert session.status == CohortSession.Status.SCHEDULED
    assert _phases(session) == [
        "Check-in round",
        "Reflection",
        "Discussion",
        "Commitments",
        "Close",
    ]


def test_a_session_outside_the_program_window_is_refused(client, cohort, facilitator):
    client.force_login(facilitator)
    starts_at = timezone.now() + datetime.timedelta(days=400)
    response = client.post(
        reverse("board:schedule", args=[cohort.pk]),
        {"title": "Too late", "starts_at": _form_datetime(starts_at), "duration_minutes": 90},
    )
    assert response.status_code == 200
    assert "within the program" in response.content.decode()
    assert not CohortSession.objects.exists()


def test_schedule_form_shows_field_errors(client, cohort, facilitator):
    client.force_login(facilitator)
    response = client.post(
        reverse("board:schedule", args=[cohort.pk]),
        {"title": "  ", "starts_at": "", "duration_minutes": 5},
    )
    form = response.context["form"]
    assert set(form.errors) == {"title", "starts_at", "duration_minutes"}
    assert not CohortSession.objects.exists()


def test_participant_cannot_schedule(client, cohort, participant):
    client.force_login(participant)
    response = client.post(
        reverse("board:schedule", args=[cohort.pk]),
        {"title": "Mine", "starts_at": _form_datetime(timezone.now()), "duration_minutes": 60},
    )
    assert response.status_code == 404
    assert not CohortSession.objects.exists()


def test_schedule_from_a_saved_template(client, cohort, facilitator, session):
    services.save_agenda_template(
        access=access_session(facilitator, session.pk), name="Short format"
    )
    template = AgendaTemplate.objects.get()
    client.force_login(facilitator)
    client.post(
        reverse("board:schedule", args=[cohort.pk]),
        {
            "title": "From template",
            "starts_at": _form_datetime(timezone.now()),
            "duration_minutes": 60,
            "agenda": template.pk,
        },
    )
    created = CohortSession.objects.get(title="From template")
    assert _phases(created) == _phases(session)


def test_facilitator_edits_session_details(client, facilitator, session):
    client.force_login(facilitator)
    starts_at = timezone.now() + datetime.timedelta(days=3)
    response = client.post(
        reverse("board:edit", args=[session.pk]),
        {"title": "Renamed", "starts_at": _form_datetime(starts_at), "duration_minutes": 120},
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.title, session.duration_minutes) == ("Renamed", 120)


# Session page, start and end ---------------------------------------------------------


def test_session_page_shows_the_agenda_and_facilitator_actions(
    client, facilitator, participant, session
):
    client.force_login(facilitator)
    page = client.get(reverse("board:detail", args=[session.pk])).content.decode()
    assert "Check-in round" in page and "In one sentence" in page
    assert reverse("board:start", args=[session.pk]) in page
    assert reverse("board:agenda", args=[session.pk]) in page
    client.force_login(participant)
    page = client.get(reverse("board:detail", args=[session.pk])).content.decode()
    assert "Check-in round" in page
    assert reverse("board:start", args=[session.pk]) not in page
    assert reverse("board:agenda", args=[session.pk]) not in page
    assert reverse("board:board", args=[session.pk]) in page


def test_facilitator_starts_and_ends_a_session(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(reverse("board:start", args=[session.pk]))
    assert response["Location"] == reverse("board:board", args=[session.pk])
    session.refresh_from_db()
    assert session.status == CohortSession.Status.LIVE
    assert session.current_phase.position == 1
    response = client.post(reverse("board:end", args=[session.pk]))
    assert response["Location"] == reverse("board:summary", args=[session.pk])
    session.refresh_from_db()
    assert session.status == CohortSession.Status.ENDED


def test_starting_twice_shows_a_message_and_changes_nothing(client, cohort, facilitator):
    live = live_session(cohort, facilitator)
    client.force_login(facilitator)
    response = client.post(reverse("board:start", args=[live.pk]), follow=True)
    assert "already started" in response.content.decode()
    assert CohortSession.objects.get(pk=live.pk).current_phase_id == live.current_phase_id


def test_participant_cannot_start_or_end(client, cohort, facilitator, participant, session):
    live = live_session(cohort, facilitator, title="Live")
    client.force_login(participant)
    assert client.post(reverse("board:start", args=[session.pk])).status_code == 404
    assert client.post(reverse("board:end", args=[live.pk])).status_code == 404
    assert CohortSession.objects.get(pk=session.pk).status == CohortSession.Status.SCHEDULED
    assert CohortSession.objects.get(pk=live.pk).status == CohortSession.Status.LIVE


def test_get_does_not_start_a_session(client, facilitator, session):
    client.force_login(facilitator)
    assert client.get(reverse("board:start", args=[session.pk])).status_code == 405
    assert CohortSession.objects.get(pk=session.pk).status == CohortSession.Status.SCHEDULED


# The agenda ------------------------------------------------------------------------------


def test_agenda_page_lists_phases_with_labelled_controls(client, facilitator, session):
    client.force_login(facilitator)
    page = client.get(reverse("board:agenda", args=[session.pk])).content.decode()
    for title in ("Check-in round", "Reflection", "Discussion", "Commitments", "Close"):
        assert title in page
    assert 'Move up<span class="visually-hidden"> Reflection</span>' in page
    assert 'Move down<span class="visually-hidden"> Reflection</span>' in page
    assert 'for="id_title"' in page


def test_facilitator_adds_a_phase_at_the_end(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(
        reverse("board:phase_add", args=[session.pk]),
        {
            "kind": "reflection",
            "title": "Second prompt",
            "prompt": "What surprised you?",
            "timebox_minutes": 12,
            "anonymous": "on",
        },
    )
    assert response.status_code == 302
    phase = Phase.objects.get(session=session, title="Second prompt")
    assert (phase.position, phase.anonymous, phase.timebox_minutes) == (6, True, 12)
    assert response["Location"].endswith(f"#phase-{phase.pk}")


def test_an_invalid_phase_is_refused_and_nothing_is_added(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(
        reverse("board:phase_add", args=[session.pk]),
        {"kind": "party", "title": "", "timebox_minutes": 0},
    )
    assert response.status_code == 400
    assert set(response.context["phase_form"].errors) == {"kind", "title", "timebox_minutes"}
    assert len(_phases(session)) == 5


def test_facilitator_rewords_a_phase(client, facilitator, session):
    phase = session.phases.get(position=2)
    client.force_login(facilitator)
    url = reverse("board:phase_edit", args=[session.pk, phase.pk])
    assert client.get(url).context["form"].initial["title"] == "Reflection"
    response = client.post(
        url,
        {
            "kind": "reflection",
            "title": "What ambiguity asked of you",
            "prompt": "Name one moment.",
            "timebox_minutes": 20,
        },
    )
    assert response.status_code == 302
    phase.refresh_from_db()
    assert (phase.title, phase.prompt, phase.timebox_minutes) == (
        "What ambiguity asked of you",
        "Name one moment.",
        20,
    )


def test_phase_of_another_session_is_404(client, cohort, facilitator, session):
    other = scheduled_session(cohort, facilitator, title="Other")
    foreign = other.phases.first()
    client.force_login(facilitator)
    assert (
        client.get(reverse("board:phase_edit", args=[session.pk, foreign.pk])).status_code == 404
    )
    response = client.post(reverse("board:phase_remove", args=[session.pk, foreign.pk]))
    assert response.status_code == 404
    assert len(_phases(other)) == 5


def test_facilitator_reorders_with_up_and_down(client, facilitator, session):
    client.force_login(facilitator)
    discussion = session.phases.get(title="Discussion")
    client.post(reverse("board:phase_move", args=[session.pk, discussion.pk]), {"direction": "up"})
    assert _phases(session)[:3] == ["Check-in round", "Discussion", "Reflection"]
    client.post(
        reverse("board:phase_move", args=[session.pk, discussion.pk]), {"direction": "down"}
    )
    client.post(
        reverse("board:phase_move", args=[session.pk, discussion.pk]), {"direction": "down"}
    )
    assert _phases(session) == [
        "Check-in round",
        "Reflection",
        "Commitments",
        "Discussion",
        "Close",
    ]


def test_a_move_without_direction_is_refused(client, facilitator, session):
    client.force_login(facilitator)
    phase = session.phases.get(position=2)
    response = client.post(
        reverse("board:phase_move", args=[session.pk, phase.pk]), {"direction": "sideways"}
    )
    assert response.status_code == 400
    assert _phases(session)[1] == "Reflection"


def test_facilitator_removes_a_phase(client, facilitator, session):
    client.force_login(facilitator)
    phase = session.phases.get(title="Discussion")
    response = client.post(reverse("board:phase_remove", args=[session.pk, phase.pk]), follow=True)
    assert "Discussion” removed" in response.content.decode()
    assert _phases(session) == ["Check-in round", "Reflection", "Commitments", "Close"]
    assert list(session.phases.order_by("position").values_list("position", flat=True)) == [
        1,
        2,
        3,
        4,
    ]


def test_the_current_phase_cannot_be_removed(client, cohort, facilitator):
    live = live_session(cohort, facilitator)
    client.force_login(facilitator)
    response = client.post(
        reverse("board:phase_remove", args=[live.pk, live.current_phase_id]), follow=True
    )
    assert "Move to another phase" in response.content.decode()
    assert len(_phases(live)) == 5


def test_agenda_is_editable_during_the_session(client, cohort, facilitator):
    live = live_session(cohort, facilitator)
    client.force_login(facilitator)
    page = client.get(reverse("board:agenda", args=[live.pk])).content.decode()
    assert "The session is live" in page
    client.post(
        reverse("board:phase_add", args=[live.pk]),
        {"kind": "discussion", "title": "Extra round", "timebox_minutes": 5},
    )
    assert _phases(live)[-1] == "Extra round"


def test_an_ended_session_agenda_is_not_editable(client, cohort, facilitator):
    ended = ended_session(cohort, facilitator)
    client.force_login(facilitator)
    response = client.get(reverse("board:agenda", args=[ended.pk]))
    assert response["Location"] == reverse("board:detail", args=[ended.pk])
    client.post(
        reverse("board:phase_add", args=[ended.pk]),
        {"kind": "discussion", "title": "Late", "timebox_minutes": 5},
    )
    assert "Late" not in _phases(ended)


def test_participant_cannot_edit_the_agenda(client, participant, session):
    client.force_login(participant)
    phase = session.phases.get(position=2)
    assert client.get(reverse("board:agenda", args=[session.pk])).status_code == 404
    response = client.post(
        reverse("board:phase_add", args=[session.pk]),
        {"kind": "discussion", "title": "Sneaky", "timebox_minutes": 5},
    )
    assert response.status_code == 404
    response = client.post(
        reverse("board:phase_move", args=[session.pk, phase.pk]), {"direction": "up"}
    )
    assert response.status_code == 404
    assert _phases(session) == [
        "Check-in round",
        "Reflection",
        "Discussion",
        "Commitments",
        "Close",
    ]


def test_phase_titles_with_markup_are_escaped(client, facilitator, session):
    client.force_login(facilitator)
    client.post(
        reverse("board:phase_add", args=[session.pk]),
        {"kind": "discussion", "title": MARKUP, "timebox_minutes": 5},
    )
    page = client.get(reverse("board:agenda", args=[session.pk])).content.decode()
    assert MARKUP not in page
    assert "&lt;script&gt;" in page


# Agenda templates ------------------------------------------------------------------------


def test_save_an_agenda_as_a_template_and_apply_it_in_another_cohort(
    client, acme, cohort, facilitator, session
):
    """A template is the facilitator's, reusable across their cohorts of the org."""
    client.force_login(facilitator)
    phase = session.phases.get(title="Discussion")
    client.post(reverse("board:phase_remove", args=[session.pk, phase.pk]))
    response = client.post(
        reverse("board:template_save", args=[session.pk]), {"name": "Tight agenda"}
    )
    assert response.status_code == 302
    template = AgendaTemplate.objects.get(owner=facilitator)
    assert [p["title"] for p in template.phases] == [
        "Check-in round",
        "Reflection",
        "Commitments",
        "Close",
    ]

    second_cohort = factories.CohortFactory(organization=acme, name="Second cohort")
    factories.MembershipFactory(
        cohort=second_cohort, user=facilitator, role=Membership.Role.FACILITATOR
    )
    other = scheduled_session(second_cohort, facilitator, title="Elsewhere")
    page = client.get(reverse("board:agenda", args=[other.pk])).content.decode()
    assert "Tight agenda" in page
    response = client.post(
        reverse("board:template_apply", args=[other.pk]), {"template": template.pk}
    )
    assert response.status_code == 302
    assert _phases(other) == ["Check-in round", "Reflection", "Commitments", "Close"]


def test_another_facilitators_template_cannot_be_applied(
    client, acme, cohort, facilitator, session
):
    coach_two = factories.UserFactory(email="coach2@acme.test")
    factories.MembershipFactory(cohort=cohort, user=coach_two, role=Membership.Role.FACILITATOR)
    theirs = AgendaTemplate.objects.create(
        owner=coach_two,
        organization=acme,
        name="Theirs",
        phases=[
            {
                "kind": "close",
                "title": "Only close",
                "prompt": "",
                "timebox_minutes": 5,
                "anonymous": False,
            }
        ],
    )
    client.force_login(facilitator)
    assert "Theirs" not in client.get(reverse("board:agenda", args=[session.pk])).content.decode()
    response = client.post(
        reverse("board:template_apply", args=[session.pk]), {"template": theirs.pk}
    )
    assert response.status_code == 400
    assert len(_phases(session)) == 5


def test_a_template_cannot_replace_a_live_agenda(client, cohort, facilitator):
    live = live_session(cohort, facilitator)
    services.save_agenda_template(access=access_session(facilitator, live.pk), name="Copy")
    template = AgendaTemplate.objects.get()
    client.force_login(facilitator)
    page = client.get(reverse("board:agenda", args=[live.pk])).content.decode()
    assert "only before the session starts" in page
    before = list(live.phases.values_list("pk", flat=True))
    response = client.post(
        reverse("board:template_apply", args=[live.pk]), {"template": template.pk}
    )
    assert response.status_code == 400
    assert "only before the start" in response.content.decode()
    assert list(live.phases.values_list("pk", flat=True)) == before


def test_a_template_needs_a_name(client, facilitator, session):
    client.force_login(facilitator)
    response = client.post(reverse("board:template_save", args=[session.pk]), {"name": " "})
    assert response.status_code == 400
    assert "name" in response.context["save_form"].errors
    assert not AgendaTemplate.objects.exists()


# The board page ---------------------------------------------------------------------------


def _board_config(response):
    page = response.content.decode()
    start = page.index('<script id="board-config" type="application/json">')
    start = page.index(">", start) + 1
    return json.loads(page[start : page.index("</script>", start)])


@pytest.mark.parametrize("role", ["facilitator", "participant"])
def test_board_page_loads_the_module_with_session_and_rights(
    client, request, cohort, facilitator, role
):
    live = live_session(cohort, facilitator)
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.get(reverse("board:board", args=[live.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<script type="module" src="/static/js/board.js">' in page
    config = _board_config(response)
    runs = role == "facilitator"
    assert {key: config[key] for key in ("session", "user", "ws_path", "summary_url")} == {
        "session": live.pk,
        "user": user.pk,
        "ws_path": f"/ws/sessions/{live.pk}/",
        "summary_url": reverse("board:summary", args=[live.pk]),
    }
    assert config["can"] == {
        "run": runs,
        "post_while_locked": runs,
        "see_hidden": runs,
        "see_all_commitments": runs,
    }
    assert '<label for="board-reflection-text">Reflection</label>' in page
    assert ">Post</button>" in page
    assert 'aria-live="polite"' in page and 'role="alert"' in page
    assert ("Facilitator controls" in page) is (role == "facilitator")
    # Participants are asked for commitments; facilitators are not.
    assert ('id="board-commitment-form"' in page) is (role == "participant")


def test_board_page_escapes_a_session_title(client, cohort, facilitator):
    live = live_session(cohort, facilitator, title=MARKUP)
    client.force_login(facilitator)
    page = client.get(reverse("board:board", args=[live.pk])).content.decode()
    assert MARKUP not in page
    assert "&lt;script&gt;" in page


def test_board_limits_and_reactions_come_from_the_models(client, cohort, facilitator):
    live = live_session(cohort, facilitator)
    client.force_login(facilitator)
    response = client.get(reverse("board:board", args=[live.pk]))
    config = _board_config(response)
    assert config["limits"] == {
        "reflection": REFLECTION_MAX_LENGTH,
        "commitment": COMMITMENT_MAX_LENGTH,
        "timer_minutes": MAX_TIMER_SECONDS // 60,
    }
    assert [(r["emoji"], r["label"]) for r in config["reactions"]] == list(Reaction.Emoji.choices)
    assert all(r["glyph"] for r in config["reactions"])
    assert config["phase_kinds"] == dict(PhaseKind.choices)
    page = response.content.decode()
    assert (
        f'id="board-reflection-text" name="text" rows="3" maxlength="{REFLECTION_MAX_LENGTH}"'
        in page
    )


def test_board_assets_are_served(client):
    for path in ("js/board.js", "js/lib/connection.js", "js/board/view.js", "css/board.css"):
        response = client.get(f"/static/{path}")
        assert response.status_code == 200, path


# The summary and its exports ------------------------------------------------------------


@pytest.fixture
def ran_session(cohort, facilitator, participant, other_participant):
    """A session that ran: named and anonymous reflections, a hidden one, a
    spotlight, reactions, commitments and attendance; then ended."""
    session = scheduled_session(cohort, facilitator, title="Session 3: Leading through ambiguity")
    anonymous = session.phases.get(position=3)
    anonymous.anonymous = True
    anonymous.save()
    fac = access_session(facilitator, session.pk)
    services.start_session(access=fac)
    services.join_board(access=access_session(participant, session.pk), channel_name="test.p1")
    services.join_board(access=fac, channel_name="test.f1")
    services.goto_phase(access=fac, phase_id=session.phases.get(position=2).pk)
    named = post(session, participant, MARKUP)
    post(session, other_participant, "=SUM(A1:A2) looks like a formula")
    hidden = post(session, other_participant, "Something to hide")
    services.add_reaction(
        access=access_session(other_participant, session.pk), reflection_id=named.pk, emoji="heart"
    )
    services.set_spotlight(access=fac, reflection_id=named.pk)
    services.hide_reflection(access=fac, reflection_id=hidden.pk, hidden=True)
    services.goto_phase(access=fac, phase_id=anonymous.pk)
    post(session, other_participant, "Said without a name")
    services.goto_phase(access=fac, phase_id=session.phases.get(position=4).pk)
    for user, text in ((participant, "Ask my team first"), (other_participant, "Block Fridays")):
        services.add_commitment(
            access=access_session(user, session.pk), text=text, client_id=uuid.uuid4()
        )
    return end(session, facilitator)


def test_summary_for_the_facilitator(client, facilitator, ran_session):
    client.force_login(facilitator)
    response = client.get(reverse("board:summary", args=[ran_session.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert MARKUP not in page and "&lt;script&gt;alert" in page
    assert "Something to hide" in page and ">Hidden<" in page
    assert "Said without a name" in page
    assert "Spotlighted" in page
    assert "Ask my team first" in page and "Block Fridays" in page
    assert "2 of 3 members attended." in page
    assert "Pat One" in page
    assert "Your commitments" not in page
    assert reverse("board:summary_md", args=[ran_session.pk]) in page
    assert reverse("board:summary_csv", args=[ran_session.pk]) in page


def test_summary_for_a_participant_hides_what_is_not_theirs(client, participant, ran_session):
    client.force_login(participant)
    page = client.get(reverse("board:summary", args=[ran_session.pk])).content.decode()
    assert "Your commitments" in page
    assert "Something to hide" not in page
    assert "Ask my team first" in page
    assert "Block Fridays" not in page
    assert "You attended this session." in page
    assert "members attended" not in page


def test_anonymous_reflections_never_name_their_author(client, facilitator, ran_session):
    client.force_login(facilitator)
    response = client.get(reverse("board:summary", args=[ran_session.pk]))
    anonymous_phase = response.context["phases"][2]
    assert [e["author"] for e in anonymous_phase["reflections"]] == [None]
    page = response.content.decode()
    section = page[
        page.index("3. Discussion") : page.index("4. Commitments", page.index("3. Discussion"))
    ]
    assert "Anonymous" in section
    assert "Robin Two" not in section


def test_summary_before_the_end_sends_to_the_session_page(client, cohort, facilitator):
    live = live_session(cohort, facilitator)
    client.force_login(facilitator)
    response = client.get(reverse("board:summary", args=[live.pk]))
    assert response["Location"] == reverse("board:detail", args=[live.pk])
    assert client.get(reverse("board:summary_csv", args=[live.pk])).status_code == 404
    assert client.get(reverse("board:summary_md", args=[live.pk])).status_code == 404


def test_markdown_export(client, facilitator, participant, ran_session):
    client.force_login(facilitator)
    response = client.get(reverse("board:summary_md", args=[ran_session.pk]))
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="session-{ran_session.pk}-summary.md"'
    )
    text = response.content.decode()
    assert text.startswith("# Session 3: Leading through ambiguity")
    assert "Something to hide" in text and "Block Fridays" in text
    client.force_login(participant)
    text = client.get(reverse("board:summary_md", args=[ran_session.pk])).content.decode()
    assert "Something to hide" not in text and "Block Fridays" not in text
    assert "Ask my team first" in text


def test_csv_export(client, facilitator, participant, ran_session):
    client.force_login(facilitator)
    response = client.get(reverse("board:summary_csv", args=[ran_session.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="session-{ran_session.pk}-summary.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    reflections = [r for r in rows if r["record"] == "reflection"]
    assert {r["text"] for r in reflections} == {
        MARKUP,
        "'=SUM(A1:A2) looks like a formula",
        "Something to hide",
        "Said without a name",
    }
    named = next(r for r in reflections if r["text"] == MARKUP)
    assert (named["author"], named["heart"], named["spotlighted"]) == ("Pat One", "1", "yes")
    anonymous = next(r for r in reflections if r["text"] == "Said without a name")
    assert anonymous["author"] == ""
    assert {r["text"] for r in rows if r["record"] == "commitment"} == {
        "Ask my team first",
        "Block Fridays",
    }
    assert len([r for r in rows if r["record"] == "attendance"]) == 2

    client.force_login(participant)
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(reverse("board:summary_csv", args=[ran_session.pk])).content.decode()
            )
        )
    )
    assert "Something to hide" not in {r["text"] for r in rows}
    assert [r["text"] for r in rows if r["record"] == "commitment"] == ["Ask my team first"]
    assert [r["author"] for r in rows if r["record"] == "attendance"] == ["Pat One"]


@pytest.mark.parametrize("role", ["leader", "hr_admin", "outsider", "globex_user"])
def test_outsiders_get_404_on_summary_and_exports(client, request, ran_session, role):
    client.force_login(request.getfixturevalue(role))
    for name in ("board:summary", "board:summary_md", "board:summary_csv"):
        assert client.get(reverse(name, args=[ran_session.pk])).status_code == 404, name
