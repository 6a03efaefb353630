"""Shared test helpers: the canonical config and a way to run the CLI in-process."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from agent_evals.cli.app import cli

CANONICAL_CONFIG = """\
release:
  incumbent: gpt-5.3-coder
  candidate: gpt-5.4-coder
  liveCanaryShare: 0.1
  rollbackOn:
    successRateDrop: 0.02
    reviewerCommentIncrease: 0.3
    medianTokenMultiplier: 1.25
    policyFailureCount: 1
  evalSlices:
    - repo-onboarding
    - bugfix-small
    - refactor-medium
    - test-generation
    - migration-risky
"""


@dataclass(frozen=True)
class CliResult:
    """What a CLI call printed and how it exited."""

    exit_code: int
    stdout: str
    stderr: str


RunCli = Callable[..., CliResult]


@pytest.fixture
def run_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RunCli:
    """Run ``agent-evals ARGS`` in-process from ``tmp_path``; returns exit code and output."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGENT_EVALS_CONFIG", raising=False)
    monkeypatch.delenv("AGENT_EVALS_DB", raising=False)

    def run(*args: str, input: str | None = None) -> CliResult:
        result = CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def canonical_config() -> str:
    """The release block of SPEC section 2, exactly as written there."""
    return CANONICAL_CONFIG


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """The canonical config written to ``tmp_path/config/model-release.yaml``."""
    path = tmp_path / "config" / "model-release.yaml"
    path.parent.mkdir()
    path.write_text(CANONICAL_CONFIG, encoding="utf-8")
    return path


def _unavailable(reason: str) -> None:
    """Skip on a developer machine; fail in CI, where .ci/run provides everything."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


@pytest.fixture
def pg_url() -> str:
    """A PostgreSQL database URL for the team-store tests (``AGENT_EVALS_TEST_PG_URL``)."""
    url = os.environ.get("AGENT_EVALS_TEST_PG_URL")
    if not url:
        _unavailable("set AGENT_EVALS_TEST_PG_URL to a PostgreSQL database (.ci/run does)")
    return str(url)


@pytest.fixture
def chromium() -> Path:
    """Debian's Chromium, for tests of pages as a person sees them."""
    path = Path("/usr/bin/chromium")
    if not path.exists():
        _unavailable("needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)")
    return path
