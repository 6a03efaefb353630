"""``agent-evals scorecard``: both lanes over stored runs, with the decision."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from agent_evals.analysis import Scorecard, build_scorecard
from agent_evals.cli.context import AppContext, pass_app
from agent_evals.cli.options import format_option, slice_option
from agent_evals.cli.output import console, exit_for
from agent_evals.reports import (
    dumps,
    print_scorecard,
    render_html,
    render_markdown,
    scorecard_document,
)
from agent_evals.types import RUN_SOURCES


@click.command("scorecard")
@slice_option("Only this slice (repeatable).", multiple=True)
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Choice(RUN_SOURCES),
    help="Only runs from this source (repeatable; default: all).",
)
@click.option("--evidence", is_flag=True, help="Decide on paired intervals for this call.")
@format_option("table", "json", "markdown", "html", default="table")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write to a file.")
@click.option("--release", help="Release name (default: from the config).")
@pass_app
def scorecard_command(
    app: AppContext,
    slices: tuple[str, ...],
    sources: tuple[str, ...],
    evidence: bool,
    fmt: str,
    output: Path | None,
    release: str | None,
) -> None:
    """Compare the lanes over stored runs; exit 0 PROMOTE, 1 BLOCKED, 3 INCONCLUSIVE."""
    scorecard = build_scorecard(
        app.store(),
        app.loaded().config,
        slices=slices or None,
        sources=sources or None,  # type: ignore[arg-type]
        evidence=True if evidence else None,
        release=release,
    )
    if fmt == "table" and output is None:
        print_scorecard(scorecard, console())
    else:
        renderers: dict[str, Callable[[Scorecard], str]] = {
            "json": lambda s: dumps(scorecard_document(s)),
            "markdown": render_markdown,
            "html": render_html,
            "table": render_markdown,
        }
        text = renderers[fmt](scorecard)
        if output:
            output.write_text(text, encoding="utf-8")
            click.echo(f"wrote {output}")
        else:
            click.echo(text, nl=False)
    sys.exit(exit_for(scorecard.decision.status))
