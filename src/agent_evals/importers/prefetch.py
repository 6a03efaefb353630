"""Reading a large file in a forked process while this one writes its rows.

Parsing and checking records is Python work; writing them is mostly SQLite's. On a machine
with two cores both go at once: the child sends batches of finished rows through a pipe, and
this process stays the only one that touches the store (so its transaction still decides
whether anything of the file is kept). Where ``fork`` is not available rows are read in-line.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from multiprocessing.connection import Connection
from typing import Any, NamedTuple, TypeVar

from agent_evals.errors import AgentEvalsError
from agent_evals.store.bulk import iter_batches

Item = TypeVar("Item")
_BATCH = 2000


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
    child = context.Process(target=_produce, args=(rows, state, sender), daemon=True)
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


def _produce(rows: Iterable[Any], state: Any, sender: Connection) -> None:
    try:
        for batch in iter_batches(rows, _BATCH):
            sender.send(batch)
        sender.send(_Done(state))
    except Exception as exc:  # handed to the parent, which raises it
        sender.send(_Failed(exc))
    finally:
        sender.close()
