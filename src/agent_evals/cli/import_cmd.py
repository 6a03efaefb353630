"""``agent-evals import``: bring in runs that teams already have, from outside formats."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from agent_evals.cli.context import AppContext, pass_app
from agent_evals.cli.options import (
    FiniteFloatRange,
    SuggestingChoice,
    format_option,
    slice_option,
)
from agent_evals.errors import UsageError
from agent_evals.importers import ImportOptions, ImportRequest, ImportSummary, run_import
from agent_evals.importers.pipeline import import_target
from agent_evals.importers.registry import importer_names
from agent_evals.store import LaneOverlap
from agent_evals.types import LANES, Lane

_SHOWN_SKIPS = 20
_PATH = click.Path(exists=True, path_type=Path)


@click.command("import", epilog=f"Formats: {', '.join(importer_names())}.")
@click.argument("format_name", metavar="FORMAT", type=click.Choice(importer_names()))
@click.argument("paths", nargs=-1, type=_PATH)
@click.option(
    "--lane", required=True, type=SuggestingChoice(LANES), help="Lane the runs belong to."
)
@click.option("--model", help="Model of the runs (default: the lane's model in the config).")
@click.option("--release", help="Release to store under (default: the config's release).")
@slice_option("Put every run in this slice.")
@click.option("--slice-by", help="Derive the slice per task: repo, prefix, or a record FIELD.")
@click.option("--predictions", type=_PATH, help="swebench: predictions file.")
@click.option("--results", type=_PATH, help="Evaluation results: results.json or report folder.")
@click.option(
    "--trajs", type=_PATH, help="swebench: folder of SWE-agent/mini-swe-agent trajectories."
)
@click.option(
    "--field",
    "fields",
    multiple=True,
    metavar="RUN=SOURCE",
    help="runs: read a run field from a column.",
)
@click.option(
    "--skip-bad", is_flag=True, help="Skip malformed records (listed) instead of stopping."
)
@click.option(
    "--score-threshold",
    type=FiniteFloatRange(min=0, max=1e12),
    default=1.0,
    show_default=True,
    help="A score or reward from this value up counts as resolved.",
)
@format_option("text", "json", default="text")
@pass_app
def import_command(
    app: AppContext,
    format_name: str,
    paths: tuple[Path, ...],
    lane: Lane,
    model: str | None,
    release: str | None,
    slice_name: str | None,
    slice_by: str | None,
    predictions: Path | None,
    results: Path | None,
    trajs: Path | None,
    fields: tuple[str, ...],
    skip_bad: bool,
    score_threshold: float,
    fmt: str,
) -> None:
    """Import FORMAT records from PATH... as runs of one lane (source: import).

    Re-importing the same data replaces it. A malformed record stops the import (exit 2)
    naming file:line, and nothing of its file is stored, unless --skip-bad.
    """
    loaded = app.optional_config()
    config = loaded.config if loaded is not None else None
    release_id, model_id = import_target(config, lane, release, model)
    options = ImportOptions(
        release=release_id,
        lane=lane,
        model=model_id,
        slice=slice_name,
        slice_by=slice_by,
        fields=_field_mapping(fields),
        predictions=predictions,
        results=results,
        trajs=trajs,
        skip_bad=skip_bad,
        score_threshold=score_threshold,
    )
    store = app.store()
    summary = run_import(store, ImportRequest(format_name, paths, options))
    overlap = store.lane_overlap(release_id)
    if fmt == "json":
        click.echo(json.dumps({**asdict(summary), "lanes": asdict(overlap)}, indent=2, default=str))
    else:
        _print_summary(summary, overlap)


def _field_mapping(fields: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for item in fields:
        run_field, sep, source = item.partition("=")
        if not sep or not run_field or not source:
            raise UsageError(f"--field {item!r}: expected RUN_FIELD=SOURCE_FIELD")
        mapping[run_field.strip()] = source.strip()
    return mapping


def _print_summary(summary: ImportSummary, overlap: LaneOverlap) -> None:
    statuses = ", ".join(f"{status} {count}" for status, count in summary.statuses.items())
    click.echo(
        f"imported {summary.written} runs ({statuses or 'none'}) into release "
        f"{summary.release!r}, lane {summary.lane}, model {summary.model}"
    )
    click.echo(f"stored: {_stored(summary)}")
    click.echo(f"from: {', '.join(summary.files) or 'nothing'}")
    click.echo(f"slices: {', '.join(f'{s} {n}' for s, n in summary.slices.items()) or 'none'}")
    if summary.skipped_count:
        click.echo(f"skipped {summary.skipped_count} malformed records:")
        for bad in summary.skipped[:_SHOWN_SKIPS]:
            click.echo(f"  {bad.where}: {bad.message}")
        if summary.skipped_count > _SHOWN_SKIPS:
            click.echo(f"  ... and {summary.skipped_count - _SHOWN_SKIPS} more")
    click.echo(
        f"lanes: {overlap.paired} tasks in both (compared paired), "
        f"{overlap.incumbent_only} only in incumbent, {overlap.candidate_only} only in candidate"
    )


def _stored(summary: ImportSummary) -> str:
    """``N new, M replaced; epochs: ...`` (runs per epoch when any task repeats)."""
    stored = f"{summary.new} new, {summary.replaced} replaced"
    if len(summary.epochs) > 1:
        per_epoch = ", ".join(str(n) for n in summary.epochs.values())
        stored += f"; {len(summary.epochs)} epochs (runs per epoch: {per_epoch})"
    elif summary.epochs:
        stored += f"; 1 epoch per task (epoch {next(iter(summary.epochs))})"
    return stored
