"""``agent-evals check`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path


def test_the_checklist_marks_each_line_and_fails_with_exit_1(run_cli, config_file: Path) -> None:
    result = run_cli("check")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "release checklist: gpt-5.3-coder..gpt-5.4-coder"
    assert lines[1].startswith("[x] candidate pinned to an exact version")
    assert any(line.startswith("[ ] fallback drill passed") for line in lines)
    assert lines[-1].endswith("not ready")
    run_cli("canary", "drill")
    data = json.loads(run_cli("check", "--format", "json").stdout)
    drill = next(i for i in data["items"] if i["name"] == "fallback drill passed")
    assert drill["passed"] is True and data["passed"] is False
