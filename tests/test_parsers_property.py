"""Every parser of outside input, fed arbitrary documents: parsed, or a product error.

Property-based (Hypothesis, https://hypothesis.readthedocs.io): release configs, task files,
every import format, model scripts, lane-metric files and the gateway's outcome and review
bodies. Whatever the bytes, the answer is a value or an error of the ``errors.py`` tree (the
gateway's bodies: a pydantic ``ValidationError``, its 400) — never another exception.
Derandomized so CI sees the same examples every run; small documents keep it quick.
"""

from __future__ import annotations

import contextlib
import json
import math
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from agent_evals.analysis.metric_files import load_lane_file
from agent_evals.config import parse_config
from agent_evals.errors import AgentEvalsError
from agent_evals.gateway.api import OutcomeIn, ReviewIn
from agent_evals.importers import ImportOptions, ImportRequest, run_import
from agent_evals.importers.registry import importer_names
from agent_evals.importers.runs_table import RUN_FIELDS
from agent_evals.scripted_model.script import load_script, parse_script
from agent_evals.store import Store
from agent_evals.tasks.loading import load_task

from .conftest import CANONICAL_CONFIG, MEDIAN_TASK

SETTINGS = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Values people and tools get wrong: bounds, types, encodings, sizes.
HOSTILE = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        -1,
        -5,
        1.5,
        2**53 + 1,
        18446744073709551615,
        -(2**70),
        1e20,
        -1e20,
        math.inf,
        -math.inf,
        math.nan,
        "",
        " ",
        "0",
        "1e20",
        "Infinity",
        "NaN",
        "true",
        "yes",
        "resolved",
        "9999-12-31T00:00:00",
        "2026-11-27T10:00:00Z",
        "x" * 5000,
        "é\x00\u202e",
        [],
        [1, "a", None],
        {},
        {"a": {"b": [1]}},
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | HOSTILE
)


def documents(keys: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """Nested JSON-like values whose mapping keys are mostly ``keys`` (the parser's own)."""
    any_key = keys | st.text(max_size=8)
    return st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_key, inner, max_size=6),
        max_leaves=24,
    )


def keys(names: str) -> st.SearchStrategy[str]:
    """The keys a parser reads (space-separated), so documents reach past the top level."""
    return st.sampled_from(names.split())


def as_yaml(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def as_json(data: Any) -> str:
    return json.dumps(data, allow_nan=True)


def assert_parsed_or_product_error(parse: Callable[[], object]) -> None:
    """``parse()`` returns, or raises an error of the product's one tree; nothing else."""
    with contextlib.suppress(AgentEvalsError):
        parse()


@contextlib.contextmanager
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="agent-evals-prop-") as name:
        yield Path(name)


# --- release config ------------------------------------------------------------------------

CONFIG_KEYS = keys(
    "release incumbent candidate evalSlices liveCanaryShare rollbackOn successRateDrop "
    "stages share minTasks models price statistics seed mode agent timeoutSeconds hooks "
    "onRollback webhook gateway budget waivers slices"
)
CANONICAL = yaml.safe_load(CANONICAL_CONFIG)
RELEASE_PATHS = [
    ("release", "liveCanaryShare"),
    ("release", "rollbackOn", "successRateDrop"),
    ("release", "rollbackOn", "policyFailureCount"),
    ("release", "evalSlices"),
    ("release", "stages"),
    ("release", "name"),
    ("statistics",),
    ("statistics", "seed"),
    ("agent", "timeoutSeconds"),
    ("gateway", "bodyLimitBytes"),
    ("hooks", "onRollback"),
    ("models", "gpt-5.4-coder"),
]


@st.composite
def mutated_configs(draw: st.DrawFn) -> str:
    """The canonical config with one key set to a hostile or arbitrary value."""
    data = json.loads(json.dumps(CANONICAL))
    path = draw(st.sampled_from(RELEASE_PATHS))
    place = data
    for key in path[:-1]:
        place = place.setdefault(key, {})
    place[path[-1]] = draw(HOSTILE | documents(CONFIG_KEYS))
    return as_yaml(data)


@SETTINGS
@given(text=mutated_configs() | documents(CONFIG_KEYS).map(as_yaml) | st.text(max_size=200))
def test_any_release_config_is_loaded_or_explained(text: str) -> None:
    assert_parsed_or_product_error(lambda: parse_config(text))


# --- task files ----------------------------------------------------------------------------

TASK_KEYS = keys(
    "id instruction verify command timeoutSeconds scope policy risk repo path "
    "timeouts agentSeconds review lintCommand forbiddenPaths "
)
MEDIAN = yaml.safe_load(MEDIAN_TASK)


