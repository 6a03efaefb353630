"""Release configs written by mistake or by an attacker: a clear exit 2, never a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_evals.config import load_config

HEAD = """\
release:
  incumbent: gpt-5.3-coder
  candidate: gpt-5.4-coder
  evalSlices: [bugfix-small]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config" / "model-release.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def one_error(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr
    return "\n".join(lines)


def test_a_recursive_alias_is_a_clear_error_not_a_crash(run_cli, tmp_path):
    path = write(tmp_path, HEAD.replace("release:", "release: &r\n  name: *r", 1))

    message = one_error(run_cli("--config", str(path), "scorecard"))

    assert message == (
        f"error: {path}:2: alias *r is inside the value it names (a recursive alias); "
        "write the value out instead"
    )


def test_a_yaml_alias_bomb_config_is_refused_with_a_short_message(run_cli, tmp_path):
    pairs = zip("abcdefgh", "bcdefghi", strict=True)
    levels = "".join(f"  {n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in pairs)
    bomb = f"x:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n{levels}"

    message = one_error(run_cli("--config", str(write(tmp_path, HEAD + bomb)), "config", "check"))

    assert "expands to more than 100,000 values through its aliases" in message
    assert len(message) < 400


@pytest.mark.parametrize(
    ("line", "key", "said"),
    [
        ("  liveCanaryShare: true", "release.liveCanaryShare", "valid number"),
        ("  rollbackOn: {successRateDrop: true}", "release.rollbackOn.successRateDrop", "number"),
        ("  rollbackOn: {successRateDrop: '0.02'}", "release.rollbackOn.successRateDrop", "number"),
        ("  stages: []", "release.stages", "at least 1 item"),
        ("  stages: [{share: 0.1, manualApproval: 'yes'}]", "manualApproval", "valid boolean"),
        ("  rollbackOn: {policyFailureCount: 1.5}", "policyFailureCount", "valid integer"),
    ],
)
def test_booleans_strings_and_empty_stages_are_not_release_values(
    run_cli, tmp_path, line, key, said
):
    path = write(tmp_path, HEAD + line + "\n")

    message = one_error(run_cli("--config", str(path), "config", "check"))

    assert key in message and said in message


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("agent: {timeoutSeconds: .inf}", "agent.timeoutSeconds"),
        ("agent: {timeoutSeconds: .nan}", "agent.timeoutSeconds"),
        ("agent: {timeoutSeconds: 1.0e+12}", "agent.timeoutSeconds"),
        ("gateway: {upstreamTimeoutSeconds: -1}", "gateway.upstreamTimeoutSeconds"),
        ("budget: {windowHours: 1.0e+300}", "budget.windowHours"),
        ("statistics: {seed: -5}", "statistics.seed"),
        ("statistics: {seed: 18446744073709551615}", "statistics.seed"),
        ("statistics: {minSamples: 18446744073709551615}", "statistics.minSamples"),
    ],
)
def test_infinite_huge_and_negative_numbers_fail_validation_naming_the_key(
    run_cli, tmp_path, section, key
):
    path = write(tmp_path, HEAD + section + "\n")

    message = one_error(run_cli("--config", str(path), "config", "check"))

    assert f"{path}:5: {key}:" in message


def test_whole_numbers_are_still_welcome_where_a_fraction_or_duration_is_meant(tmp_path):
    extra = (
        "  liveCanaryShare: 1\n"
        "  rollbackOn: {medianTokenMultiplier: 2}\n"
        "agent: {timeoutSeconds: 60}\n"
    )
    config = load_config(write(tmp_path, HEAD + extra)).config

    assert config.release.live_canary_share == 1.0
    assert config.release.rollback_on.median_token_multiplier == 2.0
    assert config.agent.timeout_seconds == 60.0


def test_a_seed_of_minus_five_with_evidence_is_a_config_error(run_cli, tmp_path):
    path = write(tmp_path, HEAD + "statistics: {seed: -5}\n")

    message = one_error(run_cli("--config", str(path), "scorecard", "--evidence"))

    assert "statistics.seed: -5 is not allowed" in message


def test_canary_status_with_no_stages_is_a_config_error(run_cli, tmp_path):
    path = write(tmp_path, HEAD + "  stages: []\n")

    message = one_error(run_cli("--config", str(path), "canary", "status"))

    assert "release.stages" in message
