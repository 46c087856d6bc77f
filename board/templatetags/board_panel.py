"""The sessions panel of the cohort page.

templates/cohorts/detail.html includes templates/board/_cohort_sessions.html,
which calls this tag: the board's rule book decides what the panel shows, so
the cohort view (owned by the cohorts app) needs to know nothing about sessions.
"""

from django import template

from board import rules

register = template.Library()


@register.inclusion_tag("board/_cohort_sessions_body.html", takes_context=True)
def cohort_sessions_panel(context):
    access, cohort = context["access"], context["cohort"]
    return {
        "show": rules.can_see_sessions(access),
        "can_schedule": rules.can_schedule_sessions(access),
        "cohort": cohort,
    }
