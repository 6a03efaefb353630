"""Options several commands share, declared once: --format, --slice, --actor, --reason.

Each function returns a click decorator; the value reaches the command as ``fmt``,
``slice_name`` (``slices`` when repeatable), ``actor`` and ``reason``.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from typing import Any, TypeVar, cast

import click

from agent_evals.rollout import OptChoice

ACTOR_ENV = "AGENT_EVALS_ACTOR"

_F = TypeVar("_F", bound=Callable[..., Any])


def format_option(
    *choices: str, default: str | None, help: str = "Output format."
) -> Callable[[_F], _F]:
    """``--format`` (as ``fmt``) limited to ``choices``; ``default=None`` lets the command pick."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=default is not None,
        help=help,
    )


def slice_option(
    help: str, *, required: bool = False, multiple: bool = False
) -> Callable[[_F], _F]:
    """``--slice`` as ``slice_name`` (or ``slices``, a tuple, when it may be repeated)."""
    return click.option(
        "--slice",
        "slices" if multiple else "slice_name",
        required=required,
        multiple=multiple,
        help=help,
    )


def default_actor() -> str:
    """Who acts: ``AGENT_EVALS_ACTOR``, else the login name."""
    return os.environ.get(ACTOR_ENV) or getpass.getuser()


def actor_option() -> Callable[[_F], _F]:
    """``--actor``: who takes the action, recorded in the audit log."""
    return click.option(
        "--actor",
        default=default_actor,
        show_default=f"${ACTOR_ENV} or your login",
        help="Who takes this action (recorded in the audit log).",
    )


def reason_option(
    default: str | None = None, help: str = "Why (recorded in the audit log)."
) -> Callable[[_F], _F]:
    """``--reason``: required unless a default is given."""
    if default is None:
        # An explicit default=None would let click accept the option missing.
        return click.option("--reason", required=True, help=help)
    return click.option("--reason", default=default, help=help)


def as_opt(value: str | None) -> OptChoice | None:
    """An ``--opt`` value as its type (click has checked the choice)."""
    return cast("OptChoice | None", value)
