"""Running the gateway: in the foreground (``agent-evals serve``), in worker processes
(``serve --workers N``), or in a thread."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

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


def serve_workers(
    build: Callable[[], Gateway],
    workers: int,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    announce: Callable[[str], None] = print,
) -> int:
    """Serve with ``workers`` processes accepting on one socket, until SIGTERM or SIGINT.

    The socket is bound once and inherited by forked workers (the kernel hands each
    connection to one of them). Each worker builds its own gateway and store connections with
    ``build`` after the fork, and the workers agree through the store exactly as replicas on
    several machines do. Returns the first non-zero worker exit status (0 when all stop well).
    """
    sock = bind_socket(host, port)
    children: list[int] = []

    def stop(signum: int, _frame: FrameType | None) -> None:
        # SIGTERM to every worker: a graceful stop that stores what each holds (a second
        # SIGINT would make uvicorn skip that).
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    children.extend(_fork_worker(build, sock) for _ in range(workers))
    announce(
        f"gateway listening on {base_url(sock)} with {workers} worker processes "
        "(send X-Agent-Task-Id with each request)"
    )
    sock.close()
    statuses = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in children]
    return next((code for code in statuses if code), 0)


def _fork_worker(build: Callable[[], Gateway], sock: socket.socket) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 0
    # uvicorn raises the signal that stopped it again once it has shut down; a no-op handler
    # lets the worker then exit with its own status.
    for stopping in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stopping, _ignore)
    try:
        gateway = build()
        tune_collector()
        serve_foreground(
            server_config(gateway, log_level="info", lifespan="on", graceful_s=5), sock
        )
    except BaseException:  # a worker must never return into the parent's code
        logging.getLogger("agent_evals.gateway").exception("gateway worker %d failed", os.getpid())
        code = 1
    finally:
        os._exit(code)


def _ignore(_signum: int, _frame: FrameType | None) -> None:
    return None


def tune_collector() -> None:
    """Keep garbage collection off the request path of a gateway process.

    At thousands of requests a second the default thresholds run a collection every few
    requests, each scanning every object made at start-up; those pauses were most of the p99
    tail under concurrent load. Start-up objects are frozen out of the scans, and young
    collections run less often. The statistics library the health checks use is loaded
    first (commands load it on first use, a server at start): its objects join the frozen
    start-up set, and the process's memory after start-up is what it keeps.
    """
    import scipy.stats  # noqa: F401

    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
