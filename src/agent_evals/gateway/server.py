"""Running the gateway: in the foreground (``agent-evals serve``), or in a thread."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from agent_evals import serving
from agent_evals.gateway.app import Gateway
from agent_evals.serving import base_url, bind_socket, serve_foreground, server_config

DEFAULT_PORT = 8080


@contextmanager
def serve_in_thread(gateway: Gateway, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``gateway`` on a free port in a thread; yields its base URL (``.../v1``).

    Leaving the block stops the server, which stores every changed run first.
    """
    config = server_config(gateway, log_level="warning", lifespan="on", graceful_s=5)
    with serving.serve_in_thread(config, bind_socket(host, port), name="gateway") as url:
        yield url


def serve(
    gateway: Gateway,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve in the foreground until interrupted."""
    sock = bind_socket(host, port)
    announce(
        f"gateway for release {gateway.config.release.release_id} listening on {base_url(sock)} "
        "(point your agent's base URL here; send X-Agent-Task-Id with each request)"
    )
    tune_collector()
    serve_foreground(server_config(gateway, log_level="info", lifespan="on", graceful_s=5), sock)


def tune_collector() -> None:
    """Keep garbage collection off the request path of a gateway process.

    At thousands of requests a second the default thresholds run a collection every few
    requests, each scanning every object made at start-up; those pauses were most of the p99
    tail under concurrent load. Start-up objects are frozen out of the scans, and young
    collections run less often.
    """
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
