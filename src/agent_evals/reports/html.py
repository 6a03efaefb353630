"""The scorecard as a standalone HTML page (Jinja2, autoescaped)."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape

from agent_evals.analysis.results import Scorecard
from agent_evals.reports.rows import GATE_HEADERS, METRIC_HEADERS, gate_rows, metric_rows

_ENV = Environment(
    loader=PackageLoader("agent_evals.reports", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
)


def render_html(scorecard: Scorecard) -> str:
    """A self-contained HTML scorecard."""
    decision = scorecard.decision
    return _ENV.get_template("scorecard.html.j2").render(
        release=scorecard.release,
        status=decision.status,
        reason=decision.reason,
        metric_headers=METRIC_HEADERS,
        metric_rows=metric_rows(scorecard),
        gate_headers=GATE_HEADERS,
        gate_rows=gate_rows(scorecard.overall.decision.gates),
        warnings=scorecard.overall.decision.warnings,
        mode=decision.mode,
        seed=decision.seed,
    )
