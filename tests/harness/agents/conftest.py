"""Recorded outputs, requests and fake agent executables placed first on PATH."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from agent_evals.harness.agents import AgentRequest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "agents"

FAKE_CLI = """#!{python}
import json, os, shutil, sys
from pathlib import Path
CONFIG = json.loads({config!r})
args = sys.argv[1:]
if args == ["--version"]:
    print("fake-cli 9.9.9")
    sys.exit(0)
seen = {{k: os.environ.get(k) for k in CONFIG["env_keys"]}}
Path(CONFIG["record"]).write_text(json.dumps({{"argv": args, "env": seen, "cwd": os.getcwd()}}))
def flag_value(flag):
    for i, arg in enumerate(args):
        if arg == flag and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(flag + "="):
            return arg[len(flag) + 1:]
if CONFIG["write_flag"]:
    shutil.copyfile(CONFIG["source"], flag_value(CONFIG["write_flag"]))
if CONFIG["stdout"]:
    sys.stdout.write(Path(CONFIG["stdout"]).read_text())
sys.stderr.write(CONFIG["stderr"])
sys.exit(CONFIG["exit_code"])
"""

ENV_KEYS = [
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_BASE_URL",
    "CODEX_API_KEY",
    "AGENT_EVALS_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_GEMINI_BASE_URL",
    "OPENAI_API_KEY",
    "OPENAI_API_BASE",
    "MSWEA_CONFIGURED",
]


@dataclass(frozen=True)
class FakeCli:
    """A fake agent executable; ``call()`` is what the last run received."""

    record: Path

    def call(self) -> dict[str, Any]:
        """The argv, selected environment variables and cwd of the last run."""
        recorded: dict[str, Any] = json.loads(self.record.read_text())
        return recorded


@pytest.fixture
def recorded() -> Callable[[str, str], str]:
    """The text of a recorded output: ``recorded("codex", "success.jsonl")``."""

    def read(agent: str, name: str) -> str:
        return (FIXTURES / agent / name).read_text()

    return read


@pytest.fixture
def fake_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., FakeCli]:
    """Install an executable ``name`` first on PATH that replays a recorded output."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")

    def install(
        name: str,
        *,
        stdout: Path | None = None,
        write_flag: str | None = None,
        source: Path | None = None,
        exit_code: int = 0,
        stderr: str = "",
    ) -> FakeCli:
        record = tmp_path / f"{name}-call.json"
        config = {
            "record": str(record),
            "env_keys": ENV_KEYS,
            "stdout": str(stdout) if stdout else None,
            "write_flag": write_flag,
            "source": str(source) if source else None,
            "exit_code": exit_code,
            "stderr": stderr,
        }
        script = bin_dir / name
        script.write_text(FAKE_CLI.format(python=sys.executable, config=json.dumps(config)))
        script.chmod(0o755)
        return FakeCli(record)

    return install


@pytest.fixture
def request_for(tmp_path: Path) -> Callable[..., AgentRequest]:
    """A request on a fresh workspace; keyword arguments override fields."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    base = AgentRequest(
        task_id="fix-median-even",
        instruction="The median of an even-length list is wrong. Fix stats.median.",
        workspace=workspace,
        model="gpt-5.4-coder-2026-10-01",
        base_url="http://127.0.0.1:9001/v1",
        api_key="sk-test-key",
        timeout_s=60.0,
        max_turns=12,
    )

    def build(**changes: Any) -> AgentRequest:
        return replace(base, **changes)

    return build
