"""The Markdown report a bot posts on a pull request."""

from __future__ import annotations

from agent_evals.analysis import build_scorecard
from agent_evals.config import parse_config
from agent_evals.reports import MARKER, load_report_details, render_markdown
from agent_evals.reports.markdown import escape

from .conftest import CONFIG


def markdown(store) -> str:
    config = parse_config(CONFIG).config
    card = build_scorecard(store, config)
    return render_markdown(card, load_report_details(store, config, card))


def test_the_comment_starts_with_the_marker_a_bot_finds_it_by(store):
    assert markdown(store).splitlines()[0] == MARKER == "<!-- agent-evals:scorecard -->"


def test_the_comment_gives_the_decision_reasons_and_a_compact_table(store):
    text = markdown(store)
    assert "**Decision: BLOCKED**" in text
    assert "token multiplier 1.60x" in text
    assert "| bugfix-small | incumbent | 10 | 1.00 |" in text
    assert "| | candidate | 10 | 0.80 |" in text.replace("|  |", "| |")


def test_the_worst_regressions_are_listed_with_a_pointer_to_the_rest(store):
    text = markdown(store)
    regressed = text.split("**Regressed tasks** (3)")[1].split("\n\n")[1]
    assert [line.split(" | ")[1] for line in regressed.splitlines()[2:]] == [
        "bug-3",
        "bug-7",
        "mig-2",
    ]
    assert '| migration-risky | evil-&lt;script&gt;alert("x")&lt;/script&gt; | candidate |' in text


def test_escaping_keeps_cells_inside_their_table_column():
    assert escape("a|b_c*<i>") == "a\\|b\\_c\\*&lt;i&gt;"
