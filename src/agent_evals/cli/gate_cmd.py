"""``agent-evals gate``: decide from two lane-metric files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from agent_evals.analysis import decide
from agent_evals.analysis.metric_files import load_lane_file, pairs_from_files
from agent_evals.cli.context import AppContext, pass_app
from agent_evals.cli.options import format_option, slice_option
from agent_evals.cli.output import console, exit_for
from agent_evals.reports import decision_document, dumps, print_gates, render_decision_block


@click.command("gate")
@click.option(
    "--incumbent",
    "incumbent_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The incumbent lane's metrics (JSON).",
)
@click.option(
    "--candidate",
    "candidate_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The candidate lane's metrics (JSON).",
)
@format_option("table", "json", default="table")
@click.option("--evidence", is_flag=True, help="Decide on paired intervals (needs 'tasks').")
@slice_option("Apply this slice's settings (policy-sensitive).")
@pass_app
def gate_command(
    app: AppContext,
    incumbent_path: Path,
    candidate_path: Path,
    fmt: str,
    evidence: bool,
    slice_name: str | None,
) -> None:
    """Decide PROMOTE, BLOCKED or INCONCLUSIVE from two lane-metric files (exit 0, 1 or 3)."""
    loaded = app.optional_config()
    incumbent = load_lane_file(incumbent_path)
    candidate = load_lane_file(candidate_path)
    decision = decide(
        incumbent.metrics(),
        candidate.metrics(),
        loaded.config if loaded else None,
        slice=slice_name,
        evidence=True if evidence else None,
        pairs=pairs_from_files(incumbent, candidate),
    )
    if fmt == "json":
        click.echo(dumps(decision_document(decision)))
    else:
        print_gates(decision, console())
        click.echo(render_decision_block(candidate.metrics(), decision))
    sys.exit(exit_for(decision.status, infra_bound=decision.infra_bound))
