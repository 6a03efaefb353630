"""The public API stays curated: sorted, importable, documented."""

from __future__ import annotations

import inspect

import agent_evals


def test_all_is_sorted_and_unique():
    names = agent_evals.__all__
    assert names == sorted(names, key=lambda n: (not n[0].isupper(), n.lower()))
    assert len(set(names)) == len(names)


def test_every_exported_member_exists_and_says_what_it_is():
    for name in agent_evals.__all__:
        member = getattr(agent_evals, name)
        assert inspect.getdoc(member), f"{name} has no docstring"


def test_nothing_public_is_left_out_of_all():
    public = {
        name
        for name, value in vars(agent_evals).items()
        if not name.startswith("_") and not inspect.ismodule(value)
    }
    assert public == set(agent_evals.__all__)
