"""Running the gateway: in the foreground (``agent-evals serve``), or in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import uvicorn

from agent_evals.errors import HarnessError
from agent_evals.gateway.app import Gateway
from agent_evals.scripted_model.server import base_url, bind_socket

DEFAULT_PORT = 8080
_START_TIMEOUT_S = 30.0
_STOP_TIMEOUT_S = 30.0


def _config(gateway: Gateway, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        gateway,
        log_config=None,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
        server_header=False,
    )


@contextmanager
def serve_in_thread(gateway: Gateway, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``gateway`` on a free port in a thread; yields its base URL (``.../v1``).

    Leaving the block stops the server, which stores every changed run first.
    """
    sock = bind_socket(host, port)
    server = uvicorn.Server(_config(gateway, "warning"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="agent-evals-gateway", daemon=True
    )
    thread.start()
    try:
        _wait_started(server, thread)
        yield base_url(sock)
    finally:
        server.should_exit = True
        thread.join(_STOP_TIMEOUT_S)
        sock.close()


def _wait_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise HarnessError("the gateway did not start; see its log above")
        time.sleep(0.005)


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
    try:
        uvicorn.Server(_config(gateway, "info")).run(sockets=[sock])
    finally:
        sock.close()
