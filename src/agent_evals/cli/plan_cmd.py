"""``agent-evals plan``: how many tasks each gate needs, before a release spends them."""

from __future__ import annotations

import json

import click

from agent_evals.cli.context import AppContext, pass_app
from agent_evals.cli.options import FiniteFloatRange, format_option
from agent_evals.reports.plan_view import plan_document, plan_lines
from agent_evals.rollout.exposure import release_plan, stored_spread


@click.command("plan")
@click.option(
    "--tasks-per-day",
    type=FiniteFloatRange(min=0.0, min_open=True),
    help="Live tasks a day (both lanes); prints how long each stage takes.",
)
@format_option("table", "json", default="table")
@pass_app
def plan_command(app: AppContext, tasks_per_day: float | None, fmt: str) -> None:
    """Paired tasks and epochs each gate needs for 80% power, and each live stage's exposure."""
    config = app.loaded().config
    exposure = release_plan(
        config, spread=stored_spread(app.store(), config), tasks_per_day=tasks_per_day
    )
    if fmt == "json":
        click.echo(json.dumps(plan_document(exposure), indent=2))
        return
    for line in plan_lines(exposure):
        click.echo(line)
