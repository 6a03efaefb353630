"""The HTML report as a file: self-contained, escaped, and carrying every task behind a gate."""

from __future__ import annotations

import re

from agent_evals.analysis import build_scorecard
from agent_evals.config import parse_config
from agent_evals.reports import chart_library, load_report_details, render_html
from agent_evals.reports.assets import CHART_LICENSE, static_text

from .conftest import CONFIG, HOSTILE


def report(store) -> str:
    config = parse_config(CONFIG).config
    card = build_scorecard(store, config)
    return render_html(card, load_report_details(store, config, card))


def test_the_report_inlines_everything_and_links_to_nothing(store):
    html = report(store)
    assert not re.search(r"""\b(src|href)\s*=""", html)
    assert "<link" not in html
    assert chart_library() in html
    assert "sourceMappingURL" not in html
    assert "default-src 'none'" in html


def test_a_task_id_holding_markup_is_text_everywhere(store):
    html = report(store)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html
    assert "\\u003cscript\\u003ealert" in html  # inside the plots' JSON


def test_the_report_lists_the_regressed_tasks_and_the_violation(store):
    html = report(store)
    regressions = html.split('id="regressions"')[1].split("</table>")[0]
    assert regressions.count("<tr>") == 1 + 3  # header and three lost tasks
    assert "tests failed: test_parse" in regressions
    violations = html.split('id="violations"')[1].split("</table>")[0]
    assert "forbidden-path" in violations and "db/0001_init.py" in violations


def test_the_chart_library_ships_with_its_licence():
    assert "MIT License" in static_text(CHART_LICENSE)
    assert chart_library().startswith("/*!\n * Chart.js v4")


def test_without_run_details_the_report_still_shows_the_decision_and_success_plot(store):
    config = parse_config(CONFIG).config
    html = render_html(build_scorecard(store, config))
    assert '<span class="BLOCKED">BLOCKED</span>' in html
    assert 'id="chart-success"' in html
    assert HOSTILE not in html and 'id="regressions"' not in html
