"""Reports: the terminal table, JSON, Markdown, HTML and the SPEC key: value block."""

from agent_evals.reports.block import render_decision_block, render_slice_block
from agent_evals.reports.html import render_html
from agent_evals.reports.json_report import decision_document, dumps, scorecard_document
from agent_evals.reports.markdown import render_markdown
from agent_evals.reports.table import print_gates, print_scorecard

__all__ = [
    "decision_document",
    "dumps",
    "print_gates",
    "print_scorecard",
    "render_decision_block",
    "render_html",
    "render_markdown",
    "render_slice_block",
    "scorecard_document",
]
