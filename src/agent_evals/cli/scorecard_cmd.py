"""``agent-evals scorecard``: both lanes over stored runs, with the decision."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from agent_evals.analysis import Scorecard, build_scorecard
from agent_evals.cli.context import AppContext, pass_app
from agent_evals.cli.options import (
    did_you_mean,
    format_option,
    include_flaky_option,
    say_flaky_note,
    slice_option,
)
from agent_evals.cli.output import console, exit_for
from agent_evals.config import ReleaseConfig
from agent_evals.errors import UsageError
from agent_evals.reports import (
    dumps,
    load_report_details,
    print_scorecard,
    render_html,
    render_markdown,
    scorecard_document,
)
from agent_evals.reports.gate_tasks import failing_gates
from agent_evals.types import RUN_SOURCES, RunSource

OFFLINE_SOURCES: tuple[RunSource, ...] = ("replay", "import")
"""What a scorecard compares by default: the same tasks run offline, never live traffic."""


@click.command("scorecard")
@slice_option("Only this slice (repeatable).", multiple=True)
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Choice(RUN_SOURCES),
    help="Only runs from this source (repeatable; default: replay and import, so live "
    "and shadow runs show on their own with --source live or --source shadow).",
)
@click.option("--evidence", is_flag=True, help="Decide on paired intervals for this call.")
@include_flaky_option
@format_option("table", "json", "markdown", "html", default="table")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write to a file.")
@click.option("--release", help="Release name (default: from the config).")
@pass_app
def scorecard_command(
    app: AppContext,
    slices: tuple[str, ...],
    sources: tuple[str, ...],
    evidence: bool,
    include_flaky: bool,
    fmt: str,
    output: Path | None,
    release: str | None,
) -> None:
    """Compare the lanes over stored runs; exit 0 PROMOTE, 1 BLOCKED, 3 INCONCLUSIVE."""
    config = app.loaded().config
    sources = sources or OFFLINE_SOURCES
    scorecard = build_scorecard(
        app.store(),
        config,
        slices=slices or None,
        sources=sources,  # type: ignore[arg-type]
        evidence=True if evidence else None,
        release=release,
        include_flaky=include_flaky,
    )
    say_flaky_note(scorecard)
    _check_slices(scorecard, config, slices)
    details = None
    # Per-task details cost a read of every run: only the reports that show them pay for it.
    if fmt in ("markdown", "html") or failing_gates(scorecard):
        details = load_report_details(
            app.store(),
            config,
            scorecard,
            slices=slices,
            sources=sources,  # type: ignore[arg-type]
        )
    if fmt == "table" and output is None:
        print_scorecard(scorecard, console(), details)
    else:
        renderers: dict[str, Callable[[Scorecard], str]] = {
            "json": lambda s: dumps(scorecard_document(s, details)),
            "markdown": lambda s: render_markdown(s, details),
            "html": lambda s: render_html(s, details),
            "table": lambda s: render_markdown(s, details),
        }
        text = renderers[fmt](scorecard)
        if output:
            output.write_text(text, encoding="utf-8")
            click.echo(f"wrote {output}")
        else:
            click.echo(text, nl=False)
    decision = scorecard.decision
    sys.exit(exit_for(decision.status, infra_bound=decision.infra_bound))


def _check_slices(scorecard: Scorecard, config: ReleaseConfig, slices: tuple[str, ...]) -> None:
    """A requested slice the config does not know and no run has is a typo: say so."""
    present = [c.slice for c in scorecard.slices if c.incumbent.n or c.candidate.n]
    known = list(dict.fromkeys([*config.release.eval_slices, *config.slices, *present]))
    for name in slices:
        if name not in known:
            raise UsageError(did_you_mean("slice", name, known))
