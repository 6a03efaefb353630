"""A factory of seeded paired replay runs (``tests/paired_runs.py``) as a fixture."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agent_evals.records import RunRecord

from ..paired_runs import paired_runs


@pytest.fixture
def make_paired_runs() -> Callable[..., list[RunRecord]]:
    """See ``paired_runs``."""
    return paired_runs
