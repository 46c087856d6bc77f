"""The goals and check-ins panel of the cohort page.

templates/cohorts/detail.html includes templates/goals/_cohort_panel.html,
which calls this tag: the panel finds its own data, so the cohort view (owned
by the cohorts app) needs to know nothing about goals.
"""

from django import template
from django.http import Http404
from django.utils.translation import gettext as _

from cohorts import permissions
from goals import periods, services

register = template.Library()


@register.inclusion_tag("goals/_panel_body.html", takes_context=True)
def goals_panel(context):
    request = context["request"]
    cohort = context["cohort"]
    try:
        access = permissions.access_goals(request.user, cohort.pk)
    except Http404:
        # HR admins and anyone else: none of this content is theirs.
        return {"show": False}
    rhythm = periods.rhythm_for(cohort)
    period = periods.current_period(rhythm)
    checkins = []
    mine = None
    if access.is_member:
        visible = (
            permissions.visible_checkins(access)
            .filter(period_start=period.start)
            .select_related("author__user")
            .prefetch_related("replies__author")
            .order_by("created_at", "pk")
        )
        checkins = [(c, permissions.can_reply_checkin(access, c)) for c in visible]
        if access.is_participant:
            mine = next((c for c, _ in checkins if c.author_id == access.membership.pk), None)
    goals = permissions.visible_goals(access).select_related("owner__user")
    return {
        "show": True,
        "access": access,
        "cohort": cohort,
        "period": period,
        "checkins": checkins,
        "mine": mine,
        "goals": goals,
        "partners": services.partners_of(access.membership) if access.is_participant else [],
        "csrf_token": context.get("csrf_token"),
        "strings": {
            "energy": _("energy %(energy)s/5"),
            "win": _("Win"),
            "challenge": _("Challenge"),
            "ask": _("Ask for support"),
            "replies": _("Replies"),
            "replyTo": _("Reply to %(name)s"),
            "reply": _("Reply"),
            "sending": _("Sending…"),
            "live": _("Live: new check-ins appear here as they arrive.")
            if access.is_member
            else _("Live: the goals shared with you update here."),
            "reconnecting": _("Connection lost; reconnecting…"),
            "closed": _("Live updates are not available on this page."),
            "noCheckins": _("No check-in yet this period."),
            "noGoals": _("No goal to show yet."),
            "someone": _("someone who left"),
            "sharedWithCohort": _("shared with the cohort"),
            "tooLong": _("A reply can be at most 2000 characters."),
            "empty": _("Write a reply first."),
        },
    }
