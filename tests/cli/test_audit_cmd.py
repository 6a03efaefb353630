"""``agent-evals audit`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

from ..replays import pass_replays_of


def test_every_decision_is_listed_with_actor_and_reasons(
    run_cli,
    config_file: Path,
    monkeypatch,
) -> None:
    monkeypatch.setenv("AGENT_EVALS_ACTOR", "erin")
    pass_replays_of(config_file)
    run_cli("canary", "drill")
    run_cli("canary", "start", "--reason", "replays passed")
    run_cli("canary", "rollback", "--reason", "reviewer complaints")
    log = json.loads(run_cli("audit", "--format", "json").stdout)
    actions = [e["action"] for e in log["entries"]]
    assert actions == ["register", "drill", "drill", "start", "rollback"]
    rollback = log["entries"][-1]
    assert (rollback["actor"], rollback["share"]) == ("erin", 0.0)
    assert rollback["reasons"] == ["reviewer complaints"]
    table = run_cli("audit", "--action", "start").stdout.splitlines()
    assert len(table) == 1 and "erin" in table[0] and "replays passed" in table[0]
