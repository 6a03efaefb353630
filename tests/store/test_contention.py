"""Several writers on one store: they wait their turn, give up with one line, migrate once."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from agent_evals.errors import ConflictError
from agent_evals.records import RunRecord, TokenUsage
from agent_evals.store import Store

CONFIG = (
    "release:\n  incumbent: inc-2026-01-01\n  candidate: cand-2026-10-01\n"
    "  evalSlices: [bugfix-small]\n"
)


CLI = (sys.executable, "-m", "agent_evals", "--config", "release.yaml")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_EVALS_")}
    return {**env, **extra}


@pytest.mark.slow
def test_a_writer_kept_out_past_the_store_timeout_exits_4_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "release.yaml").write_text(CONFIG, encoding="utf-8")
    db = tmp_path / "runs.db"
    Store(f"sqlite:///{db}").close()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the store
    try:
        done = subprocess.run(
            [*CLI, "--db", f"sqlite:///{db}", "canary", "freeze", "--reason", "incident"],
            cwd=tmp_path,
            env=_env(AGENT_EVALS_STORE_TIMEOUT="1"),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        holder.rollback()
        holder.close()
    assert done.returncode == 4
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "stayed locked by another writer for 1 s" in done.stderr
    assert "AGENT_EVALS_STORE_TIMEOUT" in done.stderr


def test_a_writer_waits_for_a_lock_held_shorter_than_the_timeout(tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    store = Store(f"sqlite:///{db}")
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    released = threading.Timer(1.0, holder.rollback)
    released.start()
    try:
        store.write_runs([_run("a")])  # waits for the holder, then writes
    finally:
        released.join()
        holder.close()
    assert store.count_runs("r") == 1
    store.close()


def test_a_bad_store_timeout_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "release.yaml").write_text(CONFIG, encoding="utf-8")
    done = subprocess.run(
        [*CLI, "--db", f"sqlite:///{tmp_path}/r.db", "audit"],
        cwd=tmp_path,
        env=_env(AGENT_EVALS_STORE_TIMEOUT="soon"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "AGENT_EVALS_STORE_TIMEOUT='soon' is not a number of seconds" in done.stderr


FIRST_USE = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from agent_evals.store import Store
    go = Path(sys.argv[2])
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.005)
    Store(sys.argv[1]).close()
    """
)


def _first_uses(url: str, go: Path, count: int = 3) -> list[subprocess.CompletedProcess[str]]:
    """``count`` processes open a new store at the same moment."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", FIRST_USE, url, str(go)],
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
    go.touch()
    outputs = [proc.communicate(timeout=120) for proc in procs]
    return [
        subprocess.CompletedProcess(p.args, p.returncode, out, err)
        for p, (out, err) in zip(procs, outputs, strict=True)
    ]


def test_three_first_uses_of_a_new_sqlite_store_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/new/runs.db"
    results = _first_uses(url, tmp_path / "go")
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr[-300:] for r in results]
    store = Store(url)
    assert store.count_runs() == 0
    store.close()


@pytest.fixture
def fresh_pg_url(pg_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the test server, dropped afterwards."""
    name = f"agent_evals_fresh_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    admin.dispose()


@pytest.mark.postgres
def test_three_first_uses_of_a_new_postgres_store_all_succeed(
    fresh_pg_url: str, tmp_path: Path
) -> None:
    results = _first_uses(fresh_pg_url, tmp_path / "go")
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr[-300:] for r in results]


@pytest.mark.postgres
def test_writers_that_deadlock_on_postgres_are_retried_and_both_land(pg_url: str) -> None:
    store = Store(pg_url)
    release = f"deadlock-{uuid.uuid4().hex[:8]}"
    tasks = [f"t{i:04d}" for i in range(400)]
    store.write_runs([_run(t, release=release) for t in tasks])
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def rewrite(order: list[str], tokens: int) -> None:
        barrier.wait()
        try:  # one transaction each, rows locked in opposite orders
            store.write_runs([_run(t, release, tokens) for t in order], atomic=False)
        except BaseException as exc:
            failures.append(exc)

    threads = [
        threading.Thread(target=rewrite, args=(tasks, 200)),
        threading.Thread(target=rewrite, args=(tasks[::-1], 300)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    totals = {r.tokens.total for r in store.runs(release)}
    assert totals <= {200, 300} and store.count_runs(release) == 400
    store.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/runs.db"
    return str(request.getfixturevalue("pg_url"))


def test_one_of_many_concurrent_compare_and_sets_wins(shared_url: str) -> None:
    release = f"cas-{uuid.uuid4().hex[:8]}"
    stores = [Store(shared_url) for _ in range(4)]
    stores[0].create_state(release, "stage-1", 0.1, {})
    version = stores[0].read_state(release).version  # type: ignore[union-attr]
    barrier = threading.Barrier(len(stores))
    outcomes: list[str] = []

    def promote(store: Store, share: float) -> None:
        barrier.wait()
        try:
            store.compare_and_set_state(release, version, stage="stage-2", share=share)
            outcomes.append("won")
        except ConflictError:
            outcomes.append("lost")

    threads = [
        threading.Thread(target=promote, args=(s, 0.2 + i / 10)) for i, s in enumerate(stores)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["lost", "lost", "lost", "won"]
    assert stores[0].read_state(release).version == version + 1  # type: ignore[union-attr]
    for store in stores:
        store.close()


def _run(task: str, release: str = "r", tokens: int = 100) -> RunRecord:
    return RunRecord(
        release=release,
        task_id=task,
        slice="s",
        lane="candidate",
        model="m",
        status="resolved",
        tokens=TokenUsage(total=tokens, source="metered"),
    )
