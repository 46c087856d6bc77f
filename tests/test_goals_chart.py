"""The server-drawn progress chart: geometry only, no script, no remote asset."""

import datetime
from types import SimpleNamespace

from goals import charts

D = datetime.date


def update(on, value):
    return SimpleNamespace(on=on, value=value)


def test_no_figure_no_chart():
    assert charts.progress_chart([update(D(2026, 3, 2), None)]) is None


def test_points_run_left_to_right_by_date_and_up_with_the_figure():
    chart = charts.progress_chart(
        [update(D(2026, 3, 16), 60), update(D(2026, 3, 2), 10), update(D(2026, 3, 9), None)]
    )
    first, last = chart.points
    assert (first.on, first.value, last.on, last.value) == (D(2026, 3, 2), 10, D(2026, 3, 16), 60)
    assert first.x == chart.plot_left and last.x == chart.plot_right
    assert last.y < first.y  # higher figures are drawn higher
    assert [anchor for _day, _x, anchor in chart.x_ticks] == ["start", "end"]
    assert chart.polyline.count(",") == 2


def test_a_single_figure_sits_in_the_middle():
    chart = charts.progress_chart([update(D(2026, 3, 2), 40)])
    assert chart.x_ticks == [(D(2026, 3, 2), chart.points[0].x, "middle")]
    assert chart.points[0].x == (chart.plot_left + chart.plot_right) / 2


def test_the_y_axis_spans_0_to_100():
    chart = charts.progress_chart([update(D(2026, 3, 2), 0), update(D(2026, 4, 2), 100)])
    assert chart.points[0].y == chart.plot_bottom
    assert [value for value, _y in chart.y_ticks] == [0, 25, 50, 75, 100]
