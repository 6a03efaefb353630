"""The command group, global options, and the one border where errors become exit codes."""

from __future__ import annotations

import sys
from typing import Any

import click

from agent_evals.cli.argv import hoist_global_options
from agent_evals.cli.context import AppContext, process_start_marked
from agent_evals.cli.crash import crash_line
from agent_evals.errors import EXIT_RUNTIME, EXIT_USAGE, AgentEvalsError


class _Group(click.Group):
    """Maps agent-evals errors to the exit codes of SPEC section 6, in this one place."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse with the global options moved before the subcommand (see ``cli/argv.py``)."""
        return super().parse_args(ctx, hoist_global_options(args))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AgentEvalsError as exc:
            _discard_new_store(ctx)
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.secho("interrupted; stored runs are kept (use --resume)", err=True)
            sys.exit(EXIT_RUNTIME)
        except (click.exceptions.ClickException, click.Abort):
            _discard_new_store(ctx)
            raise
        except click.exceptions.Exit:
            raise
        except Exception as exc:  # a crash is a runtime failure (4), never BLOCKED (1)
            _discard_new_store(ctx)
            click.secho(crash_line(exc, debug=bool(ctx.params.get("debug"))), fg="red", err=True)
            sys.exit(EXIT_RUNTIME)


def _discard_new_store(ctx: click.Context) -> None:
    """A failed command leaves no file behind: a store it created and left empty goes."""
    if isinstance(ctx.obj, AppContext):
        ctx.obj.discard_new_store()


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_option", metavar="FILE", help="Release config file.")
@click.option("--db", "db_option", metavar="URL", help="Run store (SQLAlchemy URL).")
@click.option("--debug", is_flag=True, help="Print the full traceback of a crash.")
@click.version_option(package_name="agent-evals")
@click.pass_context
def cli(ctx: click.Context, config_option: str | None, db_option: str | None, debug: bool) -> None:
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
    with process_start_marked():
        try:
            cli.main(args=argv, prog_name="agent-evals", standalone_mode=True)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            exc.show()
            sys.exit(EXIT_USAGE)
