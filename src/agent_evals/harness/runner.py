"""Running a lane over a slice: a pool of runs, each stored the moment it finishes.

Runs are stored one by one, so a killed replay keeps every finished run, and ``resume``
skips the runs already stored for the same task version, model, agent version and epoch.
Infrastructure failures (a workspace that cannot be made, a model endpoint that cannot be
reached, a verify command that cannot start) are retried, then stored as ``infra_error``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from agent_evals.config import LoadedConfig
from agent_evals.harness.agents.base import AgentAdapter
from agent_evals.harness.attempt import Attempts, LaneSetup, lane_setup
from agent_evals.harness.workspace import Workspaces
from agent_evals.records import RunRecord
from agent_evals.store import Store
from agent_evals.tasks import Slice, Task, load_config_slice
from agent_evals.types import Lane

INFRA_RETRIES = 2
DEFAULT_WORKERS = 4


@dataclass(frozen=True)
class RunOptions:
    """How a lane's runs of a slice are carried out."""

    epochs: int = 1
    """Runs of each task."""
    workers: int = DEFAULT_WORKERS
    """Runs at the same time."""
    resume: bool = False
    """Keep the runs already stored for the same task versions instead of running them again."""
    keep: bool = False
    """Keep the workspaces for inspection."""
    progress: bool = True
    """Show a progress bar on stderr."""


@dataclass(frozen=True)
class Job:
    """One run to do: a task and its epoch."""

    task: Task
    epoch: int


def run_slice(
    store: Store,
    loaded: LoadedConfig,
    lane: Lane,
    slice_: Slice | str,
    options: RunOptions = RunOptions(),
    *,
    adapter: AgentAdapter | None = None,
) -> list[RunRecord]:
    """Run ``lane`` on every task of a slice (loaded, or named in the config); returns its runs.

    With ``options.resume`` the runs already stored for the same task versions are returned as
    they are instead of being run again. Each run is stored the moment it finishes.
    """
    if isinstance(slice_, str):
        slice_ = load_config_slice(loaded, slice_)
    if adapter is None:
        from agent_evals.harness.agents import get_adapter

        adapter = get_adapter(loaded.config.agent)
    setup = lane_setup(loaded, lane, slice_.name, adapter)
    jobs = [Job(task, epoch) for task in slice_.tasks for epoch in range(options.epochs)]
    done = finished_runs(store, setup, jobs) if options.resume else {}
    todo = [job for job in jobs if (job.task.id, job.epoch) not in done]
    workspaces = Workspaces(keep=options.keep, reuse=options.epochs > 1)
    fresh = _execute(store, setup, todo, options, workspaces)
    return sorted([*done.values(), *fresh], key=lambda r: (r.task_id, r.epoch))


def finished_runs(
    store: Store, setup: LaneSetup, jobs: list[Job]
) -> dict[tuple[str, int], RunRecord]:
    """Stored runs that a resume keeps: same task hash, model, agent version; not infra errors."""
    wanted = {(job.task.id, job.epoch): job.task.content_hash for job in jobs}
    kept = {}
    for run in store.runs(setup.release, lane=setup.lane, slice=setup.slice, source="replay"):
        key = (run.task_id, run.epoch)
        if (
            wanted.get(key) == run.task_hash
            and run.model == setup.model
            and run.agent_version == setup.agent_version
            and run.status != "infra_error"
        ):
            kept[key] = run
    return kept


def _execute(
    store: Store, setup: LaneSetup, jobs: list[Job], options: RunOptions, workspaces: Workspaces
) -> list[RunRecord]:
    attempts = Attempts(setup, workspaces)
    finished: list[RunRecord] = []
    pool = ThreadPoolExecutor(max_workers=max(1, options.workers))
    try:
        with _progress(options.progress, f"{setup.lane} · {setup.slice}", len(jobs)) as advance:
            futures = [pool.submit(run_with_retries, attempts, job) for job in jobs]
            for future in as_completed(futures):
                record = future.result()
                store.write_runs([record])
                finished.append(record)
                advance()
    finally:
        # On an interrupt, runs not yet started are dropped; finished ones are stored already.
        pool.shutdown(wait=True, cancel_futures=True)
        workspaces.close()
        if workspaces.keep and options.progress:
            Console(stderr=True).print(f"workspaces kept in {workspaces.root}")
    return finished


def run_with_retries(attempts: Attempts, job: Job) -> RunRecord:
    """One run; infrastructure failures are retried, then recorded as ``infra_error``."""
    failure = ""
    for _ in range(1 + INFRA_RETRIES):
        started = datetime.now(UTC)
        try:
            return attempts.run(job.task, job.epoch)
        except Exception as exc:  # any failure outside the agent is the harness's, not the model's
            failure = f"{type(exc).__name__}: {exc}"
    return infra_error_run(attempts.setup, job, failure, started)


def infra_error_run(setup: LaneSetup, job: Job, failure: str, started: datetime) -> RunRecord:
    """The stored record of a run the infrastructure could not carry out."""
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
        detail=f"after {1 + INFRA_RETRIES} attempts: {failure}"[:4000],
    )


@contextmanager
def _progress(enabled: bool, label: str, total: int) -> Iterator[Callable[[], None]]:
    if not enabled:
        yield lambda: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
        task_id = bar.add_task(label, total=total)
        yield lambda: bar.advance(task_id)
