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
    """Serve the metering, routing gateway that agents point their base URL at.

    The gateway re-reads the config file when it changes (or on SIGHUP) and holds routing on
    the incumbent until a changed strategy, share, model or threshold is reconfigured.
    """
    from agent_evals.gateway import Gateway, serve  # the gateway extra, only when served

    loaded = app.loaded()
    gateway = Gateway(loaded.config, app.store(), config_path=loaded.path)
    serve(gateway, host=host, port=port, announce=click.echo)
