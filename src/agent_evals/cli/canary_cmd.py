"""``agent-evals canary``: start, watch, promote and roll back the live rollout of a release."""

from __future__ import annotations

import sys

import click

from agent_evals.cli.context import AppContext, pass_app
from agent_evals.cli.options import (
    actor_option,
    as_opt,
    format_option,
    reason_option,
    slice_option,
)
from agent_evals.cli.output import echo_view
from agent_evals.errors import EXIT_BLOCKED, EXIT_RUNTIME
from agent_evals.reports.rollout_views import (
    decision_view,
    drill_view,
    explanation_view,
    hooks_view,
    status_view,
)
from agent_evals.rollout import (
    CanaryController,
    RolloutDecision,
    evaluate,
    explain_task,
    promote,
    recover_drill,
    rollout_status,
    run_drill,
)
from agent_evals.rollout.reconfigure import reconfigure
from agent_evals.types import RISKS


def _controller(app: AppContext, *, deliver: bool = True) -> CanaryController:
    """The release's controller; hook deliveries a killed process left due go out now, in
    the background, and the command waits for them before it exits."""
    controller = CanaryController(app.store(), app.loaded().config)
    if deliver:
        controller.deliver_hooks()
        click.get_current_context().call_on_close(controller.hooks.wait_all)
    return controller


def _finish(controller: CanaryController, decision: RolloutDecision, fmt: str) -> None:
    """Print a decision once its hooks are done (the state change is committed already)."""
    controller.hooks.wait_all()
    echo_view(decision_view(decision), fmt)


@click.group("canary")
def canary_group() -> None:
    """The live rollout: stages, fallback, drills and manual decisions (all audited)."""


_HOOKS_REASON = "Why (recorded in the audit log and sent to hooks)."


@canary_group.command("start")
@reason_option(default="", help=_HOOKS_REASON + " Needed after a rollback.")
@click.option(
    "--override-replay",
    is_flag=True,
    help="Start although an eval slice's replay decision is not PROMOTE (needs --reason; "
    "audited with who and why).",
)
@actor_option()
@format_option("table", "json", default="table")
@pass_app
def start_command(
    app: AppContext, reason: str, override_replay: bool, actor: str, fmt: str
) -> None:
    """Begin the first live stage; refused until a fire drill has passed and the replay
    decision is PROMOTE on every eval slice."""
    controller = _controller(app)
    decision = controller.start(actor=actor, reason=reason, override_replay=override_replay)
    _finish(controller, decision, fmt)


@canary_group.command("reconfigure")
@reason_option(help="Why the config changed (recorded in the audit log).")
@actor_option()
@format_option("table", "json", default="table")
@pass_app
def reconfigure_command(app: AppContext, reason: str, actor: str, fmt: str) -> None:
    """Apply a changed strategy or stage share from the config to the running release."""
    controller = _controller(app)
    _finish(controller, reconfigure(controller, actor=actor, reason=reason), fmt)


@canary_group.command("rollback")
@reason_option(help=_HOOKS_REASON)
@actor_option()
@format_option("table", "json", default="table")
@pass_app
def rollback_command(app: AppContext, reason: str, actor: str, fmt: str) -> None:
    """Send every task to the incumbent now and fire the rollback hooks."""
    controller = _controller(app)
    _finish(controller, controller.rollback(actor=actor, reason=reason), fmt)


@canary_group.command("freeze")
@reason_option(help=_HOOKS_REASON)
@actor_option()
@format_option("table", "json", default="table")
@pass_app
def freeze_command(app: AppContext, reason: str, actor: str, fmt: str) -> None:
    """Hold every task on the incumbent and stop the controller."""
    controller = _controller(app)
    _finish(controller, controller.freeze(actor=actor, reason=reason), fmt)


@canary_group.command("unfreeze")
@reason_option(default="unfrozen", help=_HOOKS_REASON)
@actor_option()
@format_option("table", "json", default="table")
@pass_app
def unfreeze_command(app: AppContext, reason: str, actor: str, fmt: str) -> None:
    """Resume routing and the controller where the release stood."""
    controller = _controller(app)
    _finish(controller, controller.unfreeze(actor=actor, reason=reason), fmt)


