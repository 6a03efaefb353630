"""A replay stopped by SIGTERM, SIGINT or SIGKILL leaves no agent running and no workspace.

SIGTERM and SIGINT kill the agents' process groups at once (not after the agent finishes),
keep the runs already stored, remove the workspaces and exit 4; after SIGKILL the agents die
with the replay and the next replay removes what was left. ``--resume`` then completes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent_evals.store import Store, sqlite_url

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc"),
]

TASKS = [f"task-{i}" for i in range(4)]
# task-0 is quick; the others start a long sleep and wait for it while the file SLOW exists.
AGENT = "; ".join(
    [
        'echo $$ >> "$1/agents"',
        '[ -e "$1/SLOW" ] || exit 0',
        '[ "$2" = task-0 ] && exit 0',
        'sleep 600 & echo $! >> "$1/sleepers"',
        "wait",
    ]
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _pids(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def _wait_until(condition, what: str, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + 120
    while not condition():
        assert process is None or process.poll() is None, f"the replay ended before {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


class Replay:
    """The project, its store, and the replay command with a private TMPDIR."""

    def __init__(self, project, tmp_path: Path) -> None:
        self.state = tmp_path / "agent-state"
        self.state.mkdir()
        (self.state / "SLOW").touch()
        self.tmp = tmp_path / "tmp"
        self.tmp.mkdir()
        command = ["sh", "-c", AGENT, "sh", str(self.state), "{task_id}"]
        project.config_path.write_text(
            project.config_path.read_text()
            + f"agent:\n  type: command\n  version: '1.0'\n  command: {command!r}\n"
        )
        for task_id in TASKS:
            project.add_task(task_id, "instruction: x\nverify: {command: ['true']}\n", {"a": "a"})
        db = tmp_path / "runs.db"
        self.store = Store(sqlite_url(db))
        self.argv = [
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
            "2",
            "--no-baseline",
        ]
        self.env = {**os.environ, "TMPDIR": str(self.tmp)}

    def start_and_wait_for_slow_agents(self) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            self.argv, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _wait_until(lambda: self.store.count_runs() >= 1, "task-0 was stored", process)
        _wait_until(lambda: len(_pids(self.state / "sleepers")) >= 2, "slow agents", process)
        return process

    def started(self) -> list[int]:
        return _pids(self.state / "agents") + _pids(self.state / "sleepers")

    def leftovers(self) -> list[str]:
        return sorted(p.name for p in self.tmp.iterdir())

    def resume(self) -> subprocess.CompletedProcess[str]:
        (self.state / "SLOW").unlink()
        return subprocess.run(
            [*self.argv, "--resume"], env=self.env, capture_output=True, text=True, timeout=300
        )


@pytest.fixture
def replay(project, tmp_path: Path):
    replay = Replay(project, tmp_path)
    yield replay
    replay.store.close()
    for pid in replay.started():  # never leave a sleeper behind, even when a test fails
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_kills_the_agents_at_once_keeps_finished_runs_and_resumes(
    replay: Replay, signum: int
) -> None:
    process = replay.start_and_wait_for_slow_agents()
    process.send_signal(signum)
    # The agents sleep for 600 s: a replay that waited for them would not end in time.
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 4, stderr
    assert b"interrupted; stored runs are kept (use --resume)" in stderr
    assert b"Traceback" not in stderr
    _wait_until(lambda: not any(_alive(pid) for pid in replay.started()), "the agents to die")
    assert replay.leftovers() == []
    assert [r.task_id for r in replay.store.runs(replay.store.releases()[0])] == ["task-0"]

    resumed = replay.resume()
    assert resumed.returncode == 3, resumed.stderr  # no incumbent runs: INCONCLUSIVE
    runs = replay.store.runs(replay.store.releases()[0])
    assert sorted(r.task_id for r in runs) == TASKS
    assert all(r.status == "resolved" for r in runs)
    assert replay.leftovers() == []


def test_after_sigkill_the_agents_die_and_the_next_replay_removes_the_leftovers(
    replay: Replay,
) -> None:
    process = replay.start_and_wait_for_slow_agents()
    agents = _pids(replay.state / "agents")
    process.send_signal(signal.SIGKILL)
    process.communicate()
    # The agents die with the replay; what they started is found by the next replay.
    _wait_until(lambda: not any(_alive(pid) for pid in agents), "the agents to die")
    assert replay.leftovers() != []

    resumed = replay.resume()
    assert resumed.returncode == 3, resumed.stderr
    assert not any(_alive(pid) for pid in replay.started())
    assert replay.leftovers() == []
    runs = replay.store.runs(replay.store.releases()[0])
    assert sorted(r.task_id for r in runs) == TASKS
