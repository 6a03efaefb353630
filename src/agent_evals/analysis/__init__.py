"""Analysis: lane metrics, paired statistics, gates, decisions and the scorecard."""

from agent_evals.analysis.decision import combine, decide
from agent_evals.analysis.gates import GATES, GateInput, gate
from agent_evals.analysis.metrics import lane_metrics, lane_metrics_from_runs
from agent_evals.analysis.pairing import Pairs, pair_lanes
from agent_evals.analysis.results import (
    GateDecision,
    GateResult,
    Interval,
    LaneMetrics,
    Scorecard,
    SliceComparison,
)
from agent_evals.analysis.scorecard import (
    OVERALL,
    build_scorecard,
    gated_tasks,
    release_history,
    release_waivers,
    scorecard_from_table,
    with_note,
)
from agent_evals.analysis.table import RunTable, load_run_table, run_table_from_records

__all__ = [
    "GATES",
    "OVERALL",
    "GateDecision",
    "GateInput",
    "GateResult",
    "Interval",
    "LaneMetrics",
    "Pairs",
    "RunTable",
    "Scorecard",
    "SliceComparison",
    "build_scorecard",
    "combine",
    "decide",
    "gate",
    "gated_tasks",
    "lane_metrics",
    "lane_metrics_from_runs",
    "load_run_table",
    "pair_lanes",
    "release_history",
    "release_waivers",
    "run_table_from_records",
    "scorecard_from_table",
    "with_note",
]
