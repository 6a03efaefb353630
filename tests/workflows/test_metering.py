"""Replays through an in-process gateway: the agent's model calls are metered, not reported."""

from __future__ import annotations

import sys
from pathlib import Path

from agent_evals.scripted_model import parse_script, serve_in_thread
from agent_evals.store import Store, sqlite_url

# A command agent that calls the model twice, fixes the median, and under-reports its usage.
AGENT = """\
import json, os, pathlib, urllib.request
for turn in range(2):
    body = json.dumps({"model": os.environ["AGENT_EVALS_MODEL"],
                       "messages": [{"role": "user", "content": "fix it"}]}).encode()
    request = urllib.request.Request(os.environ["AGENT_EVALS_BASE_URL"] + "/chat/completions",
                                     data=body, headers={"content-type": "application/json"})
    urllib.request.urlopen(request).read()
pathlib.Path("stats.py").write_text("def median(xs):\\n    return 2.5\\n")
print(json.dumps({"input_tokens": 1, "output_tokens": 1}))
"""
TASK = """\
instruction: Make median return 2.5.
verify:
  command: ["python", "-c", "import stats; assert stats.median([1, 2, 3, 4]) == 2.5"]
"""
USAGE = {"prompt_tokens": 700, "completion_tokens": 40, "cached_tokens": 100}


def _project(root: Path, model_url: str) -> Path:
    (root / "agent.py").write_text(AGENT)
    task = root / "config" / "slices" / "bugfix-small" / "median"
    (task / "repo").mkdir(parents=True)
    (task / "task.yaml").write_text(TASK)
    (task / "repo" / "stats.py").write_text("def median(xs):\n    return 0\n")
    config = root / "config" / "model-release.yaml"
    config.write_text(
        "release:\n  incumbent: inc\n  candidate: cand\n  evalSlices: [bugfix-small]\n"
        "models:\n"
        f"  inc: {{model: inc-2026-01-01, baseUrl: '{model_url}'}}\n"
        f"  cand: {{model: cand-2026-10-01, baseUrl: '{model_url}'}}\n"
        f"agent:\n  type: command\n  command: [{sys.executable!r}, {str(root / 'agent.py')!r}]\n"
        "  usageParser: json-usage\n"
    )
    return config


def test_replay_through_the_gateway_stores_metered_tokens(run_cli, tmp_path: Path) -> None:
    with serve_in_thread(parse_script({"defaults": {"usage": USAGE}})) as model_url:
        config = _project(tmp_path, model_url)
        args = ("--config", str(config), "replay", "--slice", "bugfix-small", "--workers", "1")
        metered = run_cli(*args, "--through-gateway")
        reported = run_cli(*args, "--lane", "incumbent")
    assert metered.exit_code in (0, 1, 3), metered.stderr
    assert reported.exit_code in (0, 1, 3), reported.stderr
    store = Store(sqlite_url(tmp_path / "config" / ".agent-evals" / "agent-evals.db"))
    runs = {r.lane: r for r in store.runs("inc..cand", source="replay")}
    store.close()
    candidate, incumbent = runs["candidate"], runs["incumbent"]
    assert candidate.status == "resolved" and candidate.api_calls == 2
    assert (candidate.tokens.input, candidate.tokens.output, candidate.tokens.cache_read) == (
        1200,
        80,
        200,
    )
    assert candidate.tokens.source == "metered" and candidate.cost_source == "missing"
    assert incumbent.tokens.source == "reported" and incumbent.tokens.total == 2
