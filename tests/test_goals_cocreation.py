"""Goals: co-creation, agreement, history, milestones, progress and commitments."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from goals import services
from goals.models import Goal, GoalNote, GoalRevision, Milestone, ProgressUpdate
from lib.errors import DomainError
from tests.goals_support import access, membership, personal_goal, shared_goal

pytestmark = pytest.mark.django_db


def draft(cohort, participant, **extra):
    return services.draft_personal_goal(
        access=access(participant, cohort),
        owner=membership(participant, cohort),
        title="Delegate the weekly report",
        why="Frees a day a week for strategy.",
        success_measure="Report sent by Anna for 6 weeks running",
        target_date=cohort.starts_on + datetime.timedelta(days=90),
        **extra,
    )


def test_both_sides_agree_and_the_goal_shows_who_and_when(cohort, participant, facilitator):
    goal = draft(cohort, participant)
    assert goal.status == Goal.Status.DRAFT

    goal = services.agree_goal(access=access(participant, cohort), goal=goal)
    assert goal.status == Goal.Status.DRAFT
    assert goal.participant_agreed_at is not None

    goal = services.agree_goal(access=access(facilitator, cohort), goal=goal)
    assert goal.status == Goal.Status.AGREED
    assert goal.facilitator_agreed_by == facilitator
    assert goal.agreed_at is not None

    page = _client(participant).get(goal.get_absolute_url())
    assert "Agreed on" in page.content.decode()
    assert "Casey Coach" in page.content.decode()


def test_a_facilitator_proposal_starts_private_whatever_is_asked(cohort, participant, facilitator):
    goal = services.draft_personal_goal(
        access=access(facilitator, cohort),
        owner=membership(participant, cohort),
        title="Hold a skip-level meeting monthly",
        visibility=Goal.Visibility.COHORT,
    )
    assert goal.visibility == Goal.Visibility.PRIVATE
    assert goal.created_by == facilitator


def test_editing_a_draft_asks_both_sides_to_agree_again(cohort, participant, facilitator):
    goal = draft(cohort, participant)
    goal = services.agree_goal(access=access(participant, cohort), goal=goal)
    goal = services.edit_goal(
        access=access(facilitator, cohort),
        goal=goal,
        title="Delegate the weekly report and the budget",
        why=goal.why,
        success_measure=goal.success_measure,
        target_date=goal.target_date,
    )
    assert goal.participant_agreed_at is None
    assert goal.status == Goal.Status.DRAFT
    assert not GoalRevision.objects.exists()


def test_changes_after_agreement_are_kept_as_history(cohort, participant, facilitator):
    goal = draft(cohort, participant)
    services.agree_goal(access=access(participant, cohort), goal=goal)
    goal = services.agree_goal(access=access(facilitator, cohort), goal=goal)

    services.edit_goal(
        access=access(participant, cohort),
        goal=goal,
        title="Delegate the weekly report to Anna",
        why=goal.why,
        success_measure=goal.success_measure,
        target_date=goal.target_date,
    )
    services.set_goal_status(
        access=access(facilitator, cohort), goal=goal, status=Goal.Status.AT_RISK
    )
    revisions = list(GoalRevision.objects.filter(goal=goal).order_by("changed_at", "pk"))
    assert revisions[0].changes == {
        "title": ["Delegate the weekly report", "Delegate the weekly report to Anna"]
    }
    assert revisions[0].changed_by == participant
    assert revisions[1].changes == {"status": ["agreed", "at_risk"]}
    goal.refresh_from_db()
    assert goal.status == Goal.Status.AT_RISK  # agreement is not undone by a change

    page = _client(facilitator).get(goal.get_absolute_url()).content.decode()
    assert "History since agreement" in page
    assert "At risk" in page


def test_a_status_cannot_be_set_on_a_draft(cohort, participant):
    goal = draft(cohort, participant)
    with pytest.raises(DomainError) as error:
        services.set_goal_status(
            access=access(participant, cohort), goal=goal, status=Goal.Status.ON_TRACK
        )
    assert error.value.code == "invalid"
    goal.refresh_from_db()
    assert goal.status == Goal.Status.DRAFT


def test_a_target_date_outside_the_program_is_refused(cohort, participant):
    with pytest.raises(DomainError) as error:
        services.draft_personal_goal(
            access=access(participant, cohort),
            owner=membership(participant, cohort),
            title="Too late",
            target_date=cohort.ends_on + datetime.timedelta(days=1),
        )
    assert "inside the program" in error.value.message
    assert not Goal.objects.exists()


def test_a_participant_cannot_draft_for_a_peer_nor_write_a_shared_goal(
    cohort, participant, other_participant
):
    with pytest.raises(DomainError):
        services.draft_personal_goal(
            access=access(participant, cohort),
            owner=membership(other_participant, cohort),
            title="Not mine to set",
        )
    with pytest.raises(DomainError):
        services.create_shared_goal(access=access(participant, cohort), title="Ours")
    assert not Goal.objects.exists()


def test_only_the_author_chooses_who_sees_the_goal(cohort, participant, facilitator):
    goal = draft(cohort, participant)
    with pytest.raises(DomainError):
        services.set_goal_visibility(
            access=access(facilitator, cohort), goal=goal, visibility=Goal.Visibility.COHORT
        )
    goal.refresh_from_db()
    assert goal.visibility == Goal.Visibility.PRIVATE
    services.set_goal_visibility(
        access=access(participant, cohort), goal=goal, visibility=Goal.Visibility.LEADER
    )
    goal.refresh_from_db()
    assert goal.visibility == Goal.Visibility.LEADER


def test_progress_needs_an_agreed_goal_and_a_figure_from_0_to_100(cohort, participant):
    goal = draft(cohort, participant)
    with pytest.raises(DomainError):
        services.post_progress(access=access(participant, cohort), goal=goal, value=10)
    goal.status = Goal.Status.ON_TRACK
    goal.save()
    with pytest.raises(DomainError):
        services.post_progress(access=access(participant, cohort), goal=goal, value=101)
    with pytest.raises(DomainError):
        services.post_progress(access=access(participant, cohort), goal=goal)
    with pytest.raises(DomainError):
        services.post_progress(
            access=access(participant, cohort),
            goal=goal,
            value=5,
            on=timezone.localdate() + datetime.timedelta(days=3),
        )
    assert not ProgressUpdate.objects.exists()
    update = services.post_progress(
        access=access(participant, cohort), goal=goal, value=40, note="Two reports delegated"
    )
    assert update.value == 40 and update.author == participant


def test_any_member_posts_progress_on_a_shared_goal_but_only_the_author_on_a_personal_one(
    cohort, participant, other_participant, facilitator
):
    shared = shared_goal(cohort)
    services.post_progress(access=access(other_participant, cohort), goal=shared, value=20)
    mine = personal_goal(cohort, participant, visibility=Goal.Visibility.COHORT)
    with pytest.raises(DomainError):
        services.post_progress(access=access(other_participant, cohort), goal=mine, value=20)
    services.post_progress(access=access(facilitator, cohort), goal=mine, note="Seen in session")
    assert list(mine.updates.values_list("note", flat=True)) == ["Seen in session"]


def test_milestones_are_ordered_ticked_moved_and_removed(cohort, participant):
    goal = personal_goal(cohort, participant)
    who = access(participant, cohort)
    first = services.add_milestone(access=who, goal=goal, title="List tasks")
    second = services.add_milestone(access=who, goal=goal, title="Brief Anna")
    third = services.add_milestone(access=who, goal=goal, title="Hand over")
    assert [m.position for m in (first, second, third)] == [1, 2, 3]

    services.move_milestone(access=who, milestone=third, up=True)
    assert list(goal.milestones.values_list("title", flat=True)) == [
        "List tasks",
        "Hand over",
        "Brief Anna",
    ]
    services.set_milestone_done(access=who, milestone=first, done=True)
    first.refresh_from_db()
    assert first.done and first.done_at is not None
    assert goal.updates.get().milestone == first  # the tick is in the goal's history

    services.delete_milestone(access=who, milestone=second)
    assert Milestone.objects.filter(goal=goal).count() == 2


def test_notes_comment_encouragement_and_alignment(cohort, participant, facilitator, leader):
    goal = personal_goal(cohort, participant, visibility=Goal.Visibility.LEADER)
    services.add_goal_note(
        access=access(facilitator, cohort), goal=goal, kind="comment", body="Narrow it?"
    )
    services.add_goal_note(
        access=access(leader, cohort), goal=goal, kind="encouragement", body="Proud of you"
    )
    services.add_goal_note(
        access=access(leader, cohort), goal=goal, kind="alignment", body="We agree on Q3"
    )
    with pytest.raises(DomainError):  # the leader is not part of co-creation
        services.add_goal_note(access=access(leader, cohort), goal=goal, kind="comment", body="x")
    with pytest.raises(DomainError):  # encouragement is the leader's
        services.add_goal_note(
            access=access(facilitator, cohort), goal=goal, kind="encouragement", body="x"
        )
    assert GoalNote.objects.filter(goal=goal).count() == 3


def test_alignment_needs_a_goal_shared_with_a_linked_leader(
    cohort, other_participant, facilitator
):
    goal = personal_goal(cohort, other_participant, visibility=Goal.Visibility.LEADER)
    with pytest.raises(DomainError):  # other_participant has no leader linked
        services.add_goal_note(
            access=access(facilitator, cohort), goal=goal, kind="alignment", body="x"
        )
    assert not GoalNote.objects.exists()


def test_a_commitment_from_a_session_is_tied_to_a_goal_and_shows_on_it(
    cohort, participant, facilitator
):
    from board.models import CohortSession, Commitment

    session = CohortSession.objects.create(
        cohort=cohort, title="Session 3", starts_at=timezone.now()
    )
    commitment = Commitment.objects.create(
        session=session,
        author=membership(participant, cohort),
        text="Ask Anna to draft the report",
        client_id=uuid.uuid4(),
    )
    goal = personal_goal(cohort, participant)
    with pytest.raises(DomainError):  # not the facilitator's commitment to tie
        services.tie_commitment(
            access=access(facilitator, cohort), goal=goal, commitment_id=commitment.pk
        )
    services.tie_commitment(
        access=access(participant, cohort), goal=goal, commitment_id=commitment.pk
    )
    assert list(goal.commitments.all()) == [commitment]
    page = _client(facilitator).get(goal.get_absolute_url()).content.decode()
    assert "Ask Anna to draft the report" in page


def test_the_untie_button_shows_only_to_whom_may_untie(cohort, participant, facilitator):
    """On a shared goal a participant unties their own commitments; a
    facilitator ties none, so no untie button shows them, not even next to
    a commitment of their own."""
    from board.models import CohortSession, Commitment

    session = CohortSession.objects.create(
        cohort=cohort, title="Session 3", starts_at=timezone.now()
    )
    goal = shared_goal(cohort)
    for user, text in ((participant, "Ask for feedback weekly"), (facilitator, "Send notes")):
        goal.commitments.add(
            Commitment.objects.create(
                session=session,
                author=membership(user, cohort),
                text=text,
                client_id=uuid.uuid4(),
            )
        )
    untie = f'action="{reverse("goals:commitment", args=[cohort.pk, goal.pk])}"'
    assert untie not in _client(facilitator).get(goal.get_absolute_url()).content.decode()
    assert untie in _client(participant).get(goal.get_absolute_url()).content.decode()


def test_pages_create_agree_and_chart_a_goal(cohort, participant, facilitator):
    client = _client(participant)
    response = client.post(
        reverse("goals:new", args=[cohort.pk]),
        {
            "title": "Run shorter meetings",
            "why": "",
            "success_measure": "25 minutes",
            "target_date": "",
            "visibility": "cohort",
        },
    )
    goal = Goal.objects.get()
    assert response.status_code == 302 and response.url == goal.get_absolute_url()
    assert goal.visibility == Goal.Visibility.COHORT
    assert client.post(reverse("goals:agree", args=[cohort.pk, goal.pk])).status_code == 302
    coach = _client(facilitator)
    assert coach.post(reverse("goals:agree", args=[cohort.pk, goal.pk])).status_code == 302
    goal.refresh_from_db()
    assert goal.status == Goal.Status.AGREED

    for days, value in ((14, 10), (7, 35), (0, 60)):
        ProgressUpdate.objects.create(
            goal=goal, value=value, on=timezone.localdate() - datetime.timedelta(days=days)
        )
    page = client.get(goal.get_absolute_url()).content.decode()
    assert "<svg" in page and "<polyline" in page
    assert "Show the figures as a table" in page
    assert "https://" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_a_refused_form_keeps_what_was_typed(cohort, participant):
    client = _client(participant)
    response = client.post(
        reverse("goals:new", args=[cohort.pk]),
        {
            "title": "Keep this title",
            "target_date": (cohort.ends_on + datetime.timedelta(days=5)).isoformat(),
            "visibility": "private",
        },
    )
    assert response.status_code == 400
    assert "Keep this title" in response.content.decode()
    assert "inside the program" in response.content.decode()
    assert not Goal.objects.exists()


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client
