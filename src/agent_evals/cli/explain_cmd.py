"""``agent-evals explain --task ID``: one task's stored runs side by side."""

from __future__ import annotations

import click

from agent_evals.cli.context import AppContext, pass_app
from agent_evals.cli.options import SuggestingChoice, did_you_mean, format_option
from agent_evals.cli.output import console
from agent_evals.errors import UsageError
from agent_evals.reports import dumps
from agent_evals.reports.task_view import task_document, task_table
from agent_evals.types import RUN_SOURCES


@click.command("explain")
@click.option("--task", "task_id", required=True, help="The task id.")
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=SuggestingChoice(RUN_SOURCES),
    help="Only runs from this source (repeatable; default: all).",
)
@click.option("--release", help="Release name (default: from the config).")
@format_option("table", "json", default="table")
@pass_app
def explain_command(
    app: AppContext, task_id: str, sources: tuple[str, ...], release: str | None, fmt: str
) -> None:
    """Show one task's runs side by side: both lanes, every epoch and source."""
    release_id = release or app.loaded().config.release.release_id
    stored = app.store().runs(release_id)
    runs = [r for r in stored if r.task_id == task_id and (not sources or r.source in sources)]
    if not runs:
        known = sorted({r.task_id for r in stored})
        raise UsageError(f"release {release_id!r}: {did_you_mean('task', task_id, known)}")
    if fmt == "json":
        click.echo(dumps(task_document(task_id, runs)))
    else:
        console().print(task_table(task_id, runs))
