"""Reading a rollout: its status now, and why a task got the lane it got."""

from __future__ import annotations

from dataclasses import dataclass

from agent_evals.config.models import ReleaseConfig, Stage
from agent_evals.rollout.assignment import AssignmentCheck, check_assignment
from agent_evals.rollout.budget import BudgetReport, budget_report
from agent_evals.rollout.controller import CanaryController
from agent_evals.rollout.evaluation import StageReview, review_stage, stage_stops
from agent_evals.rollout.health import LiveWindow, live_window
from agent_evals.rollout.plan import build_plan, load_plan
from agent_evals.rollout.replay_gate import ReplayGate, replay_gate
from agent_evals.rollout.router import OptChoice, RouteDecision, Router, RoutingPlan
from agent_evals.rollout.state import HistoryEntry, RolloutState, read_rollout
from agent_evals.store import Store
from agent_evals.types import Lane

_OFF_STAGES = ("ready", "rolled-back")


@dataclass(frozen=True)
class RolloutStatus:
    """Where a release stands, how its stage is doing, and whether routing keeps the share."""

    release: str
    strategy: str
    steps: tuple[Stage, ...]
    state: RolloutState | None
    plan: RoutingPlan
    review: StageReview | None
    assignment: AssignmentCheck | None
    budget: BudgetReport | None
    replay: ReplayGate | None = None
    stops: tuple[str, ...] = ()
    """What keeps a stage that met its conditions from moving on (approval, drill, replay)."""


def rollout_status(controller: CanaryController) -> RolloutStatus:
    """The status of the controller's release, computed from the store."""
    state = controller.state()
    review = assignment = None
    if state is not None and state.phase in ("stage", "done"):
        review = review_stage(controller, state)
        plan = build_plan(controller.config, state, review.health)
        assignment = stage_assignment(controller.store, state, plan)
    else:
        plan = build_plan(controller.config, state)
    min_runs = controller.step_of(state).min_tasks if state else controller.steps[0].min_tasks
    budget = budget_report(
        controller.store, controller.config, now=controller.clock.now(), min_runs=min_runs
    )
    return RolloutStatus(
        controller.release,
        controller.config.release.strategy,
        controller.steps,
        state,
        plan,
        review,
        assignment,
        budget,
        replay_gate(controller.store, controller.config),
        _stops(controller, state, review),
    )


def stage_assignment(
    store: Store,
    state: RolloutState | None,
    plan: RoutingPlan,
    release_runs: LiveWindow | None = None,
) -> AssignmentCheck | None:
    """The sample-ratio check of the stage now live (``None`` when nothing is live).

    With ``release_runs`` (the release's live window, already read) the stage's runs are
    taken from it; otherwise they are read from the store.
    """
    if state is None or state.phase not in ("stage", "done"):
        return None
    # This stage's runs only: earlier stages had other shares.
    since = state.stage_started_at
    window = (
        live_window(store, state.release, since)
        if release_runs is None
        else release_runs.narrowed(since)
    )
    return check_assignment((*window.incumbent, *window.candidate), plan, state.share)


def _stops(
    controller: CanaryController, state: RolloutState | None, review: StageReview | None
) -> tuple[str, ...]:
    if state is None or state.phase != "stage" or review is None or review.waiting_for():
        return ()
    return stage_stops(controller, state)


@dataclass(frozen=True)
class TaskExplanation:
    """A task's route now, and the lane its bucket had after each change of the rollout."""

    task_id: str
    decision: RouteDecision
    plan: RoutingPlan
    timeline: tuple[tuple[HistoryEntry, Lane], ...]


def explain_task(
    store: Store,
    config: ReleaseConfig,
    task_id: str,
    *,
    risk: str | None = None,
    slice: str | None = None,
    opt: OptChoice | None = None,
) -> TaskExplanation:
    """Why a task goes where it goes now, and where it went before (by its stable bucket)."""
    plan = load_plan(store, config)
    decision = Router(plan).select(task_id, risk, slice, opt)
    state = read_rollout(store, config.release.release_id)
    history = state.history if state else ()
    return TaskExplanation(task_id, decision, plan, _timeline(history, decision.bucket))


def _timeline(
    history: tuple[HistoryEntry, ...], bucket: float
) -> tuple[tuple[HistoryEntry, Lane], ...]:
    """The bucket rule's lane after each change (pins, opt-ins and health not replayed)."""
    frozen = False
    lanes: list[tuple[HistoryEntry, Lane]] = []
    for entry in history:
        frozen = {"freeze": True, "unfreeze": False}.get(entry.action, frozen)
        live = entry.stage not in _OFF_STAGES and not frozen and bucket < entry.share
        lanes.append((entry, "candidate" if live else "incumbent"))
    return tuple(lanes)
