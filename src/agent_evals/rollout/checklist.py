"""The release checklist: what must be true before a candidate takes live work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agent_evals.config.models import ReleaseConfig
from agent_evals.records import RunRecord
from agent_evals.rollout.replay_gate import replay_gate
from agent_evals.rollout.state import RolloutState, read_rollout, release_steps
from agent_evals.store import Store
from agent_evals.types import LANES


@dataclass(frozen=True)
class CheckItem:
    """One line of the checklist."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Checklist:
    """Every item, in order; the release is ready only when all pass."""

    release: str
    items: tuple[CheckItem, ...]

    @property
    def passed(self) -> bool:
        """Whether every item passed."""
        return all(item.passed for item in self.items)


@dataclass(frozen=True)
class _Facts:
    config: ReleaseConfig
    store: Store
    state: RolloutState | None
    runs: tuple[RunRecord, ...]


def release_checklist(store: Store, config: ReleaseConfig) -> Checklist:
    """Check the release config, the stored replays and the rollout state."""
    release = config.release.release_id
    facts = _Facts(config, store, read_rollout(store, release), tuple(store.runs(release)))
    return Checklist(release, tuple(check(facts) for check in _CHECKS))


def _pinned(facts: _Facts) -> CheckItem:
    name = "candidate pinned to an exact version"
    candidate = facts.config.model_id(facts.config.release.candidate)
    if candidate in facts.config.floating_models():
        return CheckItem(name, False, f"{candidate!r} is a floating alias; pin an exact version")
    return CheckItem(name, True, candidate)


def _replayed(facts: _Facts) -> CheckItem:
    name = "both lanes replayed on every eval slice at the current task versions"
    gaps = [gap for s in facts.config.release.eval_slices for gap in _slice_gaps(facts, s)]
    if gaps:
        return CheckItem(name, False, "; ".join(gaps))
    slices = len(facts.config.release.eval_slices)
    return CheckItem(name, True, f"{slices} slices replayed by both lanes")


def _slice_gaps(facts: _Facts, slice: str) -> list[str]:
    current = facts.store.task_hashes(slice)
    unreplayed, gaps = [], []
    for lane in LANES:
        runs = [
            r for r in facts.runs if r.source == "replay" and r.slice == slice and r.lane == lane
        ]
        if not runs:
            unreplayed.append(lane)
            continue
        replayed = {r.task_id for r in runs if not current or r.task_hash == current.get(r.task_id)}
        stale = sorted(set(current) - replayed)
        if stale:
            gaps.append(f"{slice}: {lane} lacks {len(stale)} current task(s), e.g. {stale[0]}")
    if unreplayed:
        gaps.insert(0, f"{slice}: no {' or '.join(unreplayed)} replay")
    return gaps


def _policy_slices(facts: _Facts) -> CheckItem:
    name = "policy-sensitive slices included"
    sensitive = sorted(n for n, s in facts.config.slices.items() if s.policy_sensitive)
    if not sensitive:
        return CheckItem(name, False, "no slice is marked slices.<name>.policySensitive")
    missing = [s for s in sensitive if s not in facts.config.release.eval_slices]
    if missing:
        return CheckItem(name, False, f"not in release.evalSlices: {', '.join(missing)}")
    return CheckItem(name, True, ", ".join(sensitive))


def _capped(facts: _Facts) -> CheckItem:
    name = "live share capped and reversible"
    release = facts.config.release
    first_live = next((s.share for s in release_steps(release) if s.share > 0.0), 0.0)
    rules = release.rollback_on
    problems = []
    if release.strategy == "cutover" or first_live > release.live_canary_share:
        problems.append(
            f"first live share {first_live:g} exceeds liveCanaryShare {release.live_canary_share:g}"
        )
    if rules.policy_failure_count is None and rules.success_rate_drop is None:
        problems.append(
            "rollbackOn sets neither policyFailureCount nor successRateDrop: nothing falls back"
        )
    if problems:
        return CheckItem(name, False, "; ".join(problems))
    return CheckItem(name, True, f"first live share {first_live:g}; fallback on rollbackOn breach")


def _drilled(facts: _Facts) -> CheckItem:
    name = "fallback drill passed"
    drill = facts.state.drill if facts.state else None
    if drill is None:
        return CheckItem(name, False, "no drill yet; run agent-evals canary drill")
    when = drill.at.isoformat(timespec="seconds")
    if not drill.passed:
        failed = [c.name for c in drill.checks if not c.passed]
        return CheckItem(name, False, f"last drill at {when} failed: {', '.join(failed)}")
    return CheckItem(name, True, f"passed at {when}")


def _reviews(facts: _Facts) -> CheckItem:
    name = "reviewer feedback source configured or seen"
    sources = sorted({r.review_source for r in facts.runs if r.review_source is not None})
    if not sources:
        return CheckItem(name, False, "no run carries reviewer comments; connect a review source")
    return CheckItem(name, True, f"seen: {', '.join(sources)}")


def _budget(facts: _Facts) -> CheckItem:
    name = "budget guard configured"
    budget = facts.config.budget
    if budget is None:
        return CheckItem(name, False, "add a budget section (windowHours, dailySpendCapUsd)")
    cap = (
        f"${budget.daily_spend_cap_usd:g}/day"
        if budget.daily_spend_cap_usd is not None
        else "no cap"
    )
    fallback = "auto fallback" if budget.auto_fallback else "alerts only"
    return CheckItem(name, True, f"{budget.window_hours:g}h window, {cap}, {fallback}")


def _replay_verdict(facts: _Facts) -> CheckItem:
    name = "replay decision PROMOTE on every eval slice (or an audited override)"
    gate = replay_gate(facts.store, facts.config)
    return CheckItem(name, gate.open, gate.summary())


_CHECKS: tuple[Callable[[_Facts], CheckItem], ...] = (
    _pinned,
    _replayed,
    _replay_verdict,
    _policy_slices,
    _capped,
    _drilled,
    _reviews,
    _budget,
)
