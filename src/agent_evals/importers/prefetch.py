"""Reading a large file in a forked process while this one writes its rows.

Parsing and checking records is Python work; writing them is mostly SQLite's. On a machine
with two cores both go at once: the child sends batches of finished rows through a pipe, and
this process stays the only one that touches the store (so its transaction still decides
whether anything of the file is kept). Where ``fork`` is not available rows are read in-line.
The child dies with this process, even one killed with SIGKILL: on Linux by a death signal
(prctl(2) ``PR_SET_PDEATHSIG``), elsewhere because its next send finds the pipe closed.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from multiprocessing.connection import Connection
from typing import Any, NamedTuple, TypeVar

from agent_evals.errors import AgentEvalsError
from agent_evals.store.bulk import iter_batches

Item = TypeVar("Item")
_BATCH = 2000
PR_SET_PDEATHSIG = 1


class _Done(NamedTuple):
    state: Any


class _Failed(NamedTuple):
    error: BaseException


def can_fork() -> bool:
    """Whether this platform can fork a reader process."""
    return "fork" in multiprocessing.get_all_start_methods()


def forked(rows: Iterable[Item], state: Any, receive: Callable[[Any], None]) -> Iterator[Item]:
    """``rows``, produced by a forked child; at the end ``receive`` gets the child's ``state``.

    An exception in the child is raised here, where the rows are consumed.
    """
    return chain.from_iterable(_batches(rows, state, receive))


def _batches(
    rows: Iterable[Item], state: Any, receive: Callable[[Any], None]
) -> Iterator[list[Item]]:
    for stream in (sys.stdout, sys.stderr):
        stream.flush()  # else the child would flush a copy of what is still buffered
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_produce, args=(rows, state, sender, receiver, os.getpid()), daemon=True
    )
    child.start()
    sender.close()
    try:
        while True:
            try:
                message = receiver.recv()
            except EOFError:
                raise AgentEvalsError("the import's reader process stopped unexpectedly") from None
            if isinstance(message, _Done):
                receive(message.state)
                return
            if isinstance(message, _Failed):
                raise message.error
            yield message
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()


def _produce(
    rows: Iterable[Any], state: Any, sender: Connection, receiver: Connection, parent: int
) -> None:
    _die_with_parent(parent)
    receiver.close()  # the parent's end: with it closed here, a dead parent breaks the pipe
    try:
        for batch in iter_batches(rows, _BATCH):
            sender.send(batch)
        sender.send(_Done(state))
    except (BrokenPipeError, ConnectionResetError):
        return  # the parent is gone; nobody is left to read
    except Exception as exc:  # handed to the parent, which raises it
        sender.send(_Failed(exc))
    finally:
        sender.close()


def _die_with_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
    if os.getppid() != parent:  # the parent died before the death signal was set
        os._exit(1)
