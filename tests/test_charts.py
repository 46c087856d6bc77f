"""The project's chart toolkit (lib/charts.py) and its two templates.

Geometry first: dates placed by their distance, time labels that never
overlap, the value axis, markers and dashes that tell series apart without
colour. Then the markup: every label escaped, every figure in the table,
numbers in the SVG that a browser can read in any language.
"""

import datetime
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from lib import charts
from lib.charts import Point, Series, bar_chart, line_chart, running_median

D = datetime.date
START = D(2026, 3, 2)


def days(*offsets_and_values) -> tuple[Point, ...]:
    return tuple(
        Point(on=START + datetime.timedelta(days=d), value=v) for d, v in offsets_and_values
    )


def label_box(tick, font_size):
    """The extent of a time label, at the toolkit's generous estimate of its
    width (tests/browser/test_charts.py measures the real one)."""
    width = charts.text_width(tick.text, font_size)
    start = {"start": tick.x, "middle": tick.x - width / 2, "end": tick.x - width}[tick.anchor]
    return start, start + width


def assert_apart(chart, ticks, font_size):
    boxes = [label_box(tick, font_size) for tick in ticks]
    for (_a_start, a_end), (b_start, _b_end) in zip(boxes, boxes[1:], strict=False):
        assert a_end < b_start, f"{[t.text for t in ticks]} overlap at {font_size}"
    for start, end in boxes:
        assert chart.left <= start and end <= chart.width, f"label outside the picture: {boxes}"


# Geometry: the time axis -------------------------------------------------------


def test_dates_are_placed_by_their_distance_not_their_rank():
    chart = line_chart([Series("A", days((0, 10), (1, 20), (10, 30)))], title="T")
    (line,) = chart.series
    xs = [float(pair.split(",")[0]) for pair in line.polyline.split()]
    assert xs[0] == chart.left and xs[2] == chart.right
    assert xs[1] - xs[0] == pytest.approx((xs[2] - xs[0]) / 10, abs=0.1)


def test_a_single_day_sits_in_the_middle_with_one_label():
    chart = line_chart([Series("A", days((0, 40)))], title="T")
    (tick,) = chart.x_ticks
    assert tick.x == pytest.approx((chart.left + chart.right) / 2, abs=0.1)
    assert tick.anchor == "middle" and not tick.minor
    (line,) = chart.series
    assert line.polyline == "" and line.markers  # one point: a marker, no line


@pytest.mark.parametrize("spacing", [1, 3, 7, 30])
def test_time_labels_never_overlap_at_any_number_of_points(spacing):
    for count in range(1, 301):
        points = tuple(
            Point(on=START + datetime.timedelta(days=n * spacing), value=n % 101)
            for n in range(count)
        )
        chart = line_chart([Series("A", points)], title="T")
        ticks = chart.x_ticks
        assert 1 <= len(ticks) <= charts.MAX_TIME_LABELS
        assert_apart(chart, ticks, charts.LABEL_FONT_SIZE)
        majors = [tick for tick in ticks if not tick.minor]
        assert majors, f"{count} points every {spacing} days: no label left when narrow"
        assert_apart(chart, majors, charts.NARROW_LABEL_FONT_SIZE)
        first, last = points[0].on, points[-1].on
        assert all(first <= tick.on <= last for tick in ticks)


def test_a_span_across_new_year_names_each_year_once():
    chart = line_chart([Series("A", days((0, 1), (400, 2)))], title="T")
    texts = [tick.text for tick in chart.x_ticks]
    years = [text for text in texts if re.search(r"\b20\d\d\b", text)]
    assert years[0] == texts[0] and len(years) == 2, texts


def test_labels_at_the_edges_stay_inside_the_picture():
    chart = line_chart([Series("A", days((0, 1), (1, 2)))], title="T")
    assert [tick.anchor for tick in chart.x_ticks] == ["start", "end"]


# Geometry: the value axis ------------------------------------------------------


def test_the_value_axis_runs_from_0_to_y_max_with_gridlines():
    chart = line_chart([Series("A", days((0, 0), (5, 100)))], title="T")
    assert [tick.text for tick in chart.y_ticks] == ["0%", "25%", "50%", "75%", "100%"]
    assert chart.y_ticks[0].y == chart.bottom and chart.y_ticks[-1].y == chart.top
    (line,) = chart.series
    ys = [float(pair.split(",")[1]) for pair in line.polyline.split()]
    assert ys == [chart.bottom, chart.top]


