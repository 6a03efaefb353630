"""The command group, global options, and the one border where errors become exit codes."""

from __future__ import annotations

import sys
from typing import Any

import click

from agent_evals.cli.context import AppContext
from agent_evals.errors import EXIT_RUNTIME, EXIT_USAGE, AgentEvalsError


class _Group(click.Group):
    """Maps agent-evals errors to the exit codes of SPEC section 6, in this one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AgentEvalsError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.secho("interrupted; stored runs are kept (use --resume)", err=True)
            sys.exit(EXIT_RUNTIME)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_option", metavar="FILE", help="Release config file.")
@click.option("--db", "db_option", metavar="URL", help="Run store (SQLAlchemy URL).")
@click.version_option(package_name="agent-evals")
@click.pass_context
def cli(ctx: click.Context, config_option: str | None, db_option: str | None) -> None:
    """Release a new model behind your coding agents: replay, canary, scorecard, promote."""
    app = AppContext(config_option=config_option, db_option=db_option)
    ctx.obj = app
    ctx.call_on_close(app.close)


def _register() -> None:
    from agent_evals.cli import commands

    for command in commands.ALL:
        cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script and ``python -m agent_evals``."""
    try:
        cli.main(args=argv, prog_name="agent-evals", standalone_mode=True)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
