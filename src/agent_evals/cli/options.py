"""Options several commands share, declared once: --format, --slice, --actor, --reason, ...

Each function returns a click decorator; the value reaches the command as ``fmt``,
``slice_name`` (``slices`` when repeatable), ``actor`` and ``reason``.
"""

from __future__ import annotations

import difflib
import getpass
import math
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, cast

import click

from agent_evals.analysis import Scorecard
from agent_evals.analysis.slice_health import FLAKY_NOTE
from agent_evals.config import ReleaseConfig
from agent_evals.errors import UsageError
from agent_evals.rollout import OptChoice
from agent_evals.types import MAX_COUNT

ACTOR_ENV = "AGENT_EVALS_ACTOR"
_LISTED = 25  # known names listed in an error; the rest are counted

_F = TypeVar("_F", bound=Callable[..., Any])


def did_you_mean(kind: str, name: str, known: Sequence[str]) -> str:
    """``unknown slice 'x'; did you mean 'y'? (known: a, b)``."""
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listed = ", ".join(known[:_LISTED]) or "none"
    more = f" and {len(known) - _LISTED} more" if len(known) > _LISTED else ""
    return f"unknown {kind} {name!r}{hint} (known: {listed}{more})"


def check_slice(config: ReleaseConfig, name: str, present: Sequence[str] = ()) -> None:
    """Refuse a slice name that is a typo of a known one (the config's, or ``present``).

    A name close to nothing known is left to the command, which may find its folder.
    """
    known = list(dict.fromkeys([*config.release.eval_slices, *config.slices, *present]))
    if name not in known and difflib.get_close_matches(name, known, n=1):
        raise UsageError(did_you_mean("slice", name, known))


class FiniteFloatRange(click.FloatRange):
    """A ``FloatRange`` that also refuses ``nan`` and ``inf`` (click's range lets NaN through)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The number, or a usage error when it is not finite or out of range."""
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


COUNT = click.IntRange(min=0, max=MAX_COUNT)
"""A whole number the store can hold: 0 to ``MAX_COUNT``."""


class SuggestingChoice(click.Choice):  # type: ignore[type-arg]
    """A choice whose error suggests the closest allowed value."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """The value if allowed, else a usage error with a "did you mean"."""
        if isinstance(value, str) and value not in self.choices:
            known = [str(choice) for choice in self.choices]
            kind = param.name.removesuffix("_name") if param and param.name else "value"
            self.fail(did_you_mean(kind, value, known), param, ctx)
        return super().convert(value, param, ctx)


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


include_flaky_option = click.option(
    "--include-flaky",
    is_flag=True,
    help="Keep tasks whose incumbent epochs disagree in the gates (see 'slice health').",
)


def say_flaky_note(scorecard: Scorecard) -> None:
    """Say on stderr how many flaky tasks the gates left out (nothing when none were)."""
    for note in scorecard.notes:
        if note.endswith(FLAKY_NOTE):
            click.echo(f"note: {note}", err=True)
