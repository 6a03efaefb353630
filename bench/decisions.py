"""How often the release decisions are right: seeded synthetic releases through the real rules.

Run: ``.venv/bin/python bench/decisions.py`` (``--releases``, ``--today-releases``, ``--seed``).

Lanes: per-task success 0.6, lognormal tokens (equal medians unless a row says otherwise),
Poisson(1) review comments, no policy failures unless said. Live rows step 1,000 releases at
once through the controller's own rules (``bench/_live_sim.py``) over the stages a default
config gets from ``plan``; replay rows call ``analysis.decide`` per release
(``bench/_replay_sim.py``). The last line times ``canary evaluate`` on 100,000 stored live
runs against reading those runs from the store, in the same run.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from _live_sim import AFTER_DONE, LiveSim, Scenario, live_steps, seed_rule
from _replay_sim import replay_config, shares
from agent_evals.config.models import ReleaseConfig
from agent_evals.records import RunRecord, TokenUsage
from agent_evals.rollout import CanaryController, FakeClock, evaluate, run_drill
from agent_evals.rollout.health import live_settings
from agent_evals.rollout.state import release_steps
from agent_evals.store import Store

SEED = 20261125


def default_config() -> ReleaseConfig:
    """A config with only what SPEC section 2 requires: every other key at its default."""
    return ReleaseConfig.model_validate(
        {"release": {"incumbent": "inc-1", "candidate": "cand-2", "evalSlices": ["bugfix"]}}
    )


def pct(value: float | np.ndarray) -> str:
    """A share as a percentage."""
    return f"{100.0 * float(np.mean(value)):.1f}%"


def today_rows(releases: int, seed: int) -> None:
    """The seed's live rule on the identical and the clearly worse candidate."""
    print(f"live, the seed's rule (point thresholds, stage windows): {releases} releases per row")
    for scenario in (Scenario("identical", 10.0), Scenario("10 points worse", 10.0, success=0.5)):
        r = seed_rule(default_config(), scenario, releases, seed)
        print(
            f"  {scenario.name}, 10 tasks/min, checked after every outcome: rolled back before "
            f"done {pct(r.rolled_before_done)}, in {AFTER_DONE} tasks after done "
            f"{pct(r.rolled_after_done)}; reached done {pct(r.reached_done)}"
        )


def live_rows(releases: int, seed: int) -> None:
    """The anytime-valid rules over the planned stages."""
    config = default_config()
    steps = live_steps(config)
    shadow = [s.share for s in release_steps(config.release) if s.share == 0]
    print(
        f"live: stages {[s.share for s in steps]} (after {len(shadow)} shadow step), "
        "minimum candidate tasks "
        f"{[s.min_tasks for s in steps]} (planned), bake 30 min, alpha "
        f"{live_settings(config).alpha:.2f}, {releases} releases per row, seed {seed}"
    )
    for rate in (1.0, 10.0, 60.0):
        r = LiveSim(config, Scenario("identical", rate), releases, seed).run()
        print(
            f"  identical, {rate:g} tasks/min, checked after every outcome: rolled back "
            f"{pct(r.rolled_before_done | r.rolled_after_done)} (before done "
            f"{pct(r.rolled_before_done)}, in {AFTER_DONE} tasks after done "
            f"{pct(r.rolled_after_done)}); reached done {pct(r.reached_done)}"
        )
    for scenario in (
        Scenario("success 10 points worse", 10.0, success=0.5),
        Scenario("1.5x tokens", 10.0, tokens=1.5),
        Scenario("one policy violation", 10.0, policy=True),
    ):
        r = LiveSim(config, scenario, releases, seed).run()
        tasks = r.tasks_at_rollback[r.rolled_before_done]
        median = f"{np.median(tasks):.0f}" if tasks.size else "n/a"
        extra = f", at the first check after it {pct(r.at_first_check)}" if scenario.policy else ""
        print(
            f"  {scenario.name}, 10 tasks/min: rolled back before done "
            f"{pct(r.rolled_before_done)}, median candidate tasks to rollback {median}{extra}"
        )


