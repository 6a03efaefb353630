"""The preflight: before a replay stores any run, check each lane the way its agent will use it.

Two checks per replay: the agent program exists and starts (``--version`` or the adapter's
own liveness arguments), and each lane's endpoint answers one minimal request sent through
the same base URL, API route and key the agent will use. A refused connection, a name that
does not resolve, HTTP 401/403 (the key), 404/405 (the route) or 5xx (the endpoint itself)
stops the replay with exit 4 and one line per problem: lane, URL or program, what answered,
and the fix. Any other answer (2xx, a 400 about the tiny request, 429) shows the endpoint is
there and accepts the key, which is all the preflight asks.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from agent_evals.errors import HarnessError
from agent_evals.harness.agents.builtin import BuiltinAgent
from agent_evals.harness.agents.cli import CliAgent, strip_version_suffix
from agent_evals.harness.agents.command import CommandAgent
from agent_evals.types import EndpointWire, Lane, Provider

PROBE_TIMEOUT_S = 15.0
PROBE_PROMPT = "Reply with OK."
ANTHROPIC_VERSION = "2023-06-01"
ROUTE_STATUSES = frozenset({404, 405})
KEY_STATUSES = frozenset({401, 403})


@dataclass(frozen=True)
class LaneProbe:
    """One lane as its agent will call it: model, endpoint and key (resolved from the config)."""

    lane: Lane
    model_key: str
    model: str
    base_url: str | None
    api_key: str | None
    api_key_env: str | None
    provider: Provider = "openai-compatible"


@dataclass(frozen=True)
class ProbeFailure:
    """A failed check: which lane, which URL or program, what answered, and what to do."""

    lane: str
    target: str
    answered: str
    fix: str

    def line(self) -> str:
        """``lane: target: what answered; fix: ...`` on one line."""
        return f"{self.lane}: {self.target}: {self.answered}; fix: {self.fix}"


class PreflightError(HarnessError):
    """A lane cannot be run as configured; raised before any run is started or stored."""

    def __init__(self, failures: Sequence[ProbeFailure]) -> None:
        self.failures = tuple(failures)
        lines = "\n".join(f"  {failure.line()}" for failure in self.failures)
        super().__init__(f"preflight failed; no run was started or stored:\n{lines}")


@dataclass(frozen=True)
class ProbeRequest:
    """The one minimal request that stands for an agent's model calls."""

    url: str
    headers: dict[str, str]
    body: dict[str, Any]


def preflight(
    lanes: Sequence[LaneProbe],
    adapter: object,
    *,
    client: httpx.Client | None = None,
) -> None:
    """Check the agent program and every lane's endpoint; raise :class:`PreflightError`."""
    failures = []
    program = check_program(adapter, ", ".join(probe.lane for probe in lanes))
    if program is not None:
        failures.append(program)
    http = client or httpx.Client(timeout=PROBE_TIMEOUT_S)
    try:
        for probe in lanes:
            failure = check_endpoint(probe, adapter, http)
            if failure is not None:
                failures.append(failure)
    finally:
        if client is None:
            http.close()
    if failures:
        raise PreflightError(failures)


def check_program(adapter: object, lane: str) -> ProbeFailure | None:
    """The agent program is on PATH and its liveness probe exits 0 (CLI agents only)."""
    if not isinstance(adapter, CliAgent) or not adapter.program:
        return None
    binary = adapter.program[0]
    if shutil.which(binary) is None:
        return ProbeFailure(
            lane,
            binary,
            "not found on PATH",
            f"install the {adapter.name} CLI, or set agent.command to the program's path",
        )
    if not adapter.version_args:
        return None
    outcome = adapter.probe()
    shown = " ".join([binary, *adapter.version_args])
    if outcome.timed_out:
        return ProbeFailure(lane, shown, "did not finish", f"make `{shown}` run here")
    if outcome.exit_code != 0:
        said = _last_line(outcome.stderr or outcome.stdout) or "nothing"
        answered = f"exited with code {outcome.exit_code}: {said}"
        return ProbeFailure(lane, shown, answered, f"make `{shown}` run in this environment")
    return None


