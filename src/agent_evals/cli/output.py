"""What commands share about output: decision exit codes and the console."""

from __future__ import annotations

from rich.console import Console

from agent_evals.errors import EXIT_BLOCKED, EXIT_INCONCLUSIVE, EXIT_OK
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
