"""The executor seam: what carries out a lane's attempts, and the unit of work it runs."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from agent_evals.harness.attempt import Attempts, LaneSetup
from agent_evals.records import RunRecord
from agent_evals.tasks import Task

INFRA_RETRIES = 2


@dataclass(frozen=True)
class Job:
    """One run to do: a task and its epoch."""

    task: Task
    epoch: int


class Executor(Protocol):
    """Carries out a lane's attempts: in this process (the local pool) or on a cluster (Ray)."""

    def run(self, attempts: Attempts, jobs: Sequence[Job]) -> Generator[RunRecord, None, None]:
        """Each job's run as it finishes, one record per job, never raising for a lost attempt.

        Closing the iterator early (an interrupt) drops the jobs not yet finished.
        """
        ...


def run_with_retries(attempts: Attempts, job: Job) -> RunRecord:
    """One run; infrastructure failures are retried, then recorded as ``infra_error``."""
    failure = ""
    started = datetime.now(UTC)
    for _ in range(1 + INFRA_RETRIES):
        started = datetime.now(UTC)
        try:
            return attempts.run(job.task, job.epoch)
        except Exception as exc:  # any failure outside the agent is the harness's, not the model's
            failure = f"{type(exc).__name__}: {exc}"
    detail = f"after {1 + INFRA_RETRIES} attempts: {failure}"
    return infra_error_run(attempts.setup, job, detail, started)


def infra_error_run(setup: LaneSetup, job: Job, detail: str, started: datetime) -> RunRecord:
    """The stored record of a run the infrastructure could not carry out, and why."""
    return RunRecord(
        release=setup.release,
        task_id=job.task.id,
        slice=setup.slice,
        lane=setup.lane,
        model=setup.model,
        status="infra_error",
        source="replay",
        epoch=job.epoch,
        started_at=started,
        ended_at=datetime.now(UTC),
        task_hash=job.task.content_hash,
        agent=setup.adapter.name,
        agent_version=setup.agent_version,
        detail=detail[:4000],
    )
