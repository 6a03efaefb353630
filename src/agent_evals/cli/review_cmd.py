"""``agent-evals review add``: record a human reviewer's follow-up count."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from agent_evals.cli.context import AppContext, pass_app
from agent_evals.cli.options import COUNT, SuggestingChoice, did_you_mean
from agent_evals.errors import AgentEvalsError, UsageError
from agent_evals.store.reviews import ReviewEntry, add_review
from agent_evals.tasks import config_slice_names, load_config_slice
from agent_evals.types import LANES


@click.group("review")
def review_group() -> None:
    """Record human review results (they override automatic counts)."""


@review_group.command("add")
@click.option("--task", "task_id", required=True, help="Task id.")
@click.option("--lane", type=SuggestingChoice(LANES), required=True)
@click.option("--count", type=COUNT, required=True, help="Follow-up comments.")
@click.option("--epoch", type=COUNT, help="Only this epoch (default: all).")
@click.option("--by", "by", help="Who reviewed.")
@pass_app
def add_command(
    app: AppContext, task_id: str, lane: str, count: int, epoch: int | None, by: str | None
) -> None:
    """Record how many follow-up comments a human reviewer left on a lane's run of a task."""
    release = app.loaded().config.release.release_id
    _check_task(app, release, task_id)
    entry = ReviewEntry(release, lane, task_id, count, datetime.now(UTC), epoch, by)
    changed = add_review(app.store(), entry)
    epochs = "all epochs" if epoch is None else f"epoch {epoch}"
    click.echo(
        f"recorded {count} review comments on {lane} runs of {task_id} ({epochs}); "
        f"{changed} stored runs updated"
    )


def _check_task(app: AppContext, release: str, task_id: str) -> None:
    """Refuse a task id no stored run of the release and no slice of the config has."""
    known = {run.task_id for run in app.store().runs(release)}
    if task_id in known:
        return
    for name in config_slice_names(app.loaded(), None):
        try:
            known.update(task.id for task in load_config_slice(app.loaded(), name).tasks)
        except AgentEvalsError:  # a slice without a folder yet has no tasks to offer
            continue
    if task_id not in known:
        raise UsageError(did_you_mean("task", task_id, sorted(known)))
