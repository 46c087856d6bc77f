"""What the goals app does when a participant's leader link changes.

Connected in GoalsConfig.ready(): cohorts sends these signals and cannot
import goals (goals imports cohorts). Both run inside the sender's
transaction, so the events they write commit or roll back with the change.
"""

from __future__ import annotations

from goals import events
from goals.models import Goal


def _leader_goals(membership):
    return Goal.objects.filter(
        owner=membership, kind=Goal.Kind.PERSONAL, visibility=Goal.Visibility.LEADER
    ).select_related("owner__user", "cohort")


def withdraw_from_previous_leader(
    sender, *, membership, previous_leader_id, previous_confirmed, **kwargs
) -> None:
    """The previous leader loses the participant's leader-only goals (unless
    they still read them otherwise, as a participant of the cohort say): a
    `goal.removed` to their open sockets, and the goals' earlier events no
    longer replay to them on resume. A link never confirmed gave them
    nothing to withdraw."""
    if previous_leader_id is None or not previous_confirmed:
        return
    for goal in _leader_goals(membership):
        events.goal_hidden(goal, user_ids={previous_leader_id})


def show_to_confirmed_leader(sender, *, membership, **kwargs) -> None:
    """A confirmed leader's open sockets get the goals shared with them."""
    for goal in _leader_goals(membership):
        events.goal_changed(goal, user_ids={membership.leader_id})
