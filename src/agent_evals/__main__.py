"""``python -m agent_evals``."""

from agent_evals.cli import main

main()
