"""Evidence mode on seeded synthetic paired data, end to end from the store."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from agent_evals.analysis import build_scorecard
from agent_evals.config import parse_config
from agent_evals.store import Store

CONFIG = parse_config(
    """
release:
  incumbent: gpt-5.3-coder
  candidate: gpt-5.4-coder
  evalSlices: [bugfix-small]
statistics: {mode: evidence, seed: 11}
"""
).config


def scorecard(runs, **kw):
    store = Store.memory()
    store.write_runs(runs)
    return build_scorecard(store, CONFIG, **kw)


def test_500_tasks_candidate_truly_equal_is_not_blocked(make_paired_runs):
    card = scorecard(make_paired_runs(500, 0.8, 0.8, seed=1))
    assert card.decision.status != "BLOCKED"
    success = {g.name: g for g in card.overall.decision.gates}["success"]
    assert success.interval is not None
    assert success.interval.low < 0 < success.interval.high


def test_500_tasks_candidate_10_points_worse_is_blocked_with_evidence(make_paired_runs):
    card = scorecard(make_paired_runs(500, 0.8, 0.7, seed=2))
    assert card.decision.status == "BLOCKED"
    success = {g.name: g for g in card.overall.decision.gates}["success"]
    assert success.verdict == "fail"
    assert success.interval is not None and success.interval.high < -0.02
    assert success.evidence == "paired n=500: mean per-task success difference"


def test_20_tasks_1_point_apart_is_inconclusive_with_more_tasks_needed(make_paired_runs):
    card = scorecard(make_paired_runs(20, 0.80, 0.79, seed=3))
    decision = card.overall.decision
    assert decision.status == "INCONCLUSIVE"
    success = {g.name: g for g in decision.gates}["success"]
    assert success.verdict == "inconclusive"
    assert success.more_tasks_needed is not None and success.more_tasks_needed > 0
    assert f"about {success.more_tasks_needed} more paired tasks" in decision.reason
    assert any("low sample: 20 paired tasks" in w for w in decision.warnings)


def test_same_seed_same_output(tmp_path, run_cli, make_paired_runs):
    runs = make_paired_runs(300, 0.8, 0.78, seed=4, token_ratio=1.2)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "model-release.yaml").write_text(
        "release: {incumbent: gpt-5.3-coder, candidate: gpt-5.4-coder,"
        " evalSlices: [bugfix-small]}\n"
    )
    store = Store(f"sqlite:///{tmp_path}/runs.db")
    store.write_runs(runs)
    store.close()
    args = ("--db", f"sqlite:///{tmp_path}/runs.db", "scorecard", "--evidence", "--format", "json")
    first, second = run_cli(*args), run_cli(*args)
    assert first.stdout == second.stdout
    document = json.loads(first.stdout)
    assert document["mode"] == "evidence"
    assert document["seed"] == 20261125
    tokens = next(g for g in document["gates"] if g["name"] == "tokens")
    assert tokens["interval"]["method"] == "bootstrap-percentile-log-ratio"


def test_point_mode_prints_each_verdicts_stability_and_flags_the_unstable(make_paired_runs):
    point = CONFIG.model_copy(
        update={"statistics": CONFIG.statistics.model_copy(update={"mode": "point"})}
    )
    store = Store.memory()
    store.write_runs(make_paired_runs(40, 0.80, 0.78, seed=3))
    card = build_scorecard(store, point)
    decision = card.overall.decision
    gates = {g.name: g for g in decision.gates}
    assert card.decision.mode == "point"
    assert gates["success"].interval is not None
    for name in ("success", "tokens", "review"):
        assert gates[name].note is not None and gates[name].note.startswith("stability ")
    assert decision.stability is not None
    unstable = decision.stability < 0.8
    assert any("within noise" in w for w in decision.warnings) == unstable
    again = build_scorecard(store, point).overall.decision
    assert again.stability == decision.stability


def test_with_epochs_each_gate_shows_the_value_its_interval_is_of(make_paired_runs):
    runs = []
    for epoch in range(3):
        for r in make_paired_runs(60, 0.7, 0.65, seed=20 + epoch):
            runs.append(replace(r, epoch=epoch))
    card = scorecard(runs)
    for gate in card.overall.decision.gates:
        if gate.name in ("success", "tokens", "review"):
            assert gate.interval is not None
            assert gate.value == gate.interval.estimate
            assert gate.interval.low <= gate.value <= gate.interval.high
            assert gate.evidence is not None and gate.evidence.startswith("paired n=60: ")
    success = {g.name: g for g in card.overall.decision.gates}["success"]
    assert success.interval.method.startswith("paired-t-epoch-means")


def test_point_mode_intervals_are_of_the_point_values_they_sit_beside(make_paired_runs):
    point = CONFIG.model_copy(
        update={"statistics": CONFIG.statistics.model_copy(update={"mode": "point"})}
    )
    store = Store.memory()
    store.write_runs(make_paired_runs(120, 0.7, 0.7, seed=5, token_ratio=1.2))
    gates = {g.name: g for g in build_scorecard(store, point).overall.decision.gates}
    for name in ("success", "tokens", "review"):
        gate = gates[name]
        assert gate.interval is not None and gate.value is not None
        assert gate.interval.method.startswith("bootstrap-of-point-statistic")
        assert gate.interval.estimate == pytest.approx(gate.value)
        assert gate.interval.low <= gate.value <= gate.interval.high
