"""Issue 15's bad inputs through ``agent-evals``: each is one clear line and exit 2.

Huge integers, absurd times, infinities, UTF-16 files, huge details and a multi-file import
that fails part way: none may crash (exit 4 with a traceback file) or be stored silently.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent_evals.records import DETAIL_LIMIT_CHARS
from agent_evals.store import Store, sqlite_url

from ..conftest import RunCli

TARGET = ("--lane", "candidate", "--release", "r1", "--model", "m1")


def run_import(run_cli: RunCli, tmp_path: Path, *files: Path):
    db = sqlite_url(tmp_path / "runs.db")
    return run_cli("--db", db, "import", "runs", *map(str, files), *TARGET)


def jsonl(tmp_path: Path, name: str, *records: dict | str) -> Path:
    path = tmp_path / name
    lines = (r if isinstance(r, str) else json.dumps(r) for r in records)
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def stored(tmp_path: Path) -> list:
    store = Store(sqlite_url(tmp_path / "runs.db"))
    try:
        return list(store.runs("r1"))
    finally:
        store.close()


def clear_error(result) -> str:
    assert result.exit_code == 2, result.stderr
    assert "error: unexpected" not in result.stderr and "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.strip()]
    return line


@pytest.mark.parametrize(
    ("raw", "said"),
    [
        (
            '{"task_id": "t1", "resolved": true, "input_tokens": 18446744073709551615}',
            "t.jsonl:1: input_tokens must be a whole number from 0 to 9007199254740992, "
            "got 18446744073709551615",
        ),
        (
            '{"task_id": "t1", "resolved": true, "epoch": 18446744073709551615}',
            "t.jsonl:1: epoch must be a whole number from 0 to 9007199254740992",
        ),
        (
            '{"task_id": "t1", "resolved": true, "started_at": 1e20}',
            "t.jsonl:1: started_at must be an ISO 8601 time (or epoch seconds) between "
            "1970-01-01 and 2200-01-01, got 1e+20",
        ),
        (
            '{"task_id": "t1", "resolved": true, "ended_at": "9999-12-31T00:00:00"}',
            "t.jsonl:1: ended_at must be an ISO 8601 time",
        ),
        (
            '[{"task_id": "t1", "resolved": true, "latency_s": Infinity}]',
            "t.json:1: latency_s must be a non-negative number, got inf",
        ),
        (
            '{"task_id": "t1", "status": ["resolved"]}',
            "t.jsonl:1: status ['resolved'] is not one of resolved",
        ),
    ],
)
def test_out_of_range_import_values_exit_2_naming_the_field(run_cli, tmp_path, raw, said):
    name = "t.json" if raw.startswith("[") else "t.jsonl"

    result = run_import(run_cli, tmp_path, jsonl(tmp_path, name, raw))

    assert said in clear_error(result)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig", "utf-32"])
def test_a_utf16_or_bom_marked_import_file_is_read(run_cli, tmp_path, encoding):
    path = tmp_path / "runs.jsonl"
    text = '{"task_id": "t1", "resolved": true}\n{"task_id": "t2", "resolved": false}\n'
    path.write_bytes(text.encode(encoding))

    result = run_import(run_cli, tmp_path, path)

    assert result.exit_code == 0, result.stderr
    assert "imported 2 runs (resolved 1, unresolved 1)" in result.stdout


def test_a_file_in_no_text_encoding_is_a_clear_error(run_cli, tmp_path):
    path = tmp_path / "runs.jsonl"
    path.write_bytes(b'{"task_id": "t1", "resolved": true}\n{"task_id": "\xc3\x28"}\n')

    line = clear_error(run_import(run_cli, tmp_path, path))

    assert line == (
        f"error: {path}: not UTF-8 text (invalid continuation byte); save it as UTF-8 "
        "(or UTF-16 with a byte order mark)"
    )


def test_a_huge_detail_is_stored_cut_to_the_limit_with_a_marker(run_cli, tmp_path):
    detail = "x" * 1_000_000
    path = jsonl(tmp_path, "t.jsonl", {"task_id": "t1", "resolved": True, "detail": detail})

    assert run_import(run_cli, tmp_path, path).exit_code == 0

    (run,) = stored(tmp_path)
    assert len(run.detail) <= DETAIL_LIMIT_CHARS
    assert run.detail.startswith("xxx")
    assert run.detail.endswith("more characters]") and "detail truncated" in run.detail


def test_a_multi_file_import_failing_on_file_3_says_files_1_and_2_were_stored(run_cli, tmp_path):
    first = jsonl(tmp_path, "1.jsonl", {"task_id": "a", "resolved": True})
    second = jsonl(
        tmp_path, "2.jsonl", {"task_id": "b", "resolved": True}, {"task_id": "c", "resolved": 0}
    )
    third = jsonl(tmp_path, "3.jsonl", {"task_id": "d", "resolved": "maybe"})

    result = run_import(run_cli, tmp_path, first, second, third)

    assert result.exit_code == 2
    assert f"{third}:1: resolved must be true or false, got 'maybe'" in result.stderr
    assert (
        f"stored before this failure, each file whole: {first} (1 runs), {second} (2 runs); "
        "nothing of the failing file was stored"
    ) in result.stderr
    assert "re-run with the files not stored yet" in result.stderr
    assert sorted(run.task_id for run in stored(tmp_path)) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("Infinity", "median_tokens: inf is not allowed: input should be a finite number"),
        ('"Infinity"', "median_tokens: 'Infinity' is not allowed: input should be a valid number"),
        ("NaN", "median_tokens: nan is not allowed: input should be a finite number"),
        ("true", "median_tokens: True is not allowed: input should be a valid number"),
    ],
)
def test_a_gate_file_with_infinite_or_boolean_numbers_exits_2(run_cli, tmp_path, value, said):
    good = {
        "success_rate": 0.9,
        "median_tokens": 100,
        "review_comment_avg": 1,
        "policy_failures": 0,
    }
    incumbent = tmp_path / "a.json"
    incumbent.write_text(json.dumps(good))
    candidate = tmp_path / "b.json"
    candidate.write_text(json.dumps(good).replace("100", value))

    line = clear_error(
        run_cli("gate", "--incumbent", str(incumbent), "--candidate", str(candidate))
    )

    assert line == f"error: {candidate}: {said}"


def test_success_rate_true_is_not_a_gate_value(run_cli, tmp_path):
    lane = {
        "success_rate": True,
        "median_tokens": 100,
        "review_comment_avg": 1,
        "policy_failures": 0,
    }
    path = tmp_path / "lane.json"
    path.write_text(json.dumps(lane))

    line = clear_error(run_cli("gate", "--incumbent", str(path), "--candidate", str(path)))

    assert "success_rate: True is not allowed" in line


def test_a_review_count_past_what_the_store_holds_is_a_usage_error(run_cli, config_file, tmp_path):
    path = jsonl(tmp_path, "t.jsonl", {"task_id": "t1", "resolved": True})
    assert run_cli("import", "runs", str(path), "--lane", "candidate").exit_code == 0
    review = ("review", "add", "--task", "t1", "--lane", "candidate")

    huge = run_cli(*review, "--count", str(2**64))
    fine = run_cli(*review, "--count", "3")

    assert huge.exit_code == 2
    assert "is not in the range 0<=x<=9007199254740992" in huge.stderr
    assert fine.exit_code == 0, fine.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--tasks-per-day", "nan"],
        ["plan", "--tasks-per-day", "inf"],
        ["import", "runs", "t.jsonl", *TARGET, "--score-threshold", "nan"],
    ],
)
def test_nan_and_infinity_options_are_usage_errors(run_cli, config_file, tmp_path, args):
    jsonl(tmp_path, "t.jsonl", {"task_id": "t1", "resolved": True})

    result = run_cli(*args)

    assert result.exit_code == 2
    assert "is not a finite number" in result.stderr
