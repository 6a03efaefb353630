"""Global options accepted anywhere: ``agent-evals gate --config FILE`` as SPEC writes it.

click reads a group's options only before the subcommand; the global ones found after it are
moved in front, so both spellings mean the same. ``--`` ends the search.
"""

from __future__ import annotations

from collections.abc import Sequence

VALUED = ("--config", "--db")
"""Global options that take a value."""
FLAGS = ("--debug",)
"""Global options without a value."""


def hoist_global_options(args: Sequence[str]) -> list[str]:
    """``args`` with every global option (and its value) moved before the subcommand."""
    hoisted: list[str] = []
    rest: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest.extend(args[index:])
            break
        if arg in VALUED and index + 1 < len(args):
            hoisted += [arg, args[index + 1]]
            index += 2
            continue
        if arg in FLAGS or ("=" in arg and arg.split("=", 1)[0] in VALUED):
            hoisted.append(arg)
        else:
            rest.append(arg)
        index += 1
    return hoisted + rest
