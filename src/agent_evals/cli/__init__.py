"""The ``agent-evals`` command; the only room that knows all the others."""

from agent_evals.cli.app import main

__all__ = ["main"]
