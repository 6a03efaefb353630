"""``agent-evals replay``: run a lane on a slice and decide against the other lane."""

from __future__ import annotations

import sys
from typing import cast

import click

from agent_evals.cli.context import AppContext, pass_app
from agent_evals.cli.options import format_option, slice_option
from agent_evals.cli.output import console, exit_for
from agent_evals.harness.runner import DEFAULT_WORKERS
from agent_evals.reports import (
    decision_document,
    dumps,
    print_scorecard,
    render_slice_block,
    scorecard_document,
)
from agent_evals.types import LANES, Lane
from agent_evals.workflows import ReplayOptions, replay


def _warn(message: str) -> None:
    click.secho(f"warning: {message}", fg="yellow", err=True)


@click.command("replay")
@click.option(
    "--lane",
    type=click.Choice(LANES),
    default="candidate",
    show_default=True,
    help="The lane to run; it is compared with the other lane.",
)
@slice_option("The slice to replay.", required=True)
@click.option(
    "--epochs", type=click.IntRange(min=1), default=1, show_default=True, help="Runs per task."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=DEFAULT_WORKERS,
    show_default=True,
    help="Runs at the same time.",
)
@click.option("--resume", is_flag=True, help="Skip runs already stored for the same versions.")
@click.option("--keep", is_flag=True, help="Keep the workspaces for inspection.")
@click.option("--strict", is_flag=True, help="Refuse when tasks changed since the lock/baseline.")
@click.option("--with-baseline", is_flag=True, help="Replay the other lane first.")
@click.option("--evidence", is_flag=True, help="Decide on paired intervals for this call.")
@click.option(
    "--through-gateway",
    is_flag=True,
    help="Send the agent's model calls through an in-process gateway; tokens become metered.",
)
@format_option(
    "table",
    "json",
    default="table",
    help="table: scorecard then the SPEC block; json: one document.",
)
@pass_app
def replay_command(
    app: AppContext,
    lane: str,
    slice_name: str,
    epochs: int,
    workers: int,
    resume: bool,
    keep: bool,
    strict: bool,
    with_baseline: bool,
    evidence: bool,
    through_gateway: bool,
    fmt: str,
) -> None:
    """Replay a lane on a slice; exit 0 PROMOTE, 1 BLOCKED, 3 INCONCLUSIVE."""
    loaded = app.loaded()
    options = ReplayOptions(
        epochs=epochs,
        workers=workers,
        resume=resume,
        keep=keep,
        strict=strict,
        with_baseline=with_baseline,
        evidence=True if evidence else None,
        through_gateway=through_gateway,
    )
    outcome = replay(app.store(), loaded, cast(Lane, lane), slice_name, options, warn=_warn)
    if fmt == "json":
        document = {
            "slice": outcome.slice,
            "lane": outcome.lane,
            "runs": len(outcome.runs),
            "baseline_runs": len(outcome.baseline),
            "task_warnings": list(outcome.warnings),
            **scorecard_document(outcome.scorecard),
            **decision_document(outcome.comparison.decision),
        }
        click.echo(dumps(document))
    else:
        print_scorecard(outcome.scorecard, console())
        click.echo(render_slice_block(outcome.comparison, outcome.lane))
    sys.exit(exit_for(outcome.comparison.decision.status))
