"""Choosing the model for one live task (SPEC section 7), fast enough to sit in a request path."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from agent_evals.errors import UsageError
from agent_evals.rollout.state import Strategy
from agent_evals.types import Lane, Risk

if TYPE_CHECKING:
    from agent_evals.rollout.health import Health

OptChoice = Literal["in", "out"]
RouteRule = Literal["state", "pinned", "risk", "opt", "bucket"]

_UNIT = 2.0**-53  # 53 hash bits scaled into [0, 1): every float below 1 is exact
_HIGH_RISK = (
    "high-risk task; candidate not trusted for high risk (agent-evals canary trust --risk high)"
)


@dataclass(frozen=True)
class RouteDecision:
    """Which model serves a task, and why; ``shadow`` asks for a candidate run beside it."""

    model: str
    lane: Lane
    reason: str
    bucket: float
    rule: RouteRule
    shadow: bool = False


@dataclass(frozen=True)
class RoutingPlan:
    """Everything a routing decision depends on, precomputed; the router only reads it."""

    release: str
    incumbent_model: str
    candidate_model: str
    salt: str
    strategy: Strategy = "canary"
    stage: str = "ready"
    live_share: float = 0.0
    shadow_share: float = 0.0
    blocked: str | None = None
    pinned_slices: frozenset[str] = frozenset()
    slice_risks: Mapping[str, Risk] = field(default_factory=dict)
    high_risk_trusted: bool = False
    health: Health | None = None

    @property
    def opt_in_live(self) -> bool:
        """Whether an opted-in task really runs on the candidate (not only in shadow)."""
        return self.strategy == "opt-in" or self.live_share > 0.0


def _salted(salt: str) -> hashlib.blake2b:
    return hashlib.blake2b(salt.encode("utf-8") + b"\x00", digest_size=8)


def stable_bucket(salt: str, task_id: str) -> float:
    """The task's place in [0, 1): the same for the same salt and task id, everywhere."""
    hasher = _salted(salt)
    hasher.update(task_id.encode("utf-8"))
    return (int.from_bytes(hasher.digest(), "big") >> 11) * _UNIT


class SelectFn(Protocol):
    """The signature of ``Router.select``."""

    def __call__(
        self,
        task_id: str,
        risk: str | None = None,
        slice: str | None = None,
        opt: OptChoice | None = None,
    ) -> RouteDecision:
        """The lane and model for one task."""
        ...


class Router:
    """Routes live tasks by a precomputed plan.

    ``select(task_id, risk=None, slice=None, opt=None)`` checks the SPEC section 7 rules in
    order and returns a ``RouteDecision``; it reads only the compiled plan, so it is fast and
    safe to call from many threads. ``refresh`` reloads the plan and swaps it in one step.
    """

    select: SelectFn

    def __init__(self, plan: RoutingPlan, source: Callable[[], RoutingPlan] | None = None) -> None:
        self._source = source
        self._install(plan)

    @property
    def plan(self) -> RoutingPlan:
        """The plan decisions are made from."""
        return self._plan

    def refresh(self) -> RoutingPlan:
        """Reload the plan (state and health) from where it came from."""
        if self._source is None:
            raise UsageError("this router was built from a fixed plan; build a new Router instead")
        self._install(self._source())
        return self._plan

    def _install(self, plan: RoutingPlan) -> None:
        self._plan = plan
        self.select = compile_plan(plan)