def lane_wire(adapter: object, provider: Provider) -> EndpointWire | None:
    """The API the adapter speaks (``None``: a twin that calls no endpoint, nothing to probe).

    An arbitrary command is assumed to speak its provider's API.
    """
    wire: EndpointWire | None = getattr(adapter, "wire", None)
    if isinstance(adapter, CommandAgent):
        return "anthropic-messages" if provider == "anthropic" else "openai-chat"
    return wire


def check_endpoint(probe: LaneProbe, adapter: object, http: httpx.Client) -> ProbeFailure | None:
    """Send the minimal request the adapter's agent would send; a failure names the fix."""
    wire = lane_wire(adapter, probe.provider)
    if wire is None:
        return None
    if probe.base_url is None:
        if isinstance(adapter, BuiltinAgent):
            fix = f"set models.{probe.model_key}.baseUrl to the lane's endpoint"
            return ProbeFailure(probe.lane, f"models.{probe.model_key}", "no baseUrl", fix)
        return None  # a vendor CLI without baseUrl uses its own default endpoint and login
    request = probe_request(wire, probe.base_url, probe.model, probe.api_key)
    try:
        response = http.post(request.url, headers=request.headers, json=request.body)
    except httpx.HTTPError as exc:
        return _unreachable(probe, request.url, exc)
    return _judge(probe, request.url, response)


def probe_request(
    wire: EndpointWire, base_url: str, model: str, api_key: str | None
) -> ProbeRequest:
    """The request an agent speaking ``wire`` would send first, cut to one output token."""
    base = base_url.rstrip("/")
    ask = [{"role": "user", "content": PROBE_PROMPT}]
    if wire == "openai-responses":
        body: dict[str, Any] = {"model": model, "input": PROBE_PROMPT, "max_output_tokens": 16}
        return ProbeRequest(f"{base}/responses", _bearer(api_key), body)
    if wire == "anthropic-messages":
        headers = {"anthropic-version": ANTHROPIC_VERSION}
        if api_key:
            headers["x-api-key"] = api_key
        root = strip_version_suffix(base, "/v1")
        body = {"model": model, "max_tokens": 1, "messages": ask}
        return ProbeRequest(f"{root}/v1/messages", headers, body)
    if wire == "gemini":
        root = strip_version_suffix(base, "/v1beta", "/v1")
        headers = {"x-goog-api-key": api_key} if api_key else {}
        parts = [{"role": "user", "parts": [{"text": PROBE_PROMPT}]}]
        body = {"contents": parts, "generationConfig": {"maxOutputTokens": 1}}
        return ProbeRequest(f"{root}/v1beta/models/{model}:generateContent", headers, body)
    body = {"model": model, "messages": ask, "max_tokens": 1}
    return ProbeRequest(f"{base}/chat/completions", _bearer(api_key), body)


def _bearer(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def _unreachable(probe: LaneProbe, url: str, exc: httpx.HTTPError) -> ProbeFailure:
    reason = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        answered = f"nothing answered within {PROBE_TIMEOUT_S:.0f}s"
    else:
        answered = f"nothing answered ({reason})"
    fix = f"start the endpoint, or correct models.{probe.model_key}.baseUrl"
    return ProbeFailure(probe.lane, url, answered, fix)


def _judge(probe: LaneProbe, url: str, response: httpx.Response) -> ProbeFailure | None:
    status = response.status_code
    answered = f"HTTP {status}: {_last_line(response.text)[:200]}".rstrip(": ")
    if status in KEY_STATUSES:
        return ProbeFailure(probe.lane, url, answered, _key_fix(probe))
    if status in ROUTE_STATUSES:
        fix = (
            f"check models.{probe.model_key}.baseUrl (OpenAI-style endpoints usually end in "
            f"/v1) and models.{probe.model_key}.model ({probe.model!r})"
        )
        return ProbeFailure(probe.lane, url, answered, fix)
    if status >= 500:
        return ProbeFailure(probe.lane, url, answered, "the endpoint failed; check its logs")
    return None


def _key_fix(probe: LaneProbe) -> str:
    if probe.api_key_env is None:
        return (
            f"the endpoint wants a key: set models.{probe.model_key}.apiKeyEnv "
            "to the variable that holds it"
        )
    return f"check the key in {probe.api_key_env} (models.{probe.model_key}.apiKeyEnv)"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""