def replay_rows(releases: int, seed: int) -> None:
    """Evidence mode with epochs and history; point mode's stability."""
    print(f"replay: {releases} releases per row, seed {seed}")
    evidence = replay_config(1000)
    for epochs, history in ((1, False), (3, False), (1, True), (3, True)):
        kw = {"tasks": 500, "epochs": epochs, "releases": releases, "evidence": True}
        same = shares(evidence, drop=0.0, seed=seed, history=history, **kw)  # type: ignore[arg-type]
        worse = shares(evidence, drop=0.05, seed=seed + 1, history=history, **kw)  # type: ignore[arg-type]
        used = f" + incumbent history (effective x{same['gain']:.2f})" if history else ""
        print(
            f"  evidence, 500 paired tasks x {epochs} epoch(s){used}: identical BLOCKED "
            f"{pct(same['BLOCKED'])}, INCONCLUSIVE {pct(same['INCONCLUSIVE'])}; "
            f"5 points worse PROMOTE {pct(worse['PROMOTE'])}"
        )
    point = replay_config(400)
    for tasks in (21, 500):
        kw = {"tasks": tasks, "epochs": 1, "releases": releases, "evidence": False}
        same = shares(point, drop=0.0, seed=seed, **kw)  # type: ignore[arg-type]
        worse = shares(point, drop=0.05, seed=seed + 1, **kw)  # type: ignore[arg-type]
        unstable = same["unstable"] + worse["unstable"]
        flagged = (same["flagged"] + worse["flagged"]) / unstable if unstable else 1.0
        print(
            f"  point, {tasks} paired tasks: identical BLOCKED {pct(same['BLOCKED'])}, 5 points "
            f"worse PROMOTE {pct(worse['PROMOTE'])}; stability < 80% in {pct(unstable / 2)} of "
            f"verdicts, {pct(flagged)} of those printed within noise (400 resamples)"
        )


def evaluate_latency(runs: int, seed: int) -> None:
    """Time one ``canary evaluate`` over ``runs`` stored live runs against reading them."""
    config, clock = default_config(), FakeClock()
    store = Store.memory()
    controller = CanaryController(store, config, clock=clock)
    run_drill(controller, actor="bench")
    controller.start(actor="bench", override_replay=True, reason="live-only benchmark")
    clock.advance(minutes=1)
    store.write_runs(_live_runs(config.release.release_id, runs, seed, clock))
    release = config.release.release_id
    read = _best_of(lambda: store.runs(release, source="live"))
    judged = _best_of(lambda: evaluate(controller))
    print(
        f"canary evaluate on {runs:,} live runs: {judged * 1000:.0f} ms, "
        f"{judged / read:.2f}x reading the same runs from the store ({read * 1000:.0f} ms)"
    )
    store.close()


def _live_runs(release: str, runs: int, seed: int, clock: FakeClock) -> list[RunRecord]:
    rng = np.random.default_rng(seed)
    ok = rng.random(runs) < 0.6
    tokens = np.exp(rng.normal(10.0, 0.6, runs)).astype(int)
    return [
        RunRecord(
            release=release,
            task_id=f"live-{i:06d}",
            slice="bugfix",
            lane="candidate" if i % 10 == 0 else "incumbent",
            model="m",
            status="resolved" if ok[i] else "unresolved",
            source="live",
            tokens=TokenUsage(total=int(tokens[i]), source="metered"),
            review_comments=i % 3,
            review_source="human",
            started_at=clock.now(),
            ended_at=clock.now(),
        )
        for i in range(runs)
    ]


def _best_of(call: Callable[[], object], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv: list[str] | None = None) -> None:
    """Print every row, each section timed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--releases", type=int, default=1_000)
    parser.add_argument("--today-releases", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--latency-runs", type=int, default=100_000)
    args = parser.parse_args(argv)
    sections: list[Callable[[], None]] = [
        lambda: live_rows(args.releases, args.seed),
        lambda: replay_rows(args.releases, args.seed),
        lambda: today_rows(args.today_releases, args.seed),
        lambda: evaluate_latency(args.latency_runs, args.seed),
    ]
    for section in sections:
        started = time.perf_counter()
        section()
        print(f"  ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
