"""Running the scripted model: in the foreground for the CLI, or in a thread for tests and demos."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from agent_evals.errors import HarnessError, UsageError
from agent_evals.scripted_model.app import create_app
from agent_evals.scripted_model.script import Script, load_script

DEFAULT_PORT = 9001
_START_TIMEOUT_S = 10.0
_STOP_TIMEOUT_S = 10.0


class _Server(uvicorn.Server):
    """A uvicorn server that tells another thread when it accepts connections."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@contextmanager
def serve_in_thread(
    script: Script | None = None, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Serve the scripted model in a background thread; yields its base URL (``.../v1``)."""
    with serve_app_in_thread(create_app(script), host=host, port=port) as base_url:
        yield base_url


@contextmanager
def serve_app_in_thread(app: Starlette, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve any ASGI app on a free port (``port=0``) in a thread; stop it on exit."""
    sock = bind_socket(host, port)
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = _Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="scripted-model", daemon=True
    )
    thread.start()
    try:
        _wait_ready(server, thread)
        yield base_url(sock)
    finally:
        server.should_exit = True
        thread.join(_STOP_TIMEOUT_S)
        sock.close()


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
    config = uvicorn.Config(create_app(script), log_level="info", lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (0 picks a free port); ``UsageError`` if taken."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host!r}: {exc}; pass a valid --host") from None
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        fix = "pass another --port (0 picks a free one)"
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}; {fix}") from None
    # Listening at once queues early connections until the server accepts them.
    sock.listen()
    return sock


def base_url(sock: socket.socket) -> str:
    """The ``http://host:port/v1`` URL a bound socket serves."""
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/v1"


def _wait_ready(server: _Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while not server.ready.wait(0.01):
        if not thread.is_alive() or time.monotonic() > deadline:
            raise HarnessError("the scripted model server did not start; see its log above")
