"""Two gateway replicas against one: requests per second at 32 clients, and added latency.

Run: ``.venv/bin/python bench/replicas.py`` (``--requests N``, ``--db URL`` for PostgreSQL;
``AGENT_EVALS_BENCH_QUICK=1`` for a short run). The scripted model (the fast fake upstream),
and each gateway replica, run in their own process on 127.0.0.1 over one store (a SQLite
file unless ``--db`` names a database); this process is the client. Phase one: one replica.
Phase two: two replicas, the clients spreading requests over both, as a load balancer
would. Each phase measures one client's median against calling the upstream directly (the
added p50) and 32 concurrent clients' requests per second. No figure is asserted anywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).parent))
from gateway import CANDIDATE, MODEL, _free_port, _p, _process, _serve_upstream

CONCURRENCY = 32
TASKS = 2000
QUICK = bool(os.environ.get("AGENT_EVALS_BENCH_QUICK"))


def _config(upstream: str) -> object:
    from agent_evals.config.models import ReleaseConfig

    price = {"inputPerMTok": 1.25, "outputPerMTok": 10.0}
    return ReleaseConfig.model_validate(
        {
            "release": {
                "name": "bench-replicas",
                "incumbent": "inc",
                "candidate": "cand",
                "evalSlices": ["bench"],
                "stages": [{"share": 0.5, "minTasks": 1_000_000, "minBakeMinutes": 0}],
            },
            "models": {
                "inc": {"model": MODEL, "baseUrl": upstream, "price": price},
                "cand": {"model": CANDIDATE, "baseUrl": upstream, "price": price},
            },
            "gateway": {"probeIntervalSeconds": 5, "evaluateDebounceSeconds": 60},
        }
    )


def _start_release(db: str, upstream: str) -> None:
    from agent_evals.rollout import CanaryController, run_drill
    from agent_evals.store import Store

    store = Store(db)
    controller = CanaryController(store, _config(upstream))  # type: ignore[arg-type]
    if controller.state() is None:
        run_drill(controller, actor="bench")
        controller.start(actor="bench", override_replay=True, reason="bench: live only")
    store.close()


def _serve_replica(port: int, upstream: str, db: str) -> None:
    from agent_evals.gateway import Gateway, serve
    from agent_evals.store import Store

    gateway = Gateway(_config(upstream), Store(db))  # type: ignore[arg-type]
    serve(gateway, port=port, announce=lambda _: None)


async def _one(session: aiohttp.ClientSession, url: str, body: bytes, task: int) -> float:
    headers = {"content-type": "application/json", "x-agent-task-id": f"replica-task-{task}"}
    started = time.perf_counter()
    async with session.post(url, data=body, headers=headers) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} answered HTTP {response.status}")
    return time.perf_counter() - started


async def _phase(direct: str, replicas: list[str], n: int) -> tuple[float, float]:
    """Added median (ms) of one client, and req/s of 32 clients spread over ``replicas``."""
    import json

    from gateway import MESSAGES

    body = json.dumps({"model": MODEL, "messages": MESSAGES}).encode()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        spread = itertools.cycle(replicas)
        sequential: dict[str, list[float]] = {"direct": [], "gateway": []}
        for i in range(max(n // 10, 100)):
            sequential["direct"].append(await _one(session, direct, body, i % TASKS))
            sequential["gateway"].append(await _one(session, next(spread), body, i % TASKS))
        added = statistics.median(sequential["gateway"]) - statistics.median(sequential["direct"])
        left = iter(range(n))
        times: list[float] = []

        async def client() -> None:
            for i in left:
                times.append(await _one(session, next(spread), body, i % TASKS))

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
        rate = n / (time.perf_counter() - started)
    print(
        f"  {len(replicas)} replica(s): {rate:7.0f} req/s at {CONCURRENCY} clients"
        f"   p99 {_p(times, 0.99) * 1e3:6.2f} ms   added p50 {added * 1e3:+.3f} ms"
    )
    return added * 1e3, rate


def main() -> None:
    """Start the upstream and replicas, measure one then two, print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000 if QUICK else 8000)
    parser.add_argument("--db", help="store URL (default: a SQLite file in a temporary folder)")
    parser.add_argument("--serve", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        kind, port, *rest = args.serve
        if kind == "upstream":
            _serve_upstream(int(port))
        else:
            _serve_replica(int(port), *rest)
        return
    me = [sys.executable, str(Path(__file__).resolve()), "--serve"]
    with tempfile.TemporaryDirectory() as workdir, ExitStack() as stack:
        db = args.db or f"sqlite:///{Path(workdir) / 'replicas.db'}"
        up_port = _free_port()
        upstream = f"http://127.0.0.1:{up_port}/v1"
        if not stack.enter_context(_process([*me, "upstream", str(up_port)], upstream + "/models")):
            sys.exit("the scripted upstream did not start")
        _start_release(db, upstream)
        urls = []
        for _ in range(2):
            port = _free_port()
            url = f"http://127.0.0.1:{port}"
            if not stack.enter_context(
                _process([*me, "replica", str(port), upstream, db], url + "/healthz")
            ):
                sys.exit("a gateway replica did not start")
            urls.append(url + "/v1/chat/completions")
        print(
            f"machine: {os.cpu_count()} cores; store {db.split(':')[0]}; {args.requests} requests"
        )
        direct = upstream + "/chat/completions"
        asyncio.run(_phase(direct, urls, 500))  # warm-up
        one_added, one = asyncio.run(_phase(direct, urls[:1], args.requests))
        two_added, two = asyncio.run(_phase(direct, urls, args.requests))
        print(f"two replicas serve {two / one:.2f}x one replica's requests per second")
        print(f"added p50: one replica {one_added:+.3f} ms, two {two_added:+.3f} ms")


if __name__ == "__main__":
    main()