def test_another_scale_gets_round_steps_that_reach_its_largest_value():
    chart = line_chart([Series("A", days((0, 3), (5, 9)))], title="T", y_max=7, y_unit="")
    assert [tick.text for tick in chart.y_ticks] == ["0", "2.5", "5", "7.5", "10"]


def test_equal_values_draw_a_flat_line():
    chart = line_chart([Series("A", days((0, 50), (3, 50), (9, 50)))], title="T")
    (line,) = chart.series
    assert len({pair.split(",")[1] for pair in line.polyline.split()}) == 1


def test_no_points_make_an_empty_chart():
    chart = line_chart([], title="T")
    assert chart.empty and chart.x_ticks == () and chart.series == ()
    html = render_to_string("charts/line.html", {"chart": chart})
    assert "<svg" not in html and "No figures yet." in html


# Geometry: telling series apart ------------------------------------------------


def test_twenty_series_differ_by_shape_and_dash_not_colour_alone():
    many = [Series(f"P{n}", days((0, n), (9, 2 * n))) for n in range(20)]
    chart = line_chart([*many, running_median(many, label="Median")], title="T")
    plain = [line for line in chart.series if not line.summary]
    assert len({(line.shape, line.dash) for line in plain}) == 20
    assert len({line.swatch_marker for line in plain}) == len(charts.SHAPES)
    (median,) = [line for line in chart.series if line.summary]
    assert median.shape not in {line.shape for line in plain}
    assert "chart-summary" in median.css_class and "chart-dash" not in median.css_class
    assert median.end_label is not None and chart.drawing_order[-1] is median


def test_long_series_keep_one_marker_at_their_end():
    long = Series(
        "A", tuple(Point(START + datetime.timedelta(days=n), n % 100) for n in range(300))
    )
    chart = line_chart([long], title="T")
    (line,) = chart.series
    assert line.markers.count("Z") == 1
    assert len(line.polyline.split()) == 300


def test_the_summary_name_stays_inside_the_picture_at_the_top():
    chart = line_chart([Series("Median", days((0, 90), (9, 100)), summary=True)], title="T")
    label = chart.series[0].end_label
    assert label.anchor == "end" and chart.top < label.y < chart.bottom


# The running median ---------------------------------------------------------


def test_the_median_takes_each_series_latest_value_on_each_day():
    ana = Series("Ana", days((0, 16), (3, 34)))
    bo = Series("Bo", days((1, 28), (7, 37)))
    cy = Series("Cy", days((3, 10)))
    median = running_median([ana, bo, cy], label="Median")
    assert median.summary and median.label == "Median"
    assert [(p.on - START).days for p in median.points] == [0, 1, 3, 7]
    # day 0: {16}; day 1: {16, 28}; day 3: {34, 28, 10}; day 7: {34, 37, 10}
    assert [p.value for p in median.points] == [16, 22, 28, 34]


def test_the_median_of_nothing_is_empty():
    assert running_median([], label="Median").points == ()


# Markup ----------------------------------------------------------------------


class Tables(HTMLParser):
    """The cells of every table, row by row."""

    def __init__(self):
        super().__init__()
        self.rows, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th") and self.rows:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def table_of(html):
    parser = Tables()
    parser.feed(html)
    return parser.rows


def test_the_table_gives_every_figure_of_every_series():
    ana = Series("Ana", days((0, 16), (3, 34.5)))
    bo = Series("Bo", days((1, 28), (3, 37)))
    chart = line_chart([ana, bo, running_median([ana, bo], label="Median")], title="T")
    rows = table_of(render_to_string("charts/line.html", {"chart": chart}))
    assert rows[0] == ["Date", "Ana", "Bo", "Median"]
    body = {row[0]: row[1:] for row in rows[1:]}
    assert list(body.values()) == [
        ["16%", "", "16%"],
        ["", "28%", "22%"],
        ["34.5%", "37%", "35.8%"],
    ]


def test_every_label_is_escaped():
    evil = '<script>alert("x")</script>'
    chart = line_chart([Series(evil, days((0, 1), (2, 3))), Series("B", days((1, 2)))], title=evil)
    html = render_to_string("charts/line.html", {"chart": chart})
    bars = render_to_string("charts/bars.html", {"chart": bar_chart([(evil, 3)], title=evil)})
    for page in (html, bars):
        assert "<script>" not in page
        assert "&lt;script&gt;" in page


