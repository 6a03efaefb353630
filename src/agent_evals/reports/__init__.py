"""Reports: the terminal table, JSON, Markdown, HTML and the SPEC key: value block."""

from agent_evals.reports.assets import chart_library
from agent_evals.reports.block import render_decision_block, render_slice_block
from agent_evals.reports.details import ReportDetails, load_report_details, report_details
from agent_evals.reports.html import render_html
from agent_evals.reports.json_report import decision_document, dumps, scorecard_document
from agent_evals.reports.markdown import MARKER, render_markdown
from agent_evals.reports.table import print_gates, print_scorecard

__all__ = [
    "MARKER",
    "ReportDetails",
    "chart_library",
    "decision_document",
    "dumps",
    "load_report_details",
    "print_gates",
    "print_scorecard",
    "render_decision_block",
    "render_html",
    "render_markdown",
    "render_slice_block",
    "report_details",
    "scorecard_document",
]
