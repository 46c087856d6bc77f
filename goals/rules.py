"""The goals rule book: who reads and does what with goals, goal notes,
check-ins, replies and partners.

docs/confidentiality.md, "Who sees what":
  personal goal, private           facilitators, the author
  personal goal, shared w/ cohort  facilitators, the author, other participants
  personal goal, shared w/ leader  facilitators, the author, the author's leader,
                                   other participants only if the cohort's flag is on
  check-in                         facilitators, the author, the author's partners
                                   (the whole cohort's participants when shared so)
Shared cohort goals are the cohort's: its facilitators and participants.
Replies follow their check-in; progress and milestones follow their goal.
Co-creation comments are between the author and the facilitators; leader
encouragement and alignment notes are also the author's leader's while the
goal is shared with them. HR admins see none of this, nor does anyone else.

Each page's rule is one filter per reader (`_goal_filter`, `_checkin_filter`,
`_reply_filter`): the pages apply it to their querysets, and the live events'
audiences (`goal_reader_ids`, `checkin_audience`) evaluate it for every
possible reader of the cohort in one query, so the two cannot drift.
Every `access_*` refuses with the one Http404 of `cohorts.permissions`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q

from cohorts.models import Membership
from cohorts.permissions import CohortAccess, access_cohort, not_found
from goals.models import CheckIn, CohortRhythm, Goal, GoalNote, PartnerSlot

# Filters that let every row through, or none (Django then skips the query).
_EVERY = Q(pk__isnull=False)
_NONE = Q(pk__in=[])


# What a user may do in the goals app, whatever the item -------------------
#
# Every write below holds only while the cohort is open for work (draft or
# active, `CohortAccess.is_open_for_work`): a completed or archived cohort's
# goals, check-ins, replies and partners stay as they were (docs/lifecycle.md).


def can_create_goals(access: CohortAccess) -> bool:
    """Draft a goal: the people in the room (a leader only reads)."""
    return access.is_open_for_work and access.is_member


def can_propose_goals(access: CohortAccess) -> bool:
    """Write shared cohort goals and propose personal goals to participants."""
    return access.is_open_for_work and access.is_facilitator


def has_own_goals(access: CohortAccess) -> bool:
    """Personal goals, check-ins and partners are a participant's."""
    return access.is_participant


def has_partners(access: CohortAccess) -> bool:
    """Partner groups are made of participants."""
    return access.is_participant


def reads_every_goal(access: CohortAccess) -> bool:
    return access.is_facilitator


def can_read_checkins(access: CohortAccess) -> bool:
    """Check-in pages and the check-ins of the cohort stream (a leader never
    reads check-ins)."""
    return access.is_member


def can_write_checkins(access: CohortAccess) -> bool:
    return access.is_open_for_work and access.is_participant


def sees_every_partner_group(access: CohortAccess) -> bool:
    """Every partner group, past rounds included: the facilitators, in any
    state of the cohort."""
    return access.is_facilitator


def can_arrange_partners(access: CohortAccess) -> bool:
    """Rotate and rearrange partner groups."""
    return access.is_open_for_work and sees_every_partner_group(access)


def can_set_rhythm(access: CohortAccess) -> bool:
    """The check-in rhythm, and whether participants read goals shared with leaders."""
    return access.is_open_for_work and access.is_facilitator


def agrees_for_facilitators(access: CohortAccess) -> bool:
    """Whose agreement to a draft goal counts as the facilitators' side."""
    return access.is_facilitator


def in_facilitators_audience(access: CohortAccess) -> bool:
    """Whether events for a stream's facilitators reach this user."""
    return access.is_facilitator


def stream_role(access: CohortAccess) -> str:
    """The user's place as the cohort snapshot names it."""
    if access.is_facilitator:
        return "facilitator"
    if access.is_participant:
        return "participant"
    return "leader"


@dataclass(frozen=True)
class GoalsAccess(CohortAccess):
    """A CohortAccess with the goals app's capabilities, for pages and
    templates. Built by the `access_*` functions below."""

    can_create_goals = property(can_create_goals)
    can_propose_goals = property(can_propose_goals)
    has_own_goals = property(has_own_goals)
    has_partners = property(has_partners)
    reads_every_goal = property(reads_every_goal)
    can_read_checkins = property(can_read_checkins)
    can_write_checkins = property(can_write_checkins)
    sees_every_partner_group = property(sees_every_partner_group)
    can_arrange_partners = property(can_arrange_partners)
    can_set_rhythm = property(can_set_rhythm)

    @classmethod
    def of(cls, access: CohortAccess) -> GoalsAccess:
        if isinstance(access, cls):
            return access
        return cls(**{item.name: getattr(access, item.name) for item in fields(access)})


