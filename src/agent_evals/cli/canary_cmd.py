"""``agent-evals canary``: start, watch, promote and roll back the live rollout of a release."""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar, cast

import click

from agent_evals.cli.context import AppContext, pass_app
from agent_evals.errors import EXIT_BLOCKED
from agent_evals.rollout import (
    CanaryController,
    OptChoice,
    RolloutDecision,
    evaluate,
    explain_task,
    promote,
    rollout_status,
    run_drill,
)
from agent_evals.rollout.views import (
    decision_view,
    drill_view,
    explanation_view,
    status_view,
    view_text,
)
from agent_evals.types import RISKS

ACTOR_ENV = "AGENT_EVALS_ACTOR"
_F = TypeVar("_F", bound=Callable[..., Any])


def default_actor() -> str:
    """Who acts: ``AGENT_EVALS_ACTOR``, else the login name."""
    return os.environ.get(ACTOR_ENV) or getpass.getuser()


def echo_view(view: dict[str, Any], fmt: str) -> None:
    """Print a view as JSON or as indented text."""
    click.echo(json.dumps(view, indent=2, default=str) if fmt == "json" else view_text(view))


def _format_option(fn: _F) -> _F:
    return click.option(
        "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
    )(fn)


def _actor_option(fn: _F) -> _F:
    return click.option(
        "--actor",
        default=default_actor,
        show_default=f"${ACTOR_ENV} or your login",
        help="Who takes this action (recorded in the audit log).",
    )(fn)


def _controller(app: AppContext) -> CanaryController:
    return CanaryController(app.store(), app.loaded().config)


def _finish(controller: CanaryController, decision: RolloutDecision, fmt: str) -> None:
    """Print a decision once its hooks are done (the state change is committed already)."""
    controller.hooks.wait_all()
    echo_view(decision_view(decision), fmt)


@click.group("canary")
def canary_group() -> None:
    """The live rollout: stages, fallback, drills and manual decisions (all audited)."""


Act = Callable[[CanaryController, str, str], RolloutDecision]


def _manual_command(name: str, summary: str, act: Act, reason: str | None) -> click.Command:
    """A command that takes one manual action; ``reason`` None makes ``--reason`` required."""

    @click.option(
        "--reason",
        required=reason is None,
        default=reason,
        help="Why (recorded in the audit log and sent to hooks).",
    )
    @_actor_option
    @_format_option
    @pass_app
    def command(app: AppContext, reason: str, actor: str, fmt: str) -> None:
        controller = _controller(app)
        _finish(controller, act(controller, actor, reason), fmt)

    return click.command(name, help=summary)(command)


for _name, _summary, _act, _reason in (
    (
        "start",
        "Begin the first live stage; refused until a fire drill has passed.",
        lambda c, actor, reason: c.start(actor=actor, reason=reason),
        "",
    ),
    (
        "rollback",
        "Send every task to the incumbent now and fire the rollback hooks.",
        lambda c, actor, reason: c.rollback(actor=actor, reason=reason),
        None,
    ),
    (
        "freeze",
        "Hold every task on the incumbent and stop the controller.",
        lambda c, actor, reason: c.freeze(actor=actor, reason=reason),
        None,
    ),
    (
        "unfreeze",
        "Resume routing and the controller where the release stood.",
        lambda c, actor, reason: c.unfreeze(actor=actor, reason=reason),
        "unfrozen",
    ),
):
    canary_group.add_command(_manual_command(_name, _summary, _act, _reason))


@canary_group.command("status")
@_format_option
@pass_app
def status_command(app: AppContext, fmt: str) -> None:
    """Stage, share, live health, assignment check and budget of the release."""
    echo_view(status_view(rollout_status(_controller(app))), fmt)


@canary_group.command("evaluate")
@_format_option
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
@click.option("--reason", default="", help="Why (recorded in the audit log).")
@_actor_option
@_format_option
@pass_app
def promote_command(
    app: AppContext, expected_stage: str | None, force: bool, reason: str, actor: str, fmt: str
) -> None:
    """Approve the next stage by hand."""
    controller = _controller(app)
    decision = promote(
        controller, actor=actor, reason=reason, expected_stage=expected_stage, force=force
    )
    _finish(controller, decision, fmt)


@canary_group.command("trust")
@click.option("--slice", "slice_name", help="A pinned (policy-sensitive) slice.")
@click.option("--risk", type=click.Choice(["high"]), help="Trust the candidate with high risk.")
@click.option("--reason", required=True, help="Why (recorded in the audit log).")
@_actor_option
@_format_option
@pass_app
def trust_command(
    app: AppContext, slice_name: str | None, risk: str | None, reason: str, actor: str, fmt: str
) -> None:
    """Let the candidate take a pinned slice's tasks, or high-risk tasks."""
    controller = _controller(app)
    decision = controller.trust(actor=actor, reason=reason, slice=slice_name, risk=risk)
    _finish(controller, decision, fmt)


@canary_group.command("drill")
@_actor_option
@_format_option
@pass_app
def drill_command(app: AppContext, actor: str, fmt: str) -> None:
    """Force a synthetic breach, check the fallback and hooks, restore; exit 1 if it failed."""
    record = run_drill(_controller(app), actor=actor)
    echo_view(drill_view(record), fmt)
    if not record.passed:
        sys.exit(EXIT_BLOCKED)


@canary_group.command("explain")
@click.option("--task-id", required=True, help="The task to explain.")
@click.option("--risk", type=click.Choice(RISKS))
@click.option("--slice", "slice_name")
@click.option("--opt", type=click.Choice(["in", "out"]))
@_format_option
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


def as_opt(value: str | None) -> OptChoice | None:
    """The ``--opt`` value as its type (click has checked the choice)."""
    return cast("OptChoice | None", value)
