"""The Ray executor: each attempt is a Ray task on a cluster, or on a local Ray instance.

Ray (https://docs.ray.io, "Ray Core: tasks") schedules every attempt on a worker with the
resources it asks for, and the driver stores each run the moment it arrives, as the local
executor does. Failures inside an attempt are the harness's own (retried, then
``infra_error``, in :func:`run_with_retries`); Ray's ``max_retries`` covers what the harness
cannot see: the worker process or its node dying mid-attempt. When those retries are spent the
attempt is kept as an ``infra_error`` run naming the lost worker, so a replay has no holes.

The ``ray`` package is imported only when this executor is used (extra ``ray``). Workers need
agent-evals installed and the task folders at the same paths as the driver (a shared
filesystem); each attempt's workspace is made on the worker, under the driver's workspace
folder's path.
"""

from __future__ import annotations

import os
import uuid
from collections import deque
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from agent_evals.errors import HarnessError, UsageError
from agent_evals.harness.attempt import Attempts, LaneSetup
from agent_evals.harness.executors.base import INFRA_RETRIES, Job, infra_error_run, run_with_retries
from agent_evals.harness.workspace import Workspaces
from agent_evals.records import RunRecord

INSTALL_HINT = "pip install 'agent-evals[ray]'"
KV_NAMESPACE = "agent-evals"


def ray_module() -> ModuleType:
    """The ``ray`` package; a :class:`UsageError` with the install command when it is missing."""
    try:
        import ray
    except ImportError as exc:
        raise UsageError(
            f"--executor ray needs the ray package, which is not installed ({exc}); "
            f"install it with: {INSTALL_HINT}"
        ) from exc
    return ray


@dataclass(frozen=True)
class RayExecutor:
    """Runs each attempt as a Ray task with ``num_cpus`` and custom ``resources`` per attempt.

    ``address`` is Ray's: ``auto`` (a cluster started on this machine), ``HOST:PORT`` or
    ``ray://HOST:PORT``; ``None`` follows Ray's default (``RAY_ADDRESS``, else a cluster on
    this machine, else a local instance for this process). A process already connected to Ray
    keeps its connection. ``max_in_flight`` caps the attempts submitted at once; ``None`` lets
    the cluster's free resources decide.
    """

    address: str | None = None
    num_cpus: float = 1.0
    resources: tuple[tuple[str, float], ...] = ()
    max_retries: int = INFRA_RETRIES
    max_in_flight: int | None = None

    def __post_init__(self) -> None:
        ray_module()  # a missing extra is a usage error before anything runs
        if self.num_cpus < 0 or any(amount < 0 for _, amount in self.resources):
            raise UsageError("Ray resources per attempt must be at least 0")
        if self.max_retries < 0:
            raise UsageError(f"--ray-max-retries must be at least 0, not {self.max_retries}")
        if self.max_in_flight is not None and self.max_in_flight < 1:
            raise UsageError(f"--workers must be at least 1, not {self.max_in_flight}")

    def run(self, attempts: Attempts, jobs: Sequence[Job]) -> Generator[RunRecord, None, None]:
        """Each job's run as it arrives from the cluster; a lost attempt is an ``infra_error``."""
        ray = ray_module()
        _connect(ray, self.address)
        placements = _Placements(uuid.uuid4().hex)
        task = ray.remote(_attempt).options(
            num_cpus=self.num_cpus,
            resources=dict(self.resources),
            max_retries=self.max_retries,
            retry_exceptions=False,  # an attempt's own failures are retried by the harness
        )
        spaces = _Spaces(attempts.workspaces.root, attempts.workspaces.keep)
        setup = ray.put(attempts.setup)  # sent to the object store once, not with every attempt
        queue = deque(enumerate(jobs))
        pending: dict[Any, tuple[int, Job, datetime]] = {}
        try:
            while queue or pending:
                while queue and (self.max_in_flight is None or len(pending) < self.max_in_flight):
                    key, job = queue.popleft()
                    ref = task.remote(setup, job, spaces, placements, key)
                    pending[ref] = (key, job, datetime.now(UTC))
                [ready], _ = ray.wait(list(pending), num_returns=1)
                key, job, started = pending.pop(ready)
                yield self._outcome(ray, ready, placements, attempts.setup, job, key, started)
        finally:
            for ref in pending:
                ray.cancel(ref)
            placements.forget()

    def _outcome(
        self,
        ray: ModuleType,
        ref: Any,
        placements: _Placements,
        setup: LaneSetup,
        job: Job,
        key: int,
        started: datetime,
    ) -> RunRecord:
        try:
            record: RunRecord = ray.get(ref)
            return record
        except ray.exceptions.RayTaskError as exc:  # raised on the worker, outside the attempt
            where = placements.where(key) or "a Ray worker"
            detail = f"on Ray {where}: {exc.cause!r}"
            return infra_error_run(setup, job, detail, started)
        except ray.exceptions.RayError as exc:
            where = placements.where(key) or "a worker that never reported"
            detail = (
                f"Ray worker lost: {where} stopped during this attempt; "
                f"{1 + self.max_retries} tries (--ray-max-retries {self.max_retries}): "
                f"{type(exc).__name__}: {exc}"
            )
            return infra_error_run(setup, job, detail, started)


def _connect(ray: ModuleType, address: str | None) -> None:
    if ray.is_initialized():
        return
    try:
        # This command's stdout is its report: workers' own output stays in Ray's session logs.
        ray.init(address=address, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise HarnessError(
            f"cannot connect to the Ray cluster at {address or 'the default address'}: {exc}; "
            "start one with 'ray start --head' or pass its address with --ray-address"
        ) from exc


@dataclass(frozen=True)
class _Spaces:
    """Where a worker makes its workspaces, and whether it keeps them."""

    root: Path
    keep: bool


@dataclass(frozen=True)
class _Placements:
    """Where each attempt of one run last started, to name a worker that is lost.

    Kept in the key-value store of Ray's control service (the store Ray's own libraries use
    for such small records): it outlives the worker, and writing to it costs neither a
    process nor the CPU a task blocked on another task would hand back to the scheduler.
    """

    run: str

    def started(self, key: int, where: str) -> None:
        """Attempt ``key`` has started on the worker ``where``."""
        from ray.experimental.internal_kv import _internal_kv_put

        _internal_kv_put(f"{self.run}/{key}", where, namespace=KV_NAMESPACE)

    def where(self, key: int) -> str | None:
        """The worker attempt ``key`` last started on."""
        from ray.experimental.internal_kv import _internal_kv_get

        found = _internal_kv_get(f"{self.run}/{key}", namespace=KV_NAMESPACE)
        return found.decode() if found else None

    def forget(self) -> None:
        """Drop this run's records."""
        from ray.experimental.internal_kv import _internal_kv_del

        _internal_kv_del(f"{self.run}/", del_by_prefix=True, namespace=KV_NAMESPACE)


def _attempt(
    setup: LaneSetup, job: Job, spaces: _Spaces, placements: _Placements, key: int
) -> RunRecord:
    """One attempt on a Ray worker, in a workspace made on the worker's machine."""
    ray = ray_module()
    node = ray.get_runtime_context().get_node_id()
    where = f"worker pid {os.getpid()} on node {ray.util.get_node_ip_address()} ({node[:12]})"
    # Recorded before the attempt starts: once the worker is gone, nothing else can say where.
    placements.started(key, where)
    workspaces = Workspaces(spaces.root, keep=spaces.keep, reuse=False)
    try:
        return run_with_retries(Attempts(setup, workspaces), job)
    finally:
        workspaces.close()
