"""Live rollout: the router, the canary controller, hooks, the budget guard, drills, checks."""

from agent_evals.rollout.assignment import AssignmentCheck, check_assignment
from agent_evals.rollout.budget import BudgetReport, LaneSpend, budget_report
from agent_evals.rollout.checklist import CheckItem, Checklist, release_checklist
from agent_evals.rollout.clock import SYSTEM_CLOCK, Clock, FakeClock, SystemClock
from agent_evals.rollout.controller import CanaryController, RolloutAction, RolloutDecision
from agent_evals.rollout.drill import recover_drill, run_drill
from agent_evals.rollout.evaluation import StageReview, evaluate, promote, review_stage
from agent_evals.rollout.health import Health, LiveWindow, assess_health, live_window
from agent_evals.rollout.hooks import HookDispatch, HookEvent, HookOutcome, HookRunner
from agent_evals.rollout.plan import build_plan, load_plan, open_router
from agent_evals.rollout.router import (
    OptChoice,
    RouteDecision,
    Router,
    RoutingPlan,
    compile_plan,
    stable_bucket,
)
from agent_evals.rollout.state import (
    DrillCheck,
    DrillRecord,
    HistoryEntry,
    RolloutState,
    read_rollout,
    release_steps,
)
from agent_evals.rollout.status import (
    RolloutStatus,
    TaskExplanation,
    explain_task,
    rollout_status,
)

__all__ = [
    "SYSTEM_CLOCK",
    "AssignmentCheck",
    "BudgetReport",
    "CanaryController",
    "CheckItem",
    "Checklist",
    "Clock",
    "DrillCheck",
    "DrillRecord",
    "FakeClock",
    "Health",
    "HistoryEntry",
    "HookDispatch",
    "HookEvent",
    "HookOutcome",
    "HookRunner",
    "LaneSpend",
    "LiveWindow",
    "OptChoice",
    "RolloutAction",
    "RolloutDecision",
    "RolloutState",
    "RolloutStatus",
    "RouteDecision",
    "Router",
    "RoutingPlan",
    "StageReview",
    "SystemClock",
    "TaskExplanation",
    "assess_health",
    "budget_report",
    "build_plan",
    "check_assignment",
    "compile_plan",
    "evaluate",
    "explain_task",
    "live_window",
    "load_plan",
    "open_router",
    "promote",
    "read_rollout",
    "recover_drill",
    "release_checklist",
    "release_steps",
    "review_stage",
    "rollout_status",
    "run_drill",
    "stable_bucket",
]
