"""``slice health`` on the example: a task made flaky on purpose is flagged, and left out of
the replay's and the scorecard's gates unless ``--include-flaky``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import yaml

from agent_evals.scripted_model import load_script, serve_in_thread

FLAKY_TASK = "fix-median-even"
# Fails every other time it runs, whatever the agent did: flaky on purpose.
FLAKY_VERIFY = """\
import pathlib, subprocess, sys
counter = pathlib.Path(sys.argv[1])
runs = int(counter.read_text()) if counter.exists() else 0
counter.write_text(str(runs + 1))
if runs % 2:
    sys.exit(1)
sys.exit(subprocess.call([sys.executable, "-m", "unittest", "-q"]))
"""


@pytest.fixture
def example(run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The example project, its scripted model served, one bugfix task made flaky."""
    monkeypatch.setenv(
        "PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    )
    assert run_cli("init", "--example").exit_code == 0
    flaky = tmp_path / "flaky.py"
    flaky.write_text(FLAKY_VERIFY)
    task_file = tmp_path / "slices" / "bugfix-small" / FLAKY_TASK / "task.yaml"
    spec = yaml.safe_load(task_file.read_text())
    spec["verify"]["command"] = ["python", str(flaky), str(tmp_path / "runs.txt")]
    task_file.write_text(yaml.safe_dump(spec))
    config = tmp_path / "config" / "model-release.yaml"
    with serve_in_thread(load_script(tmp_path / "scripts" / "models.yaml")) as url:
        config.write_text(config.read_text().replace("http://127.0.0.1:9001/v1", url))
        yield run_cli


@pytest.mark.slow
def test_five_incumbent_epochs_flag_the_flaky_task_and_the_scorecard_leaves_it_out(example):
    replay = ("replay", "--slice", "bugfix-small", "--workers", "1")
    assert example(*replay, "--lane", "incumbent", "--epochs", "5").exit_code in (0, 1, 3)
    candidate = example(*replay, "--lane", "candidate")
    assert candidate.exit_code in (0, 1, 3)
    # The replay's own decision leaves the flaky task out the same way.
    assert "1 flaky tasks left out of the gates" in candidate.stdout + candidate.stderr

    health = example("slice", "health", "--slice", "bugfix-small")
    assert health.exit_code == 0, health.stderr
    rows = {
        line.split()[0]: line for line in health.stdout.splitlines() if line.startswith("  fix-")
    }
    assert "FLAKY: incumbent solved 3 of 5; left out of the gates" in rows[FLAKY_TASK]
    assert [task for task, row in rows.items() if "FLAKY" in row] == [FLAKY_TASK]
    assert "paired tasks each gate needs for a decision (at 1/3/5 epochs):" in health.stdout

    scorecard = example("scorecard", "--slice", "bugfix-small")
    assert "note: 1 flaky tasks left out of the gates (--include-flaky keeps them)" in (
        scorecard.stderr
    )
    kept = example("scorecard", "--slice", "bugfix-small", "--include-flaky")
    assert "flaky" not in kept.stderr
