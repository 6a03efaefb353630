"""The harness: runs agents in fresh workspaces, measures them from outside, stores the runs."""

from agent_evals.harness.fake_agent import FakeAgent, FakeStep
from agent_evals.harness.replay import ReplayOutcome, lock_slices, replay
from agent_evals.harness.reviewer import RULES, Finding, ReviewInput, auto_review
from agent_evals.harness.runner import run_slice
from agent_evals.harness.workspace import Workspace, Workspaces

__all__ = [
    "RULES",
    "FakeAgent",
    "FakeStep",
    "Finding",
    "ReplayOutcome",
    "ReviewInput",
    "Workspace",
    "Workspaces",
    "auto_review",
    "lock_slices",
    "replay",
    "run_slice",
]
