"""Exit 1 means BLOCKED and nothing else: bad arguments and files never crash with a traceback."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_evals.cli.app import cli
from agent_evals.errors import EXIT_BLOCKED, EXIT_RUNTIME, EXIT_USAGE
from agent_evals.importers.registry import importer_names

# Commands that serve until stopped, or run agents and drills, are left out of the fuzzing.
LONG_RUNNING = {"serve", "scripted-model", "replay", "canary drill"}


def leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if " ".join(path) in LONG_RUNNING:
            continue
        if isinstance(command, click.Group):
            paths += leaf_commands(command, path)
        else:
            paths.append(path)
    return paths


def options_of(path: tuple[str, ...]) -> list[str]:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return sorted(
        opt for param in command.params if isinstance(param, click.Option) for opt in param.opts
    )


COMMANDS = leaf_commands(cli)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory, canonical_config_text: str) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "config").mkdir()
    (root / "config" / "model-release.yaml").write_text(canonical_config_text)
    (root / "garbage.bin").write_bytes(bytes(range(256)) * 4)
    (root / "empty.json").write_text("")
    (root / "list.json").write_text("[1, 2, 3]")
    (root / "x.eval").write_bytes(b"PK\x03\x04not really a zip")
    return root


@pytest.fixture(scope="module")
def canonical_config_text() -> str:
    from tests.conftest import CANONICAL_CONFIG

    return CANONICAL_CONFIG


@contextlib.contextmanager
def inside(folder: Path) -> Iterator[None]:
    with contextlib.chdir(folder):
        yield


def invoke(project: Path, args: list[str]) -> Result:
    env = {"AGENT_EVALS_CONFIG": None, "AGENT_EVALS_DB": None}
    with inside(project):
        return CliRunner().invoke(cli, args, env=env, catch_exceptions=True)


def assert_no_crash(result: Result, args: list[str]) -> None:
    shown = f"agent-evals {' '.join(args)} exited {result.exit_code}: {result.output[-600:]}"
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    assert not crashed, f"{shown}\n{result.exception!r}"
    assert "Traceback" not in result.output, shown
    assert result.exit_code != EXIT_BLOCKED or "BLOCKED" in result.output, shown


VALUES = st.sampled_from(
    [
        "",
        "0",
        "-1",
        "1e23",
        "nan",
        "inf",
        "x",
        "candidate",
        "incumbent",
        "json",
        "/nonexistent/x.html",
        "garbage.bin",
        "empty.json",
        "list.json",
        "x.eval",
        "config",
        "--",
        "é\x00",
    ]
)


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    path = draw(st.sampled_from(COMMANDS))
    options = options_of(path)
    args = list(path)
    for _ in range(draw(st.integers(0, 4))):
        if options and draw(st.booleans()):
            args.append(draw(st.sampled_from(options)))
        args.append(draw(VALUES))
    return args


@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(args=command_lines())
def test_random_bad_arguments_and_files_never_exit_1_or_show_a_traceback(project, args):
    assert_no_crash(invoke(project, args), args)


@pytest.mark.parametrize(
    "args",
    [
        ["import", "inspect", "x.eval", "--lane", "candidate"],
        ["scorecard", "-o", "/nonexistent/x.html"],
        ["review", "add", "--task", "t", "--lane", "candidate", "--count", "1e23"],
        ["review", "add", "--task", "t", "--lane", "candidate", "--count", str(10**23)],
    ],
)
def test_known_crashes_exit_2_or_4_with_one_clear_line(project, args):
    result = invoke(project, args)

    assert_no_crash(result, args)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code in (EXIT_USAGE, EXIT_RUNTIME)
    assert lines[-1].lower().startswith("error:")
    if result.exit_code == EXIT_RUNTIME:
        assert len(lines) == 1


def test_a_crash_writes_its_traceback_to_a_file_and_debug_prints_it(project):
    args = ["scorecard", "-o", "/nonexistent/x.html"]

    quiet = invoke(project, args)
    loud = invoke(project, ["--debug", *args])

    (line,) = [line for line in quiet.stderr.splitlines() if line.strip()]
    assert line.startswith("error: unexpected FileNotFoundError in agent_evals/")
    saved = Path(line.split("full traceback in ")[1].split(" (--debug")[0])
    assert "Traceback" in saved.read_text()
    assert loud.exit_code == EXIT_RUNTIME
    assert "Traceback (most recent call last)" in loud.stderr


# Files as people and attackers write them, handed to every command that reads one.
RELEASE = b"release:\n  incumbent: a-1\n  candidate: b-2\n  evalSlices: [x]\n"
HOSTILE_FILES = st.sampled_from(
    [
        b"release: &r {name: *r}\n",
        b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        b"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
        b"[" * 3000 + b"]" * 3000,
        '{"task_id": "t", "resolved": true}\n'.encode("utf-16"),
        b'{"task_id": "t", "resolved": true, "input_tokens": 18446744073709551615}\n',
        b'{"task_id": "t", "resolved": true, "started_at": 1e20}\n',
        b'[{"task_id": "t", "status": {"a": 1}, "latency_s": Infinity}]',
        b'{"success_rate": true, "median_tokens": Infinity, "review_comment_avg": 1, '
        b'"policy_failures": 0}',
        RELEASE + b"  stages: []\n",
        RELEASE + b"  liveCanaryShare: true\n",
        RELEASE + b"agent: {timeoutSeconds: .inf}\n",
        RELEASE + b"statistics: {seed: -5}\n",
        b"\xff\xfe\x00",
        b"\xef\xbb\xbf{}",
    ]
)
FILE_CONTENTS = HOSTILE_FILES | st.binary(max_size=64) | st.text(max_size=64).map(str.encode)
IMPORT_FORMATS = importer_names()


def file_command(draw: st.DrawFn, path: str) -> list[str]:
    kind = draw(st.sampled_from(["config", "gate", "import", "scorecard-evidence", "status"]))
    if kind == "config":
        return ["--config", path, "config", "check"]
    if kind == "scorecard-evidence":
        return ["--config", path, "scorecard", "--evidence"]
    if kind == "status":
        return ["--config", path, "canary", "status"]
    if kind == "gate":
        return ["gate", "--incumbent", path, "--candidate", path]
    fmt = draw(st.sampled_from(IMPORT_FORMATS))
    return ["import", fmt, path, "--lane", "candidate", "--release", "r", "--model", "m"]


@st.composite
def file_command_lines(draw: st.DrawFn) -> tuple[list[str], bytes, str]:
    name = draw(st.sampled_from(["generated.yaml", "generated.json", "generated.jsonl"]))
    return file_command(draw, name), draw(FILE_CONTENTS), name


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=file_command_lines())
def test_hostile_files_given_to_commands_get_a_clear_error_never_a_crash(project, case):
    args, content, name = case
    (project / name).write_bytes(content)

    result = invoke(project, ["--db", "sqlite:///:memory:", *args])

    assert_no_crash(result, args)
    assert result.exit_code != EXIT_RUNTIME or "unexpected" not in result.stderr, result.stderr
