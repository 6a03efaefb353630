"""The shipped Prometheus alert rules name only metrics the gateway exports, and those move."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import yaml
from prometheus_client.parser import text_string_to_metric_families

from agent_evals.config.models import ReleaseConfig
from agent_evals.gateway.background import StoreThread
from agent_evals.gateway.control import ReleaseLink
from agent_evals.gateway.metrics import GatewayMetrics
from agent_evals.records import RunRecord, TokenUsage
from agent_evals.rollout import CanaryController, FakeClock, run_drill
from agent_evals.store import Store

DOCS = Path(__file__).parents[2] / "docs" / "prometheus"
CONFIG = ReleaseConfig.model_validate(
    {
        "release": {
            "incumbent": "inc-1",
            "candidate": "cand-2",
            "evalSlices": ["bugfix"],
            "stages": [{"share": 0.1}, {"share": 1.0}],
        }
    }
)


def _samples(text: str) -> dict[str, float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}"] = sample.value
    return found


def _live_runs(release: str, clock: FakeClock, n: int) -> list[RunRecord]:
    """``n`` live runs that all went to the candidate: far from a 10% share."""
    return [
        RunRecord(
            release=release,
            task_id=f"t-{i}",
            slice="bugfix",
            lane="candidate",
            model="cand-2",
            status="resolved",
            source="live",
            tokens=TokenUsage(total=1000, source="metered"),
            started_at=clock.now(),
            ended_at=clock.now(),
        )
        for i in range(n)
    ]


def _scrape_of_a_live_release_that_misroutes() -> dict[str, float]:
    clock = FakeClock()
    store, io = Store.memory(), StoreThread()
    try:
        controller = CanaryController(store, CONFIG, clock=clock)
        run_drill(controller, actor="test")
        controller.start(actor="test", override_replay=True, reason="alert rules test")
        clock.advance(minutes=1)
        store.write_runs(_live_runs(controller.release, clock, 40))
        link = ReleaseLink(controller, io)
        metrics = GatewayMetrics(link.gauges)

        async def traffic() -> None:
            await link.refresh()
            for ok in (True, True, True, False):
                await link.upstream_result("incumbent", True)
                await link.upstream_result("candidate", ok, "" if ok else "HTTP 503")

        asyncio.run(traffic())
        return _samples(metrics.render().decode())
    finally:
        io.close()
        store.close()


def test_every_metric_an_alert_rule_names_is_exported() -> None:
    rules = yaml.safe_load((DOCS / "alerts.yml").read_text(encoding="utf-8"))
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    named = {name for expr in exprs for name in re.findall(r"agent_evals_\w+", expr)}
    exported = {key.split("{")[0] for key in _scrape_of_a_live_release_that_misroutes()}
    assert len(named) >= 7
    assert named <= exported, f"rules name metrics the gateway does not export: {named - exported}"
    scrape = yaml.safe_load((DOCS / "scrape.yml").read_text(encoding="utf-8"))
    assert scrape["rule_files"] == ["alerts.yml"]


def test_the_assignment_alarm_and_the_error_rates_show_what_the_gateway_sees() -> None:
    samples = _scrape_of_a_live_release_that_misroutes()
    assert samples["agent_evals_gateway_assignment_alarm{}"] == 1.0
    assert samples["agent_evals_gateway_assignment_p_value{}"] < 0.001
    assert samples["agent_evals_gateway_error_rate{lane=candidate}"] == 0.25
    assert samples["agent_evals_gateway_error_rate{lane=incumbent}"] == 0.0
    assert samples["agent_evals_gateway_breaker_open{}"] == 0.0
    assert samples["agent_evals_gateway_breaker_trips_total{}"] == 0.0
