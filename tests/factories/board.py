"""Factories of the session board."""

import datetime
import uuid

import factory
from django.db.models import F
from django.utils import timezone

from board.models import (
    AgendaTemplate,
    Attendance,
    BoardEvent,
    CalendarFeed,
    CohortSession,
    Commitment,
    Phase,
    PhaseKind,
    Presence,
    Reaction,
    Reflection,
)
from board.services.common import default_agenda
from tests.factories.people import CohortFactory, MembershipFactory, facilitator_of, next_position


class AgendaTemplateFactory(factory.django.DjangoModelFactory):
    """A facilitator's saved agenda (the default one), in their organization."""

    class Meta:
        model = AgendaTemplate
        exclude = ("cohort",)

    cohort = factory.SubFactory(CohortFactory)
    owner = factory.LazyAttribute(lambda o: facilitator_of(o.cohort))
    organization = factory.SelfAttribute("cohort.organization")
    name = factory.Sequence(lambda n: f"Agenda {n}")
    phases = factory.LazyFunction(default_agenda)


class CohortSessionFactory(factory.django.DjangoModelFactory):
    """Tomorrow's session with the default agenda, scheduled by a facilitator;
    traits `live` (started, on its first phase) and `ended`."""

    class Meta:
        model = CohortSession
        skip_postgeneration_save = True

    cohort = factory.SubFactory(CohortFactory)
    title = factory.Sequence(lambda n: f"Session {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=1))
    duration_minutes = 90
    created_by = factory.LazyAttribute(lambda o: facilitator_of(o.cohort))
    status = CohortSession.Status.SCHEDULED

    class Params:
        live = factory.Trait(
            status=CohortSession.Status.LIVE, started_at=factory.LazyFunction(timezone.now)
        )
        ended = factory.Trait(
            status=CohortSession.Status.ENDED,
            started_at=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=2)),
            ended_at=factory.LazyFunction(timezone.now),
        )

    @factory.post_generation
    def agenda(session, create, extracted, **kwargs):
        """The default agenda's phases (pass `agenda=[...]` for others); a
        started session stands on its first phase."""
        if not create:
            return
        specs = default_agenda() if extracted is None else extracted
        Phase.objects.bulk_create(
            Phase(session=session, position=position, **spec)
            for position, spec in enumerate(specs, start=1)
        )
        if session.started_at is not None:
            session.current_phase = session.phases.order_by("position").first()
            session.save(update_fields=["current_phase"])


class PhaseFactory(factory.django.DjangoModelFactory):
    """A reflection prompt added at the end of a session's agenda."""

    class Meta:
        model = Phase

    session = factory.SubFactory(CohortSessionFactory)
    position = factory.LazyAttribute(lambda o: next_position(o.session.phases))
    kind = PhaseKind.REFLECTION
    title = "What did you notice?"
    prompt = "One thing you noticed this week."
    timebox_minutes = 10
    anonymous = False


class ReflectionFactory(factory.django.DjangoModelFactory):
    """A participant's reflection on a live session's current phase; its
    anonymity is the phase's, as when it was posted."""

    class Meta:
        model = Reflection

    session = factory.SubFactory(CohortSessionFactory, live=True)
    phase = factory.SelfAttribute("session.current_phase")
    author = factory.LazyAttribute(lambda o: MembershipFactory(cohort=o.session.cohort))
    text = "Naming the tension out loud helped."
    client_id = factory.LazyFunction(uuid.uuid4)
    anonymous = factory.SelfAttribute("phase.anonymous")

    class Params:
        # Hidden by a facilitator (the board keeps no record of which one).
        hidden_by_facilitator = factory.Trait(hidden=True)


class ReactionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reaction

    reflection = factory.SubFactory(ReflectionFactory)
    member = factory.LazyAttribute(lambda o: MembershipFactory(cohort=o.reflection.session.cohort))
    emoji = Reaction.Emoji.PLUS_ONE


class CommitmentFactory(factory.django.DjangoModelFactory):
    """Added at a live session's commitments phase, the only one that takes them."""

    class Meta:
        model = Commitment

    session = factory.SubFactory(
        CohortSessionFactory,
        live=True,
        agenda=[
            {
                "kind": PhaseKind.COMMITMENTS,
                "title": "Commitments",
                "prompt": "",
                "timebox_minutes": 10,
                "anonymous": False,
            }
        ],
    )
    author = factory.LazyAttribute(lambda o: MembershipFactory(cohort=o.session.cohort))
    text = "Ask for feedback weekly."
    client_id = factory.LazyFunction(uuid.uuid4)


class PresenceFactory(factory.django.DjangoModelFactory):
    """An open board socket of a member of a live session's cohort."""

    class Meta:
        model = Presence

    session = factory.SubFactory(CohortSessionFactory, live=True)
    membership = factory.LazyAttribute(lambda o: MembershipFactory(cohort=o.session.cohort))
    channel_name = factory.Sequence(lambda n: f"specific.test!{n}")


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    session = factory.SubFactory(CohortSessionFactory, live=True)
    membership = factory.LazyAttribute(lambda o: MembershipFactory(cohort=o.session.cohort))


def next_seq(owner) -> int:
    """Raise the stream owner's event counter, as realtime.streams does; the new value."""
    type(owner).objects.filter(pk=owner.pk).update(last_seq=F("last_seq") + 1)
    owner.refresh_from_db(fields=["last_seq"])
    return owner.last_seq


class BoardEventFactory(factory.django.DjangoModelFactory):
    """The next event of a session's log: its seq is the session's counter, raised."""

    class Meta:
        model = BoardEvent

    session = factory.SubFactory(CohortSessionFactory, live=True)
    type = "phase.changed"
    payload = factory.LazyAttribute(lambda o: {"phase": o.session.current_phase_id})

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        session = kwargs["session"]
        kwargs.setdefault("seq", next_seq(session))
        return super()._create(model_class, *args, **kwargs)


class CalendarFeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarFeed

    user = factory.SubFactory("tests.factories.people.UserFactory")
