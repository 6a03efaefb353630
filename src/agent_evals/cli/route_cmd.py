"""``agent-evals route``: which model takes a live task, and why."""

from __future__ import annotations

import json
from typing import TextIO

import click

from agent_evals.cli.context import AppContext, pass_app
from agent_evals.cli.options import as_opt, format_option, slice_option
from agent_evals.cli.output import echo_view
from agent_evals.errors import UsageError
from agent_evals.reports.rollout_views import route_view
from agent_evals.rollout import open_router
from agent_evals.types import RISKS


@click.command("route")
@click.option("--task-id", help="One task to route.")
@click.option(
    "--task-ids-from",
    type=click.File("r", encoding="utf-8"),
    help="A file (or -) with one task id per line.",
)
@click.option("--risk", type=click.Choice(RISKS), help="The task's risk (else the slice's).")
@slice_option("The task's slice.")
@click.option("--opt", type=click.Choice(["in", "out"]), help="The task's opt-in or opt-out.")
@format_option(
    "table",
    "json",
    "jsonl",
    default=None,
    help="Output format; default table for one task, jsonl for many.",
)
@pass_app
def route_command(
    app: AppContext,
    task_id: str | None,
    task_ids_from: TextIO | None,
    risk: str | None,
    slice_name: str | None,
    opt: str | None,
    fmt: str | None,
) -> None:
    """Route a task (or a file of tasks) by the release's stored state and live health."""
    if (task_id is None) == (task_ids_from is None):
        raise UsageError("pass exactly one of --task-id ID or --task-ids-from FILE")
    ids = (
        [task_id] if task_id is not None else [t.strip() for t in task_ids_from or () if t.strip()]
    )
    router = open_router(app.store(), app.loaded().config)
    views = [route_view(t, router.select(t, risk, slice_name, as_opt(opt))) for t in ids]
    fmt = fmt or ("table" if task_id is not None else "jsonl")
    if fmt == "jsonl":
        click.echo("\n".join(json.dumps(v) for v in views))
    elif fmt == "json":
        click.echo(json.dumps(views[0] if task_id is not None else views, indent=2))
    elif task_id is not None:
        echo_view(views[0], "table")
    else:
        for view in views:
            click.echo(f"{view['task_id']}\t{view['lane']}\t{view['bucket']:.6f}\t{view['reason']}")
