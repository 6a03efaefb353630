"""``agent-evals check``: the release checklist, one mark a line; exit 1 when any fails."""

from __future__ import annotations

import json
import sys

import click

from agent_evals.cli.context import AppContext, pass_app
from agent_evals.cli.options import format_option
from agent_evals.errors import EXIT_BLOCKED
from agent_evals.reports.plan_view import plan_summary
from agent_evals.reports.rollout_views import checklist_view
from agent_evals.rollout import release_checklist
from agent_evals.rollout.exposure import release_plan, stored_spread


@click.command("check")
@format_option("table", "json", default="table")
@pass_app
def check_command(app: AppContext, fmt: str) -> None:
    """Print the release checklist; exit 0 when every line passes, else 1."""
    checklist = release_checklist(app.store(), app.loaded().config)
    if fmt == "json":
        click.echo(json.dumps(checklist_view(checklist), indent=2))
    else:
        click.echo(f"release checklist: {checklist.release}")
        for item in checklist.items:
            mark = "[x]" if item.passed else "[ ]"
            click.echo(f"{mark} {item.name}: {item.detail}")
        config = app.loaded().config
        exposure = release_plan(config, spread=stored_spread(app.store(), config))
        click.echo(f"{plan_summary(exposure)} (agent-evals plan)")
        for warning in exposure.warnings:
            click.echo(f"warning: {warning}")
        verdict = "ready" if checklist.passed else "not ready"
        click.echo(
            f"{sum(i.passed for i in checklist.items)}/{len(checklist.items)} passed: {verdict}"
        )
    if not checklist.passed:
        sys.exit(EXIT_BLOCKED)
