"""``agent-evals replay``: run a lane on a slice and decide against the other lane."""

from __future__ import annotations

import sys
from contextlib import nullcontext, redirect_stdout
from typing import cast

import click

from agent_evals.cli.context import AppContext, pass_app
from agent_evals.cli.executor_options import executor_from, executor_options
from agent_evals.cli.options import (
    SuggestingChoice,
    check_slice,
    format_option,
    include_flaky_option,
    say_flaky_note,
    slice_option,
)
from agent_evals.cli.output import console, exit_for
from agent_evals.errors import UsageError
from agent_evals.harness.executors import DEFAULT_WORKERS
from agent_evals.reports import (
    decision_document,
    dumps,
    print_scorecard,
    render_slice_block,
    report_details,
    scorecard_document,
)
from agent_evals.reports.gate_tasks import failing_gates
from agent_evals.types import LANES, Lane
from agent_evals.workflows import ReplayOptions, replay


def _warn(message: str) -> None:
    click.secho(f"warning: {message}", fg="yellow", err=True)


def _note(message: str) -> None:
    click.echo(message, err=True)


@click.command("replay")
@click.option(
    "--lane",
    type=SuggestingChoice(LANES),
    default="candidate",
    show_default=True,
    help="The lane to run; it is compared with the other lane.",
)
@slice_option("The slice to replay.", required=True)
@click.option(
    "--epochs", type=click.IntRange(min=1), default=1, show_default=True, help="Runs per task."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help=f"Runs at the same time [default: {DEFAULT_WORKERS}; with --executor ray, as many "
    "as the cluster's free resources allow].",
)
@click.option("--resume", is_flag=True, help="Skip runs already stored for the same versions.")
@click.option("--keep", is_flag=True, help="Keep the workspaces for inspection.")
@click.option("--strict", is_flag=True, help="Refuse when tasks changed since the lock/baseline.")
@click.option("--with-baseline", is_flag=True, help="Replay the other lane first, on every task.")
@click.option(
    "--no-baseline",
    is_flag=True,
    help="Never replay the other lane (by default it is replayed first on the tasks "
    "without a stored run at the current task versions).",
)
@click.option("--evidence", is_flag=True, help="Decide on paired intervals for this call.")
@include_flaky_option
@click.option(
    "--through-gateway",
    is_flag=True,
    help="Send the agent's model calls through an in-process gateway; tokens become metered.",
)
@executor_options
@format_option(
    "table",
    "json",
    default="table",
    help="table: scorecard then the SPEC block; json: one document.",
)
@pass_app
def replay_command(
    app: AppContext,
    lane: str,
    slice_name: str,
    epochs: int,
    workers: int | None,
    resume: bool,
    keep: bool,
    strict: bool,
    with_baseline: bool,
    no_baseline: bool,
    evidence: bool,
    include_flaky: bool,
    through_gateway: bool,
    executor: str,
    ray_address: str | None,
    ray_num_cpus: float,
    ray_resources: tuple[tuple[str, float], ...],
    ray_max_retries: int,
    fmt: str,
) -> None:
    """Replay a lane on a slice; exit 0 PROMOTE, 1 BLOCKED, 3 INCONCLUSIVE."""
    loaded = app.loaded()
    check_slice(loaded.config, slice_name)
    if through_gateway and executor == "ray":
        raise UsageError(
            "--through-gateway meters calls in this process and cannot see Ray workers; run "
            "'agent-evals serve' and point the models' baseUrl at it instead"
        )
    options = ReplayOptions(
        epochs=epochs,
        workers=workers or DEFAULT_WORKERS,
        resume=resume,
        keep=keep,
        strict=strict,
        with_baseline=with_baseline,
        no_baseline=no_baseline,
        evidence=True if evidence else None,
        through_gateway=through_gateway,
        include_flaky=include_flaky,
        executor=executor_from(
            executor, workers, ray_address, ray_num_cpus, ray_resources, ray_max_retries
        ),
    )
    # Ray's driver prints a lost worker's notice to stdout, which is this command's report.
    with redirect_stdout(sys.stderr) if executor == "ray" else nullcontext():
        outcome = replay(
            app.store(), loaded, cast(Lane, lane), slice_name, options, warn=_warn, note=_note
        )
    say_flaky_note(outcome.scorecard)
    details = None
    if failing_gates(outcome.scorecard):
        runs = [*outcome.runs, *outcome.baseline]
        details = report_details(runs, loaded.config, outcome.scorecard)
    if fmt == "json":
        document = {
            "slice": outcome.slice,
            "lane": outcome.lane,
            "runs": len(outcome.runs),
            "baseline_runs": len(outcome.baseline),
            "task_warnings": list(outcome.warnings),
            **scorecard_document(outcome.scorecard, details),
            **decision_document(outcome.comparison.decision),
        }
        click.echo(dumps(document))
    else:
        print_scorecard(outcome.scorecard, console(), details)
        click.echo(render_slice_block(outcome.comparison, outcome.lane))
    decision = outcome.comparison.decision
    sys.exit(exit_for(decision.status, infra_bound=decision.infra_bound))
