"""Workflows: the harness, analysis and gateway put together to answer a release question.

Replay and decide (``replay``), slice locks (``lock_slices``), replays metered through an
in-process gateway (``workflows.metering``, which needs the gateway extra) and the offline
demo (``python -m agent_evals.workflows.demo``).
"""

from agent_evals.workflows.locks import lock_slices
from agent_evals.workflows.replay import ReplayOptions, ReplayOutcome, replay, run_lane

__all__ = [
    "ReplayOptions",
    "ReplayOutcome",
    "lock_slices",
    "replay",
    "run_lane",
]
