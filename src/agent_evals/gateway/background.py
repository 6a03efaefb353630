"""Work kept off the request path: store calls on one thread, and the writer of live meters.

Everything the gateway writes about live runs goes through one ordered queue: the
periodic batch of what requests added, and each outcome or review count. A write that
fails (the store is down, slow or locked) stays at the head of the queue and is tried
again with backoff, so nothing is lost and nothing is applied out of order; a caller
waits a bounded time for its own write and is then answered from memory.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol, TypeVar

from agent_evals.gateway.ledger import Ledger
from agent_evals.gateway.meters import Projector
from agent_evals.store import Store
from agent_evals.store.live_state import MergeResult, MeterChange, MeterDelta

log = logging.getLogger("agent_evals.gateway")
T = TypeVar("T")
_FIRST_RETRY_S = 0.05
_MAX_RETRY_S = 2.0
# A write waiting longer than this makes the gateway not ready (the store is too slow).
STALL_S = 5.0


class SharedCounts(Protocol):
    """Counts kept per replica and summed in the store (the breaker's)."""

    def unwritten(self) -> bool:
        """Whether there are counts not yet written."""
        ...

    def take_unwritten(self) -> dict[str, tuple[int, int]]:
        """The counts not yet written, by lane (they are written with the next batch)."""
        ...


class StoreThread:
    """Runs store calls of the gateway on one worker thread, in order.

    One writer at a time suits SQLite, and the event loop never waits on a database.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agent-evals-store")

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call ``fn`` on the store thread and wait for its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, partial(fn, *args, **kwargs))

    def close(self) -> None:
        """Finish queued calls and stop the thread."""
        self._pool.shutdown(wait=True)


@dataclass
class _Write:
    deltas: list[MeterDelta]
    changes: list[MeterChange]
    breaker: dict[str, tuple[int, int]]
    done: asyncio.Future[MergeResult]
    queued: float = field(default_factory=time.monotonic)


class BatchWriter:
    """Adds what changed to the store every ``interval`` seconds, and outcomes at once.

    ``breaker_counts`` hands over the breaker's unwritten counts (written with the batch);
    ``merged`` hears every stored result (the breaker's shared totals, the runs' epochs).
    """

    def __init__(
        self,
        ledger: Ledger,
        store: Store,
        io: StoreThread,
        interval_s: float,
        *,
        breaker: SharedCounts | None = None,
        merged: Callable[[MergeResult], None] | None = None,
    ) -> None:
        self.ledger = ledger
        self.store = store
        self.io = io
        self.interval_s = interval_s
        self.breaker = breaker
        self.merged = merged
        self.project = Projector(ledger.release, ledger.prices)
        self.last_error: str | None = None
        self._queue: deque[_Write] = deque()
        self._writing: asyncio.Task[None] | None = None

    # queueing -----------------------------------------------------------------------------

    def _enqueue(self, deltas: list[MeterDelta], changes: list[MeterChange]) -> _Write:
        future: asyncio.Future[MergeResult] = asyncio.get_running_loop().create_future()
        counts = {} if self.breaker is None else self.breaker.take_unwritten()
        write = _Write(deltas, changes, counts, future)
        self._queue.append(write)
        self._ensure_writing()
        return write

    def _ensure_writing(self) -> None:
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write_queue())

    def _batch_waiting(self) -> bool:
        # the head may be in flight; a batch behind it has not started and still takes more
        return any(not w.changes for w in list(self._queue)[1:])

    async def run_forever(self) -> None:
        """Queue a batch of what changed every ``interval_s`` (until cancelled)."""
        while True:
            await asyncio.sleep(self.interval_s)
            if self._batch_waiting():
                continue
            deltas = self.ledger.take_deltas()
            if deltas or (self.breaker is not None and self.breaker.unwritten()):
                self._enqueue(deltas, [])

    async def flush(self, timeout_s: float | None = None) -> bool:
        """Write what changed now and wait (at most ``timeout_s``); False if still queued."""
        write = self._enqueue(self.ledger.take_deltas(), [])
        return await self._wait(write, timeout_s) is not None

    async def change(self, change: MeterChange, wait_s: float) -> MergeResult | None:
        """Queue an outcome or review count; its stored result, or ``None`` if the store has
        not taken it within ``wait_s`` (it stays queued and is written when it can be)."""
        return await self._wait(self._enqueue([], [change]), wait_s)

    async def _wait(self, write: _Write, timeout_s: float | None) -> MergeResult | None:
        try:
            return await asyncio.wait_for(asyncio.shield(write.done), timeout_s)
        except TimeoutError:
            return None

    # writing ------------------------------------------------------------------------------

    async def _write_queue(self) -> None:
        delay = _FIRST_RETRY_S
        while self._queue:
            write = self._queue[0]
            try:
                result = await self.io.run(self._store, write)
            except Exception as exc:  # the writer must outlive a database hiccup
                self.last_error = str(exc).splitlines()[0][:300]
                log.error("cannot store live runs (will retry): %s", self.last_error)
                await asyncio.sleep(delay)
                delay = min(2 * delay, _MAX_RETRY_S)
                continue
            delay = _FIRST_RETRY_S
            self._queue.popleft()
            self.last_error = None
            if self.merged is not None:
                self.merged(result)
            self.ledger.stored(result.meters)
            if not write.done.done():
                write.done.set_result(result)

    def _store(self, write: _Write) -> MergeResult:
        return self.store.merge_live(
            self.ledger.release, write.deltas, write.changes, write.breaker, self.project
        )

    def problem(self) -> str | None:
        """Why the store cannot be written to now (``None`` when writes go through)."""
        if self.last_error:
            return f"store: {self.last_error} ({len(self._queue)} writes queued)"
        if self._queue and time.monotonic() - self._queue[0].queued > STALL_S:
            waited = time.monotonic() - self._queue[0].queued
            return f"store: a write has waited {waited:.0f} s ({len(self._queue)} queued)"
        return None

    async def stop(self, timeout_s: float) -> None:
        """Write what is left (waiting at most ``timeout_s``), then stop writing."""
        if not await self.flush(timeout_s):
            log.error(
                "the store did not take %d queued writes of live runs before shutdown",
                len(self._queue),
            )
        if self._writing is not None:
            self._writing.cancel()
            await asyncio.gather(self._writing, return_exceptions=True)
