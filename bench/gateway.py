"""What the gateway adds: latency and throughput against calling the scripted upstream directly.

Run: ``.venv/bin/python bench/gateway.py`` (``--requests N``, ``--concurrent-requests N``).
The scripted model, the gateway (routing, metering and recording on: a live release at
share 0.5 over a SQLite store) and, when ``litellm[proxy]`` is installed, LiteLLM's proxy
each run in their own process on 127.0.0.1; this process is the client. One client
sending requests one after another gives the added median and p99; 32 concurrent
clients give requests per second and p99. Requests to the targets are interleaved, so
drift on a shared machine hits them alike. No figure here is asserted anywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import aiohttp

MODEL = "bench-model-2026-01-01"
CANDIDATE = "bench-candidate-2026-10-01"
MESSAGES = [
    {"role": "system", "content": "You are a careful engineer. " * 20},
    {"role": "user", "content": "The median of an even-length list is wrong. Fix it."},
]
TASKS = 500
CONCURRENCY = 32


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_up(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 60.0) -> bool:
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


@contextmanager
def _process(argv: list[str], ready_url: str, env: dict[str, str] | None = None) -> Iterator[bool]:
    # Server logs go nowhere: an unread pipe would fill up and stall the server mid-run.
    proc = subprocess.Popen(
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    try:
        yield _wait_up(ready_url, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- the servers, each run as `python bench/gateway.py --serve KIND ...` -------------------


def _serve_upstream(port: int) -> None:
    import uvicorn

    from agent_evals.scripted_model import create_app, parse_script

    script = parse_script({"defaults": {"usage": {"prompt_tokens": 900, "completion_tokens": 150}}})
    uvicorn.run(
        create_app(script),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )


def _serve_gateway(port: int, upstream: str, workdir: str) -> None:
    from agent_evals.config.models import ReleaseConfig
    from agent_evals.gateway import Gateway, serve
    from agent_evals.rollout import CanaryController, run_drill
    from agent_evals.store import Store, sqlite_url

    price = {"inputPerMTok": 1.25, "outputPerMTok": 10.0}
    config = ReleaseConfig.model_validate(
        {
            "release": {
                "name": "bench",
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
    store = Store(sqlite_url(Path(workdir) / "bench.db"))
    controller = CanaryController(store, config)
    run_drill(controller, actor="bench")
    controller.start(actor="bench", override_replay=True, reason="bench: live only")
    gateway = Gateway(config, store, controller=controller)
    serve(gateway, port=port, announce=lambda _: None)


def _litellm_config(upstream: str, workdir: str) -> Path:
    path = Path(workdir) / "litellm.yaml"
    entry = {
        "model_name": MODEL,
        "litellm_params": {"model": f"openai/{MODEL}", "api_base": upstream, "api_key": "none"},
    }
    path.write_text(json.dumps({"model_list": [entry]}), encoding="utf-8")
    return path


# --- the client -------------------------------------------------------------------------------


def _body(stream: bool) -> bytes:
    return json.dumps({"model": MODEL, "messages": MESSAGES, "stream": stream}).encode()


async def _one(session: aiohttp.ClientSession, url: str, body: bytes, task: int) -> float:
    headers = {"content-type": "application/json", "x-agent-task-id": f"bench-task-{task}"}
    started = time.perf_counter()
    async with session.post(url, data=body, headers=headers) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"{url} answered HTTP {response.status}")
    return time.perf_counter() - started


async def _sequential(
    session: aiohttp.ClientSession, urls: dict[str, str], body: bytes, n: int
) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in urls}
    for i in range(n):
        for name, url in urls.items():
            times[name].append(await _one(session, url, body, i % TASKS))
    return times


async def _concurrent(
    session: aiohttp.ClientSession, url: str, body: bytes, n: int
) -> tuple[float, list[float]]:
    left = iter(range(n))
    times: list[float] = []

    async def client() -> None:
        for i in left:
            times.append(await _one(session, url, body, i % TASKS))

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    return n / (time.perf_counter() - started), times


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _measure(urls: dict[str, str], n: int, n_concurrent: int) -> dict[str, float]:
    """Sequential latency and concurrent throughput of each URL; returns added ms and req/s."""
    figures: dict[str, float] = {}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        for stream in (False, True):
            body = _body(stream)
            await _sequential(session, urls, body, 200)
            times = await _sequential(session, urls, body, n)
            kind = "streamed" if stream else "plain"
            for name, added in _report_sequential(times, kind).items():
                figures[f"{name} added {kind} ms"] = added
        body = _body(False)
        print(f"\n{CONCURRENCY} concurrent clients, plain requests ({n_concurrent} each):")
        for name, url in urls.items():
            await _concurrent(session, url, body, 500)
            rate, times = await _concurrent(session, url, body, n_concurrent)
            figures[f"{name} req/s"] = rate
            print(f"  {name:10s} {rate:8.0f} req/s   p99 {_p(times, 0.99) * 1e3:7.2f} ms")
            if name != "direct":
                print(f"  {name} throughput is {rate / figures['direct req/s']:.2f}x of direct")
    return figures


def _report_sequential(times: dict[str, list[float]], kind: str) -> dict[str, float]:
    direct = times["direct"]
    added = {}
    print(f"\none client, one request after another, {kind} ({len(direct)} each):")
    for name, values in times.items():
        line = f"  {name:10s} median {statistics.median(values) * 1e3:6.3f} ms"
        line += f"   p99 {_p(values, 0.99) * 1e3:6.3f} ms"
        if name != "direct":
            added_median = (statistics.median(values) - statistics.median(direct)) * 1e3
            added_p99 = (_p(values, 0.99) - _p(direct, 0.99)) * 1e3
            line += f"   added: median {added_median:+.3f} ms, p99 {added_p99:+.3f} ms"
            added[name] = added_median
        print(line)
    return added


def _litellm_available() -> bool:
    # Importing litellm fetches a model price list from the internet unless told not to.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        import litellm.proxy.proxy_server  # noqa: F401
    except Exception as exc:
        print(f"LiteLLM proxy skipped: litellm[proxy] is not importable ({type(exc).__name__})")
        return False
    return True


def main() -> None:
    """Start the servers, measure, and print the figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrent-requests", type=int, default=6000)
    parser.add_argument("--serve", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        kind, port, *rest = args.serve
        if kind == "upstream":
            _serve_upstream(int(port))
        else:
            _serve_gateway(int(port), *rest)
        return
    me = [sys.executable, str(Path(__file__).resolve()), "--serve"]
    with tempfile.TemporaryDirectory() as workdir, ExitStack() as stack:
        up_port, gw_port = _free_port(), _free_port()
        upstream = f"http://127.0.0.1:{up_port}/v1"
        if not stack.enter_context(_process([*me, "upstream", str(up_port)], upstream + "/models")):
            sys.exit("the scripted upstream did not start")
        gateway = f"http://127.0.0.1:{gw_port}"
        argv = [*me, "gateway", str(gw_port), upstream, workdir]
        if not stack.enter_context(_process(argv, gateway + "/healthz")):
            sys.exit("the gateway did not start")
        print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
        ours = _run_phase({"direct": upstream, "gateway": gateway + "/v1"}, args)
        if not _litellm_available():
            return
        # LiteLLM's proxy runs background work of its own, so it is measured in a second phase,
        # after the gateway, against the same upstream, each compared with direct calls.
        lite_port = _free_port()
        config = _litellm_config(upstream, workdir)
        lite = [sys.executable, "-m", "litellm.proxy.proxy_cli", "--config", str(config)]
        lite += ["--host", "127.0.0.1", "--port", str(lite_port)]
        # Offline, keyless and on loopback only: the proxy's own local-development switches.
        env = {
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LITELLM_LOG": "ERROR",
            "LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY": "true",
        }
        ready = f"http://127.0.0.1:{lite_port}/health/liveliness"
        if not stack.enter_context(_process(lite, ready, env)):
            print("LiteLLM proxy skipped: it did not start (offline or missing extras)")
            return
        theirs = _run_phase(
            {"direct": upstream, "litellm": f"http://127.0.0.1:{lite_port}/v1"}, args
        )
        added = theirs["litellm added plain ms"] / ours["gateway added plain ms"]
        rate = ours["gateway req/s"] / theirs["litellm req/s"]
        print(f"\nLiteLLM's proxy adds {added:.1f}x the gateway's median latency;")
        print(f"the gateway serves {rate:.1f}x LiteLLM's requests per second at 32 clients")


def _run_phase(urls: dict[str, str], args: argparse.Namespace) -> dict[str, float]:
    targets = {name: url + "/chat/completions" for name, url in urls.items()}
    return asyncio.run(_measure(targets, args.requests, args.concurrent_requests))


if __name__ == "__main__":
    main()
