"""The who-sees-what table's content: goals, check-ins and their notes; the
session board and its summary; background notes and their history; member
emails.

Each is made through the services, as people would, with a unique marker
(a text, a display name or an email address) that tests/test_visibility_table.py
looks for on every page, export and board snapshot.
"""

from __future__ import annotations

import uuid

from django.urls import reverse

from board import services as board_services
from board.models import Reaction
from board.rules import access_session
from cohorts import services as cohort_services
from cohorts.models import Membership
from goals import periods
from goals import services as goals_services
from goals.models import Goal
from tests import factories
from tests.board_helpers import end, post, scheduled_session
from tests.goals_support import access, membership, set_rhythm

FACILITATORS = {"facilitator", "co_facilitator"}
IN_THE_ROOM = {"author", "partner", "other_participant"} | FACILITATORS

# content -> the roles that may read it (docs/confidentiality.md, "The table").
BOARD_TABLE = {
    "reflection_named": IN_THE_ROOM,
    # The marker is the name of the person who wrote a named reflection.
    "reflection_named_author": IN_THE_ROOM,
    "reflection_anonymous": IN_THE_ROOM,
    # The marker is the name of the person who wrote an anonymous reflection.
    "reflection_anonymous_author": set(),
    "reflection_hidden": FACILITATORS,
    "commitment": {"author"} | FACILITATORS,
    # The marker is the name of someone who joined the board.
    "attendance": FACILITATORS,
    # The marker is what the summary tells the author, who joined the board.
    "attendance_own": {"author"},
    # The marker is a reflection's text; each reader must also see its reactions.
    "reaction_counts": IN_THE_ROOM,
}
OWN_ATTENDANCE = "You attended this session."
COHORT_TABLE = {
    "background_note_on_cohort": FACILITATORS | {"hr_admin"},
    "background_note_on_organization": FACILITATORS | {"hr_admin"},
    "background_note_on_participant": FACILITATORS | {"hr_admin"},
    # The marker is a note's text before an edit, or its last text once deleted.
    "background_note_history_edited": {"hr_admin"},
    "background_note_history_deleted": {"hr_admin"},
    # The marker is the email address of a participant, or of a facilitator,
    # who is none of the roles.
    "member_email": FACILITATORS | {"hr_admin"},
    "facilitator_email": FACILITATORS | {"hr_admin"},
}
ANONYMOUS_TEXT = "Said without a name"
# Board content whose marker a board snapshot carries when it is shown
# (presence, not attendance, is what a snapshot says of who joined).
ON_BOARD_SNAPSHOT = set(BOARD_TABLE) - {"attendance", "attendance_own"}


def _newcomer(cohort, marker: str, *, email: str | None = None, role=Membership.Role.PARTICIPANT):
    """A member who is none of the table's roles, named `marker`."""
    user = factories.UserFactory(
        email=email or f"{uuid.uuid4().hex[:10]}@acme.test", display_name=marker
    )
    factories.MembershipFactory(cohort=cohort, user=user, role=role)
    return user


def _goto(session, facilitator, position: int) -> None:
    phase = session.phases.get(position=position)
    board_services.goto_phase(access=access_session(facilitator, session.pk), phase_id=phase.pk)


# Positions in the default agenda: 2 a reflection, 3 a discussion (made
# anonymous here), 4 the commitments.
NAMED, ANONYMOUS, COMMITMENTS = 2, 3, 4


def make_board(content: str, users: dict, cohort, marker: str):
    """Run a session of `cohort` in which `content` is made; return it ended."""
    facilitator, author = users["facilitator"], users["author"]
    session = scheduled_session(cohort, facilitator)
    session.phases.filter(position=ANONYMOUS).update(anonymous=True)
    board_services.start_session(access=access_session(facilitator, session.pk))
    _goto(session, facilitator, NAMED)
    post(session, users["partner"], "Context from a peer")
    if content == "reflection_named":
        post(session, author, marker)
    elif content == "reflection_named_author":
        post(session, _newcomer(cohort, marker), "A named thought")
    elif content == "reflection_anonymous":
        _goto(session, facilitator, ANONYMOUS)
        post(session, author, marker)
    elif content == "reflection_anonymous_author":
        _goto(session, facilitator, ANONYMOUS)
        post(session, _newcomer(cohort, marker), ANONYMOUS_TEXT)
    elif content == "reflection_hidden":
        reflection = post(session, author, marker)
        board_services.hide_reflection(
            access=access_session(facilitator, session.pk),
            reflection_id=reflection.pk,
            hidden=True,
        )
    elif content == "commitment":
        _goto(session, facilitator, COMMITMENTS)
        board_services.add_commitment(
            access=access_session(author, session.pk), text=marker, client_id=uuid.uuid4()
        )
    elif content in {"attendance", "attendance_own"}:
        attendee = _newcomer(cohort, marker) if content == "attendance" else author
        board_services.join_board(
            access=access_session(attendee, session.pk), channel_name="test.attendee"
        )
    elif content == "reaction_counts":
        reflection = post(session, author, marker)
        board_services.add_reaction(
            access=access_session(users["partner"], session.pk),
            reflection_id=reflection.pk,
            emoji=Reaction.Emoji.HEART,
        )
    else:
        raise AssertionError(content)
    return end(session, facilitator)


