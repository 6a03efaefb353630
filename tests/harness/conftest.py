"""A project on disk: a release config beside a slices folder of small Python tasks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from agent_evals.config import LoadedConfig, load_config

CONFIG = """\
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
    result.config_path.write_text(CONFIG, encoding="utf-8")
    return result
