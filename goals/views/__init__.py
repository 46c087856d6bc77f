"""Thin views: check access in goals/rules.py, call one service, render.

A refused id is a 404 whatever the reason; a broken rule (DomainError) is
shown next to the form that caused it, with what the person typed kept.
"""

from goals.views.checkin_pages import (
    checkin_detail,
    checkin_list,
    checkin_reply,
    checkin_submit,
)
from goals.views.exports import checkins_export, goals_export
from goals.views.goal_actions import (
    goal_agree,
    goal_commitment,
    goal_note,
    goal_progress,
    goal_status,
    goal_visibility,
    milestone_action,
    milestone_add,
)
from goals.views.goal_pages import goal_detail, goal_edit, goal_list, goal_new
from goals.views.partner_pages import partner_list, partners_edit, partners_rotate, rhythm

__all__ = [
    "checkin_detail",
    "checkin_list",
    "checkin_reply",
    "checkin_submit",
    "checkins_export",
    "goal_agree",
    "goal_commitment",
    "goal_detail",
    "goal_edit",
    "goal_list",
    "goal_new",
    "goal_note",
    "goal_progress",
    "goal_status",
    "goal_visibility",
    "goals_export",
    "milestone_action",
    "milestone_add",
    "partner_list",
    "partners_edit",
    "partners_rotate",
    "rhythm",
]
