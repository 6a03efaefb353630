"""The generic ``runs`` table: JSONL, CSV, a JSON list or object, field mappings, bad records."""

from __future__ import annotations

import csv
import json

import pytest

from agent_evals.analysis.metrics import lane_metrics_from_runs
from agent_evals.errors import ImportFormatError, UsageError
from agent_evals.store import Store

from .conftest import FIXTURES, Importing

RUNS = FIXTURES / "runs"


def by_task(store: Store) -> dict[tuple[str, int], object]:
    return {(r.task_id, r.epoch): r for r in store.runs("r1")}


def test_jsonl_runs_keep_outcome_usage_cost_and_review(importing: Importing, store: Store) -> None:
    summary = importing("runs", RUNS / "runs.jsonl")
    assert summary.written == 3
    assert summary.statuses == {"resolved": 1, "unresolved": 1, "infra_error": 1}
    assert summary.slices == {"bugfix-small": 2, "repo-onboarding": 1}
    fix = next(r for r in store.runs("r1") if r.task_id == "fix-median")
    assert (fix.status, fix.source, fix.lane, fix.model) == (
        "resolved",
        "import",
        "candidate",
        "acme-coder-v2",
    )
    assert (fix.tokens.input, fix.tokens.output, fix.tokens.total) == (12000, 1500, 13500)
    assert (fix.tokens.source, fix.cost_usd, fix.cost_source) == ("imported", 0.42, "imported")
    assert (fix.api_calls, fix.latency_s, fix.review_comments) == (9, 61.5, 1)
    cli = next(r for r in store.runs("r1") if r.task_id == "add-cli")
    assert cli.tokens.source == "missing" and cli.tokens.total is None  # never recorded as zero
    assert cli.cost_usd is None and cli.cost_source == "missing"


def test_csv_reads_text_values_and_epochs(importing: Importing, store: Store) -> None:
    importing("runs", RUNS / "runs.csv", slice="bugfix-small")
    runs = {(r.task_id, r.epoch): r for r in store.runs("r1")}
    assert set(runs) == {("fix-median", 0), ("fix-median", 1), ("parse-dates", 0)}
    assert runs["fix-median", 1].status == "unresolved"
    assert runs["fix-median", 0].tokens.total == 14000
    assert runs["parse-dates", 0].status == "unresolved"
    assert runs["parse-dates", 0].tokens.total is None
    assert runs["parse-dates", 0].api_calls == 25


def test_json_list_and_object_keyed_by_task(importing: Importing, store: Store) -> None:
    importing("runs", RUNS / "runs_list.json", RUNS / "per_instance_details.json")
    runs = {r.task_id: r for r in store.runs("r1")}
    assert runs["fix-median"].status == "resolved" and runs["parse-dates"].cost_usd == 0.25
    assert runs["django__django-11099"].status == "unresolved"
    assert runs["django__django-11099"].api_calls == 119


def test_field_mapping_reads_other_columns(importing: Importing, store: Store, tmp_path) -> None:
    table = tmp_path / "export.jsonl"
    table.write_text('{"name": "t1", "ok": "yes", "spend": 1.5, "group": "g1"}\n')
    importing(
        "runs",
        table,
        fields={"task_id": "name", "resolved": "ok", "cost_usd": "spend", "slice": "group"},
    )
    (run,) = store.runs("r1")
    assert (run.task_id, run.status, run.cost_usd, run.slice) == ("t1", "resolved", 1.5, "g1")


def test_unknown_run_field_is_a_usage_error(importing: Importing) -> None:
    with pytest.raises(UsageError, match="unknown run field 'costs'"):
        importing("runs", RUNS / "runs.jsonl", fields={"costs": "x"})


def test_slice_by_repo_and_prefix(importing: Importing, store: Store) -> None:
    importing("runs", RUNS / "per_instance_details.json", slice_by="repo")
    assert {r.slice for r in store.runs("r1")} == {"astropy/astropy", "django/django"}
    importing("runs", RUNS / "runs.csv", slice_by="prefix", release="r2")
    assert {r.slice for r in store.runs("r2")} == {"fix", "parse"}


