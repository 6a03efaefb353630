"""What commands share about output: decision exit codes, the console and printed views."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.console import Console

from agent_evals.errors import EXIT_BLOCKED, EXIT_INCONCLUSIVE, EXIT_OK, EXIT_RUNTIME
from agent_evals.reports.rollout_views import view_text
from agent_evals.types import Decision

_EXIT: dict[Decision, int] = {
    "PROMOTE": EXIT_OK,
    "BLOCKED": EXIT_BLOCKED,
    "INCONCLUSIVE": EXIT_INCONCLUSIVE,
}


def exit_for(status: Decision, *, infra_bound: bool = False) -> int:
    """The exit code of a decision (SPEC section 6); 4 when the infrastructure kept it open."""
    return EXIT_RUNTIME if infra_bound else _EXIT[status]


def console() -> Console:
    """A console as wide as the terminal (``COLUMNS`` when set; 80 when output is piped)."""
    return Console()


def echo_view(view: dict[str, Any], fmt: str) -> None:
    """Print a view as JSON or as indented text."""
    click.echo(json.dumps(view, indent=2, default=str) if fmt == "json" else view_text(view))
