"""The tasks a report puts behind each gate, read from the stored runs."""

from __future__ import annotations

import pytest

from agent_evals.analysis import build_scorecard
from agent_evals.config import parse_config
from agent_evals.reports import load_report_details

from .conftest import CONFIG, EVIDENCE_CONFIG, HOSTILE, LOST, RELEASE


def details_for(store, text=CONFIG):
    config = parse_config(text).config
    card = build_scorecard(store, config)
    return card, load_report_details(store, config, card)


def test_regressions_are_the_tasks_the_incumbent_solved_and_the_candidate_did_not(store):
    _, details = details_for(store)
    assert {(t.slice, t.task_id) for t in details.regressions} == LOST


def test_every_policy_violation_names_its_task_rule_and_file(store):
    _, details = details_for(store)
    found = [(r.task_id, v.rule, v.detail) for r in details.violations for v in r.policy_violations]
    assert found == [(HOSTILE, "forbidden-path", "db/0001_init.py")]


def test_token_outliers_are_the_tasks_whose_tokens_grew_most(store):
    _, details = details_for(store)
    ratios = [o.change for o in details.outliers["tokens"]]
    assert ratios == sorted(ratios, reverse=True)
    assert len(ratios) == 10  # the 13 tasks both lanes solved, capped at the worst ten
    assert all(r == pytest.approx(1.6, rel=1e-3) for r in ratios)


def test_provenance_names_models_agents_task_versions_and_seed(store):
    card, details = details_for(store)
    p = details.provenance
    assert p.models == (("incumbent", "coder-1.0"), ("candidate", "coder-2.0"))
    assert p.agents == ("builtin 1.2.0",)
    assert len(p.task_hashes) == 16
    assert p.seed == card.decision.seed
    assert p.runs == store.count_runs(RELEASE)


def test_evidence_mode_traces_each_gate_until_it_reaches_the_scorecard_interval(store):
    card, details = details_for(store, EVIDENCE_CONFIG)
    traces = {t.gate: t for t in details.traces}
    assert set(traces) == {"success", "tokens", "review"}
    tokens = traces["tokens"]
    sizes = [p.tasks for p in tokens.points]
    assert sizes == sorted(sizes) and sizes[-1] == 16
    final = next(g for g in card.overall.decision.gates if g.name == "tokens").interval
    assert final is not None
    assert (tokens.points[-1].low, tokens.points[-1].high) == pytest.approx((final.low, final.high))
    assert tokens.threshold == 1.25 and tokens.side == "upper"


def test_point_mode_draws_no_evidence_trace(store):
    _, details = details_for(store)
    assert details.traces == ()