def access_goals(user, cohort_id) -> GoalsAccess:
    """Goal pages and the cohort stream: the cohort's members and the leaders
    of its participants.

    HR admins get the same 404 as strangers: they see counts elsewhere, never
    goals.
    """
    access = access_cohort(user, cohort_id)
    if not (access.is_member or access.is_leader):
        raise not_found()
    return GoalsAccess.of(access)


def access_checkins(user, cohort_id) -> GoalsAccess:
    """Check-in and partner pages: the cohort's facilitators and participants."""
    access = access_cohort(user, cohort_id)
    if not can_read_checkins(access):
        raise not_found()
    return GoalsAccess.of(access)


def access_cohort_facilitation(user, cohort_id) -> GoalsAccess:
    """Partner groups and the check-in rhythm: the cohort's facilitators, in
    any state of the cohort (whether they may change now is
    `can_arrange_partners` and `can_set_rhythm`)."""
    access = access_cohort(user, cohort_id)
    if not sees_every_partner_group(access):
        raise not_found()
    return GoalsAccess.of(access)


# Goals ------------------------------------------------------------------------


def participants_see_leader_goals(cohort) -> bool:
    return CohortRhythm.objects.filter(cohort=cohort, participants_see_leader_goals=True).exists()


def _goal_filter(access: CohortAccess, leader_goals_open) -> Q:
    """The goals of its cohort that `access` reads. `leader_goals_open()` tells
    whether participants read goals shared with leaders (asked only when it
    matters)."""
    if access.is_facilitator:
        return _EVERY
    allowed = _NONE
    if access.is_participant:
        allowed |= Q(kind=Goal.Kind.SHARED) | Q(owner=access.membership)
        allowed |= Q(kind=Goal.Kind.PERSONAL, visibility=Goal.Visibility.COHORT)
        if leader_goals_open():
            allowed |= Q(kind=Goal.Kind.PERSONAL, visibility=Goal.Visibility.LEADER)
    if access.led_participant_ids:
        allowed |= _shared_with_leader(access.led_participant_ids)
    return allowed


def _shared_with_leader(led_participant_ids) -> Q:
    """The goals a leader reads: personal goals their participants (membership
    ids, confirmed links only) shared with their leader."""
    return Q(
        kind=Goal.Kind.PERSONAL,
        visibility=Goal.Visibility.LEADER,
        owner_id__in=led_participant_ids,
    )


def visible_goals(access: CohortAccess):
    """The goals of the access's cohort that its user may read."""
    allowed = _goal_filter(access, lambda: participants_see_leader_goals(access.cohort))
    return Goal.objects.filter(cohort=access.cohort).filter(allowed)


def goals_shared_with_leader(led_participant_ids):
    """In every cohort at once, the goals a leader reads on the goal pages
    (`visible_goals`' leader clause), for the participants `led_participant_ids`
    (from `cohorts.permissions.led_participants`): the leader's own page."""
    return Goal.objects.filter(_shared_with_leader(led_participant_ids))


def own_goals(user):
    """In every cohort at once, the personal goals `user` wrote as a
    participant: an author always reads their own (`visible_goals`)."""
    return Goal.objects.filter(
        kind=Goal.Kind.PERSONAL, owner__user=user, owner__role=Membership.Role.PARTICIPANT
    )


def access_goal(user, cohort_id, goal_id):
    """(access, goal) for someone who may read the goal; Http404 otherwise."""
    access = access_goals(user, cohort_id)
    try:
        goal = (
            visible_goals(access)
            .select_related("owner__user", "owner__leader", "cohort")
            .get(pk=int(goal_id))
        )
    except (ObjectDoesNotExist, TypeError, ValueError):
        raise not_found() from None
    return access, goal


def is_goal_author(access: CohortAccess, goal) -> bool:
    return (
        goal.is_personal
        and access.membership is not None
        and (goal.owner_id == access.membership.pk)
    )


def is_goal_leader(access: CohortAccess, goal) -> bool:
    """The goal's author's leader, while the goal is shared with them."""
    return (
        goal.is_personal
        and goal.visibility == Goal.Visibility.LEADER
        and goal.owner_id in access.led_participant_ids
    )


def may_own_goals(membership: Membership) -> bool:
    """Personal goals belong to participants."""
    return membership.is_participant


def goal_owners(cohort):
    """The members who may own personal goals: the cohort's participants."""
    return cohort.memberships.filter(role=Membership.Role.PARTICIPANT).select_related("user")


def partner_candidates(cohort):
    """The members placed in partner groups: the cohort's participants."""
    return cohort.memberships.filter(role=Membership.Role.PARTICIPANT).select_related("user")


def can_draft_goal_for(access: CohortAccess, owner: Membership) -> bool:
    """A participant drafts their own goals; facilitators propose them."""
    own = access.membership is not None and access.membership.pk == owner.pk
    return access.is_open_for_work and (own or can_propose_goals(access))


