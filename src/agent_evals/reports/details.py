"""The runs behind a scorecard, per task: regressions, violations, outliers and provenance."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from agent_evals.analysis.results import Scorecard
from agent_evals.config.models import ReleaseConfig
from agent_evals.records import RunRecord
from agent_evals.reports.evidence_trace import GateTrace, evidence_traces
from agent_evals.store import Store
from agent_evals.types import UNCOUNTED_STATUSES, Lane, RunSource

# A task counts as solved by a lane when at least half of its counted epochs resolved.
SOLVED_SHARE = 0.5
# Each outlier list is capped: the worst few say why a gate failed, the rest is noise.
OUTLIER_LIMIT = 10

TaskKey = tuple[str, str]


@dataclass(frozen=True)
class TaskLane:
    """One lane's counted runs of one task, summarised over epochs."""

    runs: tuple[RunRecord, ...]

    @property
    def success(self) -> float:
        """The share of epochs that resolved."""
        return sum(r.succeeded for r in self.runs) / len(self.runs)

    def mean(self, value: Callable[[RunRecord], float | int | None]) -> float | None:
        """The mean of a per-run value over the epochs that have it."""
        known = [float(v) for v in map(value, self.runs) if v is not None]
        return sum(known) / len(known) if known else None


@dataclass(frozen=True)
class TaskPair:
    """Both lanes on one task (a lane with no counted run is ``None``)."""

    slice: str
    task_id: str
    incumbent: TaskLane | None
    candidate: TaskLane | None


@dataclass(frozen=True)
class Outlier:
    """A task where the candidate does worst on one gate's measure."""

    slice: str
    task_id: str
    incumbent: float
    candidate: float
    change: float


@dataclass(frozen=True)
class Provenance:
    """What produced the runs: models, agents, harness, task versions and the seed."""

    models: tuple[tuple[Lane, str], ...]
    agents: tuple[str, ...]
    harness_versions: tuple[str, ...]
    sources: tuple[str, ...]
    task_hashes: tuple[tuple[str, str, str], ...]
    runs: int
    mode: str
    seed: int | None
    confidence: float


@dataclass(frozen=True)
class ReportDetails:
    """Everything a report shows beyond the scorecard's numbers."""

    runs: tuple[RunRecord, ...]
    tasks: tuple[TaskPair, ...]
    regressions: tuple[TaskPair, ...]
    violations: tuple[RunRecord, ...]
    outliers: Mapping[str, tuple[Outlier, ...]]
    provenance: Provenance
    traces: tuple[GateTrace, ...] = ()


def load_report_details(
    store: Store,
    config: ReleaseConfig,
    scorecard: Scorecard,
    *,
    slices: Sequence[str] | None = None,
    sources: Sequence[RunSource] | None = None,
) -> ReportDetails:
    """The stored runs behind ``scorecard``, filtered the way the scorecard was."""
    runs = [
        r
        for r in store.runs(scorecard.release)
        if (not slices or r.slice in slices) and (not sources or r.source in sources)
    ]
    return report_details(runs, config, scorecard)


def report_details(
    runs: Sequence[RunRecord], config: ReleaseConfig, scorecard: Scorecard
) -> ReportDetails:
    """Group runs per task and find what a reviewer needs to see behind each gate."""
    tasks = pair_tasks(runs)
    traces: tuple[GateTrace, ...] = ()
    if scorecard.decision.mode == "evidence":
        paired = [(t.slice, t.task_id) for t in tasks if t.incumbent and t.candidate]
        traces = evidence_traces(runs, paired, config, scorecard.release)
    return ReportDetails(
        runs=tuple(runs),
        tasks=tasks,
        regressions=tuple(t for t in tasks if is_regression(t)),
        violations=tuple(r for r in runs if r.policy_violations),
        outliers={name: worst_tasks(tasks, name) for name in MEASURES},
        provenance=_provenance(runs, config, scorecard),
        traces=traces,
    )


def pair_tasks(runs: Sequence[RunRecord]) -> tuple[TaskPair, ...]:
    """Counted runs grouped per (slice, task) and lane, in the order tasks first ran."""
    grouped: dict[TaskKey, dict[str, list[RunRecord]]] = defaultdict(lambda: defaultdict(list))
    for run in sorted(runs, key=_started):
        if run.status not in UNCOUNTED_STATUSES:
            grouped[(run.slice, run.task_id)][run.lane].append(run)
    return tuple(
        TaskPair(
            slice_name,
            task_id,
            TaskLane(tuple(lanes["incumbent"])) if lanes["incumbent"] else None,
            TaskLane(tuple(lanes["candidate"])) if lanes["candidate"] else None,
        )
        for (slice_name, task_id), lanes in grouped.items()
    )


def is_regression(task: TaskPair) -> bool:
    """The incumbent solved the task and the candidate did not."""
    if task.incumbent is None or task.candidate is None:
        return False
    return task.incumbent.success >= SOLVED_SHARE > task.candidate.success


def _tokens(run: RunRecord) -> int | None:
    return run.tokens.with_total().total if run.succeeded else None


def _cost(run: RunRecord) -> float | None:
    return run.cost_usd if run.succeeded else None


def _review(run: RunRecord) -> int | None:
    return run.review_comments


# How each gate's measure is read per run, and whether it compares as a ratio or a difference.
MEASURES: dict[str, tuple[Callable[[RunRecord], float | int | None], bool]] = {
    "tokens": (_tokens, True),
    "review": (_review, False),
    "cost": (_cost, True),
}


def worst_tasks(
    tasks: Sequence[TaskPair], measure: str, limit: int | None = OUTLIER_LIMIT
) -> tuple[Outlier, ...]:
    """The tasks where the candidate grew a gate's measure most against the incumbent
    (the worst ``limit`` of them; every one with ``None``)."""
    value, as_ratio = MEASURES[measure]
    found = []
    for task in tasks:
        if task.incumbent is None or task.candidate is None:
            continue
        inc, cand = task.incumbent.mean(value), task.candidate.mean(value)
        if inc is None or cand is None or (as_ratio and inc <= 0):
            continue
        change = cand / inc if as_ratio else cand - inc
        if change > (1.0 if as_ratio else 0.0):
            found.append(Outlier(task.slice, task.task_id, inc, cand, change))
    found.sort(key=lambda o: (-o.change, o.slice, o.task_id))
    return tuple(found[:limit])


def _started(run: RunRecord) -> tuple[int, float]:
    # Runs without a start time keep their stored order, after the timed ones.
    return (0, run.started_at.timestamp()) if run.started_at else (1, 0.0)


def _provenance(
    runs: Sequence[RunRecord], config: ReleaseConfig, scorecard: Scorecard
) -> Provenance:
    release = config.release
    hashes = {(r.slice, r.task_id): r.task_hash for r in runs if r.task_hash}
    agents = {f"{r.agent} {r.agent_version or ''}".strip() for r in runs if r.agent}
    return Provenance(
        models=(
            ("incumbent", config.model_id(release.incumbent)),
            ("candidate", config.model_id(release.candidate)),
        ),
        agents=tuple(sorted(agents)),
        harness_versions=tuple(sorted({r.harness_version for r in runs})),
        sources=tuple(sorted({r.source for r in runs})),
        task_hashes=tuple(sorted((s, t, h) for (s, t), h in hashes.items())),
        runs=len(runs),
        mode=scorecard.decision.mode,
        seed=scorecard.decision.seed,
        confidence=config.statistics.confidence,
    )
