"""The progress chart of a goal's page, drawn by lib/charts.py.

A personal goal has one line: its figures by date. A shared cohort goal has
one line per participant who posted figures on it, each their own, and the
cohort's median: on each day where someone posted, the median of everyone's
latest figure so far. Joining everyone's figures into one line would make a
zigzag that says nothing about anyone. A facilitator's figure on a shared
goal is listed on the page but draws no line and moves no median: the median
is the participants'.

The chart is built from the updates the page lists, so it shows no figure
the reader could not read below it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from cohorts.models import Membership
from lib.charts import LineChart, Point, Series, line_chart, running_median


def participant_user_ids(goal, updates) -> frozenset[int]:
    """Which authors of `updates` are participants of the goal's cohort: the
    people a shared goal's chart draws (one query, and none for a personal goal)."""
    if not goal.is_shared:
        return frozenset()
    return frozenset(
        Membership.objects.filter(
            cohort_id=goal.cohort_id,
            role=Membership.Role.PARTICIPANT,
            user_id__in={u.author_id for u in updates if u.author_id is not None},
        ).values_list("user_id", flat=True)
    )


def progress_chart(
    goal, updates, *, participants: frozenset[int] = frozenset()
) -> LineChart | None:
    """None until some update carries a figure. `updates` come in the
    model's order (date, then time posted); `participants` are the user ids
    whose figures on a shared goal draw a line (`participant_user_ids`)."""
    figures = [u for u in updates if u.value is not None]
    if not figures:
        return None
    title = _("Progress on “%(goal)s”") % {"goal": goal.title}
    if not goal.is_shared:
        return line_chart([Series(label=_("Progress"), points=_daily(figures))], title=title)
    series = _people_series([u for u in figures if u.author_id in participants])
    if not series:
        return None
    if len(series) > 1:
        series.append(running_median(series, label=_("Median")))
        title = _("Progress on “%(goal)s”: each person and the median") % {"goal": goal.title}
    return line_chart(series, title=title)


def _people_series(figures) -> list[Series]:
    """One series per author, by name (`figures` are the participants' only:
    an account that was deleted has no author left to tell it apart)."""
    by_author: dict[int, list] = {}
    for update in figures:
        by_author.setdefault(update.author_id, []).append(update)
    people = sorted(
        by_author.values(), key=lambda own: (str(own[0].author).casefold(), own[0].author_id)
    )
    names = [str(own[0].author) for own in people]
    series, seen = [], {}
    for own, name in zip(people, names, strict=True):
        label = name
        if names.count(name) > 1:
            # Two people of the same name: the legend must still tell them apart.
            seen[name] = seen.get(name, 0) + 1
            label = f"{name} ({seen[name]})"
        series.append(Series(label=label, points=_daily(own)))
    return series


def _daily(updates) -> tuple[Point, ...]:
    """A day's figure is the last one posted that day."""
    by_day = {}
    for update in updates:
        by_day[update.on] = update.value
    return tuple(Point(on=on, value=value) for on, value in sorted(by_day.items()))
