"""``replay --executor``: a wrong combination or a missing Ray is one clear line, before any run."""

from __future__ import annotations

import sys

import pytest

from agent_evals.store import Store, sqlite_url


def _replay(run_cli, project, *args: str):
    project.add_task("fix-median")
    db = sqlite_url(project.root / "runs.db")
    config = str(project.config_path)
    done = run_cli("--config", config, "--db", db, "replay", "--slice", "bugfix-small", *args)
    return done, db


def _stored(db: str) -> int:
    store = Store(db)
    try:
        return store.count_runs()
    finally:
        store.close()


def test_the_ray_executor_without_ray_installed_exits_2_naming_the_extra(
    run_cli, project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # what an install without the extra sees

    done, _ = _replay(run_cli, project, "--executor", "ray")

    assert done.exit_code == 2
    assert "pip install 'agent-evals[ray]'" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "option",
    [
        ("--ray-address", "auto"),
        ("--ray-num-cpus", "2"),
        ("--ray-resource", "agent_slot=1"),
        ("--ray-max-retries", "5"),
    ],
)
def test_a_ray_option_without_the_ray_executor_is_refused_naming_it(
    run_cli, project, option: tuple[str, str]
) -> None:
    done, db = _replay(run_cli, project, *option)

    assert done.exit_code == 2
    assert f"{option[0]} is an option of --executor ray" in done.stderr
    assert _stored(db) == 0


def test_a_malformed_ray_resource_names_the_form_it_takes(run_cli, project) -> None:
    done, _ = _replay(run_cli, project, "--executor", "ray", "--ray-resource", "agent_slot")

    assert done.exit_code == 2
    assert "'agent_slot' is not NAME=AMOUNT" in done.stderr


def test_metering_through_the_in_process_gateway_is_refused_on_ray(run_cli, project) -> None:
    pytest.importorskip("ray")
    done, _ = _replay(run_cli, project, "--executor", "ray", "--through-gateway")

    assert done.exit_code == 2
    assert "--through-gateway" in done.stderr
    assert "agent-evals serve" in done.stderr


def test_no_ray_cluster_at_auto_is_an_infrastructure_failure_with_the_fix(
    run_cli, project, monkeypatch: pytest.MonkeyPatch
) -> None:
    ray = pytest.importorskip("ray")
    if ray.is_initialized():
        pytest.skip("this process is connected to Ray already")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    sys_agent = f"agent:\n  type: command\n  command: [{sys.executable!r}, '-c', 'pass']\n"
    project.config_path.write_text(project.config_path.read_text() + sys_agent)

    done, db = _replay(run_cli, project, "--executor", "ray", "--ray-address", "auto")

    assert done.exit_code == 4
    assert "cannot connect to the Ray cluster at auto" in done.stderr
    assert "ray start --head" in done.stderr
    assert _stored(db) == 0
