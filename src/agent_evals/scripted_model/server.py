"""Running the scripted model: in the foreground for the CLI, or in a thread for tests and demos."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from starlette.applications import Starlette

from agent_evals import serving
from agent_evals.scripted_model.app import create_app
from agent_evals.scripted_model.script import Script, load_script
from agent_evals.serving import base_url, bind_socket, serve_foreground, server_config

DEFAULT_PORT = 9001


@contextmanager
def serve_in_thread(
    script: Script | None = None, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Serve the scripted model in a background thread; yields its base URL (``.../v1``)."""
    with serve_app_in_thread(create_app(script), host=host, port=port) as url:
        yield url


@contextmanager
def serve_app_in_thread(app: Starlette, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve any ASGI app on a free port (``port=0``) in a thread; stop it on exit."""
    config = server_config(app, log_level="warning", lifespan="off", graceful_s=1)
    with serving.serve_in_thread(
        config, bind_socket(host, port), name="scripted-model", start_timeout_s=10.0
    ) as url:
        yield url


def serve(
    script_path: Path | None,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    announce: Callable[[str], None] = print,
) -> None:
    """Load the script (if any) and serve in the foreground until interrupted."""
    script = load_script(script_path) if script_path else None
    sock = bind_socket(host, port)
    announce(f"scripted model listening on {base_url(sock)} (script: {script_path or 'none'})")
    serve_foreground(
        server_config(create_app(script), log_level="info", lifespan="off", graceful_s=1), sock
    )
