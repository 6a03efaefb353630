"""Every failing gate names the tasks behind it, in the table, the JSON and the Markdown."""

from __future__ import annotations

import json

from rich.console import Console

from agent_evals.analysis import build_scorecard
from agent_evals.config import parse_config
from agent_evals.reports import (
    dumps,
    load_report_details,
    print_scorecard,
    render_markdown,
    scorecard_document,
)
from agent_evals.reports.gate_tasks import TASK_LIMIT, gate_tasks

from .conftest import CONFIG, HOSTILE


def details_of(store):
    config = parse_config(CONFIG).config
    card = build_scorecard(store, config)
    return card, load_report_details(store, config, card)


def test_each_failing_gate_lists_its_tasks_capped_with_a_count_of_the_rest(store):
    card, details = details_of(store)
    found = {g.gate: g for g in gate_tasks(card, details)}
    assert list(found) == ["policy", "success", "tokens", "review"]
    assert found["policy"].rows == (
        ("migration-risky", HOSTILE, "forbidden-path", "db/0001_init.py"),
    )
    assert [row[1] for row in found["success"].rows] == ["bug-3", "bug-7", "mig-2"]
    tokens = found["tokens"]
    assert (len(tokens.rows), tokens.total, tokens.more) == (TASK_LIMIT, 13, 13 - TASK_LIMIT)
    assert all(row[-1] == "1.60x" for row in tokens.rows)
    assert found["review"].headers[-1] == "change"


def test_the_json_scorecard_carries_the_tasks_behind_each_gate(store):
    card, details = details_of(store)
    document = json.loads(dumps(scorecard_document(card, details)))
    policy = document["gate_tasks"][0]
    assert policy["gate"] == "policy" and policy["more"] == 0
    assert policy["tasks"] == [
        {
            "slice": "migration-risky",
            "task": HOSTILE,
            "rule": "forbidden-path",
            "file": "db/0001_init.py",
        }
    ]
    assert "gate_tasks" not in scorecard_document(card)


def test_the_terminal_table_prints_the_tasks_under_the_gates(store):
    card, details = details_of(store)
    terminal = Console(record=True, width=80)
    print_scorecard(card, terminal, details)
    text = terminal.export_text()
    assert "policy failed: policy violations of the candidate (1)" in text
    assert HOSTILE in text  # printed as text, never read as markup
    assert "success failed: tasks the incumbent solved and the candidate did not (3)" in text
    assert f"...and {13 - TASK_LIMIT} more (--format html lists every task)" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_markdown_adds_the_tasks_with_new_review_comments(store):
    card, details = details_of(store)
    text = render_markdown(card, details)
    assert "**review failed: tasks with new review comments** (" in text
    assert "| slice | task | incumbent | candidate | change |" in text
