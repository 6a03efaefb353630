"""``agent-evals serve``: the gateway in the foreground."""

from __future__ import annotations

import click

from agent_evals.cli.context import AppContext, pass_app
from agent_evals.errors import AgentEvalsError, UsageError

DEFAULT_PORT = 8080


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=DEFAULT_PORT, show_default=True, type=int, help="Port (0 picks a free one)."
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1, max=64),
    help="Gateway processes sharing the port (they agree through the store, like replicas).",
)
@click.option(
    "--print-ingest-token",
    is_flag=True,
    help="Print the token agents send with outcomes and reviews, and exit.",
)
@pass_app
def serve_command(
    app: AppContext, host: str, port: int, workers: int, print_ingest_token: bool
) -> None:
    """Serve the metering, routing gateway that agents point their base URL at.

    The gateway re-reads the config file when it changes (or on SIGHUP) and holds routing on
    the incumbent until a changed strategy, share, model or threshold is reconfigured.
    """
    from agent_evals.gateway import Gateway, serve  # the gateway extra, only when served
    from agent_evals.gateway.server import serve_workers
    from agent_evals.store import Store

    loaded = app.loaded()
    if print_ingest_token:
        click.echo(_ingest_token(app))
        return
    if workers == 1:
        gateway = Gateway(loaded.config, app.store(), config_path=loaded.path)
        serve(gateway, host=host, port=port, announce=click.echo)
        return
    app.store().close()  # migrated once here; each worker opens its own after the fork
    url = app.db_url

    def build() -> Gateway:
        return Gateway(loaded.config, Store(url), config_path=loaded.path)

    code = serve_workers(build, workers, host=host, port=port, announce=click.echo)
    if code:
        raise AgentEvalsError(f"a gateway worker stopped with status {code}; see its log above")


def _ingest_token(app: AppContext) -> str:
    """The release's ingest token, or a usage error naming the variables to set."""
    from agent_evals.gateway.credentials import ingest_token

    config = app.loaded().config
    token = ingest_token(config.gateway, config.release.release_id)
    if token is None:
        spec = config.gateway
        raise UsageError(
            f"no ingest token: set {spec.ingest_token_env}, or {spec.admin_token_env} "
            "to derive one for this release"
        )
    return token
