"""Replay harness speed: overhead per run, and how well a pool of slow agents overlaps.

(a) Harness overhead per run: a no-op agent on a small repository, verify ``true``, runs
    stored in a SQLite file, one worker; the time from one stored run to the next. Its
    baseline is the floor measured in the same process: the bare subprocesses and copies a
    run needs (copy, git init/add/commit, git add, git diff, ``true``, delete).
(b) 40 runs of an agent that sleeps 1 s with 8 workers, against the ideal 40 / 8 = 5 s.

Run: ``.venv/bin/python bench/replay.py``. Prints figures and ratios; asserts nothing.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from agent_evals.config import parse_config
from agent_evals.harness.fake_agent import FakeAgent, FakeStep
from agent_evals.harness.runner import RunOptions, run_slice
from agent_evals.harness.workspace import GIT_SETTINGS
from agent_evals.records import RunRecord
from agent_evals.store import Store, sqlite_url

CONFIG = "release: {incumbent: inc-1, candidate: cand-2, evalSlices: [bench]}\n"
TASK = "instruction: change nothing\nverify: {command: ['true']}\nscope: ['src/**']\n"


def _write_repo(root: Path) -> None:
    for package in ("core", "io", "cli"):
        for index in range(3):
            path = root / "src" / package / f"module_{index}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(20)))
    (root / "tests" / "test_core.py").parent.mkdir(parents=True)
    (root / "tests" / "test_core.py").write_text("def test_ok():\n    assert True\n")
    (root / "README.md").write_text("# bench\n")


def _project(root: Path, tasks: int) -> Path:
    config = root / "config" / "model-release.yaml"
    config.parent.mkdir(parents=True)
    config.write_text(CONFIG)
    for index in range(tasks):
        folder = root / "config" / "slices" / "bench" / f"task-{index:02d}"
        folder.mkdir(parents=True)
        (folder / "task.yaml").write_text(TASK)
        _write_repo(folder / "repo")
    return config


class _TimedStore(Store):
    """A store that notes when each run was written."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.stamps: list[float] = []

    def write_runs(self, runs: object, batch_size: int = 1000) -> int:
        written = super().write_runs(runs, batch_size)  # type: ignore[arg-type]
        self.stamps.append(time.perf_counter())
        return written


def _replay(
    root: Path, tasks: int, epochs: int, workers: int, step: FakeStep
) -> tuple[list[float], float, list[RunRecord]]:
    loaded = parse_config(CONFIG, _project(root, tasks))
    store = _TimedStore(sqlite_url(root / "runs.db"))
    started = time.perf_counter()
    runs = run_slice(
        store,
        loaded,
        "candidate",
        "bench",
        RunOptions(epochs=epochs, workers=workers, progress=False),
        adapter=FakeAgent(default=step),
    )
    total = time.perf_counter() - started
    gaps = [b - a for a, b in zip([started, *store.stamps], store.stamps, strict=False)]
    store.close()
    return gaps, total, runs


def _floor_ms(repeats: int = 20) -> float:
    """Median ms of the bare work one run needs, with no harness around it."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "src"
        _write_repo(source)
        samples = []
        for index in range(repeats):
            started = time.perf_counter()
            work = Path(tmp) / f"w{index}"
            shutil.copytree(source, work)
            for args in (
                ("init", "-q", "--template="),
                ("add", "-A"),
                ("commit", "-q", "-m", "base"),
                ("add", "-A"),
                ("diff", "--cached", "--numstat", "-p", "-U0", "HEAD"),
            ):
                subprocess.run(["git", *GIT_SETTINGS, *args], cwd=work, capture_output=True)
            subprocess.run(["true"], cwd=work)
            shutil.rmtree(work)
            samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main() -> None:
    """Print the overhead per run and the pool efficiency."""
    _floor_ms(3)  # warm the file system and process caches first
    floor = _floor_ms()
    print(f"floor (bare subprocesses and copies of one run): {floor:.1f} ms")
    for label, tasks, epochs in (("1 epoch, 40 tasks", 40, 1), ("5 epochs, 8 tasks", 8, 5)):
        with tempfile.TemporaryDirectory() as tmp:
            gaps, total, runs = _replay(Path(tmp), tasks, epochs, 1, FakeStep())
        assert all(r.status == "resolved" for r in runs)
        median = statistics.median(gaps) * 1000
        print(
            f"(a) overhead per run, {label}: median {median:.1f} ms "
            f"(p90 {statistics.quantiles(gaps, n=10)[-1] * 1000:.1f} ms; target <= 100 ms) "
            f"= {median / floor:.2f}x the floor ({median - floor:+.1f} ms)"
        )
    with tempfile.TemporaryDirectory() as tmp:
        _, total, runs = _replay(Path(tmp), 40, 1, 8, FakeStep(delay_s=1.0))
    ideal = 40 * 1.0 / 8
    print(
        f"(b) 40 runs of a 1 s agent, 8 workers: {total:.2f} s "
        f"(ideal {ideal:.1f} s, target <= 7 s); efficiency {ideal / total:.0%}"
    )


if __name__ == "__main__":
    main()
