"""Routing decisions per second and p99 latency, in process, on one thread.

Run: ``.venv/bin/python bench/router.py`` (``--tasks``, ``--repeats``, ``--litellm-calls``).

Three loops run in the same process on the same task ids: a bare loop that only hashes the
task id with the release salt and compares the bucket with the share (the floor any router
pays), ``Router.select`` (every rule of SPEC section 7, a full ``RouteDecision``), and the
same 90/10 weighted choice made by LiteLLM's ``Router.get_available_deployment`` when
``litellm`` is installed (the ``bench`` extra). Figures are ratios to those baselines.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence

from agent_evals.rollout.router import Router, RoutingPlan

SHARE = 0.1
TARGET_PER_SECOND = 500_000
MAX_RATIO_TO_BARE = 4.0

PLAN = RoutingPlan(
    release="gpt-5.3-coder..gpt-5.4-coder",
    incumbent_model="gpt-5.3-coder-2026-06-15",
    candidate_model="gpt-5.4-coder-2026-10-01",
    salt="gpt-5.3-coder..gpt-5.4-coder",
    stage="stage-1",
    live_share=SHARE,
    pinned_slices=frozenset({"migration-risky"}),
    slice_risks={"migration-risky": "high"},
)


def task_ids(n: int, seed: int = 20261125) -> list[str]:
    """Seeded task ids shaped like real ones."""
    rng = random.Random(seed)
    return [f"repo-{rng.randrange(500)}/task-{rng.getrandbits(48):012x}" for _ in range(n)]


def bare_loop(ids: Sequence[str]) -> None:
    """Hash each id with the salt and compare its bucket with the share; nothing else."""
    salted = hashlib.blake2b(PLAN.salt.encode() + b"\x00", digest_size=8)
    unit = 2.0**-53
    for task_id in ids:
        hasher = salted.copy()
        hasher.update(task_id.encode())
        (int.from_bytes(hasher.digest(), "big") >> 11) * unit < SHARE  # noqa: B015


def select_loop(ids: Sequence[str]) -> None:
    """Route each id through ``Router.select``."""
    select = Router(PLAN).select
    for task_id in ids:
        select(task_id)


def select_with_slice_loop(ids: Sequence[str]) -> None:
    """Route each id with a risk and a slice, so the pin and risk rules are checked too."""
    select = Router(PLAN).select
    for task_id in ids:
        select(task_id, "medium", "bugfix-small")


def candidate_fraction(ids: Sequence[str]) -> float:
    """The share of ids the router sends to the candidate."""
    select = Router(PLAN).select
    return sum(select(task_id).lane == "candidate" for task_id in ids) / len(ids)


def best_rate(loop: Callable[[Sequence[str]], None], ids: Sequence[str], repeats: int) -> float:
    """The best decisions per second over ``repeats`` runs (the least disturbed one)."""
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        loop(ids)
        rates.append(len(ids) / (time.perf_counter() - start))
    return max(rates)


def latency_percentiles(ids: Sequence[str]) -> tuple[float, float]:
    """p50 and p99 of one ``select`` call in microseconds, net of the timer's own cost."""
    select = Router(PLAN).select
    clock = time.perf_counter_ns
    empty = []
    for _ in ids:
        start = clock()
        empty.append(clock() - start)
    samples = []
    for task_id in ids:
        start = clock()
        select(task_id)
        samples.append(clock() - start)
    overhead = statistics.median(empty)
    cuts = statistics.quantiles(samples, n=100)
    return (cuts[49] - overhead) / 1000, (cuts[98] - overhead) / 1000


def litellm_rate(calls: int) -> tuple[float, float] | None:
    """LiteLLM's decisions per second on the same 90/10 split, and its candidate fraction."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        import litellm
        from litellm import Router as LiteLLMRouter
    except ImportError:
        return None
    litellm.suppress_debug_info = True
    deployment = {"api_key": "unused", "api_base": "http://127.0.0.1:9/v1"}
    router = LiteLLMRouter(
        model_list=[
            {
                "model_name": "coder",
                "litellm_params": {"model": f"openai/{m}", "weight": w, **deployment},
            }
            for m, w in ((PLAN.incumbent_model, 9), (PLAN.candidate_model, 1))
        ],
        routing_strategy="simple-shuffle",
    )
    messages = [{"role": "user", "content": "fix the failing test"}]
    router.get_available_deployment(model="coder", messages=messages)
    start = time.perf_counter()
    hits = 0
    for _ in range(calls):
        chosen = router.get_available_deployment(model="coder", messages=messages)
        hits += PLAN.candidate_model in str(chosen["litellm_params"]["model"])
    return calls / (time.perf_counter() - start), hits / calls


def main(argv: list[str] | None = None) -> int:
    """Print decisions per second, p99 latency and the ratios to the baselines."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=500_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--litellm-calls", type=int, default=20_000)
    args = parser.parse_args(argv)
    ids = task_ids(args.tasks)
    share = candidate_fraction(ids)
    print(f"{len(ids):,} task ids, live share {SHARE}, best of {args.repeats}, one thread")
    bare = best_rate(bare_loop, ids, args.repeats)
    ours = best_rate(select_loop, ids, args.repeats)
    sliced = best_rate(select_with_slice_loop, ids, args.repeats)
    p50, p99 = latency_percentiles(ids[: min(len(ids), 200_000)])
    verdict = "meets" if ours >= TARGET_PER_SECOND else "MISSES"
    print(f"  bare hash + compare loop      {bare:>12,.0f} /s")
    print(f"  Router.select                 {ours:>12,.0f} /s  ({verdict} {TARGET_PER_SECOND:,}/s)")
    print(f"  Router.select(slice, risk)    {sliced:>12,.0f} /s")
    ratio = bare / ours
    within = "within" if ratio <= MAX_RATIO_TO_BARE else "NOT within"
    print(f"  select costs {ratio:.2f}x the bare loop ({within} {MAX_RATIO_TO_BARE:g}x)")
    print(f"  select latency p50 {p50:.2f} us, p99 {p99:.2f} us; candidate fraction {share:.4f}")
    lite = litellm_rate(args.litellm_calls)
    if lite is None:
        print("  LiteLLM: skipped (litellm is not installed; pip install -e '.[bench]')")
    else:
        rate, fraction = lite
        print(
            f"  LiteLLM get_available_deployment {rate:>8,.0f} /s (candidate fraction "
            f"{fraction:.3f}); Router.select is {ours / rate:,.0f}x faster"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
