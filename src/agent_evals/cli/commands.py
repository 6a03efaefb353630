"""Every command of the CLI, in help order; each lives in its own module."""

from __future__ import annotations

import click

from agent_evals.cli.config_cmd import config_group, init_command

ALL: list[click.Command] = [
    init_command,
    config_group,
]
