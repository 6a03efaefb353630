"""Evidence mode pools the incumbent's stored runs of the same task versions from earlier
releases, narrows the success interval and says what that bought; nothing else changes."""

from __future__ import annotations

import re

import numpy as np

from agent_evals.analysis import Scorecard, build_scorecard
from agent_evals.config import LoadedConfig, parse_config
from agent_evals.records import RunRecord
from agent_evals.reports.json_report import scorecard_document
from agent_evals.store import Store
from agent_evals.workflows.replay import compare

RELEASE = "gpt-5.3-coder..gpt-5.4-coder"
TASKS = 200
CONFIG = """\
release:
  incumbent: gpt-5.3-coder
  candidate: gpt-5.4-coder
  evalSlices: [s]
statistics:
  mode: {mode}
  useHistory: {history}
"""
NOTE = re.compile(
    rf"incumbent history on {TASKS} of {TASKS} tasks: effective sample \d+ paired tasks "
    r"\(x\d\.\d\d\)"
)


def runs(release: str, lane: str, model: str, solved: np.ndarray, epoch: int = 0) -> list:
    return [
        RunRecord(
            release=release,
            task_id=f"task-{i:03d}",
            slice="s",
            lane=lane,  # type: ignore[arg-type]
            model=model,
            status="resolved" if ok else "unresolved",
            epoch=epoch,
            task_hash=f"hash-{i:03d}",
            review_comments=int(i % 3),
        )
        for i, ok in enumerate(solved)
    ]


def release_store(*, earlier_releases: int) -> Store:
    """The current release, one run a task a lane; then the incumbent model's earlier runs
    of the same task versions (as an earlier release's candidate and incumbent)."""
    rng = np.random.default_rng(11)
    theta = rng.beta(0.6, 0.4, TASKS)

    def draw() -> np.ndarray:
        return rng.random(TASKS) < theta

    store = Store.memory()
    store.write_runs(runs(RELEASE, "incumbent", "gpt-5.3-coder", draw()))
    store.write_runs(runs(RELEASE, "candidate", "gpt-5.4-coder", draw()))
    for k in range(earlier_releases):
        for epoch in range(2):
            lane = "candidate" if k == 0 else "incumbent"
            store.write_runs(runs(f"earlier-{k}", lane, "gpt-5.3-coder", draw(), epoch))
        store.write_runs(runs(f"earlier-{k}", "incumbent", "gpt-5.2-coder", draw()))
    return store


def card(store: Store, mode: str = "evidence", history: bool = True) -> Scorecard:
    config = parse_config(CONFIG.format(mode=mode, history=str(history).lower())).config
    return build_scorecard(store, config)


def success_width(scorecard: Scorecard) -> float:
    gate = next(g for g in scorecard.overall.decision.gates if g.name == "success")
    assert gate.interval is not None
    return gate.interval.high - gate.interval.low


def test_evidence_mode_with_earlier_runs_shows_the_effective_sample_and_a_narrower_interval():
    store = release_store(earlier_releases=2)
    pooled, plain = card(store), card(store, history=False)
    assert any(NOTE.fullmatch(w) for w in pooled.decision.warnings)
    assert any(NOTE.fullmatch(w) for w in pooled.slice("s").decision.warnings)
    assert len(pooled.notes) == 1 and NOTE.fullmatch(pooled.notes[0])
    assert scorecard_document(pooled)["notes"] == list(pooled.notes)
    assert success_width(pooled) < 0.85 * success_width(plain)
    assert not any(NOTE.fullmatch(w) for w in plain.decision.warnings)


def test_without_stored_history_evidence_mode_is_unchanged():
    store = release_store(earlier_releases=0)
    assert card(store) == card(store, history=False)
    assert card(store).notes == ()
    assert "notes" not in scorecard_document(card(store))


def test_point_mode_ignores_the_incumbents_history():
    with_history, without = release_store(earlier_releases=2), release_store(earlier_releases=0)
    assert card(with_history, mode="point") == card(without, mode="point")
    assert "notes" not in scorecard_document(card(with_history, mode="point"))


def test_a_replay_comparison_pools_the_same_history_as_the_stored_scorecard() -> None:
    store = release_store(earlier_releases=2)
    loaded = parse_config(CONFIG.format(mode="evidence", history="true"))
    assert isinstance(loaded, LoadedConfig)
    replayed = compare(loaded, store, store.runs(RELEASE), None)
    stored = build_scorecard(store, loaded.config)
    assert any(NOTE.fullmatch(w) for w in replayed.overall.decision.warnings)
    assert success_width(replayed) == success_width(stored)
