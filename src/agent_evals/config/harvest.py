"""The ``harvest`` section: how ``slice harvest`` turns a repository's changes into tasks.

Every key is optional. ``classify`` replaces the default classification rules (README,
"Harvesting slices from a repository's history"); ``verify`` is the test command template for
repositories whose tests are not Python's.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

from agent_evals.types import Risk

SliceKind = Literal[
    "repo-onboarding", "bugfix-small", "refactor-medium", "test-generation", "migration-risky"
]
SLICE_KINDS: tuple[SliceKind, ...] = (
    "repo-onboarding",
    "bugfix-small",
    "refactor-medium",
    "test-generation",
    "migration-risky",
)
Count = Annotated[int, Field(ge=0)]


class _Section(BaseModel):
    # As every config section (``config.models.ConfigModel``, which imports this module).
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class ClassifyRule(_Section):
    """One rule: a change matching every condition given is of ``kind`` (first match wins)."""

    kind: SliceKind
    risk: Risk | None = None
    any_path: tuple[str, ...] = ()
    """At least one changed file matches one of these globs."""
    message: str | None = None
    """A regular expression the commit message matches (case-insensitive)."""
    max_code_files: Count | None = None
    max_code_lines: Count | None = None
    min_code_files: Count | None = None
    min_test_share: Annotated[float, Field(ge=0.0, le=1.0)] | None = None
    """Test lines as a share of all changed lines, at least this."""

    @field_validator("message")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                problem = f"not a regular expression ({exc}); escape special characters"
                raise ValueError(problem) from None
        return value


class HarvestSpec(_Section):
    """Settings of ``slice harvest``."""

    verify: str | None = None
    """Test command template; ``{tests}`` becomes the change's test files. Default: pytest or
    unittest, whichever the repository uses."""
    verify_timeout_seconds: Annotated[float, Field(gt=0)] = 300.0
    max_files: Annotated[int, Field(ge=1)] = 40
    max_lines: Annotated[int, Field(ge=1)] = 2000
    test_paths: tuple[str, ...] | None = None
    """Globs of test files, each run by the verify command (default: Python, Go and
    JavaScript conventions)."""
    classify: tuple[ClassifyRule, ...] | None = None
    """Classification rules, first match wins; replaces the defaults."""
