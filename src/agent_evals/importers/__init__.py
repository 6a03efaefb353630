"""Bringing in results teams already have: one module per outside format, registered by name."""

# each format module registers its importers when imported
from agent_evals.importers import agent_runs as agent_runs
from agent_evals.importers import harbor as harbor
from agent_evals.importers import inspect_log as inspect_log
from agent_evals.importers import runs_table as runs_table
from agent_evals.importers import swebench as swebench
from agent_evals.importers.base import BadRecord, ImportOptions, ImportUnit, RecordError
from agent_evals.importers.pipeline import ImportRequest, ImportSummary, run_import
from agent_evals.importers.registry import get_importer, importer_names, register

__all__ = [
    "BadRecord",
    "ImportOptions",
    "ImportRequest",
    "ImportSummary",
    "ImportUnit",
    "RecordError",
    "get_importer",
    "importer_names",
    "register",
    "run_import",
]
