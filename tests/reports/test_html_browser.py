"""The HTML report as a person sees it, in headless Chromium, on a desktop and a phone."""

from __future__ import annotations

import pytest

from agent_evals.analysis import build_scorecard
from agent_evals.config import parse_config
from agent_evals.reports import load_report_details, render_html

from .browser import PHONE, drawn_pixels
from .conftest import CONFIG, EVIDENCE_CONFIG, HOSTILE, RELEASE

pytestmark = pytest.mark.browser


def report(store, text: str = CONFIG) -> str:
    config = parse_config(text).config
    card = build_scorecard(store, config)
    return render_html(card, load_report_details(store, config, card))


def stored_regressions(store) -> set[tuple[str, str]]:
    """Tasks whose incumbent run resolved while the candidate's did not, straight from the store."""
    solved = {(r.lane, r.slice, r.task_id): r.status == "resolved" for r in store.runs(RELEASE)}
    return {
        (s, t)
        for (lane, s, t), ok in solved.items()
        if lane == "incumbent" and ok and not solved[("candidate", s, t)]
    }


def test_the_report_opens_offline_without_errors_and_draws_every_plot(
    store, serve, browse, artifacts
):
    visit = browse(serve(report(store)))
    page = visit.page
    canvases = page.locator("canvas")
    assert canvases.count() == 6  # success, tokens, diff, review, latency, paired tokens
    for i in range(canvases.count()):
        chart_id = canvases.nth(i).get_attribute("id")
        assert drawn_pixels(page, f"#{chart_id}") > 500, chart_id
    assert visit.console_errors == []
    assert visit.outside_requests == []
    page.screenshot(path=str(artifacts / "report-desktop.png"), full_page=True)


def test_the_decision_banner_gives_the_status_and_every_reason(store, serve, browse):
    page = browse(serve(report(store))).page
    banner = page.locator("#decision")
    assert "BLOCKED" in banner.inner_text()
    assert "token multiplier 1.60x" in banner.inner_text()
    assert banner.locator(".BLOCKED").evaluate("e => getComputedStyle(e).color") == (
        "rgb(207, 34, 46)"
    )
    assert page.locator("#lanes tbody tr").count() == 6  # two lanes of two slices, then overall


def test_the_regressed_tasks_shown_are_the_stored_ones(store, serve, browse):
    page = browse(serve(report(store))).page
    rows = page.locator("#regressions tbody tr").all()
    shown = {tuple(row.locator("td").all_inner_texts()[:2]) for row in rows}
    assert shown == stored_regressions(store)
    assert len(shown) == 3


def test_a_task_id_holding_a_script_tag_is_shown_as_text(store, serve, browse):
    visit = browse(serve(report(store)))
    cell = visit.page.locator("#violations tbody td.task")
    assert cell.inner_text() == HOSTILE
    assert visit.page.locator("#violations script").count() == 0
    assert visit.dialogs == []


def test_on_a_phone_the_report_fits_the_screen_and_still_draws(store, serve, browse, artifacts):
    visit = browse(serve(report(store)), PHONE)
    page = visit.page
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0  # wide tables scroll inside their own box
    assert drawn_pixels(page, "#chart-paired") > 500
    assert visit.console_errors == []
    page.screenshot(path=str(artifacts / "report-phone.png"), full_page=True)


def test_evidence_mode_plots_each_gate_as_tasks_accumulate(store, serve, browse, artifacts):
    visit = browse(serve(report(store, EVIDENCE_CONFIG)))
    page = visit.page
    for gate in ("success", "tokens", "review"):
        assert drawn_pixels(page, f"#chart-running-{gate}") > 500, gate
    assert visit.console_errors == []
    page.locator("figure", has=page.locator("#chart-running-success")).screenshot(
        path=str(artifacts / "report-evidence.png")
    )


def test_the_printed_report_keeps_its_plots(store, serve, browse, artifacts):
    page = browse(serve(report(store))).page
    page.emulate_media(media="print")
    assert drawn_pixels(page, "#chart-success") > 500
    pdf = page.pdf(path=str(artifacts / "report.pdf"))
    assert len(pdf) > 10_000
