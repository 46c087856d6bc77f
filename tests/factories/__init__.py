"""factory_boy factories: one per model, named after it.

Each factory's defaults build a state the services could have produced (a
goal on track was agreed; a check-in belongs to the round in force; a
reflection answers its live session's current phase...), and its traits
build the other states the services produce. tests/test_factories.py checks
every model has one, and that its defaults pass the model's own validation.
"""

from tests.factories.board import (
    AgendaTemplateFactory,
    AttendanceFactory,
    BoardEventFactory,
    CalendarFeedFactory,
    CohortSessionFactory,
    CommitmentFactory,
    PhaseFactory,
    PresenceFactory,
    ReactionFactory,
    ReflectionFactory,
    next_seq,
)
from tests.factories.goals import (
    CheckInFactory,
    CheckInReplyFactory,
    CohortEventFactory,
    CohortRhythmFactory,
    GoalFactory,
    GoalNoteFactory,
    GoalRevisionFactory,
    MilestoneFactory,
    PartnerGroupFactory,
    PartnerRoundFactory,
    PartnerSlotFactory,
    ProgressUpdateFactory,
)
from tests.factories.notifications import EmailOptOutFactory, SentReminderFactory
from tests.factories.people import (
    BackgroundNoteFactory,
    BackgroundNoteRevisionFactory,
    CohortFactory,
    InvitationFactory,
    MembershipFactory,
    OrganizationFactory,
    OrganizationMembershipFactory,
    UserFactory,
    facilitator_of,
    hr_admin_of,
    next_position,
)
from tests.factories.privacy import ErasureRecordFactory

__all__ = [
    "AgendaTemplateFactory",
    "AttendanceFactory",
    "CalendarFeedFactory",
    "BackgroundNoteFactory",
    "BackgroundNoteRevisionFactory",
    "BoardEventFactory",
    "CheckInFactory",
    "CheckInReplyFactory",
    "CohortEventFactory",
    "CohortFactory",
    "CohortRhythmFactory",
    "CohortSessionFactory",
    "CommitmentFactory",
    "EmailOptOutFactory",
    "ErasureRecordFactory",
    "GoalFactory",
    "GoalNoteFactory",
    "GoalRevisionFactory",
    "InvitationFactory",
    "MembershipFactory",
    "MilestoneFactory",
    "OrganizationFactory",
    "OrganizationMembershipFactory",
    "PartnerGroupFactory",
    "PartnerRoundFactory",
    "PartnerSlotFactory",
    "PhaseFactory",
    "PresenceFactory",
    "ProgressUpdateFactory",
    "ReactionFactory",
    "ReflectionFactory",
    "SentReminderFactory",
    "UserFactory",
    "facilitator_of",
    "hr_admin_of",
    "next_position",
    "next_seq",
]
