"""A goal's progress chart: one line for a personal goal; for a shared goal,
one line per person and the cohort's median, never everyone's figures joined
into one zigzag."""

import datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from goals import charts
from goals.models import ProgressUpdate
from tests import factories
from tests.goals_support import add_participant, personal_goal, shared_goal

D = datetime.date
START = D(2026, 3, 2)

pytestmark = pytest.mark.django_db

SHARED = SimpleNamespace(is_shared=True, title="Psychological safety")
PERSONAL = SimpleNamespace(is_shared=False, title="Delegate more")


class Person:
    """An update's author, as far as the chart reads one."""

    def __init__(self, pk, name):
        self.pk, self.name = pk, name

    def __str__(self):
        return self.name


def update(day, value, author=None):
    return SimpleNamespace(
        on=START + datetime.timedelta(days=day),
        value=value,
        author=author,
        author_id=author.pk if author else None,
    )


def lines(chart):
    return {
        line.label: [cell for cell in (row.cells[n] for row in chart.rows) if cell]
        for n, line in enumerate(chart.series)
    }


# Personal goals -------------------------------------------------------------


def test_no_figure_no_chart():
    assert charts.progress_chart(PERSONAL, [update(0, None)]) is None


def test_a_personal_goal_has_one_line_by_date_the_last_figure_of_a_day_counting():
    chart = charts.progress_chart(
        PERSONAL, [update(0, 10), update(0, 15), update(7, None), update(14, 60)]
    )
    assert lines(chart) == {"Progress": ["15%", "60%"]}
    assert not chart.show_legend and "Delegate more" in chart.title
    (line,) = chart.series
    assert not line.summary and len(line.polyline.split()) == 2


# Shared goals -----------------------------------------------------------------


def test_a_shared_goal_has_one_line_per_person_and_the_median():
    ana, bo = Person(1, "Ana"), Person(2, "Bo")
    chart = charts.progress_chart(
        SHARED,
        [update(0, 16, ana), update(1, 34, bo), update(2, 28, ana), update(3, 37, bo)],
        participants=frozenset({1, 2}),
    )
    assert lines(chart) == {
        "Ana": ["16%", "28%"],
        "Bo": ["34%", "37%"],
        "Median": ["16%", "25%", "31%", "32.5%"],
    }
    median = chart.series[-1]
    assert median.summary and median.end_label is not None
    assert [line.summary for line in chart.series] == [False, False, True]


def test_lines_are_ordered_by_name_and_namesakes_told_apart():
    zoe, ana_1, ana_2 = Person(1, "Zoé"), Person(2, "ana"), Person(3, "ana")
    chart = charts.progress_chart(
        SHARED,
        [update(0, 1, zoe), update(0, 2, ana_1), update(1, 3, ana_2)],
        participants=frozenset({1, 2, 3}),
    )
    assert [line.label for line in chart.series] == ["ana (1)", "ana (2)", "Zoé", "Median"]


def test_one_person_needs_no_median():
    ana = Person(1, "Ana")
    chart = charts.progress_chart(
        SHARED, [update(0, 16, ana), update(3, 30, ana)], participants=frozenset({1})
    )
    assert [line.label for line in chart.series] == ["Ana"]


def test_figures_of_a_deleted_account_form_no_line():
    ana, bo = Person(1, "Ana"), Person(2, "Bo")
    chart = charts.progress_chart(
        SHARED,
        [update(0, 90, None), update(1, 20, ana), update(2, 40, bo)],
        participants=frozenset({1, 2}),
    )
    assert lines(chart) == {"Ana": ["20%"], "Bo": ["40%"], "Median": ["20%", "30%"]}


def test_only_participants_draw_a_line_and_count_in_the_median():
    ana, bo, coach = Person(1, "Ana"), Person(2, "Bo"), Person(9, "Coach")
    chart = charts.progress_chart(
        SHARED,
        [update(0, 20, ana), update(0, 99, coach), update(1, 40, bo)],
        participants=frozenset({1, 2}),
    )
    assert lines(chart) == {"Ana": ["20%"], "Bo": ["40%"], "Median": ["20%", "30%"]}


def test_no_participant_figure_no_chart():
    coach = Person(9, "Coach")
    chart = charts.progress_chart(SHARED, [update(0, 99, coach)], participants=frozenset({1}))
    assert chart is None


# The goal's page ------------------------------------------------------------------


def post_figures(goal, users, *, days=3):
    for n, user in enumerate(users):
        for day in range(days):
            ProgressUpdate.objects.create(
                goal=goal,
                author=user,
                value=(10 * n + 7 * day) % 101,
                on=START + datetime.timedelta(days=day),
            )


def page(user, goal) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(goal.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_the_shared_goal_page_draws_each_person_and_the_median(
    cohort, facilitator, participant, other_participant
):
    goal = shared_goal(cohort)
    post_figures(goal, [participant, other_participant, facilitator])
    html = page(facilitator, goal)
    figure = html.split('<figure class="chart line-chart">', 1)[1].split("</figure>", 1)[0]
    assert figure.count("<polyline") == 3
    legend = figure.split('<ul class="chart-legend">', 1)[1].split("</ul>", 1)[0]
    for name in (str(participant), str(other_participant), "Median"):
        assert name in legend
    assert str(facilitator) not in legend  # listed below, but no line: not a participant
    assert "Show the figures as a table" in figure


def test_a_personal_goal_page_draws_one_line(cohort, participant, other_participant):
    goal = personal_goal(cohort, participant, visibility="cohort")
    post_figures(goal, [participant])
    html = page(other_participant, goal)
    assert html.count("<polyline") == 1 and "chart-legend" not in html


def test_the_goal_page_costs_the_same_queries_for_2_or_20_people(cohort, facilitator):
    cohort.capacity = 100
    cohort.save()
    goal = shared_goal(cohort)
    client = Client()
    client.force_login(facilitator)
    counts = []
    for start, count in ((0, 2), (2, 18)):
        people = [
            add_participant(cohort, f"p{n}@acme.test", f"Person {n}")
            for n in range(start, start + count)
        ]
        post_figures(goal, people)
        client.get(goal.get_absolute_url())  # warm the session and per-process caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(goal.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    small, large = counts
    assert small == large, f"{small} queries, then {large}"
    assert page(facilitator, goal).count("<polyline") == 21


def test_a_stranger_sees_no_chart(cohort, participant):
    goal = shared_goal(cohort)
    post_figures(goal, [participant])
    stranger = factories.UserFactory(email="stranger@elsewhere.test")
    client = Client()
    client.force_login(stranger)
    response = client.get(goal.get_absolute_url())
    assert response.status_code == 404 and b"<svg" not in response.content