def can_edit_goal(access: CohortAccess, goal) -> bool:
    if not access.is_open_for_work:
        return False
    if goal.is_shared:
        return access.is_facilitator
    return access.is_facilitator or is_goal_author(access, goal)


def can_agree_goal(access: CohortAccess, goal) -> bool:
    return goal.is_personal and goal.is_draft and can_edit_goal(access, goal)


def can_set_goal_visibility(access: CohortAccess, goal) -> bool:
    """Only the author decides who reads their goal."""
    return access.is_open_for_work and is_goal_author(access, goal)


def can_post_progress(access: CohortAccess, goal) -> bool:
    """Any member on a shared goal; the author and facilitators on a personal one."""
    if not access.is_open_for_work:
        return False
    if goal.is_shared:
        return access.is_member
    return access.is_facilitator or is_goal_author(access, goal)


def can_comment_goal(access: CohortAccess, goal) -> bool:
    return (
        access.is_open_for_work
        and goal.is_personal
        and (access.is_facilitator or is_goal_author(access, goal))
    )


def can_encourage_goal(access: CohortAccess, goal) -> bool:
    return access.is_open_for_work and is_goal_leader(access, goal)


def can_record_alignment(access: CohortAccess, goal) -> bool:
    """Coach, participant or leader, on a goal shared with a linked leader."""
    if not access.is_open_for_work:
        return False
    if not (goal.is_personal and goal.visibility == Goal.Visibility.LEADER):
        return False
    if not goal.owner.leader_is_confirmed:
        return False
    return access.is_facilitator or is_goal_author(access, goal) or is_goal_leader(access, goal)


def can_write_goal_note(access: CohortAccess, goal) -> bool:
    """Any of the three kinds of note (the service checks the kind)."""
    return (
        can_comment_goal(access, goal)
        or can_encourage_goal(access, goal)
        or can_record_alignment(access, goal)
    )


def can_tie_commitment(access: CohortAccess, goal) -> bool:
    """A participant ties their own session commitments to their goal, or to a
    shared goal."""
    if not access.is_open_for_work:
        return False
    if goal.is_shared:
        return access.is_participant
    return is_goal_author(access, goal)


def visible_goal_note_kinds(access: CohortAccess, goal) -> list[str]:
    if goal.is_shared:
        return []
    if access.is_facilitator or is_goal_author(access, goal):
        return list(GoalNote.Kind.values)
    if is_goal_leader(access, goal):
        return [GoalNote.Kind.ENCOURAGEMENT, GoalNote.Kind.ALIGNMENT]
    return []


def visible_goal_notes(access: CohortAccess, goal):
    """Call only with a goal from `access_goal` or `visible_goals`."""
    return goal.notes.filter(kind__in=visible_goal_note_kinds(access, goal)).select_related(
        "author"
    )


# Check-ins --------------------------------------------------------------------


def _reply_filter(access: CohortAccess) -> Q:
    """The check-ins `access` answers in: every one for a facilitator; for a
    participant their own and their partners' (of the round in force when
    each was written)."""
    if access.is_facilitator:
        return _EVERY
    if not access.is_participant:
        return _NONE
    same_group = PartnerSlot.objects.filter(
        round=OuterRef("partner_round"),
        membership=access.membership,
        group__slots__membership=OuterRef("author"),
    )
    return Q(author=access.membership) | Q(Exists(same_group))


def _checkin_filter(access: CohortAccess) -> Q:
    """The check-ins `access` reads: those they answer in, and those shared
    with the cohort."""
    if not can_read_checkins(access):
        return _NONE
    if access.is_facilitator:
        return _EVERY
    return _reply_filter(access) | Q(shared_with_cohort=True)


def visible_checkins(access: CohortAccess):
    """The check-ins of the access's cohort that its user may read."""
    return CheckIn.objects.filter(cohort=access.cohort).filter(_checkin_filter(access))


def _may_reply_filter(access: CohortAccess) -> Q:
    """The check-ins `access` may answer in now: `_reply_filter` while the
    cohort is open for work, none once it is closed."""
    return _reply_filter(access) if access.is_open_for_work else _NONE


def with_reply_rights(access: CohortAccess, checkins):
    """`checkins` (from `visible_checkins`), each with `can_reply` for
    `access`, in the same query."""
    return checkins.annotate(
        can_reply=ExpressionWrapper(_may_reply_filter(access), output_field=BooleanField())
    )


def access_checkin(user, cohort_id, checkin_id):
    """(access, check-in) for someone who may read it; Http404 otherwise."""
    access = access_checkins(user, cohort_id)
    try:
        checkin = (
            visible_checkins(access)
            .select_related("author__user", "cohort")
            .get(pk=int(checkin_id))
        )
    except (ObjectDoesNotExist, TypeError, ValueError):
        raise not_found() from None
    return access, checkin