@canary_group.command("status")
@format_option("table", "json", default="table")
@pass_app
def status_command(app: AppContext, fmt: str) -> None:
    """Stage, share, live health, assignment check and budget of the release."""
    echo_view(status_view(rollout_status(_controller(app))), fmt)


@canary_group.command("evaluate")
@format_option("table", "json", default="table")
@pass_app
def evaluate_command(app: AppContext, fmt: str) -> None:
    """Re-evaluate the live stage: hold, advance, or roll back (exit 1) on a breach."""
    controller = _controller(app)
    decision = evaluate(controller)
    _finish(controller, decision, fmt)
    if decision.action == "rollback":
        sys.exit(EXIT_BLOCKED)


@canary_group.command("promote")
@click.option("--from", "expected_stage", metavar="STAGE", help="Only if the release is at STAGE.")
@click.option("--force", is_flag=True, help="Override unmet stage conditions (audited).")
@reason_option(default="")
@actor_option()
@format_option("table", "json", default="table")
@pass_app
def promote_command(
    app: AppContext, expected_stage: str | None, force: bool, reason: str, actor: str, fmt: str
) -> None:
    """Approve the next stage by hand."""
    controller = _controller(app)
    decision = promote(
        controller,
        actor=actor,
        reason=reason,
        expected_stage=expected_stage,
        force=force,
        since=app.invoked_at,
    )
    _finish(controller, decision, fmt)


@canary_group.command("trust")
@slice_option("A pinned (policy-sensitive) slice.")
@click.option("--risk", type=click.Choice(["high"]), help="Trust the candidate with high risk.")
@reason_option()
@actor_option()
@format_option("table", "json", default="table")
@pass_app
def trust_command(
    app: AppContext, slice_name: str | None, risk: str | None, reason: str, actor: str, fmt: str
) -> None:
    """Let the candidate take a pinned slice's tasks, or high-risk tasks."""
    controller = _controller(app)
    decision = controller.trust(actor=actor, reason=reason, slice=slice_name, risk=risk)
    _finish(controller, decision, fmt)


@canary_group.command("drill")
@click.option(
    "--recover",
    is_flag=True,
    help="Only put back the state a killed drill left rolled back (a drill does it first too).",
)
@actor_option()
@format_option("table", "json", default="table")
@pass_app
def drill_command(app: AppContext, recover: bool, actor: str, fmt: str) -> None:
    """Force a synthetic breach, check the fallback and hooks, restore; exit 1 if it failed."""
    if recover:
        restored = recover_drill(_controller(app), actor=actor)
        click.echo(
            "no interrupted drill to recover"
            if restored is None
            else f"state restored to {restored.stage} share {restored.share:g}"
        )
        return
    record = run_drill(_controller(app), actor=actor)
    echo_view(drill_view(record), fmt)
    if not record.passed:
        sys.exit(EXIT_BLOCKED)


@canary_group.command("hooks")
@click.option(
    "--deliver",
    is_flag=True,
    help="Deliver the due deliveries now: those a killed process left, and failed ones whose "
    "retry time has come (exit 4 if one fails again).",
)
@format_option("table", "json", default="table")
@pass_app
def hooks_command(app: AppContext, deliver: bool, fmt: str) -> None:
    """The release's hook deliveries: pending, delivered and failed, oldest first."""
    controller = _controller(app, deliver=False)
    outcomes = controller.hooks.deliver_due(controller.release) if deliver else ()
    echo_view(hooks_view(controller.release, app.store().hook_deliveries(controller.release)), fmt)
    if any(not outcome.ok for outcome in outcomes):
        sys.exit(EXIT_RUNTIME)


@canary_group.command("explain")
@click.option("--task-id", required=True, help="The task to explain.")
@click.option("--risk", type=click.Choice(RISKS))
@slice_option("The task's slice.")
@click.option("--opt", type=click.Choice(["in", "out"]))
@format_option("table", "json", default="table")
@pass_app
def explain_command(
    app: AppContext,
    task_id: str,
    risk: str | None,
    slice_name: str | None,
    opt: str | None,
    fmt: str,
) -> None:
    """Why a task goes to its lane now, and which lane it had after each rollout change."""
    loaded = app.loaded()
    explanation = explain_task(
        app.store(), loaded.config, task_id, risk=risk, slice=slice_name, opt=as_opt(opt)
    )
    echo_view(explanation_view(explanation), fmt)
