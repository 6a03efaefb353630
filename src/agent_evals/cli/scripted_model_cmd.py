"""``agent-evals scripted-model``: serve the scripted model in the foreground."""

from __future__ import annotations

from pathlib import Path

import click

from agent_evals.scripted_model import DEFAULT_PORT, serve


@click.command("scripted-model")
@click.option(
    "--script",
    "script_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="YAML script of answers per model, task and turn (default: a fixed short reply).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=DEFAULT_PORT, show_default=True, type=int, help="Port (0 picks a free one)."
)
def scripted_model_command(script_path: Path | None, host: str, port: int) -> None:
    """Serve an OpenAI- and Anthropic-compatible model that answers from a script."""
    serve(script_path, host=host, port=port, announce=click.echo)
