"""The CLI in a terminal of any width, with global options anywhere and typos caught early."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

from agent_evals.cli.argv import hoist_global_options
from agent_evals.records import PolicyViolation, RunRecord, TokenUsage
from agent_evals.store import Store

RELEASE = "gpt-5.3-coder..gpt-5.4-coder"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run(task: str, lane: str, tokens: int, **kw) -> RunRecord:
    return RunRecord(
        release=RELEASE,
        task_id=task,
        slice=kw.pop("slice", "migration-risky"),
        lane=lane,  # type: ignore[arg-type]
        model=f"{lane}-model-2026-10-01",
        status=kw.pop("status", "resolved"),
        tokens=TokenUsage(total=tokens, source="metered"),
        review_comments=1,
        latency_s=4.2,
        cost_usd=0.0384,
        **kw,
    )


def seed_store(config_file: Path, runs: list[RunRecord] | None = None) -> Path:
    """Five migration tasks where the candidate breaks a rule and spends 1.4x the tokens."""
    path = config_file.parent / ".agent-evals" / "agent-evals.db"
    store = Store(f"sqlite:///{path}")
    violation = (PolicyViolation("forbidden-path", "edited migrations/0001.py"),)
    default = [
        r
        for i in range(5)
        for r in (
            run(f"mig-{i}", "incumbent", 20000),
            run(f"mig-{i}", "candidate", 28000, policy_violations=violation if i == 0 else ()),
        )
    ]
    store.write_runs(default if runs is None else runs)
    store.close()
    return path


def in_terminal(args: list[str], cwd: Path, columns: int) -> tuple[int, list[str]]:
    """Run the real CLI in a pseudo-terminal ``columns`` wide; its exit code and lines."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {**os.environ, "COLUMNS": str(columns), "TERM": "xterm-256color"}
    env.pop("AGENT_EVALS_CONFIG", None)
    env.pop("AGENT_EVALS_DB", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "agent_evals", *args],
        cwd=cwd,
        env=env,
        stdin=follower,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    code = process.wait(timeout=60)
    text = _ANSI.sub("", b"".join(chunks).decode("utf-8"))
    return code, text.replace("\r\n", "\n").splitlines()


def test_the_scorecard_at_80_columns_has_no_line_longer_than_80(config_file, tmp_path):
    seed_store(config_file)
    code, lines = in_terminal(["scorecard"], tmp_path, 80)
    assert code == 1
    assert max(len(line) for line in lines) <= 80
    text = "\n".join(lines)
    assert "slice / lane" in text  # the compact layout: lanes stacked under their slice
    assert re.search(r"^\s*migration-risky\s+BLOCKED", text, re.MULTILINE)
    assert re.search(r"^\s+candidate\s+5\s+1\.00\s+28000\b", text, re.MULTILINE)
    assert "$/success" in text


def test_a_wide_terminal_gets_every_column_and_still_fits(config_file, tmp_path):
    seed_store(config_file)
    code, lines = in_terminal(["scorecard"], tmp_path, 160)
    assert code == 1
    assert max(len(line) for line in lines) <= 160
    text = "\n".join(lines)
    assert "latency" in text and "diff" in text
    assert "gpt-5.4-coder" in text


def test_global_options_work_after_the_subcommand(run_cli, config_file, tmp_path):
    seed_store(config_file)
    moved = config_file.rename(tmp_path / "release.yaml")
    db = f"sqlite:///{config_file.parent}/.agent-evals/agent-evals.db"
    after = run_cli("scorecard", "--format", "json", "--config", str(moved), f"--db={db}")
    before = run_cli("--config", str(moved), "--db", db, "scorecard", "--format", "json")
    assert after.exit_code == before.exit_code == 1
    assert json.loads(after.stdout) == json.loads(before.stdout)


