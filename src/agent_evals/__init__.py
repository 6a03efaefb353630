"""agent-evals: release a new model behind your coding agents like infrastructure.

The curated public API; everything else lives in the rooms below (config, tasks, harness,
store, analysis, rollout, gateway, importers, reports, workflows).
"""

from agent_evals.analysis import (
    GateDecision,
    GateResult,
    LaneMetrics,
    Scorecard,
    SliceComparison,
    build_scorecard,
    decide,
    lane_metrics_from_runs,
)
from agent_evals.config import LoadedConfig, ReleaseConfig, load_config, parse_config
from agent_evals.errors import AgentEvalsError, ConfigError, UsageError
from agent_evals.records import DiffStats, PolicyViolation, RunRecord, TokenUsage
from agent_evals.store import Store

__all__ = [
    "AgentEvalsError",
    "ConfigError",
    "DiffStats",
    "GateDecision",
    "GateResult",
    "LaneMetrics",
    "LoadedConfig",
    "PolicyViolation",
    "ReleaseConfig",
    "RunRecord",
    "Scorecard",
    "SliceComparison",
    "Store",
    "TokenUsage",
    "UsageError",
    "build_scorecard",
    "decide",
    "lane_metrics_from_runs",
    "load_config",
    "parse_config",
]
__version__ = "0.1.0"
