"""``replay --executor ray`` on a local Ray instance the tests start (2 CPUs, no dashboard).

The Ray executor stores what the local pool stores, a lost worker leaves an ``infra_error``
run rather than a hole, and ``--resume`` picks up across executors.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from agent_evals.example import example_script, write_example
from agent_evals.scripted_model import parse_script, serve_in_thread
from agent_evals.store import Store, sqlite_url

ray = pytest.importorskip("ray")

pytestmark = pytest.mark.slow

# Timings differ run to run; the verify output in ``detail`` names the workspace's temporary
# path, whose length moves the window of output kept.
UNSTABLE = {"started_at", "ended_at", "latency_s", "detail"}


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """A Ray instance for this module; its workers run verify commands with this Python."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(
            "PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
        )
        patch.delenv("RAY_ADDRESS", raising=False)
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            yield
        finally:
            ray.shutdown()


def _stored(db: str) -> dict[tuple[str, str, str, int], dict[str, Any]]:
    store = Store(db)
    try:
        runs = [run for release in store.releases() for run in store.runs(release)]
    finally:
        store.close()
    return {
        (r.slice, r.lane, r.task_id, r.epoch): {
            k: v for k, v in asdict(r).items() if k not in UNSTABLE
        }
        for r in runs
    }


def test_a_replay_on_ray_stores_exactly_the_runs_the_local_pool_stores(
    local_ray, run_cli, tmp_path: Path
) -> None:
    slices = ("migration-risky", "bugfix-small")
    stored, blocks = {}, {}
    with serve_in_thread(parse_script(example_script())) as url:
        config = str(write_example(tmp_path / "example", base_url=url, force=True))
        for executor in ("local", "ray"):
            db = sqlite_url(tmp_path / f"{executor}.db")
            for name in slices:
                done = run_cli(
                    *("--config", config, "--db", db, "replay", "--slice", name),
                    *("--workers", "2", "--executor", executor),
                )
                assert done.exit_code in (0, 1), done.stderr
                blocks[executor, name] = done.stdout.splitlines()[-7:]
            stored[executor] = _stored(db)

    assert len(stored["local"]) == 18  # 9 tasks, both lanes (the incumbent replayed first)
    assert stored["ray"] == stored["local"]
    assert {run["status"] for run in stored["ray"].values()} >= {"resolved", "unresolved"}
    assert any(run["policy_violations"] for run in stored["ray"].values())
    for name in slices:
        assert blocks["ray", name] == blocks["local", name]
    assert blocks["ray", "migration-risky"][-2] == "promotion_status: BLOCKED"


# The agent kills the Ray worker running it (its parent) on the doomed task, on every try.
KILLER_AGENT = """\
import os, pathlib, signal, sys, time
if sys.argv[2] == "doomed":
    with pathlib.Path(sys.argv[1]).open("a") as log:
        log.write(f"{os.getppid()}\\n")
    os.kill(os.getppid(), signal.SIGKILL)
    time.sleep(30)
"""

PLAIN_TASK = "instruction: x\nverify: {command: ['true']}\n"


def _command_agent(project, source: str, log: Path) -> None:
    agent = project.root / "agent.py"
    agent.write_text(source)
    command = f"[{sys.executable!r}, {str(agent)!r}, {str(log)!r}, '{{task_id}}']"
    config = f"agent:\n  type: command\n  version: '1.0'\n  command: {command}\n"
    project.config_path.write_text(project.config_path.read_text() + config)


def test_a_killed_ray_worker_leaves_an_infra_error_run_naming_it_not_a_hole(
    local_ray, run_cli, project, tmp_path: Path
) -> None:
    pids = tmp_path / "worker-pids"
    _command_agent(project, KILLER_AGENT, pids)
    for task_id in ("doomed", "fine-1", "fine-2"):
        project.add_task(task_id, PLAIN_TASK, {"a.txt": "a\n"})
    db = sqlite_url(tmp_path / "runs.db")

    done = run_cli(
        *("--config", str(project.config_path), "--db", db, "replay", "--slice", "bugfix-small"),
        *("--no-baseline", "--executor", "ray", "--ray-max-retries", "1"),
    )

    # One run in three lost to the infrastructure: no verdict, for that reason (SPEC: exit 4).
    assert done.exit_code == 4, done.stderr
    assert "Traceback" not in done.stderr
    assert "(raylet)" not in done.stdout  # Ray's notice of the lost worker stays off the report
    runs = {key[2]: run for key, run in _stored(db).items()}
    assert sorted(runs) == ["doomed", "fine-1", "fine-2"]
    assert runs["fine-1"]["status"] == runs["fine-2"]["status"] == "resolved"
    assert runs["doomed"]["status"] == "infra_error"
    killed = pids.read_text().split()
    assert len(killed) == 2  # the first try and Ray's one retry, each on a fresh worker
    store = Store(db)
    try:
        (doomed,) = [r for r in store.runs(store.releases()[0]) if r.task_id == "doomed"]
    finally:
        store.close()
    assert doomed.detail is not None
    assert f"Ray worker lost: worker pid {killed[-1]} on node " in doomed.detail
    assert "2 tries (--ray-max-retries 1)" in doomed.detail


LOGGING_AGENT = """\
import pathlib, sys
with pathlib.Path(sys.argv[1]).open("a") as log:
    log.write(sys.argv[2] + "\\n")
"""


def test_resume_picks_up_across_executors_from_the_stored_runs(
    local_ray, run_cli, project, tmp_path: Path
) -> None:
    calls = tmp_path / "calls"
    _command_agent(project, LOGGING_AGENT, calls)
    db = sqlite_url(tmp_path / "runs.db")
    base = ("--config", str(project.config_path), "--db", db, "replay", "--slice", "bugfix-small")
    started = {}
    for task_id, executor in (("a", "local"), ("b", "ray"), ("c", "local")):
        # A task added since the last replay is what an interrupted replay left to do.
        project.add_task(task_id, PLAIN_TASK, {"a.txt": "a\n"})
        done = run_cli(*base, "--no-baseline", "--resume", "--executor", executor)
        assert done.exit_code == 3, done.stderr
        store = Store(db)
        try:
            runs = {r.task_id: r for r in store.runs(store.releases()[0])}
        finally:
            store.close()
        for kept, at in started.items():
            assert runs[kept].started_at == at  # resumed, not run again
        started[task_id] = runs[task_id].started_at

    assert calls.read_text().split() == ["a", "b", "c"]
