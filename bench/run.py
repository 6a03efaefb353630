"""Run every benchmark in this folder, one process each, and print their figures.

``make bench`` runs this. Each benchmark compares against a baseline measured in the same
run (a ratio), since shared machines are noisy; none of them asserts a time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
ORDER = [
    "scorecard",
    "evidence",
    "decisions",
    "import",
    "ingest_pg",
    "replay",
    "ray_executor",
    "router",
    "gateway",
    "replicas",
    "soak",
    "scripted_model",
]


def main() -> int:
    names = [n for n in ORDER if (HERE / f"{n}.py").exists()]
    names += sorted(
        p.stem
        for p in HERE.glob("*.py")
        if p.stem not in {*ORDER, "run"} and not p.stem.startswith("_")
    )
    # --quick: benchmarks that read AGENT_EVALS_BENCH_QUICK run on smaller data.
    quick = "--quick" in sys.argv[1:]
    env = {**os.environ, "AGENT_EVALS_BENCH_QUICK": "1"} if quick else None
    only = set(sys.argv[1:]) - {"--quick"}
    failed = []
    for name in names:
        if only and name not in only:
            continue
        print(f"\n=== bench/{name}.py ===", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(HERE / f"{name}.py")], cwd=HERE.parent, env=env)
        print(f"(bench/{name}.py finished in {time.perf_counter() - started:.1f} s, exit {code})")
        if code:
            failed.append(name)
    if failed:
        print(f"\nbenchmarks that failed to run: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
