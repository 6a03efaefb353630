"""The demo: the bundled example replayed end to end, offline (``make demo``).

``python -m agent_evals.workflows.demo`` writes the example into a folder, serves both models
from the scripted model on a free port (the example's ``baseUrl`` is written with that port),
replays both lanes on every slice with the builtin agent, then prints the scorecard and each
slice's decision block and writes Markdown and HTML reports. The runs stay in the folder's
store, so ``agent-evals scorecard`` run there afterwards shows the same result.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from agent_evals.analysis import Scorecard, build_scorecard
from agent_evals.config import LoadedConfig, load_config
from agent_evals.example import SLICES, example_script, example_tasks, write_example
from agent_evals.harness.runner import RunOptions, run_slice
from agent_evals.reports import (
    ReportDetails,
    load_report_details,
    print_scorecard,
    render_html,
    render_markdown,
    render_slice_block,
)
from agent_evals.reports.plan_view import plan_lines
from agent_evals.rollout.exposure import ExposurePlan, release_plan, stored_spread
from agent_evals.scripted_model import parse_script, serve_in_thread
from agent_evals.store import DEFAULT_DB_DIR, DEFAULT_DB_FILE, Store, sqlite_url
from agent_evals.types import LANES

DEFAULT_WORKERS = 3
PROG = "python -m agent_evals.workflows.demo"


@dataclass(frozen=True)
class DemoResult:
    """Where the demo left its example and reports, and what it decided."""

    directory: Path
    scorecard: Scorecard
    reports: tuple[Path, ...]
    plan: ExposurePlan | None = None


def replay_all(loaded: LoadedConfig, store: Store, workers: int) -> None:
    """Replay both lanes, incumbent first, on every slice of the release."""
    options = RunOptions(workers=workers)
    for slice_name in loaded.config.release.eval_slices:
        for lane in LANES:
            run_slice(store, loaded, lane, slice_name, options)


def write_reports(
    scorecard: Scorecard, directory: Path, details: ReportDetails | None = None
) -> tuple[Path, ...]:
    """Write the scorecard as Markdown and HTML into ``directory``, with per-task details."""
    markdown = directory / "report.md"
    markdown.write_text(render_markdown(scorecard, details), encoding="utf-8")
    html = directory / "report.html"
    html.write_text(render_html(scorecard, details), encoding="utf-8")
    return markdown, html


def run_demo(directory: Path, *, workers: int = DEFAULT_WORKERS) -> DemoResult:
    """Write the example into ``directory``, replay it against the scripted model, report."""
    # Verify commands run `python`: make it the interpreter running the demo.
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])
    with serve_in_thread(parse_script(example_script())) as base_url:
        config_path = write_example(directory, base_url=base_url, force=True)
        loaded = load_config(config_path)
        store = Store(sqlite_url(config_path.parent / DEFAULT_DB_DIR / DEFAULT_DB_FILE))
        try:
            replay_all(loaded, store, workers)
            scorecard = build_scorecard(store, loaded.config)
            details = load_report_details(store, loaded.config, scorecard)
            # The plan reads its spreads from the replays just run: what a real release needs.
            plan = release_plan(loaded.config, spread=stored_spread(store, loaded.config))
        finally:
            store.close()
    reports = write_reports(scorecard, directory, details)
    return DemoResult(directory, scorecard, reports, plan)


def main(argv: list[str] | None = None) -> int:
    """Run the demo and print the scorecard, each slice's block and the report paths."""
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__)
    parser.add_argument("--dir", type=Path, help="Folder for the example (default: a new one).")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help="Parallel runs.")
    args = parser.parse_args(argv)
    directory = args.dir or Path(tempfile.mkdtemp(prefix="agent-evals-demo-"))
    count = len(example_tasks())
    print(f"agent-evals demo: {count} tasks in {len(SLICES)} slices, example in {directory}")
    result = run_demo(directory, workers=args.workers)
    if result.plan is not None:
        print("\n".join(plan_lines(result.plan)))
        print()
    for path in result.reports:
        print(f"report: {path}")
    # A pipe gets a wide table rather than an 80-column one with every cell cut short.
    print_scorecard(result.scorecard, Console(width=None if sys.stdout.isatty() else 200))
    # The decision of each slice comes last: what the demo is run to see.
    for comparison in result.scorecard.slices:
        print()
        print(render_slice_block(comparison))
    return 0


if __name__ == "__main__":
    sys.exit(main())
