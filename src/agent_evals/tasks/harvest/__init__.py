"""Harvesting tasks from a repository's history: walk, screen, classify, snapshot, write.

Running the candidate tests (fail before, pass after) is the harness's part
(``harness.harvest_check``); ``workflows.harvest`` puts the two together.
"""

from agent_evals.tasks.harvest.classify import DEFAULT_RULES, Classification, classify
from agent_evals.tasks.harvest.commands import verify_command
from agent_evals.tasks.harvest.history import Change, FileChange, walk_history
from agent_evals.tasks.harvest.paths import PathKinds
from agent_evals.tasks.harvest.screen import SKIP_REASONS, Candidate, SkipReason, screen
from agent_evals.tasks.harvest.snapshots import SNAPSHOTS, Snapshot, SnapshotRepo
from agent_evals.tasks.harvest.writing import HarvestedTask, write_task

__all__ = [
    "DEFAULT_RULES",
    "SKIP_REASONS",
    "SNAPSHOTS",
    "Candidate",
    "Change",
    "Classification",
    "FileChange",
    "HarvestedTask",
    "PathKinds",
    "SkipReason",
    "Snapshot",
    "SnapshotRepo",
    "classify",
    "screen",
    "verify_command",
    "walk_history",
    "write_task",
]
