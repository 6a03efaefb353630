"""The real agent CLIs replay the median task against the scripted model, direct and metered.

Each CLI is found on PATH (``.ci/run`` installs pinned versions; mini-swe-agent comes with
the ``agents`` extra). On a developer machine a missing CLI skips its test; in CI it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent_evals.harness.preflight import PROBE_PROMPT
from agent_evals.records import RunRecord
from agent_evals.scripted_model import (
    create_app,
    parse_script,
    received_requests,
    serve_app_in_thread,
)
from agent_evals.store import Store, sqlite_url

pytestmark = pytest.mark.slow

FIXED_FILE = (
    "cat > stats/__init__.py <<'EOF'\n"
    "def median(xs):\n"
    "    xs = sorted(xs)\n"
    "    n = len(xs)\n"
    "    if n % 2:\n"
    "        return xs[n // 2]\n"
    "    return (xs[n // 2 - 1] + xs[n // 2]) / 2\n"
    "EOF"
)
AIDER_EDIT = (  # aider's "whole" edit format, its default for a model it does not know
    "stats/__init__.py\n```python\ndef median(xs):\n    xs = sorted(xs)\n    n = len(xs)\n"
    "    if n % 2:\n        return xs[n // 2]\n    return (xs[n // 2 - 1] + xs[n // 2]) / 2\n```\n"
)
FIX_USAGE = {"prompt_tokens": 1000, "completion_tokens": 100, "cached_tokens": 200}
END_USAGE = {"prompt_tokens": 1300, "completion_tokens": 30}
TWO_TURNS = (2100, 130, 200)  # uncached input, output, cache reads of FIX_USAGE + END_USAGE
TASK = "fix-median"


@dataclass(frozen=True)
class Cli:
    """One agent CLI: its agent type, program and the turns that fix the median with it."""

    agent: str
    program: str
    turns: tuple[Mapping[str, Any], ...]
    tokens: tuple[int, int, int] = TWO_TURNS


def _shell(tool: str, key: str, finish: Mapping[str, Any] | None = None) -> tuple[Any, ...]:
    fix = {"content": "Fixing the median.", "usage": FIX_USAGE}
    fix["toolCalls"] = [{"name": tool, "arguments": {key: FIXED_FILE}}]
    return (fix, {**(finish or {"content": "The median is fixed."}), "usage": END_USAGE})


SUBMIT_COMMAND = {"command": "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT"}
SUBMIT = {"toolCalls": [{"name": "bash", "arguments": SUBMIT_COMMAND}]}
CLIS = {
    "claude-code": Cli("claude-code", "claude", _shell("Bash", "command")),
    "codex": Cli("codex", "codex", _shell("exec_command", "cmd")),
    "gemini-cli": Cli("gemini-cli", "gemini", _shell("run_shell_command", "command")),
    "mini-swe-agent": Cli("mini-swe-agent", "mini", _shell("bash", "command", SUBMIT)),
    "aider": Cli(
        "aider",
        "aider",
        ({"content": AIDER_EDIT, "usage": FIX_USAGE},),
        tokens=(800, 100, 200),
    ),
}


def _program(name: str) -> str:
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which(name, path=search)
    if found is None:
        reason = f"the {name!r} CLI is not on PATH (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must provide this: {reason}")
        pytest.skip(reason)
    return found


def _preflight(body: Mapping[str, Any]) -> bool:
    """The harness's endpoint check before a replay (not one of the agent's calls)."""
    return PROBE_PROMPT in json.dumps(body)


def _config(project: Any, cli: Cli, program: str, model_url: str) -> None:
    config = {
        "release": {"incumbent": "inc", "candidate": "cand", "evalSlices": ["bugfix-small"]},
        "models": {
            "inc": {"model": "inc-2026-01-01", "baseUrl": model_url},
            "cand": {"model": "cand-2026-10-01", "baseUrl": model_url},
        },
        "agent": {
            "type": cli.agent,
            "command": [program],
            "maxTurns": 10,
            "allowRoot": True,
            "timeoutSeconds": 240,
        },
    }
    project.config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    project.add_task(TASK)


def _runs(project: Any) -> dict[str, RunRecord]:
    store = Store(sqlite_url(project.root / "config" / ".agent-evals" / "agent-evals.db"))
    try:
        return {r.lane: r for r in store.runs("inc..cand", source="replay")}
    finally:
        store.close()


@pytest.mark.parametrize("name", sorted(CLIS))
def test_a_real_cli_resolves_the_task_direct_and_metered_through_the_gateway(
    name: str, run_cli: Any, project: Any
) -> None:
    cli = CLIS[name]
    program = _program(cli.program)
    turns = {"tasks": {TASK: list(cli.turns)}, "match": {TASK: "median of an even-length list"}}
    script = parse_script({"models": {"*": turns}})
    app = create_app(script)
    with serve_app_in_thread(app) as model_url:
        _config(project, cli, program, model_url)
        replay = ("--config", str(project.config_path), "replay", "--slice", "bugfix-small")
        direct = run_cli(*replay, "--lane", "incumbent", "--workers", "1")
        metered = run_cli(*replay, "--lane", "candidate", "--workers", "1", "--through-gateway")
    runs = _runs(project)
    for outcome, lane in ((direct, "incumbent"), (metered, "candidate")):
        run = runs[lane]
        assert run.status == "resolved", (lane, run.detail, outcome.stdout, outcome.stderr)
        assert run.diff.files_changed == 1
    metered_run = runs["candidate"]
    tokens = metered_run.tokens
    assert tokens.source == "metered"
    assert (tokens.input, tokens.output, tokens.cache_read) == cli.tokens
    assert metered_run.api_calls == len(cli.turns)
    calls = [r for r in received_requests(app) if not _preflight(r.body)]
    assert len(calls) == 2 * len(cli.turns), "no model calls beyond the scripted turns"
    assert {r.headers.get("x-agent-task-id") for r in calls} == {TASK}