def board_surfaces(cohort, session) -> list[str]:
    """Every page and export that could show something of the session."""
    return [
        reverse("cohorts:detail", args=[cohort.pk]),
        reverse("board:sessions", args=[cohort.pk]),
        reverse("board:detail", args=[session.pk]),
        reverse("board:board", args=[session.pk]),
        *board_where_it_must_show("", session),
    ]


def board_where_it_must_show(content: str, session) -> list[str]:
    if content == "attendance_own":
        return [reverse("board:summary", args=[session.pk])]
    return [
        reverse("board:summary", args=[session.pk]),
        reverse("board:summary_md", args=[session.pk]),
        reverse("board:summary_csv", args=[session.pk]),
    ]


def board_snapshot(user, session) -> dict:
    """The board snapshot `user` gets (a member of the room)."""
    return board_services.board_snapshot(access_session(user, session.pk))


def marked_reflection(snapshot: dict, marker: str) -> dict | None:
    """The snapshot's reflection whose text is `marker`, if it shows one."""
    return next((r for r in snapshot["reflections"] if r["text"] == marker), None)


def make_cohort(content: str, users: dict, cohort, marker: str):
    """Make `content` about `cohort` and its organization; return nothing to
    look up (the pages are the cohort's)."""
    hr_admin, organization = users["hr_admin"], cohort.organization
    if content == "background_note_on_cohort":
        cohort_services.add_background_note(
            organization=organization, author=hr_admin, body=marker, cohort=cohort
        )
    elif content == "background_note_on_organization":
        cohort_services.add_background_note(
            organization=organization, author=hr_admin, body=marker
        )
    elif content == "background_note_on_participant":
        cohort_services.add_background_note(
            organization=organization,
            author=users["facilitator"],
            body=marker,
            cohort=cohort,
            participant=Membership.objects.get(cohort=cohort, user=users["author"]),
        )
    elif content == "background_note_history_edited":
        note = cohort_services.add_background_note(
            organization=organization, author=users["facilitator"], body=marker, cohort=cohort
        )
        cohort_services.update_background_note(
            note=note, body="Corrected since.", changed_by=hr_admin
        )
    elif content == "background_note_history_deleted":
        note = cohort_services.add_background_note(
            organization=organization, author=hr_admin, body=marker, cohort=cohort
        )
        cohort_services.delete_background_note(note=note, deleted_by=hr_admin)
    elif content == "member_email":
        _newcomer(cohort, "Em Address", email=marker)
    elif content == "facilitator_email":
        _newcomer(cohort, "Fay Address", email=marker, role=Membership.Role.FACILITATOR)
    else:
        raise AssertionError(content)


def cohort_surfaces(cohort) -> list[str]:
    """Every page of the cohort and its organization that could show it."""
    organization = cohort.organization_id
    return [
        reverse("cohorts:detail", args=[cohort.pk]),
        reverse("cohorts:roster", args=[cohort.pk]),
        reverse("cohorts:notes", args=[cohort.pk]),
        reverse("cohorts:organization", args=[organization]),
        reverse("cohorts:organization_notes", args=[organization]),
        reverse("goals:list", args=[cohort.pk]),
        reverse("goals:checkins", args=[cohort.pk]),
        reverse("goals:partners", args=[cohort.pk]),
        reverse("board:sessions", args=[cohort.pk]),
    ]


def cohort_where_it_must_show(content: str, cohort) -> list[str]:
    if content in {"member_email", "facilitator_email"}:
        return [reverse("cohorts:roster", args=[cohort.pk])]
    return [reverse("cohorts:notes", args=[cohort.pk])]


# Goals and check-ins -----------------------------------------------------------


def author_goal(users: dict, cohort, marker: str, visibility, *, agreed=False):
    """A personal goal of the author's, titled `marker`."""
    author = access(users["author"], cohort)
    goal = goals_services.draft_personal_goal(
        access=author,
        owner=membership(users["author"], cohort),
        title=marker,
        visibility=visibility,
    )
    if agreed:
        goals_services.agree_goal(access=author, goal=goal)
        goal = goals_services.agree_goal(access=access(users["facilitator"], cohort), goal=goal)
    return goal


