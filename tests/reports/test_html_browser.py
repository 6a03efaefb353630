"""The HTML scorecard as a person sees it, in headless Chromium."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from agent_evals.analysis import scorecard_from_table
from agent_evals.analysis.table import run_table_from_records
from agent_evals.config import parse_config
from agent_evals.records import PolicyViolation, RunRecord, TokenUsage
from agent_evals.reports import render_html

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = pytest.mark.browser


def runs() -> list[RunRecord]:
    out = []
    for i in range(8):
        for lane, tokens in (("incumbent", 1000), ("candidate", 1500)):
            out.append(
                RunRecord(
                    release="r",
                    task_id=f"t{i}",
                    slice="migration-risky",
                    lane=lane,  # type: ignore[arg-type]
                    model=lane,
                    status="resolved",
                    tokens=TokenUsage(total=tokens, source="metered"),
                    review_comments=1,
                    policy_violations=(PolicyViolation("forbidden-path", "0001.py"),)
                    if lane == "candidate" and i == 0
                    else (),
                )
            )
    return out


@pytest.fixture
def served_report(tmp_path: Path):
    config = parse_config(
        "release: {incumbent: a-1, candidate: b-2, evalSlices: [migration-risky]}"
    )
    card = scorecard_from_table("r", run_table_from_records(runs()), config.config)
    (tmp_path / "index.html").write_text(render_html(card), encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()


def test_the_page_shows_the_decision_and_both_lanes(served_report, tmp_path, chromium):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=FLAGS)
        page = browser.new_page()
        page.goto(served_report)
        decision = page.locator("#decision")
        assert "BLOCKED" in decision.inner_text()
        assert "policy failure + token multiplier 1.50x" in decision.inner_text()
        assert decision.locator(".BLOCKED").evaluate("e => getComputedStyle(e).color") == (
            "rgb(207, 34, 46)"
        )
        lanes = page.locator("#lanes tbody tr")
        assert lanes.count() == 4  # both lanes of the slice, then overall
        assert "incumbent" in lanes.nth(0).inner_text()
        gates = page.locator("#gates tbody tr").all_inner_texts()
        assert any(row.startswith("tokens") and "fail" in row for row in gates)
        page.screenshot(path=str(tmp_path / "scorecard.png"), full_page=True)
        browser.close()
    assert (tmp_path / "scorecard.png").stat().st_size > 0
