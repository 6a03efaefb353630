"""A bounded soak of the gateway: steady load for minutes, a candidate that fails part of the time.

Run: ``.venv/bin/python bench/soak.py`` (``--minutes 10 --rate 200``; ``--minutes 2`` for a
quick look; ``AGENT_EVALS_BENCH_QUICK=1`` runs one minute). On 127.0.0.1: the scripted model
serves the incumbent; the candidate is the same model behind a switch that fails a share of
its requests (HTTP 503) in every other ``--bad-seconds`` spell; the gateway (a live release at
share 0.5 over a SQLite store) runs in its own process; this process sends ``--rate``
requests per second at a steady pace (open loop: a slow gateway does not slow the sender),
half of them streamed, over tasks of ten requests each, and posts each task's outcome after
its last request. It prints requests lost (not answered 200, or answered but not metered in
the store), the gateway's resident memory after the warm-up and at the end, the fallbacks
(candidate failures served by the incumbent) and the rollbacks. No figure is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).parent))
from gateway import CANDIDATE, MESSAGES, MODEL, _free_port, _process, _serve_upstream

RELEASE = "soak"
ADMIN_TOKEN = "soak-admin-token"
REQUESTS_PER_TASK = 10
QUICK = bool(os.environ.get("AGENT_EVALS_BENCH_QUICK"))


def _config(incumbent: str, candidate: str) -> object:
    from agent_evals.config.models import ReleaseConfig

    price = {"inputPerMTok": 1.25, "outputPerMTok": 10.0}
    return ReleaseConfig.model_validate(
        {
            "release": {
                "name": RELEASE,
                "incumbent": "inc",
                "candidate": "cand",
                "evalSlices": ["soak"],
                "stages": [{"share": 0.5, "minTasks": 1_000_000, "minBakeMinutes": 0}],
            },
            "models": {
                "inc": {"model": MODEL, "baseUrl": incumbent, "price": price},
                "cand": {"model": CANDIDATE, "baseUrl": candidate, "price": price},
            },
            "gateway": {"probeIntervalSeconds": 30, "evaluateDebounceSeconds": 30},
        }
    )


def _serve_flaky(port: int, upstream_port: int, bad_seconds: float, failing: float) -> None:
    """The candidate: the scripted model, but in every other spell a share of requests 503."""
    import uvicorn

    from agent_evals.scripted_model import create_app, parse_script

    usage = {"prompt_tokens": 900, "completion_tokens": 150}
    inner = create_app(parse_script({"defaults": {"usage": usage}}))
    started = time.monotonic()

    async def app(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
        bad = int((time.monotonic() - started) / bad_seconds) % 2 == 1
        post = scope["type"] == "http" and scope["method"] == "POST"
        if post and bad and random.random() < failing:
            await send({"type": "http.response.start", "status": 503, "headers": []})  # type: ignore[operator]
            await send({"type": "http.response.body", "body": b"overloaded"})  # type: ignore[operator]
            return
        await inner(scope, receive, send)  # type: ignore[arg-type]

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _serve_gateway(port: int, incumbent: str, candidate: str, db: str) -> None:
    from agent_evals.gateway import Gateway, serve
    from agent_evals.rollout import CanaryController, run_drill
    from agent_evals.store import Store

    config = _config(incumbent, candidate)
    store = Store(db)
    controller = CanaryController(store, config)  # type: ignore[arg-type]
    run_drill(controller, actor="soak")
    controller.start(actor="soak", override_replay=True, reason="soak: live only")
    environ = {**os.environ, "AGENT_EVALS_ADMIN_TOKEN": ADMIN_TOKEN}
    gateway = Gateway(config, store, controller=controller, environ=environ)  # type: ignore[arg-type]
    serve(gateway, port=port, announce=lambda _: None)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Load:
    """The open-loop sender and what it saw."""

    def __init__(self, root: str, rate: float, ingest: str) -> None:
        self.root = root
        self.rate = rate
        self.ingest = {"authorization": f"Bearer {ingest}"}
        self.sent = self.answered = self.outcomes = 0
        self.failed: dict[str, int] = {}
        self.pending: set[asyncio.Task[None]] = set()
        self.rss = (0.0, 0.0)

    async def run(self, session: aiohttp.ClientSession, seconds: float) -> None:
        """Send at ``rate`` per second for ``seconds``."""
        start = time.monotonic()
        n = 0
        while (now := time.monotonic()) - start < seconds:
            due = start + n / self.rate
            if due > now:
                await asyncio.sleep(due - now)
            task = asyncio.create_task(self._one(session, n))
            self.pending.add(task)
            task.add_done_callback(self.pending.discard)
            n += 1
        await asyncio.gather(*self.pending)

    async def _one(self, session: aiohttp.ClientSession, n: int) -> None:
        task_id = f"soak-{n // REQUESTS_PER_TASK}"
        body = {"model": MODEL, "messages": MESSAGES, "stream": n % 2 == 1}
        headers = {"x-agent-task-id": task_id}
        self.sent += 1
        try:
            async with session.post(
                self.root + "/v1/chat/completions", json=body, headers=headers
            ) as answer:
                await answer.read()
                ok = answer.status == 200
                key = str(answer.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            ok, key = False, type(exc).__name__
        if ok:
            self.answered += 1
        else:
            self.failed[key] = self.failed.get(key, 0) + 1
        if n % REQUESTS_PER_TASK == REQUESTS_PER_TASK - 1:
            await self._outcome(session, task_id)

    async def _outcome(self, session: aiohttp.ClientSession, task_id: str) -> None:
        outcome = {"task_id": task_id, "success": random.random() < 0.7}
        try:
            async with session.post(
                self.root + "/api/outcomes", json=outcome, headers=self.ingest
            ) as answer:
                await answer.read()
                self.outcomes += answer.status == 200
        except (aiohttp.ClientError, TimeoutError) as exc:
            key = f"outcome {type(exc).__name__}"
            self.failed[key] = self.failed.get(key, 0) + 1


def _stored(db: str) -> tuple[int, int]:
    """Model calls metered in the store, and rollbacks in the audit log."""
    from agent_evals.store import Store

    store = Store(db)
    try:
        calls = sum(r.api_calls or 0 for r in store.runs(RELEASE, source="live"))
        rollbacks = sum(1 for e in store.audit(RELEASE) if e.action == "rollback")
    finally:
        store.close()
    return calls, rollbacks


async def _metric(root: str, name: str) -> float:
    async with aiohttp.ClientSession() as session, session.get(root + "/metrics") as answer:
        for line in (await answer.text()).splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    return 0.0


async def _soak(root: str, args: argparse.Namespace, ingest: str, pid: int) -> Load:
    load = Load(root, args.rate, ingest)
    timeout = aiohttp.ClientTimeout(total=120)
    # Up to 256 connections, as a fleet of agents would hold; idle ones are dropped before
    # uvicorn's 5 s keep-alive ends, so no request goes out on a connection being closed.
    connector = aiohttp.TCPConnector(limit=256, keepalive_timeout=2)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        warmup = min(30.0, args.minutes * 60 / 4)
        await load.run(session, warmup)
        rss_start = _rss_mb(pid)
        await load.run(session, args.minutes * 60 - warmup)
        rss_end = _rss_mb(pid)
    load.rss = (rss_start, rss_end)
    return load


def main() -> None:
    """Start the upstreams and the gateway, soak, print what was lost and kept."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=1.0 if QUICK else 10.0)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--bad-seconds", type=float, default=20.0)
    parser.add_argument("--failing", type=float, default=0.05)
    parser.add_argument("--serve", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        kind, port, *rest = args.serve
        if kind == "upstream":
            _serve_upstream(int(port))
        elif kind == "flaky":
            _serve_flaky(int(port), int(rest[0]), float(rest[1]), float(rest[2]))
        else:
            _serve_gateway(int(port), *rest)
        return
    me = [sys.executable, str(Path(__file__).resolve()), "--serve"]
    with tempfile.TemporaryDirectory() as workdir:
        db = f"sqlite:///{Path(workdir) / 'soak.db'}"
        with ExitStack() as stack:  # leaving it stops the gateway, which stores what it holds
            load, fallbacks = _run(stack, me, db, args)
        calls, rollbacks = _stored(db)
    errors = {k: v for k, v in load.failed.items() if k.isdigit()}
    lost = {k: v for k, v in load.failed.items() if not k.isdigit()}
    print(f"requests sent {load.sent}, answered 200: {load.answered}, outcomes {load.outcomes}")
    print(f"requests lost (no answer): {sum(lost.values())} {lost or ''}")
    failed = sum(errors.values())
    print(f"answered with an upstream error (both lanes failed): {failed} {errors or ''}")
    print(f"model calls metered in the store: {calls} of {load.sent} sent")
    print(f"fallbacks {fallbacks:.0f}, rollbacks {rollbacks}")
    rss_start, rss_end = load.rss
    change = (rss_end - rss_start) / rss_start
    print(
        f"gateway RSS after warm-up {rss_start:.1f} MB, at the end {rss_end:.1f} MB ({change:+.1%})"
    )


def _run(stack: ExitStack, me: list[str], db: str, args: argparse.Namespace) -> tuple[Load, float]:
    from agent_evals.gateway.credentials import derived_ingest_token

    up, flaky, gw = _free_port(), _free_port(), _free_port()
    incumbent = f"http://127.0.0.1:{up}/v1"
    candidate = f"http://127.0.0.1:{flaky}/v1"
    if not stack.enter_context(_process([*me, "upstream", str(up)], incumbent + "/models")):
        sys.exit("the scripted upstream did not start")
    argv = [*me, "flaky", str(flaky), str(up), str(args.bad_seconds), str(args.failing)]
    if not stack.enter_context(_process(argv, candidate + "/models")):
        sys.exit("the flaky candidate did not start")
    root = f"http://127.0.0.1:{gw}"
    if not stack.enter_context(
        _process([*me, "gateway", str(gw), incumbent, candidate, db], root + "/healthz")
    ):
        sys.exit("the gateway did not start")
    print(
        f"soak: {args.minutes:g} min at {args.rate:g} requests/s, half streamed; "
        f"candidate fails {args.failing:.0%} in every other {args.bad_seconds:g} s"
    )
    load = asyncio.run(
        _soak(root, args, derived_ingest_token(ADMIN_TOKEN, RELEASE), _gateway_pid(gw))
    )
    return load, asyncio.run(_metric(root, "agent_evals_gateway_fallbacks_total"))


def _gateway_pid(port: int) -> int:
    """The pid of the process listening on ``port`` (from /proc/net/tcp)."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":
            inode = fields[9]
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) == f"socket:[{inode}]":
                    return int(proc.name)
        except OSError:
            continue
    raise RuntimeError(f"no process listens on port {port}")


if __name__ == "__main__":
    main()
