"""The harness: runs agents in fresh workspaces, measures them from outside, stores the runs."""

from agent_evals.harness.fake_agent import FakeAgent, FakeStep
from agent_evals.harness.reviewer import RULES, Finding, ReviewInput, auto_review
from agent_evals.harness.runner import RunOptions, run_slice
from agent_evals.harness.workspace import Workspace, Workspaces

__all__ = [
    "RULES",
    "FakeAgent",
    "FakeStep",
    "Finding",
    "ReviewInput",
    "RunOptions",
    "Workspace",
    "Workspaces",
    "auto_review",
    "run_slice",
]
