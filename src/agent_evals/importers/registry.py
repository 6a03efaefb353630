"""Importers registered by format name, like small named units."""

from __future__ import annotations

from collections.abc import Callable
from difflib import get_close_matches

from agent_evals.errors import UsageError
from agent_evals.importers.base import Importer

_IMPORTERS: dict[str, Importer] = {}


def register(name: str) -> Callable[[Importer], Importer]:
    """Register an importer under a format name."""

    def decorate(importer: Importer) -> Importer:
        _IMPORTERS[name] = importer
        return importer

    return decorate


def get_importer(name: str) -> Importer:
    """The importer of a format; an unknown name is a usage error that lists the formats."""
    try:
        return _IMPORTERS[name]
    except KeyError:
        close = get_close_matches(name, _IMPORTERS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UsageError(
            f"unknown import format {name!r}{hint}; formats: {', '.join(importer_names())}"
        ) from None


def importer_names() -> list[str]:
    """Every registered format, sorted."""
    return sorted(_IMPORTERS)
