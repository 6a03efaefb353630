"""The scorecard: both lanes per slice and overall, each with its decision, and the release's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from agent_evals.analysis.decision import combine, decide
from agent_evals.analysis.history import TaskHistory, current_runs, history_from_rows, pool_history
from agent_evals.analysis.metrics import lane_metrics
from agent_evals.analysis.pairing import Pairs, concat_pairs, pair_lanes
from agent_evals.analysis.results import LaneMetrics, Scorecard, SliceComparison
from agent_evals.analysis.slice_health import FLAKY_NOTE, without_flaky
from agent_evals.analysis.table import RunTable, load_run_table
from agent_evals.config.models import ReleaseConfig
from agent_evals.store import Store
from agent_evals.types import RunSource

OVERALL = "overall"
Waivers = Sequence[tuple[str, str | None]]


def build_scorecard(
    store: Store,
    config: ReleaseConfig,
    *,
    slices: Sequence[str] | None = None,
    sources: Sequence[RunSource] | None = None,
    evidence: bool | None = None,
    release: str | None = None,
    include_flaky: bool = True,
) -> Scorecard:
    """Compare the lanes' stored runs of a release, slice by slice and overall.

    Without ``include_flaky`` the tasks whose incumbent epochs disagree are left out (both
    lanes' runs), and a note says how many.
    """
    release_id = release or config.release.release_id
    table = load_run_table(
        store, release_id, slices=slices, sources=sources, order=config.release.eval_slices
    )
    table, flaky_note = gated_tasks(table, include_flaky=include_flaky)
    waivers = release_waivers(store, config, release_id)
    history = release_history(store, config, release_id, table, evidence, sources=sources)
    scorecard = scorecard_from_table(
        release_id, table, config, evidence=evidence, waivers=waivers, history=history
    )
    return with_note(scorecard, flaky_note)


def gated_tasks(table: RunTable, *, include_flaky: bool = False) -> tuple[RunTable, str | None]:
    """The runs the gates judge: flaky tasks left out unless kept, with a note saying so.

    A task the incumbent both solves and fails across epochs measures the task, not the model;
    every decision (scorecard, replay, the canary's replay gate) leaves it out the same way.
    """
    if include_flaky:
        return table, None
    kept, flaky = without_flaky(table)
    return kept, (f"{flaky} {FLAKY_NOTE}" if flaky else None)


def with_note(scorecard: Scorecard, note: str | None) -> Scorecard:
    """The scorecard with ``note`` added to its notes (unchanged without one)."""
    return scorecard if note is None else replace(scorecard, notes=(*scorecard.notes, note))


def release_history(
    store: Store,
    config: ReleaseConfig,
    release: str,
    table: RunTable,
    evidence: bool | None,
    *,
    sources: Sequence[RunSource] | None = None,
) -> TaskHistory | None:
    """The incumbent's history of the table's tasks from other releases, in evidence mode."""
    if not _uses_history(config, evidence):
        return None
    model = config.model_id(config.release.incumbent)
    rows = store.incumbent_history(release, model, slices=table.slices, sources=sources)
    return history_from_rows(rows, table.slices)


def _uses_history(config: ReleaseConfig, evidence: bool | None) -> bool:
    """Evidence mode pools the incumbent's history unless ``statistics.useHistory`` is off."""
    statistics = config.statistics
    use_evidence = statistics.mode == "evidence" if evidence is None else evidence
    return use_evidence and statistics.use_history


def release_waivers(store: Store, config: ReleaseConfig, release: str) -> Waivers:
    """The release's waived gates as (gate, slice or ``None`` for all): config's, then stored."""
    waivers: list[tuple[str, str | None]] = [(w.gate, w.slice) for w in config.waivers]
    waivers += [(w.gate, w.slice) for w in store.waivers(release)]
    return waivers


def scorecard_from_table(
    release: str,
    table: RunTable,
    config: ReleaseConfig,
    *,
    evidence: bool | None = None,
    waivers: Waivers = (),
    history: TaskHistory | None = None,
) -> Scorecard:
    """The scorecard of runs already in columns.

    With ``history`` (evidence mode) the incumbent's earlier runs of each task join its
    per-task means, and each decision notes the effective sample that bought.
    """
    if not _uses_history(config, evidence):
        history = None
    count = len(table.slices)
    # Lane-major order makes every (lane, slice) group and each whole lane a contiguous view.
    group = table.candidate.astype(np.int64) * count + table.slice_code
    ordered = table.take(np.argsort(group, kind="stable"))
    bounds = np.searchsorted(np.sort(group), np.arange(2 * count + 1))
    comparisons = []
    all_pairs = []
    for code, name in enumerate(table.slices):
        inc = ordered.view(bounds[code], bounds[code + 1])
        cand = ordered.view(bounds[count + code], bounds[count + code + 1])
        pairs = pair_lanes(inc, cand)
        all_pairs.append(pairs)
        pooled, note = _pooled(pairs, inc, history)
        comparisons.append(_compare(name, inc, cand, pooled, config, evidence, waivers, note))
    inc_all = ordered.view(0, bounds[count])
    cand_all = ordered.view(bounds[count], bounds[2 * count])
    pairs = concat_pairs(all_pairs) if all_pairs else pair_lanes(inc_all, cand_all)
    pairs, overall_note = _pooled(pairs, inc_all, history)
    overall = _compare(OVERALL, inc_all, cand_all, pairs, config, evidence, waivers, overall_note)
    decision = combine([(OVERALL, overall.decision), *((c.slice, c.decision) for c in comparisons)])
    notes = (overall_note,) if overall_note else ()
    return Scorecard(release, tuple(comparisons), overall, decision, notes)


def _pooled(
    pairs: Pairs, incumbent: RunTable, history: TaskHistory | None
) -> tuple[Pairs, str | None]:
    """The pairs with the incumbent's history pooled in, and the note saying what it bought."""
    if history is None or not pairs.n:
        return pairs, None
    pooled = pool_history(pairs, history, current_runs(incumbent, pairs.incumbent.keys))
    if not pooled.tasks_with_history:
        return pairs, None
    return pooled.pairs, pooled.note()


def _compare(
    name: str,
    incumbent: RunTable,
    candidate: RunTable,
    pairs: Pairs,
    config: ReleaseConfig,
    evidence: bool | None,
    waivers: Waivers,
    note: str | None,
) -> SliceComparison:
    inc = _labelled(lane_metrics(incumbent), config, config.release.incumbent)
    cand = _labelled(lane_metrics(candidate), config, config.release.candidate)
    waived = {gate for gate, where in waivers if where in (None, name)}
    decision = decide(
        inc,
        cand,
        config,
        slice=None if name == OVERALL else name,
        waivers=waived,
        evidence=evidence,
        pairs=pairs,
    )
    if note is not None:
        decision = replace(decision, warnings=(*decision.warnings, note))
    return SliceComparison(
        name,
        inc,
        cand,
        decision,
        paired_tasks=pairs.n,
        incumbent_only=pairs.incumbent_only,
        candidate_only=pairs.candidate_only,
    )


def _labelled(metrics: LaneMetrics, config: ReleaseConfig, model: str) -> LaneMetrics:
    spec = config.model_spec(model)
    return replace(metrics, model=config.model_id(model), provider=spec.provider)
