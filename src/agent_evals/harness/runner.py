"""Running a lane over a slice: an executor carries out the runs, each stored as it finishes.

Runs are stored one by one, so a killed replay keeps every finished run, and ``resume``
skips the runs already stored for the same task version, model, agent version and epoch.
Infrastructure failures (a workspace that cannot be made, a model endpoint that cannot be
reached, a verify command that cannot start) are retried, then stored as ``infra_error``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from agent_evals.config import LoadedConfig
from agent_evals.harness.agents.base import AgentAdapter
from agent_evals.harness.attempt import Attempts, LaneSetup, lane_setup
from agent_evals.harness.executors import DEFAULT_WORKERS, Executor, Job, LocalExecutor
from agent_evals.harness.workspace import Workspaces
from agent_evals.records import RunRecord
from agent_evals.store import Store
from agent_evals.tasks import Slice, load_config_slice
from agent_evals.types import Lane


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
    executor: Executor | None = None
    """Where the runs are carried out; ``None``: a local pool of ``workers`` threads."""


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
    executor = options.executor or LocalExecutor(options.workers)
    finished: list[RunRecord] = []
    try:
        with (
            _progress(options.progress, f"{setup.lane} · {setup.slice}", len(jobs)) as advance,
            # Closed before the workspaces go: an interrupt drops the runs not yet finished.
            closing(executor.run(attempts, jobs)) as records,
        ):
            for record in records:
                store.write_runs([record])
                finished.append(record)
                advance()
    finally:
        workspaces.close()
        if workspaces.keep and options.progress:
            Console(stderr=True).print(f"workspaces kept in {workspaces.root}")
    return finished


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
