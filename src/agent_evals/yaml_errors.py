"""One wording for YAML syntax errors, with the line, in every file agent-evals reads."""

from __future__ import annotations

import yaml


def yaml_syntax_error(exc: yaml.YAMLError, where: str) -> str:
    """``FILE:LINE: YAML syntax error: PROBLEM`` (the line when the parser knows it)."""
    mark = getattr(exc, "problem_mark", None)
    line = f":{mark.line + 1}" if mark is not None else ""
    problem = getattr(exc, "problem", None) or str(exc)
    return f"{where}{line}: YAML syntax error: {problem}"
