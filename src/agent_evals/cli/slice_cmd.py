"""``agent-evals slice``: lock a slice's task versions, harvest tasks from a repository's
history, and show which tasks carry signal."""

from __future__ import annotations

import json
from pathlib import Path

import click

from agent_evals.cli.context import AppContext, pass_app
from agent_evals.cli.options import format_option, slice_option
from agent_evals.config.harvest import HarvestSpec
from agent_evals.reports.slice_health_view import health_document, health_lines
from agent_evals.tasks import slice_path
from agent_evals.workflows import lock_slices
from agent_evals.workflows.harvest import HarvestOptions, harvest, read_issues
from agent_evals.workflows.health import release_slice_health


@click.group("slice")
def slice_group() -> None:
    """Work with slices of tasks."""


@slice_group.command("lock")
@slice_option("Only this slice (default: every slice folder).")
@pass_app
def lock_command(app: AppContext, slice_name: str | None) -> None:
    """Write <slice>/slice.lock and record the task hashes in the store."""
    for slice_, path in lock_slices(app.store(), app.loaded(), slice_name):
        click.echo(f"locked {len(slice_.tasks)} tasks of slice {slice_.name}: {path}")


@slice_group.command("harvest")
@click.option(
    "--repo",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A local git repository.",
)
@click.option("--since", help="Only changes after this date (as git understands it).")
@click.option("--max", "max_tasks", type=click.IntRange(min=1), help="Stop after N tasks.")
@slice_option("Write every task to this slice (default: harvested).")
@click.option("--classify", is_flag=True, help="Write each task to the slice of its kind.")
@click.option(
    "--issues",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='JSON object of issue texts by number ({"12": "..."}), for messages that say #12.',
)
@click.option(
    "--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Checks at once."
)
@click.option("--quiet", "-q", is_flag=True, help="Print the summary only.")
@pass_app
def harvest_command(
    app: AppContext,
    repo: Path,
    since: str | None,
    max_tasks: int | None,
    slice_name: str | None,
    classify: bool,
    issues: Path | None,
    workers: int,
    quiet: bool,
) -> None:
    """Turn a repository's changes with tests into replay tasks, each checked by its tests."""
    loaded = app.optional_config()
    spec = loaded.config.harvest if loaded else HarvestSpec()
    options = HarvestOptions(
        repo,
        since=since,
        max_tasks=max_tasks,
        slice_name=slice_name,
        by_kind=classify,
        issues=read_issues(issues) if issues else {},
        workers=workers,
    )

    def folder(name: str) -> Path:
        return slice_path(loaded, name) if loaded else Path("slices") / name

    note = None if quiet else (lambda line: click.echo(line, err=True))
    for line in harvest(options, spec, folder, note=note).lines():
        click.echo(line)


@slice_group.command("health")
@slice_option("Only this slice (default: every configured slice).")
@click.option(
    "--include-flaky", is_flag=True, help="Say flaky tasks stay in the gates (as scorecard's)."
)
@format_option("table", "json", default="table")
@pass_app
def health_command(app: AppContext, slice_name: str | None, include_flaky: bool, fmt: str) -> None:
    """Per task pass rates over epochs: flaky, no-signal and contamination-risk tasks."""
    found = release_slice_health(app.store(), app.loaded(), slice_name)
    if fmt == "json":
        click.echo(json.dumps(health_document(found), indent=2))
        return
    for line in health_lines(found, include_flaky=include_flaky):
        click.echo(line)
