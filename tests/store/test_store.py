"""The run store: idempotent writes, atomic batches that survive a killed writer, state CAS."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from agent_evals.errors import ConflictError
from agent_evals.records import PolicyViolation, RunRecord, TokenUsage
from agent_evals.store import AuditEntry, Store


def run(task: str, epoch: int = 0, status: str = "resolved", tokens: int = 100) -> RunRecord:
    return RunRecord(
        release="r",
        task_id=task,
        slice="s",
        lane="candidate",
        model="m",
        epoch=epoch,
        status=status,  # type: ignore[arg-type]
        tokens=TokenUsage(input=tokens - 10, output=10, source="metered"),
        policy_violations=(PolicyViolation("max-files", "7 files > 4"),),
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path}/runs.db")
    else:
        s = Store(request.getfixturevalue("pg_url"))
        with s.engine.begin() as conn:
            for table in ("runs", "audit_log", "waivers", "release_state", "tasks"):
                conn.exec_driver_sql(f"DELETE FROM {table}")
    yield s
    s.close()


def test_rewriting_the_same_key_replaces_and_never_duplicates(store):
    store.write_runs([run("a"), run("b"), run("a", epoch=1)])
    store.write_runs([run("a", status="unresolved", tokens=500)])
    runs = {(r.task_id, r.epoch): r for r in store.runs("r")}
    assert store.count_runs("r") == 3
    assert runs[("a", 0)].status == "unresolved"
    assert runs[("a", 0)].tokens.total == 500
    assert runs[("a", 0)].policy_violations == (PolicyViolation("max-files", "7 files > 4"),)


def test_missing_usage_is_stored_as_missing_not_zero(store):
    store.write_runs(
        [
            RunRecord(
                release="r", task_id="x", slice="s", lane="incumbent", model="m", status="resolved"
            )
        ]
    )
    stored = store.runs("r")[0]
    assert stored.tokens.total is None
    assert stored.tokens.source == "missing"


def test_compare_and_set_lets_exactly_one_writer_win(store):
    store.create_state("r", "shadow", 0.0, {})
    state = store.read_state("r")
    audit = AuditEntry("r", state.updated_at, "ci", "promote", "canary", 0.1, ("ok",), {})
    store.compare_and_set_state("r", state.version, audit=audit, stage="canary", share=0.1)
    with pytest.raises(ConflictError, match="another process acted first"):
        store.compare_and_set_state("r", state.version, stage="done", share=1.0)
    assert store.read_state("r").share == 0.1
    assert [a.action for a in store.audit("r")] == ["promote"]


WRITER = textwrap.dedent(
    """
    import sys
    from agent_evals.records import RunRecord, TokenUsage
    from agent_evals.store import Store
    store = Store(sys.argv[1])
    batch = int(sys.argv[2])
    def runs():
        i = 0
        while True:
            yield RunRecord(release="r", task_id=f"t{i}", slice="s", lane="candidate",
                            model="m", status="resolved",
                            tokens=TokenUsage(total=i, source="metered"))
            i += 1
    written = 0
    rows = runs()
    while True:
        store.write_runs((next(rows) for _ in range(batch)), batch_size=batch)
        written += batch
        print(written, flush=True)
    """
)


@pytest.mark.slow
def test_a_writer_killed_mid_batch_leaves_whole_batches_only(tmp_path):
    url = f"sqlite:///{tmp_path}/runs.db"
    Store(url).close()
    batch = 20_000
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, str(batch)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    for _ in range(2):
        assert proc.stdout.readline().strip()
    time.sleep(0.2)  # well inside the next batch's transaction (a batch takes about a second)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    store = Store(url)
    count = store.count_runs("r")
    assert count >= 2 * batch
    assert count % batch == 0, "a partial batch was committed"
    runs = store.runs("r")
    assert sorted(r.tokens.total for r in runs) == list(range(count))
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    store.close()
