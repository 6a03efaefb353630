"""``agent-evals serve --workers 2``: two processes on one port act as one gateway."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from agent_evals.scripted_model import create_app, parse_script, serve_app_in_thread
from agent_evals.store import Store, sqlite_url

from .conftest import ENVIRON, RELEASE, USAGE, release_config, write_config

MESSAGES = [{"role": "user", "content": "hi"}]


def workers_of(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux ``/proc``)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


@pytest.mark.slow
def test_two_worker_processes_share_the_port_and_add_up_to_one_run_per_task(
    tmp_path: Path,
) -> None:
    script = parse_script({"defaults": {"usage": USAGE}})
    db = tmp_path / "runs.db"
    with serve_app_in_thread(create_app(script)) as upstream:
        config = write_config(release_config(upstream, upstream), tmp_path / "release.yaml")
        command = [sys.executable, "-m", "agent_evals", "--config", str(config)]
        command += ["--db", sqlite_url(db), "serve", "--port", "0", "--workers", "2"]
        server = subprocess.Popen(
            command, stdout=subprocess.PIPE, text=True, env={**os.environ, **ENVIRON}
        )
        try:
            assert server.stdout is not None
            url = server.stdout.readline().split(" listening on ")[1].split()[0]
            assert len(workers_of(server.pid)) == 2  # forked before it says it listens
            for n in range(40):  # a new connection each: the kernel spreads them over workers
                answer = httpx.post(
                    url + "/chat/completions",
                    json={"model": "any", "messages": MESSAGES},
                    headers={"x-agent-task-id": f"w-{n % 10}"},
                    timeout=30,
                )
                assert answer.status_code == 200
        finally:
            server.send_signal(signal.SIGTERM)
            stopped = server.wait(timeout=60)
            assert server.stdout is not None
            server.stdout.close()
        assert stopped == 0
    store = Store(sqlite_url(db))
    runs = store.runs(RELEASE, source="live")
    store.close()
    assert sorted(r.task_id for r in runs) == sorted(f"w-{i}" for i in range(10))
    assert {r.api_calls for r in runs} == {4}
