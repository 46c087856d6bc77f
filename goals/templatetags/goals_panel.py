"""The goals and check-ins panel of the cohort page.

templates/cohorts/detail.html includes templates/goals/_cohort_panel.html,
which calls this tag: the panel finds its own data, so the cohort view (owned
by the cohorts app) needs to know nothing about goals.
"""

from django import template
from django.http import Http404

from goals import periods, rounds, rules
from goals.forms import ReplyForm

register = template.Library()


@register.inclusion_tag("goals/_panel_body.html", takes_context=True)
def goals_panel(context):
    request = context["request"]
    cohort = context["cohort"]
    try:
        access = rules.access_goals(request.user, cohort.pk)
    except Http404:
        # HR admins and anyone else: none of this content is theirs.
        return {"show": False}
    rhythm = periods.rhythm_for(cohort)
    period = periods.current_period(rhythm)
    checkins = []
    mine = None
    if access.can_read_checkins:
        visible = (
            rules.with_reply_rights(access, rules.visible_checkins(access))
            .filter(period_start=period.start)
            .select_related("author__user")
            .prefetch_related("replies__author")
            .order_by("created_at", "pk")
        )
        checkins = [(c, c.can_reply) for c in visible]
        if access.can_write_checkins:
            mine = next((c for c, _ in checkins if c.author_id == access.membership.pk), None)
    goals = rules.visible_goals(access).select_related("owner__user")
    return {
        "show": True,
        "access": access,
        "cohort": cohort,
        "period": period,
        "checkins": checkins,
        "mine": mine,
        "goals": goals,
        "partners": rounds.partners_of(access.membership) if access.has_partners else [],
        "csrf_token": context.get("csrf_token"),
        # For static/js/cohort.js (json_script "cohort-config"); its texts come
        # from the JavaScript catalog.
        "config": {"limits": {"reply": ReplyForm.base_fields["body"].max_length}},
    }
