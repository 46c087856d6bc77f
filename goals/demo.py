"""Demo goals, check-ins and partners for `manage.py seed_demo`.

`seed(demo)` fills a seed_demo DemoCohort with two shared goals, a personal
goal for every participant (mixed states and visibilities, milestones,
progress history, notes), partner pairings with history, and a check-in most
weeks of the program so far, with gaps and replies. The demo's quiet
participant (`demo.quiet`) wrote none for the last three periods. Idempotent: a cohort that
already has the demo's first shared goal is left as it is.

History is written straight to the models: the services only accept the open
period, and the demo needs the months before it.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from cohorts.models import Membership
from goals import partners, periods
from goals.models import (
    CheckIn,
    CheckInReply,
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

SHARED_GOALS = [
    (
        "Make it safe to speak up in our teams",
        "Change lands better when people say what worries them early.",
        "Every participant's team holds a monthly 'what worries us' round",
    ),
    (
        "A development conversation with every direct report",
        "People stay through a reorganization when they see a future.",
        "100% of direct reports have had one by the end of the program",
    ),
]

PERSONAL_GOALS = [
    (
        "Delegate the weekly reporting",
        "Frees a day a week for strategy.",
        "Reports sent by the team for six weeks running",
    ),
    (
        "Hold hard conversations within a week",
        "Problems grow when I wait.",
        "No open issue older than a week",
    ),
    (
        "Run shorter, decisive meetings",
        "My team loses hours in meetings.",
        "Team meetings under 30 minutes, with decisions noted",
    ),
    (
        "Protect two focus mornings a week",
        "My energy drops when every hour is booked.",
        "Two mornings a week without meetings for a quarter",
    ),
    (
        "Coach instead of rescue",
        "I fix things my team could learn to fix.",
        "Three team members solve escalations without me",
    ),
    (
        "Build trust with my new team",
        "Half my team came from the other unit.",
        "Pulse score on trust from 3.1 to 4",
    ),
    (
        "Say no to low-value requests",
        "I say yes to everything and deliver late.",
        "Drop or hand over five recurring requests",
    ),
    (
        "Give feedback every week",
        "Feedback only comes at review time now.",
        "One specific piece of feedback to each report weekly",
    ),
    (
        "Make priorities visible",
        "The team does not know what matters most.",
        "A shared top-3 list updated every Monday",
    ),
    (
        "Prepare a successor",
        "Nobody can cover for me.",
        "A named deputy runs two leadership meetings",
    ),
]
STATES = [
    Goal.Status.ON_TRACK,
    Goal.Status.AT_RISK,
    Goal.Status.AGREED,
    Goal.Status.ACHIEVED,
    Goal.Status.DRAFT,
    Goal.Status.ON_TRACK,
    Goal.Status.ON_TRACK,
    Goal.Status.DROPPED,
    Goal.Status.AT_RISK,
    Goal.Status.ON_TRACK,
]
VISIBILITIES = [
    Goal.Visibility.LEADER,
    Goal.Visibility.COHORT,
    Goal.Visibility.PRIVATE,
    Goal.Visibility.LEADER,
    Goal.Visibility.PRIVATE,
    Goal.Visibility.COHORT,
    Goal.Visibility.LEADER,
    Goal.Visibility.PRIVATE,
    Goal.Visibility.COHORT,
    Goal.Visibility.LEADER,
]
MILESTONES = ["Agree the plan with my team", "Try it for a month", "Review what changed"]

WINS = [
    "My team ran the Monday meeting without me.",
    "I said no to a steering committee and nobody minded.",
    "Had the conversation I had been putting off.",
    "Two people brought me solutions instead of problems.",
    "Kept both focus mornings this week.",
    "",
]
CHALLENGES = [
    "The reorganization news drained everyone.",
    "I slipped back into fixing things myself.",
    "Too many escalations from the other unit.",
    "Hard to find time for one-to-ones.",
    "",
]
ASKS = [
    "How do you keep a meeting short when the boss is in it?",
    "Any tips for saying no kindly?",
    "Could someone share their one-to-one template?",
    "",
    "",
]
REPLIES = [
    "That is a real step. What made it possible this time?",
    "Same here last month; writing it down first helped me.",
    "Proud of you for having that conversation.",
    "Let's compare notes after the next session.",
    "Try asking the team to propose the agenda.",
]


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    moment = datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)
    return min(moment, timezone.now())


def seed(demo) -> None:
    cohort, coach = demo.cohort, demo.facilitator
    if Goal.objects.filter(cohort=cohort, title=SHARED_GOALS[0][0]).exists():
        return
    rng = random.Random(f"goals-demo-{cohort.pk}")
    rhythm = periods.rhythm_for(cohort)
    rhythm.cadence = CohortRhythm.Cadence.WEEKLY
    rhythm.weekday = CohortRhythm.Weekday.MONDAY
    rhythm.save(update_fields=["cadence", "weekday"])
    today = periods.local_today(rhythm)
    program_periods = periods.program_periods(rhythm, until=today)
    members = list(
        Membership.objects.filter(cohort=cohort, user__in=demo.participants).select_related(
            "user", "leader"
        )
    )
    start = _at(cohort.starts_on, 9)

    shared = []
    for title, why, measure in SHARED_GOALS:
        shared.append(
            Goal.objects.create(
                cohort=cohort,
                kind=Goal.Kind.SHARED,
                title=title,
                why=why,
                success_measure=measure,
                target_date=cohort.ends_on,
                status=Goal.Status.ON_TRACK,
                visibility=Goal.Visibility.COHORT,
                facilitator_agreed_at=start,
                facilitator_agreed_by=coach,
                agreed_at=start,
                created_by=coach,
                created_at=start,
                updated_at=start,
            )
        )

    personal = {}
    for index, member in enumerate(members):
        title, why, measure = PERSONAL_GOALS[index % len(PERSONAL_GOALS)]
        status = STATES[index % len(STATES)]
        agreed = _at(cohort.starts_on + datetime.timedelta(days=10), 10)
        goal = Goal.objects.create(
            cohort=cohort,
            kind=Goal.Kind.PERSONAL,
            owner=member,
            title=title,
            why=why,
            success_measure=measure,
            target_date=cohort.ends_on - datetime.timedelta(days=14),
            status=status,
            visibility=VISIBILITIES[index % len(VISIBILITIES)],
            participant_agreed_at=agreed,
            facilitator_agreed_at=None if status == Goal.Status.DRAFT else agreed,
            facilitator_agreed_by=None if status == Goal.Status.DRAFT else coach,
            agreed_at=None if status == Goal.Status.DRAFT else agreed,
            created_by=member.user,
            created_at=start,
            updated_at=agreed,
        )
        for position, step in enumerate(MILESTONES, start=1):
            due = cohort.starts_on + datetime.timedelta(days=45 * position)
            done = due < today and status != Goal.Status.DROPPED
            Milestone.objects.create(
                goal=goal,
                position=position,
                title=step,
                due_on=due,
                done=done,
                done_at=_at(due, 16) if done else None,
            )
        if status == Goal.Status.DRAFT:
            GoalNote.objects.create(
                goal=goal,
                kind=GoalNote.Kind.COMMENT,
                author=coach,
                body="Could the success measure be something your team would notice?",
                on=cohort.starts_on + datetime.timedelta(days=8),
                created_at=_at(cohort.starts_on + datetime.timedelta(days=8), 11),
            )
            continue
        personal[member.pk] = goal
        if goal.visibility == Goal.Visibility.LEADER and member.leader_id:
            day = cohort.starts_on + datetime.timedelta(days=20)
            GoalNote.objects.create(
                goal=goal,
                kind=GoalNote.Kind.ALIGNMENT,
                author=coach,
                body=(
                    "Three-way conversation: we agreed this goal supports the "
                    "unit's priorities; the leader will free one meeting a week."
                ),
                on=day,
                created_at=_at(day, 14),
            )
            GoalNote.objects.create(
                goal=goal,
                kind=GoalNote.Kind.ENCOURAGEMENT,
                author=member.leader,
                body="I see the difference already in our staff meetings. Keep going!",
                on=day + datetime.timedelta(days=30),
                created_at=_at(day + datetime.timedelta(days=30), 17),
            )
        if index == 1:
            GoalRevision.objects.create(
                goal=goal,
                changed_by=member.user,
                changed_at=_at(cohort.starts_on + datetime.timedelta(days=40), 9),
                changes={"status": ["on_track", "at_risk"]},
            )

    rounds = _seed_partners(cohort, coach, members, rng, program_periods)
    quiet_id = demo.quiet.pk if demo.quiet else None
    _seed_checkins(
        cohort, coach, members, personal, shared, rounds, program_periods, rng, today, quiet_id
    )


def _seed_partners(cohort, coach, members, rng, program_periods):
    """Two rounds: one from the start, a rotation halfway through so far."""
    ids = [m.pk for m in members]
    if len(ids) < 2:
        return []
    halfway = program_periods[len(program_periods) // 2].start if program_periods else None
    moments = [_at(cohort.starts_on, 8)]
    if halfway and halfway > cohort.starts_on:
        moments.append(_at(halfway, 8))
    history = []
    rounds = []
    for moment in moments:
        groups = partners.split(ids, history=history, rng=rng)
        history.insert(0, groups)
        round = PartnerRound.objects.create(cohort=cohort, created_by=coach)
        PartnerRound.objects.filter(pk=round.pk).update(created_at=moment)
        round.created_at = moment
        for position, group_ids in enumerate(groups, start=1):
            group = PartnerGroup.objects.create(round=round, position=position)
            for member_id in group_ids:
                PartnerSlot.objects.create(round=round, group=group, membership_id=member_id)
        rounds.append((round, groups))
    return rounds


def _round_for(rounds, moment):
    current = None
    for round, groups in rounds:
        if round.created_at <= moment:
            current = (round, groups)
    return current


def _seed_checkins(
    cohort, coach, members, personal, shared, rounds, program_periods, rng, today, quiet_id
):
    values = {member.pk: rng.randint(5, 20) for member in members}
    shared_values = {goal.pk: 10 for goal in shared}
    closed = [period.start for period in program_periods if period.end < today]
    # The quiet participant stopped three periods ago; everyone else wrote in
    # the last two closed periods, so that the dashboard shows one quiet person.
    stopped, kept = set(closed[-3:]), set(closed[-2:])
    for number, period in enumerate(program_periods):
        is_current = period.start <= today <= period.end
        for member in members:
            if member.user_id == quiet_id and (is_current or period.start in stopped):
                continue
            # Gaps: most people skip a week now and then; in the open period
            # only some have written yet, so the live panel has room to fill.
            if period.start not in kept and rng.random() < (0.5 if is_current else 0.2):
                continue
            day = min(period.start + datetime.timedelta(days=rng.randint(0, 3)), today)
            moment = _at(day, rng.randint(7, 18))
            in_force = _round_for(rounds, moment)
            entry = CheckIn.objects.create(
                cohort=cohort,
                author=member,
                period_start=period.start,
                win=rng.choice(WINS),
                challenge=rng.choice(CHALLENGES),
                ask=rng.choice(ASKS),
                energy=rng.randint(2, 5),
                shared_with_cohort=rng.random() < 0.2,
                partner_round=in_force[0] if in_force else None,
                created_at=moment,
                updated_at=moment,
            )
            goal = personal.get(member.pk)
            if goal is not None and goal.status != Goal.Status.DROPPED:
                values[member.pk] = min(100, values[member.pk] + rng.randint(0, 9))
                ProgressUpdate.objects.create(
                    goal=goal,
                    author=member.user,
                    note="From the weekly check-in",
                    value=values[member.pk],
                    on=day,
                    checkin=entry,
                    created_at=moment,
                )
            if number % 4 == 3 and shared:
                target = shared[number // 4 % len(shared)]
                shared_values[target.pk] = min(100, shared_values[target.pk] + 3)
                ProgressUpdate.objects.create(
                    goal=target,
                    author=member.user,
                    note="Held the monthly round with my team.",
                    value=shared_values[target.pk],
                    on=day,
                    checkin=entry,
                    created_at=moment,
                )
            _seed_replies(entry, member, coach, in_force, rng, moment)


def _seed_replies(entry, member, coach, in_force, rng, moment):
    repliers = []
    if in_force is not None:
        round, groups = in_force
        group = next((g for g in groups if member.pk in g), [])
        repliers = list(
            Membership.objects.filter(pk__in=[pk for pk in group if pk != member.pk]).values_list(
                "user", flat=True
            )
        )
    if rng.random() < 0.5 and repliers:
        CheckInReply.objects.create(
            checkin=entry,
            author_id=rng.choice(repliers),
            body=rng.choice(REPLIES),
            created_at=min(moment + datetime.timedelta(hours=3), timezone.now()),
        )
    if rng.random() < 0.25:
        CheckInReply.objects.create(
            checkin=entry,
            author=coach,
            body=rng.choice(REPLIES),
            created_at=min(moment + datetime.timedelta(hours=5), timezone.now()),
        )
