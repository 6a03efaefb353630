"""The release checklist: a mark per line, ready only when every line passes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from agent_evals.config.models import ReleaseConfig
from agent_evals.records import RunRecord
from agent_evals.rollout import CanaryController, release_checklist, run_drill
from agent_evals.store import Store

SLICES = ("bugfix-small", "migration-risky")


def replays(make_run: Callable[..., RunRecord], hashes: dict[str, str]) -> list[RunRecord]:
    """Replay runs of every task by both lanes at the given task versions."""
    return [
        replace(make_run(task, lane, slice=slice), source="replay", task_hash=hashes[task])
        for slice in SLICES
        for task in (f"{slice}-1", f"{slice}-2")
        for lane in ("incumbent", "candidate")
    ]


def prepare(store: Store, make_run: Callable[..., RunRecord]) -> dict[str, str]:
    hashes = {f"{s}-{i}": f"h-{s}-{i}" for s in SLICES for i in (1, 2)}
    store.upsert_tasks((t.rsplit("-", 1)[0], t, h, None) for t, h in hashes.items())
    store.write_runs(replays(make_run, hashes))
    return hashes


def test_a_prepared_release_passes_every_line(
    store: Store,
    make_config: Callable[..., ReleaseConfig],
    make_run: Callable[..., RunRecord],
    controller_for: Callable[[ReleaseConfig], CanaryController],
) -> None:
    config = make_config(budget={"dailySpendCapUsd": 50})
    prepare(store, make_run)
    run_drill(controller_for(config), actor="sre")
    checklist = release_checklist(store, config)
    assert [(i.name, i.passed) for i in checklist.items] == [
        ("candidate pinned to an exact version", True),
        ("both lanes replayed on every eval slice at the current task versions", True),
        ("replay decision PROMOTE on every eval slice (or an audited override)", True),
        ("policy-sensitive slices included", True),
        ("live share capped and reversible", True),
        ("fallback drill passed", True),
        ("reviewer feedback source configured or seen", True),
        ("budget guard configured", True),
    ]
    assert checklist.passed


def test_a_bare_release_fails_with_the_fix_on_each_line(
    store: Store, make_config: Callable[..., ReleaseConfig]
) -> None:
    config = make_config(
        {"strategy": "cutover"},
        models={"inc": {"model": "inc-2026-01-01"}, "cand": {"model": "cand-latest"}},
    )
    checklist = release_checklist(store, config)
    failed = {i.name: i.detail for i in checklist.items if not i.passed}
    assert not checklist.passed
    assert failed["candidate pinned to an exact version"].startswith("'cand-latest' is a floating")
    assert (
        "bugfix-small: no incumbent or candidate replay"
        in failed["both lanes replayed on every eval slice at the current task versions"]
    )
    assert "exceeds liveCanaryShare" in failed["live share capped and reversible"]
    assert "run agent-evals canary drill" in failed["fallback drill passed"]
    assert "budget guard configured" in failed


def test_a_task_changed_since_its_replay_fails_the_replay_line(
    store: Store,
    make_config: Callable[..., ReleaseConfig],
    make_run: Callable[..., RunRecord],
) -> None:
    prepare(store, make_run)
    store.upsert_tasks([("bugfix-small", "bugfix-small-2", "h-new", None)])
    item = release_checklist(store, make_config()).items[1]
    assert not item.passed
    assert item.detail == (
        "bugfix-small: incumbent lacks 1 current task(s), e.g. bugfix-small-2; "
        "bugfix-small: candidate lacks 1 current task(s), e.g. bugfix-small-2"
    )


def test_a_release_without_pinned_slices_fails_the_policy_line(
    store: Store, make_config: Callable[..., ReleaseConfig]
) -> None:
    item = release_checklist(store, make_config(slices={})).items[3]
    assert (item.passed, item.detail) == (
        False,
        "no slice is marked slices.<name>.policySensitive",
    )
