"""``--executor local|ray`` and the Ray options of ``replay``, turned into an executor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from agent_evals.errors import UsageError
from agent_evals.harness.executors import INFRA_RETRIES, Executor, RayExecutor

_F = TypeVar("_F", bound=Callable[..., Any])

EXECUTORS = ("local", "ray")


class _Resource(click.ParamType):  # type: ignore[type-arg]
    """A custom Ray resource per attempt, ``NAME=AMOUNT``."""

    name = "NAME=AMOUNT"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, float]:
        if isinstance(value, tuple):
            return value
        name, _, amount = str(value).partition("=")
        try:
            parsed = float(amount)
        except ValueError:
            parsed = -1.0
        if not name.strip() or parsed < 0:
            self.fail(f"{value!r} is not NAME=AMOUNT (for example agent_slot=1)", param, ctx)
        return name.strip(), parsed


def executor_options(command: _F) -> _F:
    """The options that choose where a replay's attempts run."""
    options = [
        click.option(
            "--executor",
            type=click.Choice(EXECUTORS),
            default="local",
            show_default=True,
            help="Where attempts run: a pool in this process, or one Ray task each (extra ray).",
        ),
        click.option(
            "--ray-address",
            metavar="auto|ADDRESS",
            help="The Ray cluster: auto (started on this machine), HOST:PORT or ray://HOST:PORT. "
            "Default: RAY_ADDRESS, else a cluster on this machine, else a local Ray instance.",
        ),
        click.option(
            "--ray-num-cpus",
            type=click.FloatRange(min=0),
            default=1.0,
            show_default=True,
            help="CPUs Ray reserves for each attempt.",
        ),
        click.option(
            "--ray-resource",
            "ray_resources",
            type=_Resource(),
            multiple=True,
            help="A custom Ray resource each attempt needs, NAME=AMOUNT (repeatable).",
        ),
        click.option(
            "--ray-max-retries",
            type=click.IntRange(min=0),
            default=INFRA_RETRIES,
            show_default=True,
            help="Retries of an attempt whose Ray worker was lost; then it is an infra_error run.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


RAY_OPTIONS = {
    "ray_address": "--ray-address",
    "ray_num_cpus": "--ray-num-cpus",
    "ray_resources": "--ray-resource",
    "ray_max_retries": "--ray-max-retries",
}


def executor_from(
    executor: str,
    workers: int | None,
    ray_address: str | None,
    ray_num_cpus: float,
    ray_resources: tuple[tuple[str, float], ...],
    ray_max_retries: int,
) -> Executor | None:
    """The executor the options ask for; ``None`` for the local pool."""
    if executor == "local":
        ctx = click.get_current_context()
        for param, flag in RAY_OPTIONS.items():
            if ctx.get_parameter_source(param) is ParameterSource.COMMANDLINE:
                raise UsageError(f"{flag} is an option of --executor ray; add --executor ray")
        return None
    return RayExecutor(
        address=ray_address,
        num_cpus=ray_num_cpus,
        resources=ray_resources,
        max_retries=ray_max_retries,
        max_in_flight=workers,
    )
