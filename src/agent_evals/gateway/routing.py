"""Which lane serves a request: the task's tags, its first routing decision, and the plan now.

A task keeps the lane of its first request, so every request of one task goes to one lane
even when the share changes mid-task. The one exception is safety: while the plan is
blocked (rolled back, frozen, candidate unhealthy) a candidate task's requests go to the
incumbent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from agent_evals.gateway.ledger import Ledger, LiveRun
from agent_evals.rollout import OptChoice, RouteDecision, Router
from agent_evals.types import RISKS, Lane

UNSLICED = "live"
_UNTAGGED = "no task id (send X-Agent-Task-Id); untagged requests stay on the incumbent"


@dataclass(frozen=True, slots=True)
class TaskTag:
    """What a request says about its task (headers first, then request metadata)."""

    task_id: str | None = None
    risk: str | None = None
    slice: str | None = None
    opt: OptChoice | None = None


class Routing(Protocol):
    """Chooses the lane of a request and the run it is metered into."""

    def route(self, tag: TaskTag) -> tuple[RouteDecision, LiveRun | None]:
        """The decision for this request, and its task's live run (``None`` when untagged)."""
        ...


class LiveRouting:
    """Routes by the release's plan, sticky per task."""

    def __init__(self, router: Callable[[], Router], ledger: Ledger) -> None:
        self._router = router
        self.ledger = ledger

    def route(self, tag: TaskTag) -> tuple[RouteDecision, LiveRun | None]:
        """The task's lane (its first decision), or the incumbent while the plan is blocked."""
        router = self._router()
        plan = router.plan
        task_id = tag.task_id
        if task_id is None:
            return RouteDecision(plan.incumbent_model, "incumbent", _UNTAGGED, 0.0, "state"), None
        run = self.ledger.get(task_id)
        if run is None:
            risk = tag.risk if tag.risk in RISKS else None
            decision = router.select(task_id, risk, tag.slice, tag.opt)
            run = self.ledger.open(
                task_id, decision.lane, decision.model, tag.slice or UNSLICED, "live"
            )
            run.decision = decision
            return decision, run
        decision = run.decision or RouteDecision(run.model, run.lane, "resumed", 0.0, "state")
        if decision.lane == "candidate" and plan.blocked is not None:
            blocked = RouteDecision(
                plan.incumbent_model, "incumbent", plan.blocked, decision.bucket, "state"
            )
            return blocked, run
        return decision, run


class ReplayRouting:
    """Routes each replay attempt to the lane it was registered with; never falls back."""

    def __init__(self, models: Mapping[Lane, str], ledger: Ledger) -> None:
        self.models = dict(models)
        self.ledger = ledger
        self.attempts: dict[str, Lane] = {}

    def register(self, attempt: str, lane: Lane) -> None:
        """Say which lane an attempt's requests go to (before the agent starts)."""
        self.attempts[attempt] = lane

    def route(self, tag: TaskTag) -> tuple[RouteDecision, LiveRun | None]:
        """The registered lane; requests of unknown attempts go to the incumbent, unmetered."""
        lane = self.attempts.get(tag.task_id or "")
        if lane is None or tag.task_id is None:
            reason = "not a registered replay attempt"
            return RouteDecision(self.models["incumbent"], "incumbent", reason, 0.0, "state"), None
        decision = RouteDecision(
            self.models[lane], lane, f"replay of the {lane} lane", 0.0, "state"
        )
        run = self.ledger.get(tag.task_id)
        if run is None:
            run = self.ledger.open(tag.task_id, lane, decision.model, UNSLICED, "live")
            run.decision = decision
        return decision, run
