"""A fire drill killed half way does not leave the release rolled back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ..replays import live_ladder_of, pass_replays_of

# The drill's rollback hook hangs, so the drill is killed after its breach, before it restores.
HANGING_HOOK = (
    "hooks:\n  onRollback:\n    - command: "
    + json.dumps([sys.executable, "-c", "import time; time.sleep(120)"])
    + "\n"
)


@pytest.mark.slow
def test_a_drill_killed_after_its_breach_is_recovered(run_cli, config_file: Path) -> None:
    live_ladder_of(config_file)
    with config_file.open("a", encoding="utf-8") as out:
        out.write(HANGING_HOOK)

    def stage() -> str:
        return str(json.loads(run_cli("canary", "status", "--format", "json").stdout)["stage"])

    drill = subprocess.Popen(
        [sys.executable, "-m", "agent_evals", "canary", "drill"],
        cwd=config_file.parent.parent,
        env={**os.environ, "AGENT_EVALS_ACTOR": "ops-bot"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and drill.poll() is None:
            state = run_cli("canary", "status", "--format", "json")
            if state.exit_code == 0 and json.loads(state.stdout)["stage"] == "rolled-back":
                break
            time.sleep(0.2)
        assert stage() == "rolled-back"
    finally:
        drill.send_signal(signal.SIGKILL)
        drill.wait()
    assert stage() == "rolled-back"  # what a killed drill used to leave behind
    recovered = run_cli("canary", "drill", "--recover")
    assert recovered.exit_code == 0
    assert "state restored to ready share 0" in recovered.stdout
    assert stage() == "ready"
    assert (
        run_cli("canary", "drill", "--recover").stdout.strip() == "no interrupted drill to recover"
    )
    pass_replays_of(config_file)
    refused = run_cli("canary", "start")
    assert refused.exit_code == 2 and "no fire drill has passed" in refused.stderr
