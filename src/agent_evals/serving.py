"""Serving an ASGI app with uvicorn: in the foreground, or in a thread for tests and demos."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

import uvicorn

from agent_evals.errors import HarnessError, UsageError

_STOP_TIMEOUT_S = 30.0


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


def server_config(
    app: Any, *, log_level: str, lifespan: Literal["on", "off"], graceful_s: int
) -> uvicorn.Config:
    """The uvicorn settings every server here shares (no access log, our own logging)."""
    return uvicorn.Config(
        app,
        log_config=None,
        log_level=log_level,
        access_log=False,
        lifespan=lifespan,
        timeout_graceful_shutdown=graceful_s,
        server_header=False,
    )


@contextmanager
def serve_in_thread(
    config: uvicorn.Config,
    sock: socket.socket,
    *,
    name: str,
    start_timeout_s: float = 30.0,
) -> Iterator[str]:
    """Run the server on ``sock`` in a daemon thread; yields its base URL, stops it on exit."""
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + start_timeout_s
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise HarnessError(f"the {name} server did not start; see its log above")
            time.sleep(0.005)
        yield base_url(sock)
    finally:
        server.should_exit = True
        thread.join(_STOP_TIMEOUT_S)
        sock.close()


def serve_foreground(config: uvicorn.Config, sock: socket.socket) -> None:
    """Serve until interrupted."""
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
