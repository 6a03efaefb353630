"""The scorecard: both lanes per slice and overall, each with its decision, and the release's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from agent_evals.analysis.decision import combine, decide
from agent_evals.analysis.metrics import lane_metrics
from agent_evals.analysis.pairing import Pairs, concat_pairs, pair_lanes
from agent_evals.analysis.results import LaneMetrics, Scorecard, SliceComparison
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
) -> Scorecard:
    """Compare the lanes' stored runs of a release, slice by slice and overall."""
    release_id = release or config.release.release_id
    table = load_run_table(
        store, release_id, slices=slices, sources=sources, order=config.release.eval_slices
    )
    waivers = release_waivers(store, config, release_id)
    return scorecard_from_table(release_id, table, config, evidence=evidence, waivers=waivers)


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
) -> Scorecard:
    """The scorecard of runs already in columns."""
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
        comparisons.append(_compare(name, inc, cand, pairs, config, evidence, waivers))
    inc_all = ordered.view(0, bounds[count])
    cand_all = ordered.view(bounds[count], bounds[2 * count])
    pairs = concat_pairs(all_pairs) if all_pairs else pair_lanes(inc_all, cand_all)
    overall = _compare(OVERALL, inc_all, cand_all, pairs, config, evidence, waivers)
    decision = combine([(OVERALL, overall.decision), *((c.slice, c.decision) for c in comparisons)])
    return Scorecard(release, tuple(comparisons), overall, decision)


def _compare(
    name: str,
    incumbent: RunTable,
    candidate: RunTable,
    pairs: Pairs,
    config: ReleaseConfig,
    evidence: bool | None,
    waivers: Waivers,
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
