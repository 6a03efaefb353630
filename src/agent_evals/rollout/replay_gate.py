"""The replay gate: no live share before the replay decision is PROMOTE on every eval slice.

Each eval slice is decided from its stored replay runs at the current task versions (for
each task, the version its newest replay ran on; older versions are left out), with the
release's gates and waivers, exactly as ``agent-evals replay`` decides it. An override is an
audited ``canary start --override-replay --reason``; it holds until the release is started
again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent_evals.analysis import (
    gated_tasks,
    release_waivers,
    run_table_from_records,
    scorecard_from_table,
)
from agent_evals.config.models import ReleaseConfig
from agent_evals.records import RunRecord
from agent_evals.store import Store
from agent_evals.types import Decision

OVERRIDE_KEY = "replay_override"
"""Where a start's audit evidence keeps the replay override (who, why, what it overrode)."""


@dataclass(frozen=True)
class SliceVerdict:
    """One eval slice's replay decision and its reason."""

    slice: str
    status: Decision
    reason: str

    def describe(self) -> str:
        """``migration-risky BLOCKED (policy failure + token multiplier 1.43x)``."""
        return f"{self.slice} {self.status}" + (f" ({self.reason})" if self.reason else "")


@dataclass(frozen=True)
class ReplayOverride:
    """Who let the release go live without a PROMOTE replay decision, why, and when."""

    actor: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class ReplayGate:
    """The replay decision of every eval slice, and an override when one holds."""

    verdicts: tuple[SliceVerdict, ...]
    override: ReplayOverride | None = None

    @property
    def promoted(self) -> bool:
        """Whether every eval slice's replay decision is PROMOTE."""
        return all(v.status == "PROMOTE" for v in self.verdicts)

    @property
    def open(self) -> bool:
        """Whether live share may open: every slice PROMOTE, or an audited override."""
        return self.promoted or self.override is not None

    @property
    def failing(self) -> tuple[SliceVerdict, ...]:
        """The slices whose replay decision is not PROMOTE."""
        return tuple(v for v in self.verdicts if v.status != "PROMOTE")

    def summary(self) -> str:
        """One line: every slice PROMOTE, or the ones that are not, and any override."""
        if self.promoted:
            return f"PROMOTE on all {len(self.verdicts)} eval slices"
        text = "; ".join(v.describe() for v in self.failing)
        if self.override is not None:
            text += f"; overridden by {self.override.actor}: {self.override.reason}"
        return text

    def evidence(self) -> dict[str, str]:
        """Each slice's verdict for an audit entry."""
        return {v.slice: f"{v.status}: {v.reason}" if v.reason else v.status for v in self.verdicts}


def current_versions(runs: Sequence[RunRecord]) -> list[RunRecord]:
    """The runs made on each task's newest replayed version."""
    newest: dict[str, RunRecord] = {}
    for run in runs:
        seen = newest.get(run.task_id)
        if seen is None or _started(run) > _started(seen):
            newest[run.task_id] = run
    return [r for r in runs if r.task_hash == newest[r.task_id].task_hash]


def slice_verdicts(store: Store, config: ReleaseConfig) -> tuple[SliceVerdict, ...]:
    """The replay decision of each eval slice from its stored replay runs."""
    release = config.release.release_id
    waivers = release_waivers(store, config, release)
    verdicts = []
    for name in config.release.eval_slices:
        runs = current_versions(store.runs(release, slice=name, source="replay"))
        table, _ = gated_tasks(run_table_from_records(runs))
        card = scorecard_from_table(release, table, config, waivers=waivers)
        decision = card.slices[0].decision if card.slices else card.overall.decision
        verdicts.append(SliceVerdict(name, decision.status, decision.reason))
    return tuple(verdicts)


def replay_gate(store: Store, config: ReleaseConfig) -> ReplayGate:
    """Every eval slice's replay decision, with the override of the latest start if any."""
    return ReplayGate(slice_verdicts(store, config), latest_override(store, config))


def latest_override(store: Store, config: ReleaseConfig) -> ReplayOverride | None:
    """The replay override recorded by the release's latest start, if it had one."""
    starts = [e for e in store.audit(config.release.release_id) if e.action == "start"]
    if not starts:
        return None
    found: dict[str, Any] | None = starts[-1].evidence.get(OVERRIDE_KEY)
    if not found:
        return None
    return ReplayOverride(str(found["actor"]), str(found["reason"]), starts[-1].at)


def _started(run: RunRecord) -> float:
    return run.started_at.timestamp() if run.started_at is not None else float("-inf")
