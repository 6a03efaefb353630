"""``agent-evals audit``: the append-only log of every rollout decision."""

from __future__ import annotations

import json

import click

from agent_evals.cli.context import AppContext, pass_app
from agent_evals.cli.options import format_option
from agent_evals.reports.rollout_views import audit_view


@click.command("audit")
@format_option("table", "json", default="table")
@click.option("--action", "actions", multiple=True, help="Only these actions (repeatable).")
@pass_app
def audit_command(app: AppContext, fmt: str, actions: tuple[str, ...]) -> None:
    """Every decision of the release, oldest first: who, when, stage, share, why, evidence."""
    release = app.loaded().config.release.release_id
    entries = [
        audit_view(e) for e in app.store().audit(release) if not actions or e.action in actions
    ]
    if fmt == "json":
        click.echo(json.dumps({"release": release, "entries": entries}, indent=2, default=str))
        return
    if not entries:
        click.echo(f"no audit entries for {release}")
    for e in entries:
        share = "-" if e["share"] is None else f"{e['share']:g}"
        click.echo(
            f"{e['at']}  {e['actor']:<12} {e['action']:<11} {e['stage'] or '-':<12} "
            f"share {share:<5} {' + '.join(e['reasons'])}"
        )
