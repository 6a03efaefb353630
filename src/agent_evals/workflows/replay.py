"""Replay and decide: run a lane on a slice, then compare it with the other lane's runs.

The comparison only uses the other lane's runs of the task versions being replayed (same
content hash); older runs are left out with a warning. Warnings about changed tasks turn
into a refusal with ``strict``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace

from agent_evals.analysis import (
    Scorecard,
    SliceComparison,
    gated_tasks,
    release_history,
    release_waivers,
    run_table_from_records,
    scorecard_from_table,
    with_note,
)
from agent_evals.config import LoadedConfig
from agent_evals.errors import UsageError
from agent_evals.harness.agents.base import AgentAdapter
from agent_evals.harness.attempt import lane_probe
from agent_evals.harness.preflight import preflight
from agent_evals.harness.runner import RunOptions, run_slice
from agent_evals.records import RunRecord
from agent_evals.store import Store
from agent_evals.store.reviews import apply_reviews, reviews
from agent_evals.tasks import Slice, load_config_slice, lock_drift, read_lock
from agent_evals.types import Lane
from agent_evals.workflows.interrupts import stopping_on_signals

Warn = Callable[[str], None]


@dataclass(frozen=True)
class ReplayOptions(RunOptions):
    """How a replay runs (epochs, workers, resume, keep, progress) and how it decides."""

    strict: bool = False
    """Refuse when tasks changed since the slice lock or the stored baseline."""
    with_baseline: bool = False
    """Replay the other lane first instead of reusing its stored runs."""
    no_baseline: bool = False
    """Never replay the other lane; tasks without a stored baseline stay out of the decision."""
    evidence: bool | None = None
    """Decide on paired intervals for this replay; ``None`` follows ``statistics.mode``."""
    through_gateway: bool = False
    """Send the agent's model calls through an in-process gateway, so tokens are metered."""
    include_flaky: bool = False
    """Keep tasks whose incumbent epochs disagree in the decision."""

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.workers < 1:
            raise UsageError("--epochs and --workers must be at least 1")
        if self.with_baseline and self.no_baseline:
            raise UsageError("--with-baseline and --no-baseline contradict each other; pick one")


@dataclass(frozen=True)
class ReplayOutcome:
    """A lane's runs of a slice, the other lane's runs they were compared with, and the verdict."""

    slice: str
    lane: Lane
    runs: tuple[RunRecord, ...]
    baseline: tuple[RunRecord, ...]
    warnings: tuple[str, ...]
    scorecard: Scorecard

    @property
    def comparison(self) -> SliceComparison:
        """Both lanes on the replayed slice, with its decision."""
        return self.scorecard.slices[0] if self.scorecard.slices else self.scorecard.overall


def other_lane(lane: Lane) -> Lane:
    """The lane a lane is compared with."""
    return "incumbent" if lane == "candidate" else "candidate"


def replay(
    store: Store,
    loaded: LoadedConfig,
    lane: Lane,
    slice_name: str,
    options: ReplayOptions = ReplayOptions(),
    *,
    adapter: AgentAdapter | None = None,
    warn: Warn | None = None,
    note: Warn | None = None,
) -> ReplayOutcome:
    """Run ``lane`` on a slice, then decide against the other lane's runs of the same tasks.

    The other lane's stored replay runs of the same task versions are the baseline. Replaying
    the candidate, tasks without an incumbent run are replayed in the incumbent first (said
    through ``note``), unless ``options.no_baseline``. ``options.with_baseline`` replays the
    other lane on every task first. Without an ``adapter`` the configured agent runs.
    """
    other = other_lane(lane)
    slice_ = load_config_slice(loaded, slice_name)
    stored = [] if options.with_baseline else _stored(store, loaded, other, slice_name)
    warnings = drift_warnings(slice_, stored, other)
    _report_drift(warnings, options.strict, warn)
    baseline_options = _baseline_options(slice_, stored, other, options, note)
    check_lanes(loaded, (other, lane) if baseline_options else (lane,), adapter)
    with stopping_on_signals(), _agent(loaded, options, adapter) as agent:
        if baseline_options is not None:
            stored = run_lane(store, loaded, other, slice_, baseline_options, adapter=agent)
        runs = run_lane(store, loaded, lane, slice_, options, adapter=agent)
    baseline = current_runs(stored, slice_)
    scorecard = compare(
        loaded, store, [*runs, *baseline], options.evidence, include_flaky=options.include_flaky
    )
    return ReplayOutcome(slice_name, lane, tuple(runs), tuple(baseline), tuple(warnings), scorecard)


