"""The public surface of the rollout package stays curated."""

from __future__ import annotations

import agent_evals.rollout as rollout


def test_every_exported_name_exists_and_the_list_is_sorted() -> None:
    assert all(hasattr(rollout, name) for name in rollout.__all__)
    constants = [n for n in rollout.__all__ if n.isupper()]
    others = [n for n in rollout.__all__ if not n.isupper()]
    assert rollout.__all__ == sorted(constants) + sorted(others)
