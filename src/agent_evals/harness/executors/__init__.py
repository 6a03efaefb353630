"""Where attempts run: the local pool in this process, or a Ray cluster (extra ``ray``)."""

from agent_evals.harness.executors.base import (
    INFRA_RETRIES,
    Executor,
    Job,
    infra_error_run,
    run_with_retries,
)
from agent_evals.harness.executors.local import DEFAULT_WORKERS, LocalExecutor
from agent_evals.harness.executors.ray import RayExecutor

__all__ = [
    "DEFAULT_WORKERS",
    "INFRA_RETRIES",
    "Executor",
    "Job",
    "LocalExecutor",
    "RayExecutor",
    "infra_error_run",
    "run_with_retries",
]
