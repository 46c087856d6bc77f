"""The factories: one per model, and only states the services can produce."""

import pytest
from django.apps import apps

from board.models import CohortSession, PhaseKind
from cohorts.models import Membership, OrganizationMembership
from goals import periods
from goals import services as goal_services
from goals.models import Goal
from tests import factories
from tests.goals_support import access

pytestmark = pytest.mark.django_db

PROJECT_APPS = ["accounts", "cohorts", "realtime", "board", "goals", "notifications"]
MODELS = [model for label in PROJECT_APPS for model in apps.get_app_config(label).get_models()]


def factory_of(model):
    return getattr(factories, f"{model.__name__}Factory", None)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_model_has_a_factory_named_after_it(model):
    factory = factory_of(model)
    assert factory is not None, f"tests/factories has no {model.__name__}Factory"
    assert factory._meta.model is model


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_each_factorys_default_passes_the_models_own_validation(model):
    instance = factory_of(model)()
    instance.full_clean()  # fields, choices, unique and check constraints


@pytest.mark.parametrize("status", [s for s in Goal.Status.values if s != Goal.Status.DRAFT])
def test_a_goal_past_draft_was_agreed_by_both_sides(status):
    goal = factories.GoalFactory(status=status)
    assert goal.agreed_at and goal.participant_agreed_at and goal.facilitator_agreed_at
    agreed_by = Membership.objects.get(cohort=goal.cohort, user=goal.facilitator_agreed_by)
    assert agreed_by.is_facilitator


def test_a_draft_goal_is_agreed_by_nobody_yet_and_belongs_to_a_participant():
    goal = factories.GoalFactory()
    assert goal.status == Goal.Status.DRAFT
    assert (goal.agreed_at, goal.participant_agreed_at, goal.facilitator_agreed_at) == (
        None,
        None,
        None,
    )
    assert goal.owner.is_participant and goal.owner.cohort_id == goal.cohort_id


def test_a_shared_goal_is_the_cohorts_and_agreed_by_a_facilitator():
    goal = factories.GoalFactory(shared=True)
    assert goal.owner is None and goal.visibility == Goal.Visibility.COHORT
    assert goal.is_active and goal.facilitator_agreed_by is not None
    assert goal.participant_agreed_at is None


def test_the_services_take_a_factory_goal_on_track_as_agreed():
    goal = factories.GoalFactory(status=Goal.Status.ON_TRACK)
    update = goal_services.post_progress(
        access=access(goal.owner.user, goal.cohort), goal=goal, value=60
    )
    assert update.value == 60


def test_a_checkin_belongs_to_the_open_period_and_the_round_in_force():
    membership = factories.MembershipFactory()
    assert factories.CheckInFactory(author=membership).partner_round is None
    round = factories.PartnerRoundFactory(cohort=membership.cohort)
    other = factories.MembershipFactory(cohort=membership.cohort)
    checkin = factories.CheckInFactory(author=other)
    assert checkin.partner_round == round
    rhythm = periods.rhythm_for(checkin.cohort)
    assert checkin.period_start == periods.current_period(rhythm).start


def test_a_reflection_answers_the_current_phase_of_a_live_session():
    reflection = factories.ReflectionFactory()
    session = reflection.session
    assert session.status == CohortSession.Status.LIVE and session.started_at
    assert reflection.phase == session.current_phase
    assert reflection.author.cohort_id == session.cohort_id
    assert reflection.anonymous is reflection.phase.anonymous


def test_a_scheduled_session_stands_on_no_phase_and_an_ended_one_ended():
    scheduled = factories.CohortSessionFactory()
    assert scheduled.current_phase is None and scheduled.started_at is None
    assert scheduled.phases.count() > 0
    ended = factories.CohortSessionFactory(ended=True)
    assert ended.ended_at and ended.started_at and ended.current_phase is not None


def test_a_commitment_is_made_at_the_commitments_phase():
    commitment = factories.CommitmentFactory()
    assert commitment.session.current_phase.kind == PhaseKind.COMMITMENTS


def test_events_take_the_next_seq_of_their_stream():
    first = factories.BoardEventFactory()
    second = factories.BoardEventFactory(session=first.session)
    assert (first.seq, second.seq) == (1, 2)
    first.session.refresh_from_db()
    assert first.session.last_seq == 2
    cohort_event = factories.CohortEventFactory()
    cohort_event.rhythm.refresh_from_db()
    assert cohort_event.seq == cohort_event.rhythm.last_seq == 1


def test_a_note_about_a_participant_is_their_cohorts_and_organizations_by_hr():
    participant = factories.MembershipFactory()
    note = factories.BackgroundNoteFactory(participant=participant)
    assert note.cohort == participant.cohort
    assert note.organization == participant.cohort.organization
    assert OrganizationMembership.objects.get(
        organization=note.organization, user=note.author
    ).role == (OrganizationMembership.Role.HR_ADMIN)


def test_a_partner_slot_holds_a_participant_of_its_rounds_cohort():
    slot = factories.PartnerSlotFactory()
    assert slot.round == slot.group.round
    assert slot.membership.cohort_id == slot.round.cohort_id and slot.membership.is_participant


def test_an_accepted_invitation_was_accepted_by_the_invited_email():
    invitation = factories.InvitationFactory(accepted=True)
    assert invitation.accepted_at and invitation.accepted_by.email == invitation.email


def test_a_done_milestone_says_when():
    assert factories.MilestoneFactory(done=True).done_at is not None
    assert factories.MilestoneFactory().done_at is None
