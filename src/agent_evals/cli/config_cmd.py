"""``agent-evals init`` and ``agent-evals config check``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from agent_evals.cli.context import AppContext, pass_app
from agent_evals.cli.options import format_option
from agent_evals.config.starter import STARTER_CONFIG
from agent_evals.errors import UsageError
from agent_evals.example import write_example
from agent_evals.reports.plan_view import plan_summary
from agent_evals.rollout.exposure import release_plan


@click.command("init")
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing config.")
@click.option(
    "--example",
    is_flag=True,
    help="Write the complete bundled example: config, slices of tasks, model script.",
)
def init_command(directory: Path, force: bool, example: bool) -> None:
    """Write a commented starter config to DIRECTORY/config/model-release.yaml."""
    if example:
        config_path = write_example(directory, force=force)
        click.echo(f"wrote the example to {directory} (config: {config_path})")
        click.echo(f"next: read {directory / 'README.md'} to replay it")
        return
    target = directory / "config" / "model-release.yaml"
    if target.exists() and not force:
        raise UsageError(f"{target} exists already; pass --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(STARTER_CONFIG, encoding="utf-8")
    click.echo(f"wrote {target}")


@click.group("config")
def config_group() -> None:
    """Inspect the release config."""


@config_group.command("check")
@format_option("yaml", "json", default="yaml")
@pass_app
def check_command(app: AppContext, fmt: str) -> None:
    """Validate the config and print it resolved, defaults included."""
    loaded = app.loaded()
    data = loaded.config.model_dump(mode="json", by_alias=True)
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
        return
    import yaml

    click.echo(f"# {loaded.path}: valid")
    click.echo(f"# {plan_summary(release_plan(loaded.config))} (agent-evals plan)")
    click.echo(yaml.safe_dump(data, sort_keys=False).rstrip())