def test_the_picture_is_named_and_described_and_has_no_inline_style():
    chart = line_chart([Series("A", days((0, 1), (2, 3))), Series("B", days((1, 2)))], title="T")
    html = render_to_string("charts/line.html", {"chart": chart})
    svg = re.search(r"<svg class=\"chart-canvas\"[^>]*>", html).group(0)
    assert 'role="img"' in svg and "viewBox=" in svg
    labelled_by = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()
    for target in labelled_by:
        assert html.count(f'id="{target}"') == 1
    assert "style=" not in html and "<script" not in html and "http" not in html
    assert html.count("<li>") == 2  # the legend


def test_two_charts_on_one_page_have_their_own_ids():
    first = line_chart([Series("A", days((0, 1)))], title="T")
    second = line_chart([Series("A", days((0, 1)))], title="T")
    assert first.id != second.id


def test_svg_numbers_stay_plain_in_a_decimal_comma_language():
    with translation.override("fr"):
        chart = line_chart([Series("A", days((0, 12.5), (3, 33.3)))], title="T")
        html = render_to_string("charts/line.html", {"chart": chart})
        bars = render_to_string("charts/bars.html", {"chart": bar_chart([("A", 1)], title="T")})
    assert "12,5%" in html  # the table speaks French
    for page in (html, bars):
        svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
        for name, value in re.findall(r" (x|y|x1|x2|y1|y2|width|height|points)=\"([^\"]*)\"", svg):
            pairs = value.split() if name == "points" else [value]
            for pair in pairs:
                assert pair.count(",") == (1 if name == "points" else 0), (name, value)


def test_many_series_and_many_points_render():
    many = [
        Series(
            f"P{n}",
            tuple(Point(START + datetime.timedelta(days=d), (d + n) % 101) for d in range(300)),
        )
        for n in range(20)
    ]
    chart = line_chart([*many, running_median(many, label="Median")], title="T")
    html = render_to_string("charts/line.html", {"chart": chart})
    assert html.count("<polyline") == 21
    assert len(table_of(html)) == 301


def test_the_stylesheet_uses_the_label_sizes_the_geometry_reserves_room_for():
    css = (Path(settings.BASE_DIR) / "static/css/charts.css").read_text()
    sizes = {
        int(size) for size in re.findall(r"\.chart-canvas text \{[^}]*font-size: (\d+)px", css)
    }
    assert min(sizes) == charts.LABEL_FONT_SIZE and max(sizes) == charts.NARROW_LABEL_FONT_SIZE
    assert ".chart-minor { display: none; }" in css
    for n in range(charts.COLOURS):
        assert f".chart-c{n} " in css
    for n in range(1, charts.DASHES):
        assert f".chart-dash-{n} .chart-line" in css


def test_the_base_page_links_the_stylesheet():
    base = (Path(settings.BASE_DIR) / "templates/base.html").read_text()
    assert "css/charts.css" in base


# Bar charts ------------------------------------------------------------------


def test_bars_are_in_proportion_to_the_largest_value():
    chart = bar_chart([("A", 50), ("B", 100), ("C", 0)], title="T")
    a, b, c = chart.bars
    assert a.width == pytest.approx(b.width / 2, abs=0.1) and c.width == 0
    assert [bar.text for bar in chart.bars] == ["50%", "100%", "0%"]
    assert a.y < b.y < c.y


def test_bars_scale_to_max_value_and_clamp_what_exceeds_it():
    chart = bar_chart([("A", 5), ("B", 20)], title="T", max_value=10, unit="sessions")
    a, b = chart.bars
    assert b.width == pytest.approx(a.width * 2, abs=0.1)
    assert b.text == "20\u00a0sessions"
    assert b.text_x + charts.text_width(b.text, charts.NARROW_LABEL_FONT_SIZE) <= chart.width


def test_long_bar_labels_are_shortened_in_the_picture_and_whole_in_the_table():
    name = "Alexandra Montgomery-Featherstonehaugh"
    chart = bar_chart([(name, 40)], title="T")
    (bar,) = chart.bars
    assert bar.short_label.endswith("…") and len(bar.short_label) < len(name)
    html = render_to_string("charts/bars.html", {"chart": chart})
    assert [name, "40%"] in table_of(html)


def test_no_bars_make_an_empty_chart():
    chart = bar_chart([], title="T")
    assert chart.empty
    assert "No figures yet." in render_to_string("charts/bars.html", {"chart": chart})
