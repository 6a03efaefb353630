"""A replay killed with SIGKILL keeps its finished runs; ``--resume`` does only the rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent_evals.store import Store, sqlite_url

TASKS = [f"task-{i}" for i in range(6)]
SLOW_AGENT = "import sys, time; open(sys.argv[1], 'a').write(sys.argv[2] + '\\n'); time.sleep(0.4)"


def _wait_for_runs(store: Store, count: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while store.count_runs() < count:
        assert process.poll() is None, "the replay ended before it could be killed"
        assert time.monotonic() < deadline, "no runs were stored in time"
        time.sleep(0.05)


@pytest.mark.slow
def test_sigkill_mid_slice_then_resume_redoes_only_unfinished_runs(project, tmp_path: Path) -> None:
    log = tmp_path / "agent.log"
    config = project.config_path.read_text() + (
        f"agent:\n  type: command\n  version: '1.0'\n"
        f"  command: [{sys.executable!r}, '-c', {SLOW_AGENT!r}, {str(log)!r}, '{{task_id}}']\n"
    )
    project.config_path.write_text(config)
    for task_id in TASKS:
        project.add_task(task_id, "instruction: x\nverify: {command: ['true']}\n", {"a.txt": "a\n"})
    db = tmp_path / "runs.db"
    argv = [
        sys.executable,
        "-m",
        "agent_evals",
        "--config",
        str(project.config_path),
        "--db",
        sqlite_url(db),
        "replay",
        "--slice",
        "bugfix-small",
        "--workers",
        "1",
        "--no-baseline",  # one lane only: what is killed and resumed is the candidate's runs
    ]
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    store = Store(sqlite_url(db))

    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_runs(store, 2, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = {r.task_id: r for r in store.runs(store.releases()[0])}
    assert 2 <= len(finished) < len(TASKS)

    resumed = subprocess.run([*argv, "--resume"], env=env, capture_output=True, text=True)
    assert resumed.returncode == 3, resumed.stderr  # no incumbent runs yet: INCONCLUSIVE
    runs = store.runs(store.releases()[0])
    assert sorted(r.task_id for r in runs) == TASKS
    for task_id, before in finished.items():
        after = next(r for r in runs if r.task_id == task_id)
        assert after.started_at == before.started_at
    calls = log.read_text().split()
    assert all(calls.count(task_id) == 1 for task_id in finished)
    assert all(calls.count(task_id) in (1, 2) for task_id in TASKS)
    store.close()
