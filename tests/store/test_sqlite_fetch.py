"""Large reads split across two processes return every run exactly once."""

from __future__ import annotations

import os
import sqlite3

import numpy as np
import pytest

from agent_evals.analysis import build_scorecard
from agent_evals.config import parse_config
from agent_evals.reports import scorecard_document
from agent_evals.store import Store, sqlite_fetch

CONFIG = parse_config(
    "release: {incumbent: gpt-5.3-coder, candidate: gpt-5.4-coder, evalSlices: [bugfix-small]}"
).config


def test_a_split_read_gives_the_same_scorecard(tmp_path, monkeypatch, make_paired_runs):
    store = Store(f"sqlite:///{tmp_path}/runs.db")
    store.write_runs(make_paired_runs(300, 0.8, 0.7, seed=9, token_ratio=1.3))
    whole = scorecard_document(build_scorecard(store, CONFIG))

    forks = []
    real_fork = os.fork

    def counting_fork() -> int:
        forks.append(1)
        return real_fork()

    monkeypatch.setattr(sqlite_fetch, "PARALLEL_MIN_ROWS", 1)
    monkeypatch.setattr(sqlite_fetch.os, "fork", counting_fork)
    split = scorecard_document(build_scorecard(store, CONFIG))
    assert forks == [1]
    assert split == whole
    assert split["overall"]["candidate"]["runs_total"] == 300


def test_a_failing_read_raises_and_leaves_no_process_behind(
    tmp_path, monkeypatch, make_paired_runs
):
    store = Store(f"sqlite:///{tmp_path}/runs.db")
    store.write_runs(make_paired_runs(10, 0.8, 0.7, seed=9))
    monkeypatch.setattr(sqlite_fetch, "PARALLEL_MIN_ROWS", 1)
    with pytest.raises(sqlite3.OperationalError, match="no such column"):
        sqlite_fetch.fetch_rows(
            store.sqlite_path, "SELECT nope FROM runs WHERE 1", {}, np.dtype("i8"), 20
        )
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_an_empty_table_reads_as_no_rows(tmp_path, monkeypatch):
    store = Store(f"sqlite:///{tmp_path}/runs.db")
    monkeypatch.setattr(sqlite_fetch, "PARALLEL_MIN_ROWS", 0)
    rows = sqlite_fetch.fetch_rows(
        store.sqlite_path, "SELECT task_key FROM runs WHERE 1", {}, np.dtype("i8"), 0
    )
    assert rows.size == 0
