"""The live dashboard at the gateway's root, as a person sees it in headless Chromium."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from agent_evals.records import RunRecord, TokenUsage
from agent_evals.scripted_model import serve_in_thread

from ..reports.browser import PHONE, Visit, artifact_dir, chromium_session, drawn_pixels
from .conftest import ADMIN_TOKEN, RELEASE, MakeRig, Rig

HOSTILE = '<script>alert("x")</script>'
ROLLED_BACK = "#stage:text-is('rolled-back')"


@pytest.fixture
def browse(chromium: Path) -> Iterator[Callable[..., Visit]]:
    """Debian's Chromium, recording console errors, outside requests and dialogs."""
    with chromium_session(chromium) as visit:
        yield visit


@pytest.fixture
def artifacts() -> Path:
    """Where the screenshots go."""
    return artifact_dir()


def live_runs(rig: Rig, count: int = 12) -> None:
    """Finished live tasks of both lanes, a second apart, in the current stage."""
    start = datetime.now(UTC)
    rig.store.write_runs(
        RunRecord(
            release=RELEASE,
            task_id=f"live-{i}",
            slice="bugfix-small",
            lane="candidate" if i % 2 else "incumbent",
            model="m",
            status="resolved" if i % 3 else "unresolved",
            source="live",
            tokens=TokenUsage(total=1000 + 50 * i, source="metered"),
            ended_at=start + timedelta(seconds=i),
        )
        for i in range(count)
    )


def stage_text(visit) -> str:
    return visit.page.locator("#stage").inner_text()


@pytest.mark.browser
def test_the_dashboard_shows_a_rollback_within_three_seconds_of_the_fallback(
    make_rig: MakeRig, browse, artifacts
) -> None:
    with serve_in_thread() as gone:
        pass  # the candidate's endpoint: started, then stopped
    gateway = {"candidateErrorWindow": 2, "candidateErrorRate": 1.0}
    with make_rig(share=1.0, gateway=gateway, candidate_url=gone) as rig:
        live_runs(rig)
        visit = browse(rig.root + "/")
        assert stage_text(visit) == "stage-1"
        for i in range(2):
            assert rig.chat(f"t-{i}").headers["x-agent-evals-lane"] == "incumbent"
        state = rig.controller.state()
        assert state is not None and state.phase == "rolled-back"
        fell_back = time.monotonic()
        visit.page.wait_for_selector(ROLLED_BACK, timeout=3000)
        assert time.monotonic() - fell_back < 3
        assert "candidate upstream failing" in visit.page.locator("#rolled-back").inner_text()
        assert "rollback by gateway" in visit.page.locator("#audit li").first.inner_text()
        for chart in ("#chart-live-success", "#chart-live-tokens"):
            assert drawn_pixels(visit.page, chart) > 500, chart
        assert visit.console_errors == []
        assert visit.outside_requests == []
        visit.page.screenshot(path=str(artifacts / "dashboard-desktop.png"), full_page=True)


@pytest.mark.browser
def test_the_rollback_button_does_nothing_without_the_token(
    make_rig: MakeRig, browse, artifacts
) -> None:
    with make_rig(share=0.5) as rig:
        live_runs(rig)
        visit = browse(rig.root + "/")
        visit.page.screenshot(path=str(artifacts / "dashboard-live.png"), full_page=True)
        posts: list[str] = []
        visit.page.on("request", lambda r: r.method == "POST" and posts.append(r.url))
        visit.page.fill("#actor", "dana")
        visit.page.fill("#reason", "error budget spent")
        visit.page.click("button[data-action=rollback]")
        assert "admin token" in visit.page.locator("#action-message").inner_text()
        visit.page.wait_for_timeout(300)
        assert posts == [] and visit.dialogs == []
        state = rig.controller.state()
        assert state is not None and state.phase == "stage"
        assert not [e for e in rig.store.audit(RELEASE) if e.action == "rollback"]


@pytest.mark.browser
def test_a_confirmed_rollback_is_audited_under_the_tokens_admin_with_the_name_as_a_note(
    make_rig: MakeRig, browse, artifacts
) -> None:
    with make_rig(share=0.5) as rig:
        visit = browse(rig.root + "/", PHONE)
        page = visit.page
        page.fill("#token", ADMIN_TOKEN)
        page.fill("#actor", "dana")
        page.fill("#reason", "error budget spent")
        page.click("button[data-action=rollback]")  # dismissed: nothing happens
        assert visit.dialogs and "Roll the release back?" in visit.dialogs[0]
        assert page.locator("#action-message").inner_text() == "Cancelled."
        visit.accept_dialogs = True
        page.click("button[data-action=rollback]")
        page.wait_for_selector(ROLLED_BACK, timeout=3000)
        entry = page.locator("#audit li").first.inner_text()
        assert "rollback by admin" in entry and "error budget spent (named actor: dana)" in entry
        page.screenshot(path=str(artifacts / "dashboard-phone.png"), full_page=True)
    audited = [e for e in rig.store.audit(RELEASE) if e.action == "rollback"]
    assert [(e.actor, e.reasons) for e in audited] == [
        ("admin", ("error budget spent (named actor: dana)",))
    ]


@pytest.mark.browser
def test_markup_in_a_task_id_or_a_reason_is_shown_as_text(make_rig: MakeRig, browse) -> None:
    with make_rig(share=0.5) as rig:
        answer = rig.post(
            "/admin/freeze",
            {"reason": HOSTILE, "actor": HOSTILE},
            authorization=f"Bearer {ADMIN_TOKEN}",
        )
        assert answer.status_code == 200
        visit = browse(rig.root + "/")
        page = visit.page
        assert HOSTILE in page.locator("#audit li").first.inner_text()
        page.fill("#explain-task", HOSTILE)
        page.click("#explain-form button")
        page.wait_for_selector("#explanation")
        assert page.locator("#explanation dd").first.inner_text() == HOSTILE
        assert "incumbent" in page.locator("#explanation .lane").inner_text()
        assert page.locator("main script").count() == 0
        assert visit.dialogs == [] and visit.console_errors == []


def test_the_refresh_document_carries_every_section_and_the_lane_series(
    make_rig: MakeRig,
) -> None:
    with make_rig(share=0.5) as rig:
        live_runs(rig)
        document = httpx.get(rig.root + "/dashboard/state").json()
    assert set(document["sections"]) == {"header", "breaches", "budget", "evidence", "audit"}
    assert document["stage"] == "stage-1"
    evidence = document["sections"]["evidence"]
    assert "Live scorecard" in evidence and "<td>success</td>" in evidence, evidence
    lanes = document["lanes"]
    assert len(lanes["at"]) == 12 and lanes["candidate"]["runs"][-1] == 6