def test_gate_takes_config_after_the_subcommand_as_spec_writes_it(run_cli, tmp_path):
    config = tmp_path / "strict.yaml"
    config.write_text(
        "release:\n  incumbent: a\n  candidate: b-2026-01-01\n"
        "  rollbackOn: {medianTokenMultiplier: 1.1}\n  evalSlices: [s]\n"
    )
    lanes = {"success_rate": 0.9, "review_comment_avg": 1.0, "policy_failures": 0}
    (tmp_path / "a.json").write_text(json.dumps({**lanes, "median_tokens": 20000}))
    (tmp_path / "b.json").write_text(json.dumps({**lanes, "median_tokens": 23000}))
    result = run_cli(
        "gate", "--incumbent", "a.json", "--candidate", "b.json", "--config", str(config)
    )
    assert result.exit_code == 1
    assert "token multiplier 1.15x" in result.stdout


def test_hoisting_keeps_option_values_and_stops_at_a_double_dash():
    args = ["gate", "--config", "f.yaml", "--debug", "--db=sqlite://", "--", "--config", "x"]
    assert hoist_global_options(args) == [
        "--config",
        "f.yaml",
        "--debug",
        "--db=sqlite://",
        "gate",
        "--",
        "--config",
        "x",
    ]


def test_the_default_scorecard_compares_replays_and_shows_live_runs_on_their_own(
    run_cli, config_file
):
    replayed = [
        run(f"t{i}", lane, 1000, slice="bugfix-small")
        for i in range(4)
        for lane in ("incumbent", "candidate")
    ]
    live = [
        run(f"live-{i}", "candidate", 9000, slice="bugfix-small", source="live") for i in range(3)
    ]
    seed_store(config_file, replayed + live)
    default = json.loads(run_cli("scorecard", "--format", "json").stdout)
    assert default["overall"]["candidate"]["n"] == 4
    assert default["promotion_status"] == "PROMOTE"
    alone = json.loads(run_cli("scorecard", "--source", "live", "--format", "json").stdout)
    assert alone["overall"]["candidate"]["n"] == 3


def test_typos_in_slice_lane_and_gate_names_get_a_did_you_mean(run_cli, config_file):
    seed_store(config_file)
    scorecard = run_cli("scorecard", "--slice", "migraton-risky")
    assert scorecard.exit_code == 2
    assert "unknown slice 'migraton-risky'; did you mean 'migration-risky'?" in scorecard.stderr
    replay = run_cli("replay", "--lane", "candidat", "--slice", "migration-risky")
    assert replay.exit_code == 2
    assert "did you mean 'candidate'?" in replay.stderr
    waive = run_cli("waive", "tokns", "--reason", "r", "--by", "b")
    assert waive.exit_code == 2
    assert "unknown gate 'tokns'; did you mean 'tokens'?" in waive.stderr
    replay_slice = run_cli("replay", "--slice", "bugfix-smal")
    assert replay_slice.exit_code == 2
    assert "did you mean 'bugfix-small'?" in replay_slice.stderr


def test_review_add_refuses_a_task_no_run_or_slice_has(run_cli, config_file):
    seed_store(config_file)
    unknown = run_cli("review", "add", "--task", "mig-9", "--lane", "candidate", "--count", "2")
    assert unknown.exit_code == 2
    assert "unknown task 'mig-9'; did you mean" in unknown.stderr
    known = run_cli("review", "add", "--task", "mig-1", "--lane", "candidate", "--count", "2")
    assert known.exit_code == 0
    assert "1 stored runs updated" in known.stdout


def test_a_failing_command_leaves_no_file_behind(run_cli, config_file, tmp_path):
    before = sorted(tmp_path.rglob("*"))
    failed = run_cli("review", "add", "--task", "nope", "--lane", "candidate", "--count", "1")
    assert failed.exit_code == 2
    assert sorted(tmp_path.rglob("*")) == before
    config_file.unlink()
    for args in (["canary", "status"], ["check"], ["audit"], ["scorecard"]):
        assert run_cli(*args).exit_code == 2
    assert sorted(tmp_path.rglob("*")) == [config_file.parent]
