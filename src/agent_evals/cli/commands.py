"""Every command of the CLI, in help order; each lives in its own module."""

from __future__ import annotations

import click

from agent_evals.cli.audit_cmd import audit_command
from agent_evals.cli.canary_cmd import canary_group
from agent_evals.cli.check_cmd import check_command
from agent_evals.cli.config_cmd import config_group, init_command
from agent_evals.cli.explain_cmd import explain_command
from agent_evals.cli.gate_cmd import gate_command
from agent_evals.cli.import_cmd import import_command
from agent_evals.cli.plan_cmd import plan_command
from agent_evals.cli.replay_cmd import replay_command
from agent_evals.cli.review_cmd import review_group
from agent_evals.cli.route_cmd import route_command
from agent_evals.cli.scorecard_cmd import scorecard_command
from agent_evals.cli.scripted_model_cmd import scripted_model_command
from agent_evals.cli.serve_cmd import serve_command
from agent_evals.cli.slice_cmd import slice_group
from agent_evals.cli.waive_cmd import waive_command

ALL: list[click.Command] = [
    init_command,
    config_group,
    slice_group,
    replay_command,
    gate_command,
    plan_command,
    scorecard_command,
    explain_command,
    import_command,
    waive_command,
    review_group,
    scripted_model_command,
    check_command,
    route_command,
    canary_group,
    audit_command,
    serve_command,
]
