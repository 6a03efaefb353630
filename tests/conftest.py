"""Shared test helpers: the canonical config, a project on disk, and the CLI in-process."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from agent_evals.cli.app import cli
from agent_evals.config import LoadedConfig, load_config

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


PROJECT_CONFIG = """\
release:
  incumbent: gpt-5.3-coder
  candidate: gpt-5.4-coder
  evalSlices: [bugfix-small]
models:
  gpt-5.4-coder:
    model: gpt-5.4-coder-2026-10-01
    price: {inputPerMTok: 1.0, outputPerMTok: 10.0}
"""

MEDIAN_TASK = """\
instruction: The median of an even-length list is wrong. Fix stats.median.
verify:
  command: ["python", "-m", "unittest", "-q"]
scope: ["stats/**", "tests/**"]
"""

BROKEN_MEDIAN = "def median(xs):\n    xs = sorted(xs)\n    return xs[len(xs) // 2]\n"
FIXED_MEDIAN = (
    "def median(xs):\n"
    "    xs = sorted(xs)\n"
    "    n = len(xs)\n"
    "    if n % 2:\n"
    "        return xs[n // 2]\n"
    "    return (xs[n // 2 - 1] + xs[n // 2]) / 2\n"
)
MEDIAN_TESTS = (
    "import unittest\n\nfrom stats import median\n\n\n"
    "class MedianTest(unittest.TestCase):\n"
    "    def test_even(self):\n"
    "        self.assertEqual(median([4, 1, 3, 2]), 2.5)\n"
)
MEDIAN_REPO = {
    "stats/__init__.py": BROKEN_MEDIAN,
    "tests/__init__.py": "",
    "tests/test_stats.py": MEDIAN_TESTS,
    "README.md": "# stats\n",
}


@dataclass(frozen=True)
class Project:
    """A config file and its slices folder under a temporary root."""

    root: Path
    fixed_median: ClassVar[str] = FIXED_MEDIAN
    median_task: ClassVar[str] = MEDIAN_TASK

    @property
    def config_path(self) -> Path:
        """The release config file."""
        return self.root / "config" / "model-release.yaml"

    def add_task(
        self,
        name: str,
        task_yaml: str = MEDIAN_TASK,
        files: Mapping[str, str] = MEDIAN_REPO,
        slice_name: str = "bugfix-small",
    ) -> Path:
        """Write a task folder into a slice; returns the folder."""
        folder = self.root / "config" / "slices" / slice_name / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "task.yaml").write_text(task_yaml, encoding="utf-8")
        for rel, content in files.items():
            path = folder / "repo" / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8")
        return folder

    def loaded(self) -> LoadedConfig:
        """The validated config."""
        return load_config(self.config_path)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """An empty project with the release config written."""
    result = Project(tmp_path)
    result.config_path.parent.mkdir(parents=True)
    result.config_path.write_text(PROJECT_CONFIG, encoding="utf-8")
    return result
