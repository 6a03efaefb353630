"""Where a live rollout stands, as stored in the ``release_state`` row of the run store."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from agent_evals.analysis.planning import plan_release
from agent_evals.config.models import Release, ReleaseConfig, Stage
from agent_evals.store import ReleaseState, Store

RolloutPhase = Literal["ready", "stage", "done", "rolled-back"]
Strategy = Literal["canary", "cutover", "shadow", "opt-in"]

_LATER_SHARES = (0.25, 0.5, 1.0)
# The error rate stages are planned at when a caller has no config statistics at hand.
PLAN_ALPHA = 0.05


def release_steps(release: Release, *, alpha: float = PLAN_ALPHA) -> tuple[Stage, ...]:
    """The stages a release walks through under its strategy, first to last.

    The default ladder starts with a shadow step (share 0), then ``liveCanaryShare`` and the
    larger default shares. A stage without ``minTasks`` gets what ``plan_release`` computes
    for the thresholds: the candidate tasks that let the live rules catch a clear harm
    before ``done``.
    """
    stages = release.stages
    if "stages" not in release.model_fields_set:
        share = release.live_canary_share
        live = (share,) if share > 0.0 else ()
        shares = (0.0, *live, *(s for s in _LATER_SHARES if s > share))
        stages = tuple(_at_share(stages[0], s) for s in shares)
    if release.strategy == "cutover":
        return _planned((_at_share(stages[-1], 1.0),), release, alpha)
    if release.strategy in ("shadow", "opt-in"):
        return (_at_share(stages[0], 0.0),)
    return _planned(stages, release, alpha)


def _planned(stages: tuple[Stage, ...], release: Release, alpha: float) -> tuple[Stage, ...]:
    """``stages`` with the planned minimum tasks wherever the config leaves them unset."""
    if all("min_tasks" in stage.model_fields_set for stage in stages):
        return stages
    plan = plan_release(release.rollback_on, [s.share for s in stages], alpha=alpha)
    return tuple(
        stage
        if "min_tasks" in stage.model_fields_set
        else stage.model_copy(update={"min_tasks": planned})
        for stage, planned in zip(stages, plan.stage_min_tasks, strict=True)
    )


def applied_settings(config: ReleaseConfig) -> tuple[tuple[str, str], ...]:
    """The lanes' exact models and the rollback thresholds, as a release goes live with them."""
    release = config.release
    settings = {
        "incumbent": config.model_id(release.incumbent),
        "candidate": config.model_id(release.candidate),
    }
    for key, value in release.rollback_on.model_dump(by_alias=True).items():
        settings[f"rollbackOn.{key}"] = "off" if value is None else f"{value:g}"
    return tuple(sorted(settings.items()))


def current_step(release: Release, state: RolloutState) -> Stage:
    """The stage rules that apply to ``state`` (the last stage's once ``done``)."""
    steps = release_steps(release)
    return steps[min(state.step, len(steps) - 1)]


def _at_share(stage: Stage, share: float) -> Stage:
    """The same stage rules at another share."""
    return stage.model_copy(update={"share": share})


def _label(strategy: str, phase: RolloutPhase, step: int, share: float) -> str:
    """The name a stage is shown and stored under (``stage-2``, ``shadow``, ``done`` ...)."""
    if phase != "stage":
        return phase
    if strategy == "canary":
        return f"stage-{step + 1}" if share > 0.0 else "shadow"
    return strategy


@dataclass(frozen=True)
class HistoryEntry:
    """One change of the rollout state."""

    at: datetime
    action: str
    stage: str
    share: float
    actor: str
    reason: str


