"""Work kept off the request path: store calls on one thread, and the batch writer of runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from agent_evals.gateway.ledger import Ledger, LiveRun
from agent_evals.records import RunRecord
from agent_evals.store import Store

log = logging.getLogger("agent_evals.gateway")
T = TypeVar("T")


class StoreThread:
    """Runs every store call of the gateway on one worker thread, in order.

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


class BatchWriter:
    """Stores the runs that changed, every ``interval`` seconds, in one batch."""

    def __init__(self, ledger: Ledger, store: Store, io: StoreThread, interval_s: float) -> None:
        self.ledger = ledger
        self.store = store
        self.io = io
        self.interval_s = interval_s
        self.last_error: str | None = None

    async def run_forever(self) -> None:
        """Flush, sleep, repeat (until cancelled)."""
        while True:
            await asyncio.sleep(self.interval_s)
            await self.flush()

    async def flush(self) -> int:
        """Write every changed run now; a failure keeps them for the next try."""
        snapshots = self.ledger.take_dirty()
        if not snapshots:
            return 0
        try:
            await self.io.run(self._write, snapshots)
        except Exception as exc:  # the writer must outlive a database hiccup
            self.ledger.mark_dirty(snapshots)
            self.last_error = str(exc)
            log.error("cannot store %d live runs (will retry): %s", len(snapshots), exc)
            return 0
        self.last_error = None
        return len(snapshots)

    def _write(self, snapshots: list[LiveRun]) -> None:
        self.store.write_runs([self.ledger.record(run) for run in snapshots])

    async def write(self, records: list[RunRecord]) -> None:
        """Store these records now (outcomes, reviews), waiting for the write."""
        await self.io.run(self.store.write_runs, records)
