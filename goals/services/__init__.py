"""Goals, check-ins and partners: every write goes through these functions.

Each takes the caller's CohortAccess (from cohorts.permissions, or the
GoalsAccess of goals/rules.py) and checks the rule in goals/rules.py itself, so
views and the cohort consumer cannot disagree. A broken rule
raises DomainError and leaves the data as it was. Live events are appended to
the cohort stream inside the same transaction and sent after commit.

One module per noun: goal_changes (goals, milestones, progress, notes,
commitments), checkins (rhythm, check-ins, replies), partner_rounds (the
reads of partner rounds live in goals/rounds.py, below the events).
"""

from goals.rounds import current_round, has_checkins, partners_of, round_groups
from goals.services.checkins import (
    GoalProgressEntry,
    checkin_goals,
    reply_to_checkin,
    submit_checkin,
    update_rhythm,
)
from goals.services.goal_changes import (
    add_goal_note,
    add_milestone,
    agree_goal,
    commitments_for,
    create_shared_goal,
    delete_milestone,
    draft_personal_goal,
    edit_goal,
    move_milestone,
    post_progress,
    set_goal_status,
    set_goal_visibility,
    set_milestone_done,
    tie_commitment,
)
from goals.services.partner_rounds import edit_partner_groups, rotate_partners

__all__ = [
    "GoalProgressEntry",
    "add_goal_note",
    "add_milestone",
    "agree_goal",
    "checkin_goals",
    "commitments_for",
    "create_shared_goal",
    "current_round",
    "delete_milestone",
    "draft_personal_goal",
    "edit_goal",
    "edit_partner_groups",
    "has_checkins",
    "move_milestone",
    "partners_of",
    "post_progress",
    "reply_to_checkin",
    "rotate_partners",
    "round_groups",
    "set_goal_status",
    "set_goal_visibility",
    "set_milestone_done",
    "submit_checkin",
    "tie_commitment",
    "update_rhythm",
]
