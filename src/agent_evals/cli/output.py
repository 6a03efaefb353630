"""What commands share about output: decision exit codes, the console and printed views."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.console import Console

from agent_evals.errors import EXIT_BLOCKED, EXIT_INCONCLUSIVE, EXIT_OK
from agent_evals.reports.rollout_views import view_text
from agent_evals.types import Decision

_EXIT: dict[Decision, int] = {
    "PROMOTE": EXIT_OK,
    "BLOCKED": EXIT_BLOCKED,
    "INCONCLUSIVE": EXIT_INCONCLUSIVE,
}


def exit_for(status: Decision) -> int:
    """The exit code of a decision (SPEC section 6)."""
    return _EXIT[status]


def console() -> Console:
    """A console wide enough for the scorecard even when output is piped."""
    return Console(width=max(Console().width, 200))


def echo_view(view: dict[str, Any], fmt: str) -> None:
    """Print a view as JSON or as indented text."""
    click.echo(json.dumps(view, indent=2, default=str) if fmt == "json" else view_text(view))
