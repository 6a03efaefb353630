"""Naming each imported run's slice."""

from __future__ import annotations

import pytest

from agent_evals.errors import UsageError
from agent_evals.importers.base import ImportOptions, RecordError
from agent_evals.importers.slicing import prefix_of, repo_of, slice_rule


def options(**values: str) -> ImportOptions:
    return ImportOptions(release="r", lane="candidate", model="m", **values)  # type: ignore[arg-type]


def test_repo_of_a_swebench_instance() -> None:
    assert repo_of("django__django-11099") == "django/django"
    assert repo_of("fasterxml__jackson-core-1016") == "fasterxml/jackson-core"
    with pytest.raises(RecordError, match="--slice-by prefix"):
        repo_of("fix-median")


def test_prefix_of_task_ids() -> None:
    assert prefix_of("bugfix-small/fix-median") == "bugfix-small"
    assert prefix_of("astropy__astropy-12907") == "astropy"
    assert prefix_of("fix-median-even") == "fix-median"


def test_a_field_a_fixed_name_or_the_default() -> None:
    assert slice_rule(options(slice_by="team"))("t", {"team": "payments"}) == "payments"
    assert slice_rule(options(slice="s1"))("t", {"team": "payments"}) == "s1"
    assert slice_rule(options())("t", None) == "imported"
    with pytest.raises(RecordError, match="slice field 'team' is missing"):
        slice_rule(options(slice_by="team"))("t", {})
    with pytest.raises(UsageError, match="not both"):
        slice_rule(options(slice="s1", slice_by="repo"))