def author_checkin(users: dict, cohort, win: str, *, shared: bool):
    """The author's check-in of the current period, whose win is `win`."""
    rhythm = periods.rhythm_for(cohort)
    entry, _created = goals_services.submit_checkin(
        access=access(users["author"], cohort),
        period_start=periods.current_period(rhythm).start,
        energy=3,
        win=win,
        shared_with_cohort=shared,
    )
    return entry


def make_goals(content: str, users: dict, cohort, marker: str):
    """Make `content`; return the goal or check-in it lives on."""
    as_facilitator = access(users["facilitator"], cohort)
    if content == "goal_private":
        return author_goal(users, cohort, marker, Goal.Visibility.PRIVATE)
    if content == "goal_cohort":
        return author_goal(users, cohort, marker, Goal.Visibility.COHORT)
    if content == "goal_leader_flag_off":
        return author_goal(users, cohort, marker, Goal.Visibility.LEADER)
    if content == "goal_leader_flag_on":
        set_rhythm(cohort, participants_see_leader_goals=True)
        return author_goal(users, cohort, marker, Goal.Visibility.LEADER)
    if content == "goal_shared":
        return goals_services.create_shared_goal(access=as_facilitator, title=marker)
    if content == "progress_on_private_goal":
        goal = author_goal(users, cohort, "A private goal", Goal.Visibility.PRIVATE, agreed=True)
        goals_services.post_progress(
            access=access(users["author"], cohort), goal=goal, note=marker, value=30
        )
        return goal
    if content == "checkin_partners_only":
        return author_checkin(users, cohort, marker, shared=False)
    if content == "checkin_shared_with_cohort":
        return author_checkin(users, cohort, marker, shared=True)
    if content == "checkin_reply":
        entry = author_checkin(users, cohort, "A quiet week", shared=False)
        goals_services.reply_to_checkin(
            access=access(users["partner"], cohort), checkin=entry, body=marker
        )
        return entry
    if content in {"alignment_note", "leader_encouragement"}:
        # The flag is on, so peers read the goal itself: but never these notes.
        set_rhythm(cohort, participants_see_leader_goals=True)
        goal = author_goal(users, cohort, "A goal shared with my leader", Goal.Visibility.LEADER)
        writer, kind = (
            ("facilitator", "alignment")
            if content == "alignment_note"
            else ("leader", "encouragement")
        )
        goals_services.add_goal_note(
            access=access(users[writer], cohort), goal=goal, kind=kind, body=marker
        )
        return goal
    if content == "cocreation_comment":
        goal = author_goal(users, cohort, "A goal shared with the cohort", Goal.Visibility.COHORT)
        goals_services.add_goal_note(access=as_facilitator, goal=goal, kind="comment", body=marker)
        return goal
    raise AssertionError(content)


def goals_surfaces(cohort, item) -> list[str]:
    """Every page and export that could show a goal or a check-in."""
    urls = [
        reverse("cohorts:detail", args=[cohort.pk]),
        reverse("goals:list", args=[cohort.pk]),
        reverse("goals:export", args=[cohort.pk]),
        reverse("goals:checkins", args=[cohort.pk]),
        reverse("goals:checkins_export", args=[cohort.pk]),
        reverse("goals:partners", args=[cohort.pk]),
    ]
    if isinstance(item, Goal):
        urls.append(reverse("goals:detail", args=[cohort.pk, item.pk]))
        urls.append(reverse("goals:edit", args=[cohort.pk, item.pk]))
    else:
        urls.append(reverse("goals:checkin", args=[cohort.pk, item.pk]))
    return urls


def goals_where_it_must_show(content: str, cohort, item) -> list[str]:
    if content.startswith("goal_"):
        return [
            reverse("goals:detail", args=[cohort.pk, item.pk]),
            reverse("goals:list", args=[cohort.pk]),
            reverse("goals:export", args=[cohort.pk]),
            reverse("cohorts:detail", args=[cohort.pk]),
        ]
    if content.startswith("checkin_"):
        shown = [
            reverse("goals:checkin", args=[cohort.pk, item.pk]),
            reverse("cohorts:detail", args=[cohort.pk]),
        ]
        if content != "checkin_reply":  # the list and export count replies
            shown.append(reverse("goals:checkins", args=[cohort.pk]))
            shown.append(reverse("goals:checkins_export", args=[cohort.pk]))
        return shown
    return [reverse("goals:detail", args=[cohort.pk, item.pk])]