def _baseline_options(
    slice_: Slice,
    stored: Sequence[RunRecord],
    other: Lane,
    options: ReplayOptions,
    note: Warn | None,
) -> ReplayOptions | None:
    """How to replay the other lane before this one, or ``None`` when its baseline stands."""
    if options.with_baseline:
        return options
    if options.no_baseline or other == "candidate":  # the incumbent is the baseline itself
        return None
    have = {run.task_id for run in current_runs(stored, slice_)}
    missing = [task.id for task in slice_.tasks if task.id not in have]
    if not missing:
        return None
    if note is not None:
        note(
            f"no {other} baseline at the current task versions for {len(missing)} of "
            f"{len(slice_.tasks)} tasks of {slice_.name}: replaying the {other} first "
            "(--no-baseline to skip)"
        )
    # Resuming keeps the other lane's stored runs of the same versions; only the gaps run.
    return replace(options, resume=True)


def check_lanes(
    loaded: LoadedConfig, lanes: Sequence[Lane], adapter: AgentAdapter | None = None
) -> None:
    """The preflight: stop before any run is stored when a lane's agent or endpoint cannot work.

    Raises :class:`PreflightError` (exit 4) naming the lane, the URL or program, what answered
    and the fix. Without an ``adapter`` the configured agent is checked.
    """
    from agent_evals.harness.agents import get_adapter

    agent = adapter or get_adapter(loaded.config.agent)
    preflight([lane_probe(loaded, lane) for lane in lanes], agent)


def run_lane(
    store: Store,
    loaded: LoadedConfig,
    lane: Lane,
    slice_: Slice | str,
    options: RunOptions | None = None,
    *,
    adapter: AgentAdapter | None = None,
) -> list[RunRecord]:
    """Run a lane on a slice; its runs carry the human review counts recorded for them.

    The store gives the stored runs the same counts as it writes them.
    """
    runs = run_slice(store, loaded, lane, slice_, options or RunOptions(), adapter=adapter)
    human = reviews(store, loaded.config.release.release_id, lane)
    return [apply_reviews(run, human) for run in runs]


@contextmanager
def _agent(
    loaded: LoadedConfig, options: ReplayOptions, adapter: AgentAdapter | None
) -> Iterator[AgentAdapter | None]:
    """The agent to run: as given (``None``: the configured one), metered when asked."""
    if not options.through_gateway:
        yield adapter
        return
    # The gateway extra is needed only when asked for.
    from agent_evals.harness.agents import get_adapter
    from agent_evals.workflows.metering import metering_gateway

    with metering_gateway(loaded.config) as metered:
        yield metered(adapter or get_adapter(loaded.config.agent))


def _report_drift(warnings: Sequence[str], strict: bool, warn: Warn | None) -> None:
    if strict and warnings:
        raise UsageError(
            "tasks changed (--strict): "
            + "; ".join(warnings)
            + "; review the change and run 'agent-evals slice lock', "
            "or replay the baseline with --with-baseline"
        )
    if warn is not None:
        for message in warnings:
            warn(message)


def _stored(store: Store, loaded: LoadedConfig, lane: Lane, slice_name: str) -> list[RunRecord]:
    release = loaded.config.release.release_id
    return store.runs(release, lane=lane, slice=slice_name, source="replay")


def current_runs(runs: Sequence[RunRecord], slice_: Slice) -> list[RunRecord]:
    """The runs made on the task versions of the slice as it is now."""
    hashes = slice_.hashes
    return [r for r in runs if r.task_hash is not None and hashes.get(r.task_id) == r.task_hash]


def drift_warnings(slice_: Slice, baseline: Sequence[RunRecord], other: Lane) -> list[str]:
    """Tasks that differ from the slice lock, or from the stored baseline runs."""
    lock = read_lock(slice_)
    found = lock_drift(slice_, lock) if lock is not None else []
    hashes = slice_.hashes
    stale = sorted(
        {r.task_id for r in baseline if r.task_id in hashes and r.task_hash != hashes[r.task_id]}
    )
    found += [
        f"stored {other} runs of task {task_id!r} were made on another version of the task; "
        "they are left out of the comparison"
        for task_id in stale
    ]
    return found


def compare(
    loaded: LoadedConfig,
    store: Store,
    runs: Sequence[RunRecord],
    evidence: bool | None,
    *,
    include_flaky: bool = False,
) -> Scorecard:
    """The scorecard of these runs alone (both lanes), with the release's waivers."""
    config = loaded.config
    release = config.release.release_id
    table, flaky_note = gated_tasks(run_table_from_records(list(runs)), include_flaky=include_flaky)
    waivers = release_waivers(store, config, release)
    history = release_history(store, config, release, table, evidence)
    scorecard = scorecard_from_table(
        release, table, config, evidence=evidence, waivers=waivers, history=history
    )
    return with_note(scorecard, flaky_note)
