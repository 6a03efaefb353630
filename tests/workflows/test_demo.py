"""``python -m agent_evals.workflows.demo``: the bundled example replayed end to end, offline."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

BLOCK = re.compile(
    r"^slice: (?P<slice>\S+)\n(?:\w+: .*\n)*?"
    r"promotion_status: (?P<status>\w+)\nreason: (?P<reason>.*)$",
    re.MULTILINE,
)


@pytest.mark.slow
def test_demo_replays_the_example_and_reports(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "agent_evals.workflows.demo",
            "--dir",
            str(tmp_path),
            "--workers",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    blocks = {m["slice"]: (m["status"], m["reason"]) for m in BLOCK.finditer(done.stdout)}
    assert set(blocks) == {
        "repo-onboarding",
        "bugfix-small",
        "refactor-medium",
        "test-generation",
        "migration-risky",
    }
    status, reason = blocks["migration-risky"]
    assert status == "BLOCKED"
    assert reason.startswith("policy failure + token multiplier 1.4")
    assert blocks["bugfix-small"][0] == "PROMOTE"
    assert blocks["refactor-medium"][0] == "BLOCKED"
    reports = re.findall(r"^report: (.+)$", done.stdout, re.MULTILINE)
    assert {Path(r).suffix for r in reports} == {".md", ".html"}
    for report in reports:
        assert Path(report).is_file()
    assert "migration-risky" in Path(reports[0]).read_text(encoding="utf-8")
