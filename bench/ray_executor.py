"""Ray executor against the local pool: 200 attempts of an agent that sleeps 0.5 s.

Both executors run the same slice (200 tasks, one epoch) at the same parallelism (4 attempts
at a time: the local pool's ``workers``, Ray's ``num_cpus`` with one CPU per attempt) with a
command agent that sleeps 0.5 s, verify ``true`` and a SQLite store. The Ray instance is
started before the clock starts (a cluster is up before a replay is sent to it), and the Ray
replay runs twice: cold (its worker processes start during the replay) and warm. The ideal is
200 × 0.5 s / 4 = 25 s; the ratio that matters is Ray's time over the local pool's.

A cold Ray worker first imports agent-evals (the package imports its analysis room, SciPy
included); that import, timed in a fresh process, is printed beside the figures.

Run: ``.venv/bin/python bench/ray_executor.py [--quick]`` (``--quick`` or
``AGENT_EVALS_BENCH_QUICK=1``: 40 attempts). Prints figures and ratios; asserts nothing.
Needs the ``ray`` extra.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from agent_evals.config import load_config
from agent_evals.harness.executors import Executor, LocalExecutor, RayExecutor
from agent_evals.harness.runner import RunOptions, run_slice
from agent_evals.store import Store, sqlite_url

PARALLEL = 4
SLEEP_S = 0.5
CONFIG = """\
release: {{incumbent: inc-1, candidate: cand-2, evalSlices: [bench]}}
agent:
  type: command
  version: '1'
  command: [{python!r}, '-c', 'import time; time.sleep({sleep})']
"""
TASK = "instruction: wait\nverify: {command: ['true']}\n"


def _project(root: Path, tasks: int) -> Path:
    config = root / "config" / "model-release.yaml"
    config.parent.mkdir(parents=True)
    config.write_text(CONFIG.format(python=sys.executable, sleep=SLEEP_S))
    for index in range(tasks):
        folder = root / "config" / "slices" / "bench" / f"task-{index:03d}"
        (folder / "repo").mkdir(parents=True)
        (folder / "task.yaml").write_text(TASK)
        (folder / "repo" / "README.md").write_text(f"# task {index}\n")
    return config


def _replay(config: Path, executor: Executor, db: Path) -> float:
    loaded = load_config(config)
    store = Store(sqlite_url(db))
    options = RunOptions(workers=PARALLEL, progress=False, executor=executor)
    started = time.perf_counter()
    runs = run_slice(store, loaded, "candidate", "bench", options)
    elapsed = time.perf_counter() - started
    store.close()
    statuses = {run.status for run in runs}
    assert statuses == {"resolved"}, statuses
    return elapsed


def _import_s() -> float:
    """Seconds a fresh process takes to import what a Ray worker needs to run an attempt."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import agent_evals.harness.executors.ray"], check=True)
    return time.perf_counter() - started


def main() -> None:
    """Print the local pool's time, Ray's cold and warm times, and their ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="40 attempts instead of 200")
    quick = parser.parse_args().quick or os.environ.get("AGENT_EVALS_BENCH_QUICK")
    attempts = 40 if quick else 200
    import ray

    ray.init(num_cpus=PARALLEL, include_dashboard=False, log_to_driver=False)
    ideal = attempts * SLEEP_S / PARALLEL
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = _project(root, attempts)
        local = _replay(config, LocalExecutor(PARALLEL), root / "local.db")
        cold = _replay(config, RayExecutor(), root / "ray-cold.db")
        warm = _replay(config, RayExecutor(), root / "ray-warm.db")
    ray.shutdown()
    imported = _import_s()
    print(f"{attempts} attempts of a {SLEEP_S} s agent, {PARALLEL} at a time (ideal {ideal:.1f} s)")
    print(f"local pool: {local:.2f} s")
    print(f"Ray, cold workers: {cold:.2f} s = {cold / local:.2f}x local (target <= 1.2x)")
    print(f"Ray, warm workers: {warm:.2f} s = {warm / local:.2f}x local (target <= 1.2x)")
    print(f"importing agent-evals in a fresh process (once per cold worker): {imported:.2f} s")


if __name__ == "__main__":
    main()
