"""``agent-evals serve --print-ingest-token``: the token agents send with their outcomes."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_evals.config import load_config
from agent_evals.gateway.credentials import derived_ingest_token


def test_the_ingest_token_is_derived_per_release_from_the_admin_token(
    run_cli, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AGENT_EVALS_INGEST_TOKEN", raising=False)
    monkeypatch.setenv("AGENT_EVALS_ADMIN_TOKEN", "admin-77")
    release = load_config(config_file).config.release.release_id
    result = run_cli("serve", "--print-ingest-token")
    assert result.exit_code == 0
    assert result.stdout.strip() == derived_ingest_token("admin-77", release)
    monkeypatch.setenv("AGENT_EVALS_INGEST_TOKEN", "set-by-hand")
    assert run_cli("serve", "--print-ingest-token").stdout.strip() == "set-by-hand"


def test_without_a_token_it_says_which_variable_to_set(
    run_cli, config_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AGENT_EVALS_INGEST_TOKEN", raising=False)
    monkeypatch.delenv("AGENT_EVALS_ADMIN_TOKEN", raising=False)
    result = run_cli("serve", "--print-ingest-token")
    assert result.exit_code == 2
    assert "AGENT_EVALS_INGEST_TOKEN" in result.stderr and "Traceback" not in result.stderr