def visible_checkin_progress(access: CohortAccess, checkin):
    """The progress a check-in reports that `access` may read: figures and
    milestones of the goals in `visible_goals(access)` only. Who reads a
    check-in is not who reads each of its author's goals (a private or
    leader-only goal reported in a check-in shared with partners)."""
    return checkin.progress.filter(goal__in=visible_goals(access))


def checkin_partner_ids(checkin) -> set[int]:
    """Membership ids of the author's partners in the check-in's round."""
    if checkin.partner_round_id is None:
        return set()
    group = PartnerSlot.objects.filter(
        round_id=checkin.partner_round_id, membership_id=checkin.author_id
    ).values("group_id")
    return set(
        PartnerSlot.objects.filter(group_id__in=group)
        .exclude(membership_id=checkin.author_id)
        .values_list("membership_id", flat=True)
    )


def can_reply_checkin(access: CohortAccess, checkin) -> bool:
    """The author, their partners and the facilitators answer in the thread,
    while the cohort is open for work."""
    if not access.is_open_for_work:
        return False
    return CheckIn.objects.filter(pk=checkin.pk).filter(_reply_filter(access)).exists()


# Live audiences: the pages' filters, for every possible reader ----------------


def _possible_readers(cohort) -> list[GoalsAccess]:
    """Everyone `access_goals` lets in to the cohort, as it would see them:
    its facilitators and participants, and the confirmed leaders of its
    participants. One query. (HR admins are let in only as one of these, and
    no goals rule reads `is_hr_admin`.)"""
    memberships = list(
        Membership.objects.filter(cohort=cohort).select_related("user", "leader").order_by()
    )
    people, own, led = {}, {}, {}
    for membership in memberships:
        people[membership.user_id] = membership.user
        own[membership.user_id] = membership
        if (
            membership.is_participant
            and membership.leader_id is not None
            and membership.leader_confirmed_at is not None
        ):
            people.setdefault(membership.leader_id, membership.leader)
            led.setdefault(membership.leader_id, set()).add(membership.pk)
    return [
        GoalsAccess(
            user=user,
            cohort=cohort,
            membership=own.get(user_id),
            led_participant_ids=frozenset(led.get(user_id, ())),
        )
        for user_id, user in people.items()
    ]


def _evaluate(queryset, pk: int, filters: dict[str, Q]) -> dict[str, bool]:
    """Whether row `pk` of `queryset` passes each of `filters`: one query."""
    if not filters:
        return {}
    flags = {
        name: ExpressionWrapper(condition, output_field=BooleanField())
        for name, condition in filters.items()
    }
    row = queryset.filter(pk=pk).annotate(**flags).values(*flags).first()
    return {name: bool(row and row[name]) for name in filters}


def goal_readers(goal) -> list[GoalsAccess]:
    """Every user who may read `goal` now (by `visible_goals`), as the goal
    pages would see them."""
    readers = _possible_readers(goal.cohort)
    opened = []

    def leader_goals_open():
        if not opened:
            opened.append(participants_see_leader_goals(goal.cohort_id))
        return opened[0]

    passed = _evaluate(
        Goal.objects.all(),
        goal.pk,
        {
            f"r{index}": _goal_filter(reader, leader_goals_open)
            for index, reader in enumerate(readers)
        },
    )
    return [reader for index, reader in enumerate(readers) if passed[f"r{index}"]]


def goal_reader_ids(goal) -> set[int]:
    """The audience of a goal's live events: its readers by `visible_goals`."""
    return {reader.user.pk for reader in goal_readers(goal)}


def goal_note_reader_ids(note) -> set[int]:
    """The audience of a goal note's event: the goal's readers who see the
    note on the goal page (`visible_goal_note_kinds`)."""
    goal = note.goal
    return {
        reader.user.pk
        for reader in goal_readers(goal)
        if note.kind in visible_goal_note_kinds(reader, goal)
    }


def checkin_audience(checkin) -> dict[int, bool]:
    """user id -> whether they may reply, for every user who may read
    `checkin` and its replies now (by `visible_checkins`)."""
    readers = _possible_readers(checkin.cohort)
    filters = {}
    for index, reader in enumerate(readers):
        filters[f"read{index}"] = _checkin_filter(reader)
        filters[f"reply{index}"] = _may_reply_filter(reader)
    passed = _evaluate(CheckIn.objects.all(), checkin.pk, filters)
    return {
        reader.user.pk: passed[f"reply{index}"]
        for index, reader in enumerate(readers)
        if passed[f"read{index}"]
    }


def checkin_reader_ids(checkin) -> set[int]:
    """Every user who may read `checkin` (and its replies): its live audience."""
    return set(checkin_audience(checkin))
