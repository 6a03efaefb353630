"""``agent-evals serve``: the gateway in the foreground."""

from __future__ import annotations

import click

from agent_evals.cli.context import AppContext, pass_app

DEFAULT_PORT = 8080


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=DEFAULT_PORT, show_default=True, type=int, help="Port (0 picks a free one)."
)
@pass_app
def serve_command(app: AppContext, host: str, port: int) -> None:
    """Serve the metering, routing gateway that agents point their base URL at."""
    from agent_evals.gateway import Gateway, serve  # the gateway extra, only when served

    serve(Gateway(app.loaded().config, app.store()), host=host, port=port, announce=click.echo)
