"""The release config: the canonical file loads; every broken file names its key and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_evals.config import load_config
from agent_evals.errors import ConfigError


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "release.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_canonical_config_loads_with_no_other_file(tmp_path, canonical_config):
    loaded = load_config(write(tmp_path, canonical_config))
    release = loaded.config.release
    assert (release.incumbent, release.candidate) == ("gpt-5.3-coder", "gpt-5.4-coder")
    assert release.live_canary_share == 0.1
    assert release.rollback_on.policy_failure_count == 1
    assert release.rollback_on.cost_multiplier is None
    assert len(release.eval_slices) == 5
    assert list(tmp_path.iterdir()) == [tmp_path / "release.yaml"]


BROKEN = {
    "wrong type": (
        ("liveCanaryShare: 0.1", "liveCanaryShare: ten percent"),
        ["release.liveCanaryShare", "'ten percent'", "valid number"],
    ),
    "negative threshold": (
        ("successRateDrop: 0.02", "successRateDrop: -0.05"),
        ["release.rollbackOn.successRateDrop", "-0.05", "greater than or equal to 0"],
    ),
    "share above 1": (
        ("liveCanaryShare: 0.1", "liveCanaryShare: 1.5"),
        ["release.liveCanaryShare", "1.5", "less than or equal to 1"],
    ),
    "unknown key": (
        ("medianTokenMultiplier: 1.25", "medianTokenMultiplyer: 1.25"),
        ["release.rollbackOn.medianTokenMultiplyer", "did you mean 'medianTokenMultiplier'"],
    ),
    "same model in both lanes": (
        ("candidate: gpt-5.4-coder", "candidate: gpt-5.3-coder"),
        ["release", "both 'gpt-5.3-coder'", "set release.candidate"],
    ),
    "missing candidate": (
        ("  candidate: gpt-5.4-coder\n", ""),
        ["release.candidate", "required but missing"],
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_config_exits_2_naming_key_and_fix(case, run_cli, tmp_path, canonical_config):
    (old, new), expected = BROKEN[case]
    assert old in canonical_config
    path = write(tmp_path, canonical_config.replace(old, new))
    result = run_cli("--config", str(path), "config", "check")
    assert result.exit_code == 2
    assert str(path) in result.stderr
    for fragment in expected:
        assert fragment in result.stderr


def test_empty_slice_list_is_an_error(run_cli, tmp_path, canonical_config):
    head = canonical_config.split("  evalSlices:")[0]
    path = write(tmp_path, head + "  evalSlices: []\n")
    result = run_cli("--config", str(path), "config", "check")
    assert result.exit_code == 2
    assert "release.evalSlices" in result.stderr
    assert "at least 1 item" in result.stderr


def test_yaml_syntax_error_gives_the_line(run_cli, tmp_path, canonical_config):
    path = write(
        tmp_path, canonical_config.replace("liveCanaryShare: 0.1", "liveCanaryShare: [0.1")
    )
    result = run_cli("--config", str(path), "config", "check")
    assert result.exit_code == 2
    assert f"{path}:5" in result.stderr or f"{path}:6" in result.stderr
    assert "YAML syntax error" in result.stderr


def test_a_file_that_is_not_utf8(run_cli, tmp_path, canonical_config):
    path = write(tmp_path, canonical_config.encode("utf-8") + b"# caf\xe9\n")
    result = run_cli("--config", str(path), "config", "check")
    assert result.exit_code == 2
    assert "not UTF-8" in result.stderr
    assert "save the file as UTF-8" in result.stderr


def test_key_errors_carry_their_line_number(tmp_path, canonical_config):
    path = write(tmp_path, canonical_config.replace("successRateDrop: 0.02", "successRateDrop: -1"))
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert f"{path}:6: release.rollbackOn.successRateDrop" in str(error.value)


def test_floating_alias_is_a_visible_warning(run_cli, tmp_path, canonical_config):
    text = canonical_config + "models:\n  gpt-5.4-coder:\n    model: gpt-5.4-coder-latest\n"
    path = write(tmp_path, text)
    result = run_cli("--config", str(path), "config", "check")
    assert result.exit_code == 0
    assert "warning" in result.stderr
    assert "'gpt-5.4-coder-latest' is a floating alias" in result.stderr


def test_a_pinned_candidate_gives_no_warning(run_cli, tmp_path, canonical_config):
    text = canonical_config + "models:\n  gpt-5.4-coder:\n    model: gpt-5.4-coder-2026-10-01\n"
    result = run_cli("--config", str(write(tmp_path, text)), "config", "check")
    assert result.exit_code == 0
    assert "floating" not in result.stderr
    assert "model: gpt-5.4-coder-2026-10-01" in result.stdout


def test_null_turns_a_threshold_off(tmp_path, canonical_config):
    text = canonical_config.replace("medianTokenMultiplier: 1.25", "medianTokenMultiplier: null")
    loaded = load_config(write(tmp_path, text))
    assert loaded.config.release.rollback_on.median_token_multiplier is None


def test_missing_config_file_says_how_to_create_one(run_cli):
    result = run_cli("config", "check")
    assert result.exit_code == 2
    assert "config/model-release.yaml" in result.stderr
    assert "agent-evals init" in result.stderr


def test_init_writes_a_starter_config_that_validates(run_cli, tmp_path):
    result = run_cli("init", str(tmp_path / "project"))
    assert result.exit_code == 0
    path = tmp_path / "project" / "config" / "model-release.yaml"
    assert "# agent-evals release config" in path.read_text()
    assert load_config(path).warnings == ()
    assert run_cli("init", str(tmp_path / "project")).exit_code == 2
