"""``agent-evals waive``: record a justification that waives a gate."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from agent_evals.cli.context import AppContext, pass_app
from agent_evals.cli.options import SuggestingChoice, check_slice, reason_option, slice_option
from agent_evals.store import WaiverEntry

# ``token-provenance`` accepts comparing tokens and cost across different token sources.
WAIVABLE = ("tokens", "review", "cost", "token-provenance")


@click.command("waive")
@click.argument("gate_name", metavar="GATE", type=SuggestingChoice(WAIVABLE))
@reason_option(help="Why the gate may be waived.")
@click.option("--by", "by", required=True, help="Who takes responsibility.")
@slice_option("Only for this slice (default: every slice).")
@pass_app
def waive_command(
    app: AppContext, gate_name: str, reason: str, by: str, slice_name: str | None
) -> None:
    """Waive GATE for this release; it then shows as "waived" instead of failed."""
    if not reason.strip() or not by.strip():
        raise click.BadParameter("--reason and --by must not be empty")
    config = app.loaded().config
    if slice_name is not None:
        check_slice(config, slice_name)
    release = config.release.release_id
    entry = WaiverEntry(
        release, gate_name, slice_name, reason.strip(), by.strip(), datetime.now(UTC)
    )
    app.store().add_waiver(entry)
    where = f" on slice {slice_name}" if slice_name else ""
    click.echo(
        f"waived {gate_name}{where} for {release}: {reason} (by {by}); recorded in the audit log"
    )
