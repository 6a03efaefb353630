"""``swebench``: predictions with a harness report, a report folder, and trajectories."""

from __future__ import annotations

import json

import pytest

from agent_evals.errors import ImportFormatError, UsageError
from agent_evals.store import Store

from .conftest import FIXTURES, Importing

SWEBENCH = FIXTURES / "swebench"
PREDICTIONS = SWEBENCH / "predictions.jsonl"


def test_harness_report_statuses_never_count_unevaluated_runs_as_failures(
    importing: Importing, store: Store
) -> None:
    importing("swebench", predictions=PREDICTIONS, results=SWEBENCH / "acme-coder-v2.run-1.json")
    runs = {r.task_id: r for r in store.runs("r1")}
    assert {t: r.status for t, r in runs.items()} == {
        "django__django-1": "resolved",
        "django__django-2": "unresolved",
        "astropy__astropy-3": "infra_error",  # the harness failed, not the model
        "astropy__astropy-4": "unresolved",  # empty patch
        "sympy__sympy-5": "missing",  # predicted, never evaluated
        "pallets__flask-6": "missing",  # incomplete: no prediction at all
    }
    assert (runs["django__django-1"].diff.files_changed, runs["django__django-1"].diff.lines) == (
        1,
        3,
    )
    assert runs["astropy__astropy-3"].diff.files_changed == 2
    assert runs["astropy__astropy-4"].diff.lines == 0
    assert runs["pallets__flask-6"].diff.files_changed is None  # unknown, not zero


def test_a_folder_of_instance_reports(importing: Importing, store: Store) -> None:
    importing("swebench", predictions=PREDICTIONS, results=SWEBENCH / "reports")
    statuses = {r.task_id: r.status for r in store.runs("r1")}
    assert statuses["django__django-1"] == "resolved"
    assert statuses["django__django-2"] == "unresolved"
    assert statuses["astropy__astropy-3"] == "infra_error"  # an empty report.json
    assert statuses["sympy__sympy-5"] == "missing"


def test_trajectories_add_tokens_and_cost(importing: Importing, store: Store) -> None:
    importing(
        "swebench",
        predictions=PREDICTIONS,
        results=SWEBENCH / "reports",
        trajs=SWEBENCH / "trajs",
        slice_by="repo",
    )
    run = next(r for r in store.runs("r1") if r.task_id == "django__django-1")
    assert (run.tokens.input, run.tokens.output, run.cost_usd, run.api_calls) == (
        52000,
        1800,
        0.31,
        11,
    )
    assert run.slice == "django/django"


def test_a_malformed_prediction_names_its_line(
    importing: Importing, store: Store, tmp_path
) -> None:
    predictions = tmp_path / "preds.jsonl"
    lines = PREDICTIONS.read_text().splitlines()
    lines.insert(2, '{"model_name_or_path": "m", "model_patch": ""}')
    predictions.write_text("\n".join(lines) + "\n")
    with pytest.raises(ImportFormatError, match=r"preds.jsonl:3: instance_id must be"):
        importing("swebench", predictions=predictions, results=SWEBENCH / "reports")
    assert store.count_runs() == 0


def test_results_that_are_not_a_report_are_refused(importing: Importing) -> None:
    with pytest.raises(ImportFormatError, match="not a SWE-bench results file"):
        importing("swebench", predictions=PREDICTIONS, results=FIXTURES / "runs" / "runs_list.json")


def test_results_or_predictions_are_needed(importing: Importing) -> None:
    with pytest.raises(UsageError, match="--predictions"):
        importing("swebench")


def test_older_experiments_lists(importing: Importing, store: Store, tmp_path) -> None:
    results = tmp_path / "results.json"
    lists = {
        "generated": ["django__django-1", "django__django-2", "astropy__astropy-3"],
        "with_logs": ["django__django-1", "django__django-2"],
        "install_fail": ["astropy__astropy-3"],
        "no_generation": ["astropy__astropy-4"],
        "resolved": ["django__django-1"],
    }
    results.write_text(json.dumps(lists))
    importing("swebench", results=results)
    statuses = {r.task_id: r.status for r in store.runs("r1")}
    assert statuses == {
        "django__django-1": "resolved",
        "django__django-2": "unresolved",
        "astropy__astropy-3": "infra_error",
        "astropy__astropy-4": "unresolved",
    }


def test_swebench_5_infra_failures_are_infra_errors_alike_in_both_report_forms(
    importing: Importing, store: Store
) -> None:
    importing("swebench", predictions=PREDICTIONS, results=SWEBENCH / "acme-coder-v2.run-2.json")
    importing("swebench", predictions=PREDICTIONS, results=SWEBENCH / "reports-2", release="r2")
    run_report = {r.task_id: (r.status, r.detail) for r in store.runs("r1")}
    folder = {r.task_id: (r.status, r.detail) for r in store.runs("r2")}
    assert run_report == folder
    assert run_report == {
        "django__django-1": ("resolved", None),
        "django__django-2": (
            "infra_error",
            "the evaluation environment failed: network_unreachable",
        ),
        "astropy__astropy-3": (
            "infra_error",
            "the evaluation harness left no readable report for this instance",
        ),
        "astropy__astropy-4": ("unresolved", "empty patch"),
        "sympy__sympy-5": ("unresolved", None),  # an ambiguous failure stays the model's
    }


def test_a_report_with_a_non_boolean_flag_names_the_instance_and_the_fix(
    importing: Importing, store: Store, tmp_path
) -> None:
    instance = tmp_path / "django__django-1"
    instance.mkdir()
    (instance / "report.json").write_text(
        json.dumps({"django__django-1": {"resolved": False, "infra_failure": "yes"}})
    )
    with pytest.raises(ImportFormatError) as caught:
        importing("swebench", predictions=PREDICTIONS, results=tmp_path)
    message = str(caught.value)
    assert "django__django-1/report.json:" in message
    assert "django__django-1.infra_failure must be true or false, got 'yes'" in message
    assert "leave the instance's folder out of --results" in message
    assert store.count_runs() == 0
