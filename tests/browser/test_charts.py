"""In real Chromium: a shared goal's chart stays readable on a laptop and on a
phone. No two visible axis labels overlap, every label lies inside the
picture and is big enough to read, and the page passes axe with the table of
figures open."""

import datetime

import pytest

from goals.models import ProgressUpdate
from tests.browser.conftest import assert_no_axe_violations
from tests.goals_support import add_participant, shared_goal

VIEWPORTS = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 740}}

# Every visible label of the chart's axes, its box as the browser drew it.
MEASURE = """(figure) => {
  const svg = figure.querySelector('svg.chart-canvas').getBoundingClientRect();
  const labels = [...figure.querySelectorAll('text.chart-x-label, text.chart-y-label')]
    .filter(t => getComputedStyle(t).display !== 'none')
    .map(t => { const r = t.getBoundingClientRect();
      return {text: t.textContent, left: r.left, right: r.right, top: r.top,
              bottom: r.bottom, height: r.height}; });
  return {svg: {left: svg.left, right: svg.right, top: svg.top, bottom: svg.bottom},
          labels};
}"""


def overlaps(a, b) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and (a["top"] < b["bottom"] and b["top"] < a["bottom"])
    )


def goal_with_figures(cohort, people, title, *, days, every):
    goal = shared_goal(cohort, title=title)
    start = datetime.date(2025, 11, 3)
    for n, user in enumerate(people):
        for day in range(0, days, every):
            ProgressUpdate.objects.create(
                goal=goal,
                author=user,
                value=(n * 9 + day) % 101,
                on=start + datetime.timedelta(days=day + n % every),
            )
    return goal


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_goal_chart_labels_never_overlap(
    viewport, live_server_url, new_page, log_in, cohort, facilitator
):
    cohort.capacity = 30
    cohort.save()
    people = [add_participant(cohort, f"p{n}@acme.test", f"Person {n}") for n in range(12)]
    goals = [
        goal_with_figures(cohort, people[:1], "One day", days=1, every=1),
        goal_with_figures(cohort, people[:4], "Six weeks", days=42, every=3),
        goal_with_figures(cohort, people, "Ten months", days=300, every=1),
    ]
    page = log_in(new_page(), "coach@acme.test")
    page.set_viewport_size(VIEWPORTS[viewport])
    for goal in goals:
        page.goto(f"{live_server_url}{goal.get_absolute_url()}")
        figure = page.locator("figure.line-chart")
        measured = figure.evaluate(MEASURE)
        labels, svg = measured["labels"], measured["svg"]
        x_labels = figure.locator("text.chart-x-label:visible").count()
        assert 1 <= x_labels <= 6, f"{goal.title}: {x_labels} time labels"
        for n, label in enumerate(labels):
            assert svg["left"] <= label["left"] and label["right"] <= svg["right"] + 0.5, label
            assert svg["top"] <= label["top"] and label["bottom"] <= svg["bottom"] + 0.5, label
            assert label["height"] >= 10, f"{goal.title}: {label} is too small to read"
            for other in labels[n + 1 :]:
                assert not overlaps(label, other), f"{goal.title}: {label} overlaps {other}"
        page.get_by_text("Show the figures as a table").click()
        assert_no_axe_violations(page)
