"""Factories of goals, check-ins and accountability partners."""

import uuid

import factory
from django.utils import timezone

from goals import periods
from goals.models import (
    CheckIn,
    CheckInReply,
    CohortEvent,
    CohortRhythm,
    Goal,
    GoalNote,
    GoalRevision,
    Milestone,
    PartnerGroup,
    PartnerRound,
    PartnerSlot,
    ProgressUpdate,
)
from goals.rounds import current_round
from tests.factories.board import next_seq
from tests.factories.people import CohortFactory, MembershipFactory, facilitator_of, next_position


class CohortRhythmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CohortRhythm
        django_get_or_create = ("cohort",)

    cohort = factory.SubFactory(CohortFactory)


def _agreed_at(goal):
    return None if goal.status == Goal.Status.DRAFT else goal.agreed_on


class GoalFactory(factory.django.DjangoModelFactory):
    """A participant's personal goal, a draft; any other `status` comes agreed
    by both sides, as only an agreed goal can move on. Trait `shared`: a
    cohort goal, agreed by a facilitator when written."""

    class Meta:
        model = Goal
        exclude = ("agreed_on",)

    cohort = factory.SubFactory(CohortFactory)
    kind = Goal.Kind.PERSONAL
    owner = factory.LazyAttribute(lambda o: MembershipFactory(cohort=o.cohort))
    title = factory.Sequence(lambda n: f"Goal {n}")
    status = Goal.Status.DRAFT
    visibility = Goal.Visibility.PRIVATE
    agreed_on = factory.LazyFunction(timezone.now)
    participant_agreed_at = factory.LazyAttribute(
        lambda o: _agreed_at(o) if o.kind == Goal.Kind.PERSONAL else None
    )
    facilitator_agreed_at = factory.LazyAttribute(_agreed_at)
    facilitator_agreed_by = factory.LazyAttribute(
        lambda o: facilitator_of(o.cohort) if _agreed_at(o) else None
    )
    agreed_at = factory.LazyAttribute(_agreed_at)
    created_by = factory.LazyAttribute(
        lambda o: o.owner.user if o.owner else facilitator_of(o.cohort)
    )

    class Params:
        shared = factory.Trait(
            kind=Goal.Kind.SHARED,
            owner=None,
            status=Goal.Status.AGREED,
            visibility=Goal.Visibility.COHORT,
        )


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    goal = factory.SubFactory(GoalFactory)
    position = factory.LazyAttribute(lambda o: next_position(o.goal.milestones))
    title = factory.Sequence(lambda n: f"Milestone {n}")
    done = False
    done_at = factory.LazyAttribute(lambda o: timezone.now() if o.done else None)


class GoalRevisionFactory(factory.django.DjangoModelFactory):
    """A change to an agreed goal (a draft keeps no history)."""

    class Meta:
        model = GoalRevision

    goal = factory.SubFactory(GoalFactory, status=Goal.Status.AGREED)
    changed_by = factory.LazyAttribute(
        lambda o: o.goal.owner.user if o.goal.owner else facilitator_of(o.goal.cohort)
    )
    changes = factory.LazyAttribute(lambda o: {"title": ["An earlier title", o.goal.title]})


class GoalNoteFactory(factory.django.DjangoModelFactory):
    """A co-creation comment by the goal's owner."""

    class Meta:
        model = GoalNote

    goal = factory.SubFactory(GoalFactory)
    kind = GoalNote.Kind.COMMENT
    author = factory.LazyAttribute(
        lambda o: o.goal.owner.user if o.goal.owner else facilitator_of(o.goal.cohort)
    )
    body = "Could the measure be weekly?"
    on = factory.LazyAttribute(lambda o: periods.local_today(periods.rhythm_for(o.goal.cohort)))


class PartnerRoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerRound

    cohort = factory.SubFactory(CohortFactory)
    created_by = factory.LazyAttribute(lambda o: facilitator_of(o.cohort))


class PartnerGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerGroup

    round = factory.SubFactory(PartnerRoundFactory)
    position = factory.LazyAttribute(lambda o: next_position(o.round.groups))


class PartnerSlotFactory(factory.django.DjangoModelFactory):
    """A participant of the round's cohort in one of its groups."""

    class Meta:
        model = PartnerSlot

    group = factory.SubFactory(PartnerGroupFactory)
    round = factory.SelfAttribute("group.round")
    membership = factory.LazyAttribute(lambda o: MembershipFactory(cohort=o.round.cohort))


class CheckInFactory(factory.django.DjangoModelFactory):
    """A participant's check-in for the open period, read by the partners of
    the round in force (if any) when it was written."""

    class Meta:
        model = CheckIn

    author = factory.SubFactory(MembershipFactory)
    cohort = factory.SelfAttribute("author.cohort")
    period_start = factory.LazyAttribute(
        lambda o: periods.current_period(periods.rhythm_for(o.cohort)).start
    )
    energy = 4
    win = "Gave the hard feedback."
    partner_round = factory.LazyAttribute(lambda o: current_round(o.cohort))


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    """Progress by its owner on an agreed goal (a draft takes none), dated today."""

    class Meta:
        model = ProgressUpdate

    goal = factory.SubFactory(GoalFactory, status=Goal.Status.ON_TRACK)
    author = factory.LazyAttribute(
        lambda o: o.goal.owner.user if o.goal.owner else facilitator_of(o.goal.cohort)
    )
    note = "Halfway there."
    value = 50
    on = factory.LazyAttribute(lambda o: periods.local_today(periods.rhythm_for(o.goal.cohort)))


class CheckInReplyFactory(factory.django.DjangoModelFactory):
    """The check-in's author answering in its thread."""

    class Meta:
        model = CheckInReply

    checkin = factory.SubFactory(CheckInFactory)
    author = factory.SelfAttribute("checkin.author.user")
    body = "Thanks, that helps."
    client_id = factory.LazyFunction(uuid.uuid4)


class CohortEventFactory(factory.django.DjangoModelFactory):
    """The next event of a cohort's stream: its seq is the rhythm's counter, raised."""

    class Meta:
        model = CohortEvent

    rhythm = factory.SubFactory(CohortRhythmFactory)
    type = "rhythm.changed"
    payload = factory.LazyAttribute(lambda o: {"cadence": o.rhythm.cadence})

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        rhythm = kwargs["rhythm"]
        kwargs.setdefault("seq", next_seq(rhythm))
        return super()._create(model_class, *args, **kwargs)
