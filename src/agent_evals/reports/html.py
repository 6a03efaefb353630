"""The scorecard as one self-contained HTML page: decision, tables, plots, tasks, provenance.

The page inlines the vendored chart library, its data as escaped JSON and a small drawing
script, so it opens offline and never fetches anything; Jinja2 autoescapes every value shown.
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

from agent_evals.analysis.results import Scorecard
from agent_evals.reports.assets import chart_library, static_text
from agent_evals.reports.charts import charts
from agent_evals.reports.details import ReportDetails
from agent_evals.reports.rows import GATE_HEADERS, METRIC_HEADERS, gate_rows, metric_rows

_ENV = Environment(
    loader=PackageLoader("agent_evals.reports", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
)
# The order failing gates are explained in, with what each one's tasks are called.
GATE_TASKS = {
    "tokens": "Tasks where the candidate used the most tokens more",
    "review": "Tasks where the candidate drew the most extra review comments",
    "cost": "Tasks where the candidate cost the most more",
}


def render_html(scorecard: Scorecard, details: ReportDetails | None = None) -> str:
    """A self-contained HTML report; ``details`` adds per-task plots, tasks and provenance."""
    decision = scorecard.decision
    overall_gates = scorecard.overall.decision.gates
    return _ENV.get_template("report.html.j2").render(
        release=scorecard.release,
        status=decision.status,
        reason=decision.reason,
        reasons=decision.reasons,
        metric_headers=METRIC_HEADERS,
        metric_rows=metric_rows(scorecard),
        gate_headers=GATE_HEADERS,
        gate_rows=gate_rows(overall_gates),
        slice_gates=[(c.slice, gate_rows(c.decision.gates)) for c in scorecard.slices],
        failing={g.name for g in overall_gates if g.verdict == "fail"},
        gate_tasks=GATE_TASKS,
        warnings=scorecard.overall.decision.warnings,
        mode=decision.mode,
        seed=decision.seed,
        details=details,
        charts=charts(scorecard, details),
        chart_library=chart_library(),
        report_script=static_text("report.js"),
    )