def test_reimport_replaces_instead_of_duplicating(
    importing: Importing, store: Store, tmp_path
) -> None:
    table = tmp_path / "runs.jsonl"
    table.write_text('{"task_id": "a", "resolved": false, "cost": 1.0}\n')
    importing("runs", table)
    importing("runs", table)
    assert store.count_runs("r1") == 1
    table.write_text('{"task_id": "a", "resolved": true, "cost": 2.0}\n')
    importing("runs", table)
    (run,) = store.runs("r1")
    assert (run.status, run.cost_usd) == ("resolved", 2.0)


@pytest.mark.parametrize(
    ("name", "where", "message"),
    [
        ("bad_json.jsonl", "bad_json.jsonl:3", "not valid JSON"),
        ("bad_value.jsonl", "bad_value.jsonl:2", "cost must be a non-negative number, got -2"),
        ("bad_columns.csv", "bad_columns.csv:3", "expected 3 columns"),
        ("no_outcome.jsonl", "no_outcome.jsonl:1", "no outcome"),
        ("bad_status.jsonl", "bad_status.jsonl:1", "status 'great' is not one of"),
        ("bad_list.json", "bad_list.json:4", "expected ',' or ']'"),
    ],
)
def test_a_malformed_record_stops_the_import_naming_file_and_line(
    importing: Importing, store: Store, name: str, where: str, message: str
) -> None:
    with pytest.raises(ImportFormatError) as caught:
        importing("runs", RUNS / name, batch_size=1)
    assert where in str(caught.value) and message in str(caught.value)
    assert store.count_runs() == 0  # nothing of the file, though earlier batches were written


def test_skip_bad_stores_the_rest_and_lists_what_it_skipped(
    importing: Importing, store: Store
) -> None:
    summary = importing("runs", RUNS / "bad_json.jsonl", RUNS / "bad_value.jsonl", skip_bad=True)
    assert sorted(r.task_id for r in store.runs("r1")) == ["a", "b", "c", "d"]
    assert summary.skipped_count == 2
    assert [b.where.rsplit("/", 1)[-1] for b in summary.skipped] == [
        "bad_json.jsonl:3",
        "bad_value.jsonl:2",
    ]


def test_an_error_in_a_later_file_keeps_the_earlier_files(
    importing: Importing, store: Store
) -> None:
    with pytest.raises(ImportFormatError):
        importing("runs", RUNS / "runs.jsonl", RUNS / "bad_value.jsonl")
    assert store.count_runs("r1") == 3


def test_a_field_first_seen_late_is_named(importing: Importing, tmp_path) -> None:
    table = tmp_path / "late.jsonl"
    lines = [json.dumps({"task_id": f"t{i}", "resolved": True}) for i in range(1000)]
    lines.append('{"task_id": "late", "resolved": true, "lines_added": 4}')
    table.write_text("\n".join(lines) + "\n")
    with pytest.raises(ImportFormatError, match=r"late.jsonl:1001: field 'lines_added'"):
        importing("runs", table)


def test_options_of_other_formats_are_refused(importing: Importing) -> None:
    with pytest.raises(UsageError, match="the runs format does not read --trajs"):
        importing("runs", RUNS / "runs.jsonl", trajs=RUNS)


def test_diff_size_times_and_detail_when_the_table_has_them(
    importing: Importing, store: Store, tmp_path
) -> None:
    table = tmp_path / "runs.jsonl"
    table.write_text(
        json.dumps(
            {
                "task_id": "a",
                "resolved": True,
                "files_changed": 2,
                "lines_added": 10,
                "lines_removed": 4,
                "started_at": "2026-11-20T10:00:00Z",
                "ended_at": "2026-11-20T10:02:00Z",
                "detail": "rerun",
            }
        )
        + "\n"
        + json.dumps({"task_id": "b", "resolved": False})
        + "\n"
    )
    importing("runs", table)
    runs = {r.task_id: r for r in store.runs("r1")}
    assert (runs["a"].diff.files_changed, runs["a"].diff.lines, runs["a"].detail) == (
        2,
        14,
        "rerun",
    )
    assert runs["a"].ended_at is not None and runs["a"].started_at is not None
    assert runs["b"].diff.lines is None


