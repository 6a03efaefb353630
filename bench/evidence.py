"""Time the evidence-mode statistics on 10,000 paired tasks against naive bootstraps.

Run: ``.venv/bin/python bench/evidence.py`` (``--tasks``, ``--resamples``, ``--repeats``).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from functools import partial

import numpy as np
from scipy import stats

from agent_evals.analysis.results import Interval
from agent_evals.analysis.statistics import paired_difference, paired_success, token_log_ratio

TARGET_SECONDS = 1.0
CONFIDENCE = 0.95
SEED = 20261125

Lanes = tuple[np.ndarray, np.ndarray]


def synthetic_lanes(tasks: int, seed: int = 7) -> dict[str, Lanes]:
    """Seeded paired lanes: correlated success, lognormal tokens, Poisson review comments."""
    rng = np.random.default_rng(seed)
    difficulty = rng.random(tasks)
    incumbent_tokens = rng.lognormal(10.0, 0.6, tasks)
    return {
        "success": (
            (difficulty < 0.85).astype(float),
            (difficulty + rng.normal(0.0, 0.1, tasks) < 0.84).astype(float),
        ),
        "tokens": (incumbent_tokens, incumbent_tokens * 1.1 * rng.lognormal(0.0, 0.3, tasks)),
        "review": (rng.poisson(1.3, tasks).astype(float), rng.poisson(1.5, tasks).astype(float)),
    }


def median_seconds(run: Callable[[], object], repeats: int) -> float:
    """The median wall time of ``repeats`` calls, after one warm-up call."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def peak_megabytes(run: Callable[[], object]) -> float:
    """The peak memory traced during one call, in MB (numpy reports its buffers)."""
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def loop_bootstrap(tokens: Lanes, resamples: int) -> tuple[float, float]:
    """The naive way: one Python iteration per resample."""
    log_ratio = np.log(tokens[1]) - np.log(tokens[0])
    rng = np.random.default_rng(SEED)
    means = [rng.choice(log_ratio, log_ratio.size).mean() for _ in range(resamples)]
    low, high = np.exp(np.quantile(means, [0.025, 0.975]))
    return float(low), float(high)


def scipy_bootstrap(tokens: Lanes, resamples: int) -> tuple[float, float]:
    """scipy.stats.bootstrap's percentile interval of the same mean log ratio."""
    log_ratio = np.log(tokens[1]) - np.log(tokens[0])
    result = stats.bootstrap(
        (log_ratio,), np.mean, n_resamples=resamples, method="percentile", random_state=SEED
    )
    interval = result.confidence_interval
    return float(np.exp(interval.low)), float(np.exp(interval.high))


def time_ours(lanes: dict[str, Lanes], resamples: int, repeats: int) -> float:
    """Print each function's median time and the three together; return the total."""
    parts: dict[str, Callable[[], object]] = {
        "paired_success": partial(paired_success, *lanes["success"], confidence=CONFIDENCE),
        "token_log_ratio": partial(
            token_log_ratio, *lanes["tokens"], confidence=CONFIDENCE, resamples=resamples, seed=SEED
        ),
        "paired_difference": partial(paired_difference, *lanes["review"], confidence=CONFIDENCE),
    }
    for name, run in parts.items():
        print(f"  {name:<34} {median_seconds(run, repeats) * 1000:9.1f} ms")

    def all_three() -> None:
        for run in parts.values():
            run()

    total = median_seconds(all_three, repeats)
    verdict = "within" if total <= TARGET_SECONDS else "OVER"
    print(
        f"  {'all three':<34} {total * 1000:9.1f} ms  ({verdict} the 1 s target), "
        f"peak {peak_megabytes(all_three):.1f} MB"
    )
    ours = parts["token_log_ratio"]()
    assert isinstance(ours, Interval)
    print(f"  {'token ratio interval':<34} [{ours.low:.4f}, {ours.high:.4f}]")
    return total


def main(argv: list[str] | None = None) -> None:
    """Print the timings, the verdict against the 1 s target and the ratios to the baselines."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--resamples", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    lanes = synthetic_lanes(args.tasks)
    print(f"{args.tasks:,} paired tasks, {args.resamples:,} resamples, median of {args.repeats}")
    total = time_ours(lanes, args.resamples, args.repeats)
    baselines = {
        "per-resample Python loop": loop_bootstrap,
        "scipy.stats.bootstrap": scipy_bootstrap,
    }
    for name, baseline in baselines.items():
        run = partial(baseline, lanes["tokens"], args.resamples)
        seconds = median_seconds(run, 3)
        low, high = run()
        print(
            f"  baseline {name:<25} {seconds * 1000:9.1f} ms  {seconds / total:5.1f}x slower, "
            f"peak {peak_megabytes(run):.1f} MB  [{low:.4f}, {high:.4f}]"
        )


if __name__ == "__main__":
    main()
