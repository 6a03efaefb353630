"""Every command of the CLI, in help order; each lives in its own module."""

from __future__ import annotations

import click

from agent_evals.cli.config_cmd import config_group, init_command
from agent_evals.cli.scripted_model_cmd import scripted_model_command

ALL: list[click.Command] = [
    init_command,
    config_group,
    scripted_model_command,
]