TB_FIELDS = {
    "resolved": "is_resolved",
    "input_tokens": "total_input_tokens",
    "output_tokens": "total_output_tokens",
}


def trial_rows() -> list[dict[str, str]]:
    with (RUNS / "tb_trials.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_a_trial_table_without_epochs_imports_every_trial_as_its_own_epoch(
    importing: Importing, store: Store
) -> None:
    summary = importing("runs", RUNS / "tb_trials.csv", fields=TB_FIELDS)
    rows = trial_rows()
    assert summary.written == summary.new == store.count_runs("r1") == len(rows) == 12
    assert summary.epochs == {0: 4, 1: 4, 2: 4}
    runs = by_task(store)
    assert runs["build-tcc", 1].status == "unresolved"  # its second row, in file order
    assert runs["build-tcc", 1].tokens.input == 91000

    # by hand, from the file alone: success rate and median tokens of successful trials
    passed = [row for row in rows if row["is_resolved"] == "True"]
    tokens = sorted(
        int(row["total_input_tokens"]) + int(row["total_output_tokens"]) for row in passed
    )
    middle = len(tokens) // 2
    median = tokens[middle] if len(tokens) % 2 else (tokens[middle - 1] + tokens[middle]) / 2
    metrics = lane_metrics_from_runs(store.runs("r1", lane="candidate"))
    assert metrics.n == 12 and metrics.success_rate == len(passed) / len(rows) == 7 / 12
    assert metrics.median_tokens == median == 50600


def test_reimporting_a_trial_table_replaces_its_runs_instead_of_doubling_them(
    importing: Importing, store: Store
) -> None:
    importing("runs", RUNS / "tb_trials.csv", fields=TB_FIELDS)
    again = importing("runs", RUNS / "tb_trials.csv", fields=TB_FIELDS)
    assert (again.written, again.new, again.replaced) == (12, 0, 12)
    assert store.count_runs("r1") == 12


def test_a_task_and_epoch_given_twice_is_refused_naming_the_line(
    importing: Importing, store: Store, tmp_path
) -> None:
    table = tmp_path / "runs.jsonl"
    table.write_text(
        '{"task_id": "a", "epoch": 0, "resolved": true}\n'
        '{"task_id": "a", "epoch": 1, "resolved": true}\n'
        '{"task_id": "a", "epoch": 0, "resolved": false}\n'
    )
    with pytest.raises(ImportFormatError, match=r"runs.jsonl:3: task 'a' epoch 0 appears twice"):
        importing("runs", table)
    assert store.count_runs() == 0
    summary = importing("runs", table, skip_bad=True)
    assert (summary.written, summary.skipped_count, store.count_runs("r1")) == (2, 1, 2)


def test_an_object_of_task_outcomes_reads_booleans_and_scores_with_a_threshold(
    importing: Importing, store: Store, tmp_path
) -> None:
    results = tmp_path / "results.json"
    results.write_text('{"t-bool-yes": true, "t-bool-no": false, "t-full": 1, "t-half": 0.5}')
    summary = importing("runs", results)
    assert summary.statuses == {"resolved": 2, "unresolved": 2}
    assert {r.task_id: r.status for r in store.runs("r1")}["t-half"] == "unresolved"
    importing("runs", results, score_threshold=0.5, release="r2")
    assert {r.task_id: r.status for r in store.runs("r2")} == {
        "t-bool-yes": "resolved",
        "t-bool-no": "unresolved",
        "t-full": "resolved",
        "t-half": "resolved",
    }
    assert all(r.tokens.total is None and r.cost_usd is None for r in store.runs("r2"))


def test_a_keyed_value_that_is_no_outcome_names_the_key_and_the_fix(
    importing: Importing, store: Store, tmp_path
) -> None:
    results = tmp_path / "results.json"
    results.write_text('{\n"a": true,\n"b": "yes please"\n}')
    with pytest.raises(ImportFormatError) as caught:
        importing("runs", results)
    message = str(caught.value)
    assert "results.json:3 (task 'b')" in message and "got str" in message
    assert "true/false (resolved) or a number (a score)" in message
    assert store.count_runs() == 0
