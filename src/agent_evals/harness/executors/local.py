"""The local executor: a pool of threads in this process, one attempt per thread at a time."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from agent_evals.harness.attempt import Attempts
from agent_evals.harness.executors.base import Job, run_with_retries
from agent_evals.records import RunRecord

DEFAULT_WORKERS = 4


@dataclass(frozen=True)
class LocalExecutor:
    """Runs ``workers`` attempts at the same time on this machine (the default executor).

    Each attempt's agent is its own process, so threads are enough to keep them all busy.
    """

    workers: int = DEFAULT_WORKERS

    def run(self, attempts: Attempts, jobs: Sequence[Job]) -> Generator[RunRecord, None, None]:
        """Each job's run as it finishes."""
        pool = ThreadPoolExecutor(max_workers=max(1, self.workers))
        try:
            futures = [pool.submit(run_with_retries, attempts, job) for job in jobs]
            for future in as_completed(futures):
                yield future.result()
        finally:
            # On an interrupt, runs not yet started are dropped; finished ones are stored already.
            pool.shutdown(wait=True, cancel_futures=True)
