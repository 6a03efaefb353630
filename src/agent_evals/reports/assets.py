"""Files shipped inside the package for pages: the vendored chart library and page scripts."""

from __future__ import annotations

import functools
from importlib.resources import files

# Chart.js, vendored so every page works offline; its MIT licence is static/chart.js.LICENSE.md.
CHART_LIBRARY = "chart.umd.min.js"
CHART_LICENSE = "chart.js.LICENSE.md"
_SOURCE_MAP = "//# sourceMappingURL=chart.umd.min.js.map"


@functools.cache
def static_text(name: str) -> str:
    """A file from ``reports/static`` as text."""
    return files("agent_evals.reports").joinpath("static", name).read_text(encoding="utf-8")


def chart_library() -> str:
    """The chart library's source, ready to inline in a page (no source-map fetch)."""
    return static_text(CHART_LIBRARY).replace(_SOURCE_MAP, "")