@st.composite
def task_files(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return as_yaml(draw(documents(TASK_KEYS)))
    data = dict(MEDIAN)
    data[draw(st.sampled_from([*MEDIAN, "risk", "timeouts", "policy", "id"]))] = draw(HOSTILE)
    return as_yaml(data)


@SETTINGS
@given(text=task_files() | st.text(max_size=200))
def test_any_task_file_is_loaded_or_explained(text: str) -> None:
    with folder() as root:
        task = root / "task-1"
        task.mkdir()
        (task / "task.yaml").write_text(text, encoding="utf-8")
        assert_parsed_or_product_error(lambda: load_task(task))


# --- imports -------------------------------------------------------------------------------

# The runs table's columns, and the keys the other formats read (Harbor, inspect, agents' logs).
RUN_KEYS = st.sampled_from(sorted({c for cols in RUN_FIELDS.values() for c in cols})) | keys(
    "agent_result api_calls cache_read_input_tokens cached_input_tokens content cost_usd "
    "epoch error exception_info exit_status finished_at id info input_tokens instance_id "
    "is_error message messages model model_patch model_stats model_usage num_turns "
    "output_tokens resolved result reward rewards samples scores started_at stats status "
    "submission subtype task_name tokens tokens_received tokens_sent total_cost_usd "
    "trial_name type usage value verifier_result"
)
# A file name each importer looks for, and the shape of its records.
IMPORT_FILES = {
    "runs": "runs.jsonl",
    "harbor": "result.json",
    "inspect": "log.json",
    "swebench": "preds.jsonl",
    "swe-agent": "t1.traj",
    "mini-swe-agent": "t1.traj.json",
    "aider": "t1.jsonl",
    "claude-code": "t1.json",
    "codex": "t1.jsonl",
    "gemini-cli": "t1.json",
}


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    shared = Store.memory()
    yield shared
    shared.close()


def test_every_import_format_is_fuzzed() -> None:
    assert sorted(IMPORT_FILES) == importer_names()


@st.composite
def import_files(draw: st.DrawFn) -> tuple[str, str]:
    fmt = draw(st.sampled_from(sorted(IMPORT_FILES)))
    records = draw(st.lists(documents(RUN_KEYS), max_size=4))
    shape = draw(st.sampled_from(["lines", "list", "one", "text"]))
    if shape == "lines":
        return fmt, "\n".join(as_json(r) for r in records)
    if shape == "list":
        return fmt, as_json(records)
    if shape == "one":
        return fmt, as_json(records[0] if records else {})
    return fmt, draw(st.text(max_size=200))


@SETTINGS
@given(case=import_files(), encoding=st.sampled_from(["utf-8", "utf-16", "utf-8-sig"]))
def test_any_import_file_of_any_format_is_stored_or_explained(
    store: Store, case: tuple[str, str], encoding: str
) -> None:
    fmt, text = case
    with folder() as root:
        path = root / IMPORT_FILES[fmt]
        path.write_bytes(text.encode(encoding, "surrogatepass"))
        options = ImportOptions(release="prop", lane="candidate", model="m-1", skip_bad=False)
        request = ImportRequest(fmt, (path,), options)
        assert_parsed_or_product_error(lambda: run_import(store, request))


# --- model scripts, lane-metric files, gateway bodies --------------------------------------

SCRIPT_KEYS = keys(
    "defaults models tasks match usage content toolCalls name arguments delayMs "
    "promptTokens completionTokens error status "
)


@SETTINGS
@given(data=documents(SCRIPT_KEYS), raw=st.text(max_size=200))
def test_any_model_script_is_loaded_or_explained(data: Any, raw: str) -> None:
    assert_parsed_or_product_error(lambda: parse_script(data, "script.yaml"))
    with folder() as root:
        path = root / "script.yaml"
        path.write_text(raw, encoding="utf-8", errors="surrogatepass")
        assert_parsed_or_product_error(lambda: load_script(path))


LANE_KEYS = keys(
    "success_rate median_tokens review_comment_avg policy_failures n tasks success "
    "tokens review cost latency_p50_s model "
)


@SETTINGS
@given(text=documents(LANE_KEYS).map(as_json) | st.text(max_size=200))
def test_any_lane_metric_file_is_read_or_explained(text: str) -> None:
    with folder() as root:
        path = root / "lane.json"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        assert_parsed_or_product_error(lambda: load_lane_file(path))


BODY_KEYS = keys(
    "task_id success status slice review_comments review_source count "
    "policy_violations rule detail diff files_changed out_of_scope_files "
)


@SETTINGS
@given(body=documents(BODY_KEYS).map(as_json) | st.binary(max_size=100))
def test_any_outcome_or_review_body_is_accepted_or_a_validation_error(body: str | bytes) -> None:
    with contextlib.suppress(ValidationError):
        OutcomeIn.model_validate_json(body).outcome()
    with contextlib.suppress(ValidationError):
        ReviewIn.model_validate_json(body)
