"""Replaying a lane on a slice and comparing it with the other lane's runs of the same tasks.

The comparison only uses the other lane's runs of the task versions being replayed (same
content hash); older runs are left out with a warning. Warnings about changed tasks turn
into a refusal with ``strict``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from agent_evals.analysis import Scorecard, SliceComparison, run_table_from_records
from agent_evals.analysis.scorecard import scorecard_from_table
from agent_evals.config import LoadedConfig
from agent_evals.errors import UsageError
from agent_evals.harness.agents.base import AgentAdapter
from agent_evals.harness.runner import DEFAULT_WORKERS, run_slice
from agent_evals.records import RunRecord
from agent_evals.store import Store
from agent_evals.tasks import (
    Slice,
    config_slice_names,
    load_config_slice,
    lock_drift,
    read_lock,
    slice_path,
    write_lock,
)
from agent_evals.types import Lane

Warn = Callable[[str], None]


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
    *,
    epochs: int = 1,
    workers: int = DEFAULT_WORKERS,
    resume: bool = False,
    keep: bool = False,
    strict: bool = False,
    with_baseline: bool = False,
    evidence: bool | None = None,
    adapter: AgentAdapter | None = None,
    progress: bool = True,
    warn: Warn | None = None,
) -> ReplayOutcome:
    """Run ``lane`` on a slice, then decide against the other lane's runs of the same tasks.

    With ``with_baseline`` the other lane is replayed first; otherwise its stored replay runs
    of the same task versions are the baseline.
    """
    if epochs < 1 or workers < 1:
        raise UsageError("--epochs and --workers must be at least 1")
    slice_ = load_config_slice(loaded, slice_name)
    other = other_lane(lane)
    stored = [] if with_baseline else _stored(store, loaded, other, slice_name)
    warnings = drift_warnings(slice_, stored, other)
    _report_drift(warnings, strict, warn)

    def lane_runs(which: Lane) -> list[RunRecord]:
        return run_slice(
            store,
            loaded,
            which,
            slice_name,
            epochs=epochs,
            workers=workers,
            resume=resume,
            keep=keep,
            adapter=adapter,
            progress=progress,
            slice_=slice_,
        )

    if with_baseline:
        stored = lane_runs(other)
    runs = lane_runs(lane)
    baseline = current_runs(stored, slice_)
    scorecard = compare(loaded, store, [*runs, *baseline], evidence)
    return ReplayOutcome(slice_name, lane, tuple(runs), tuple(baseline), tuple(warnings), scorecard)


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
    loaded: LoadedConfig, store: Store, runs: Sequence[RunRecord], evidence: bool | None
) -> Scorecard:
    """The scorecard of these runs alone (both lanes), with the config's and stored waivers."""
    config = loaded.config
    release = config.release.release_id
    waivers: list[tuple[str, str | None]] = [(w.gate, w.slice) for w in config.waivers]
    waivers += [(w.gate, w.slice) for w in store.waivers(release)]
    table = run_table_from_records(list(runs))
    return scorecard_from_table(release, table, config, evidence=evidence, waivers=waivers)


def lock_slices(
    store: Store, loaded: LoadedConfig, slice_name: str | None = None
) -> list[tuple[Slice, Path]]:
    """Write each slice's ``slice.lock`` and record its task hashes in the store.

    Without a slice name every configured slice whose folder exists is locked.
    """
    names = config_slice_names(loaded, slice_name)
    if slice_name is None:
        names = [n for n in names if slice_path(loaded, n).is_dir()]
        if not names:
            raise UsageError(
                f"no slice folders found under {loaded.base_dir / 'slices'}; "
                "create them or set slices.<name>.path in the config"
            )
    locked = []
    for name in names:
        slice_ = load_config_slice(loaded, name)
        path = write_lock(slice_)
        store.upsert_tasks((name, t.id, t.content_hash, t.risk) for t in slice_.tasks)
        locked.append((slice_, path))
    return locked