@dataclass(frozen=True)
class DrillCheck:
    """One check of a fire drill."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class DrillRecord:
    """The result of the last fire drill of a release."""

    passed: bool
    at: datetime
    checks: tuple[DrillCheck, ...]


@dataclass(frozen=True)
class RolloutState:
    """The stored state of one release's live rollout; ``version`` guards every change."""

    release: str
    strategy: Strategy
    phase: RolloutPhase
    step: int
    share: float
    stage_started_at: datetime
    version: int = 0
    frozen: bool = False
    frozen_reason: str | None = None
    rollback_reason: str | None = None
    trusted_slices: frozenset[str] = frozenset()
    trusted_risks: frozenset[str] = frozenset()
    drill: DrillRecord | None = None
    alerts: tuple[str, ...] = ()
    history: tuple[HistoryEntry, ...] = field(default=())
    applied: tuple[tuple[str, str], ...] = ()
    """The models and thresholds the release went live with (``applied_settings``)."""

    @property
    def stage(self) -> str:
        """The stage label (``ready``, ``stage-1``, ``shadow``, ``done``, ``rolled-back``)."""
        return _label(self.strategy, self.phase, self.step, self.share)

    @property
    def drill_passed(self) -> bool:
        """Whether a fire drill has passed for this release."""
        return self.drill is not None and self.drill.passed

    def moved(
        self, *, at: datetime, action: str, actor: str, reason: str, **changes: Any
    ) -> RolloutState:
        """A copy with ``changes`` applied and the change appended to the history."""
        new = replace(self, **changes)
        if (new.phase, new.step) != (self.phase, self.step):
            new = replace(new, stage_started_at=at)
        entry = HistoryEntry(at, action, new.stage, new.share, actor, reason)
        return replace(new, history=(*self.history, entry))

    def rolled_back(
        self, *, at: datetime, actor: str, reason: str, action: str = "rollback"
    ) -> RolloutState:
        """A copy on the fallback lane: stage ``rolled-back``, share 0."""
        return self.moved(
            at=at,
            action=action,
            actor=actor,
            reason=reason,
            phase="rolled-back",
            share=0.0,
            rollback_reason=reason,
        )

    def column_values(self) -> dict[str, Any]:
        """The ``release_state`` columns this state is stored as."""
        return {
            "stage": self.stage,
            "share": self.share,
            "frozen": self.frozen,
            "data": self.to_data(),
        }

    def to_data(self) -> dict[str, Any]:
        """The JSON document kept in the ``data`` column."""
        return {
            "strategy": self.strategy,
            "phase": self.phase,
            "step": self.step,
            "stageStartedAt": self.stage_started_at.isoformat(),
            "frozenReason": self.frozen_reason,
            "rollbackReason": self.rollback_reason,
            "trustedSlices": sorted(self.trusted_slices),
            "trustedRisks": sorted(self.trusted_risks),
            "drill": _drill_to_data(self.drill),
            "alerts": list(self.alerts),
            "applied": dict(self.applied),
            "history": [_history_to_data(h) for h in self.history],
        }

    @classmethod
    def from_stored(cls, stored: ReleaseState) -> RolloutState:
        """Read the state back from its stored row."""
        data = stored.data
        return cls(
            release=stored.release,
            strategy=data["strategy"],
            phase=data["phase"],
            step=int(data["step"]),
            share=float(stored.share),
            stage_started_at=datetime.fromisoformat(data["stageStartedAt"]),
            version=stored.version,
            frozen=bool(stored.frozen),
            frozen_reason=data.get("frozenReason"),
            rollback_reason=data.get("rollbackReason"),
            trusted_slices=frozenset(data.get("trustedSlices", ())),
            trusted_risks=frozenset(data.get("trustedRisks", ())),
            drill=_drill_from_data(data.get("drill")),
            alerts=tuple(data.get("alerts", ())),
            history=tuple(_history_from_data(h) for h in data.get("history", ())),
            applied=tuple(sorted(data.get("applied", {}).items())),
        )


def _history_to_data(entry: HistoryEntry) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "action": entry.action,
        "stage": entry.stage,
        "share": entry.share,
        "actor": entry.actor,
        "reason": entry.reason,
    }


def _history_from_data(data: dict[str, Any]) -> HistoryEntry:
    return HistoryEntry(
        datetime.fromisoformat(data["at"]),
        data["action"],
        data["stage"],
        float(data["share"]),
        data["actor"],
        data["reason"],
    )


def _drill_to_data(drill: DrillRecord | None) -> dict[str, Any] | None:
    if drill is None:
        return None
    return {
        "passed": drill.passed,
        "at": drill.at.isoformat(),
        "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in drill.checks],
    }


def _drill_from_data(data: dict[str, Any] | None) -> DrillRecord | None:
    if data is None:
        return None
    checks = tuple(DrillCheck(c["name"], bool(c["passed"]), c["detail"]) for c in data["checks"])
    return DrillRecord(bool(data["passed"]), datetime.fromisoformat(data["at"]), checks)


def read_rollout(store: Store, release: str) -> RolloutState | None:
    """The stored rollout state of a release, or ``None`` before it is registered."""
    stored = store.read_state(release)
    return None if stored is None else RolloutState.from_stored(stored)