def compile_plan(plan: RoutingPlan) -> SelectFn:
    """A fast ``select`` function for one plan; everything it reads is bound in advance."""
    salted, live, shadow = _salted(plan.salt), plan.live_share, plan.shadow_share
    blocked = None if plan.blocked is None else _maker(plan, "incumbent", plan.blocked, "state")
    high_trusted, slice_risks = plan.high_risk_trusted, dict(plan.slice_risks)
    pinned = {name: _maker(plan, "incumbent", why, "pinned") for name, why in _pinned(plan).items()}
    high_risk = _maker(plan, "incumbent", _HIGH_RISK, "risk")
    live_reason, shadow_reason, rest_reason = _bucket_reasons(plan)
    on_live = _maker(plan, "candidate", live_reason, "bucket")
    on_shadow = _maker(plan, "incumbent", shadow_reason, "bucket", shadow=True)
    on_rest = _maker(plan, "incumbent", rest_reason, "bucket")
    opted = _opt_decider(plan)

    def select(
        task_id: str,
        risk: str | None = None,
        slice: str | None = None,
        opt: OptChoice | None = None,
    ) -> RouteDecision:
        hasher = salted.copy()
        hasher.update(task_id.encode())
        bucket = (int.from_bytes(hasher.digest(), "big") >> 11) * _UNIT
        if blocked is not None:
            return blocked(bucket)
        if slice is not None:
            pin = pinned.get(slice)
            if pin is not None:
                return pin(bucket)
            if risk is None:
                risk = slice_risks.get(slice)
        if risk == "high" and not high_trusted:
            return high_risk(bucket)
        if opt is not None:
            return opted(opt, bucket)
        if bucket < live:
            return on_live(bucket)
        if bucket < shadow:
            return on_shadow(bucket)
        return on_rest(bucket)

    return select


def _maker(
    plan: RoutingPlan, lane: Lane, reason: str, rule: RouteRule, *, shadow: bool = False
) -> Callable[[float], RouteDecision]:
    """Build decisions of one kind fast: only the bucket differs from call to call.

    Filling the frozen value from a template dict costs a third of its generated
    ``__init__``, and the router makes one decision per live request.
    """
    model = plan.candidate_model if lane == "candidate" else plan.incumbent_model
    template: dict[str, object] = {
        "model": model,
        "lane": lane,
        "reason": reason,
        "bucket": 0.0,
        "rule": rule,
        "shadow": shadow,
    }
    new, set_fields = object.__new__, object.__setattr__

    def make(bucket: float) -> RouteDecision:
        decision = new(RouteDecision)
        fields = template.copy()
        fields["bucket"] = bucket
        set_fields(decision, "__dict__", fields)
        return decision

    return make


def _pinned(plan: RoutingPlan) -> dict[str, str]:
    return {
        name: f"slice {name} is pinned (policy-sensitive); candidate not trusted for it "
        f"(agent-evals canary trust --slice {name})"
        for name in plan.pinned_slices
    }


def _opt_decider(plan: RoutingPlan) -> Callable[[str, float], RouteDecision]:
    to_candidate = _maker(plan, "candidate", "task opted in", "opt")
    opted_out = _maker(plan, "incumbent", "task opted out", "opt")
    shadow_reason = "task opted in; shadow only, candidate output is never used"
    to_shadow = _maker(plan, "incumbent", shadow_reason, "opt", shadow=True)
    opted_in = to_candidate if plan.opt_in_live else to_shadow

    def opted(opt: str, bucket: float) -> RouteDecision:
        if opt == "out":
            return opted_out(bucket)
        if opt != "in":
            raise UsageError(f"opt {opt!r} is not allowed; use 'in', 'out' or leave it unset")
        return opted_in(bucket)

    return opted


def _bucket_reasons(plan: RoutingPlan) -> tuple[str, str, str]:
    """Reasons for candidate, shadow sample and incumbent when the bucket decides."""
    shadow = (
        f"shadow sample (bucket below shadow share {plan.shadow_share:g}); "
        "candidate output is never used"
    )
    live = f"bucket below live share {plan.live_share:g}"
    if plan.live_share >= 1.0:
        live = f"{plan.stage}: every task goes to the candidate"
    rest = f"bucket at or above live share {plan.live_share:g}"
    if plan.strategy == "opt-in":
        rest = "opt-in only: task did not opt in"
    return live, shadow, rest
