"""``agent-evals slice lock``: pin the content hash of every task of a slice."""

from __future__ import annotations

import click

from agent_evals.cli.context import AppContext, pass_app
from agent_evals.cli.options import slice_option
from agent_evals.workflows import lock_slices


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
