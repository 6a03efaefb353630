"""The demo's reports: the HTML one opened in Chromium, the Markdown one ready for a PR."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agent_evals.records import RunRecord
from agent_evals.reports import MARKER
from agent_evals.store import DEFAULT_DB_DIR, DEFAULT_DB_FILE, Store, sqlite_url
from agent_evals.types import UNCOUNTED_STATUSES
from agent_evals.workflows.demo import run_demo

from ..reports.browser import Visit, artifact_dir, chromium_session, drawn_pixels, serving


@pytest.fixture
def browse(chromium: Path) -> Iterator[Callable[..., Visit]]:
    """Debian's Chromium, recording console errors, outside requests and dialogs."""
    with chromium_session(chromium) as visit:
        yield visit


def stored_runs(directory: Path, release: str) -> list[RunRecord]:
    """The demo's runs, read back from its store."""
    store = Store(sqlite_url(directory / "config" / DEFAULT_DB_DIR / DEFAULT_DB_FILE))
    try:
        return store.runs(release)
    finally:
        store.close()


def regressions(runs: list[RunRecord]) -> set[tuple[str, str]]:
    """Tasks the incumbent solved and the candidate did not."""
    solved: dict[tuple[str, str, str], list[bool]] = defaultdict(list)
    for run in runs:
        if run.status not in UNCOUNTED_STATUSES:
            solved[(run.lane, run.slice, run.task_id)].append(run.succeeded)

    def rate(lane: str, s: str, t: str) -> float | None:
        found = solved.get((lane, s, t))
        return sum(found) / len(found) if found else None

    keys = {(s, t) for _, s, t in solved}
    return {
        (s, t)
        for s, t in keys
        if (inc := rate("incumbent", s, t)) is not None
        and (cand := rate("candidate", s, t)) is not None
        and inc >= 0.5 > cand
    }


@pytest.mark.slow
@pytest.mark.browser
def test_the_demo_writes_a_report_with_plots_and_the_stored_regressions(
    tmp_path: Path, browse
) -> None:
    result = run_demo(tmp_path, workers=3)
    markdown, html = result.reports
    assert markdown.read_text(encoding="utf-8").startswith(MARKER)
    runs = stored_runs(tmp_path, result.scorecard.release)
    with serving(html.parent) as base:
        check_report(browse(f"{base}/{html.name}"), runs)


def check_report(visit: Visit, runs: list[RunRecord]) -> None:
    """Every plot drawn, the stored regressions and violations listed, nothing else fetched."""
    page = visit.page
    for i in range(page.locator("canvas").count()):
        chart = page.locator("canvas").nth(i).get_attribute("id")
        assert drawn_pixels(page, f"#{chart}") > 500, chart
    rows = page.locator("#regressions tbody tr:not(.empty)").all()
    shown = {tuple(row.locator("td").all_inner_texts()[:2]) for row in rows}
    assert shown == regressions(runs)
    violations = page.locator("#violations tbody tr:not(.empty)").count()
    assert violations == sum(len(r.policy_violations) for r in runs) > 0
    assert visit.console_errors == [] and visit.outside_requests == []
    page.screenshot(path=str(artifact_dir() / "demo-report.png"), full_page=True)
