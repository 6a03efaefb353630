"""``agent-evals review add``: record a human reviewer's follow-up count."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from agent_evals.cli.context import AppContext, pass_app
from agent_evals.store.reviews import ReviewEntry, add_review
from agent_evals.types import LANES


@click.group("review")
def review_group() -> None:
    """Record human review results (they override automatic counts)."""


@review_group.command("add")
@click.option("--task", "task_id", required=True, help="Task id.")
@click.option("--lane", type=click.Choice(LANES), required=True)
@click.option("--count", type=click.IntRange(min=0), required=True, help="Follow-up comments.")
@click.option("--epoch", type=click.IntRange(min=0), help="Only this epoch (default: all).")
@click.option("--by", "by", help="Who reviewed.")
@pass_app
def add_command(
    app: AppContext, task_id: str, lane: str, count: int, epoch: int | None, by: str | None
) -> None:
    """Record how many follow-up comments a human reviewer left on a lane's run of a task."""
    release = app.loaded().config.release.release_id
    entry = ReviewEntry(release, lane, task_id, count, datetime.now(UTC), epoch, by)
    changed = add_review(app.store(), entry)
    epochs = "all epochs" if epoch is None else f"epoch {epoch}"
    click.echo(
        f"recorded {count} review comments on {lane} runs of {task_id} ({epochs}); "
        f"{changed} stored runs updated"
    )
