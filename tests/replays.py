"""Stored replays that pass every gate: what a release shows before its live share opens."""

from __future__ import annotations

from pathlib import Path

from agent_evals.config import load_config
from agent_evals.config.models import ReleaseConfig
from agent_evals.records import RunRecord, TokenUsage
from agent_evals.store import DEFAULT_DB_DIR, DEFAULT_DB_FILE, Store, sqlite_url
from agent_evals.types import LANES


def pass_replays(store: Store, config: ReleaseConfig, tasks: int = 3) -> None:
    """Both lanes resolve every task of every eval slice alike: each slice decides PROMOTE."""
    release = config.release.release_id
    store.write_runs(
        [
            RunRecord(
                release=release,
                task_id=f"{name}-replayed-{i}",
                slice=name,
                lane=lane,
                model=config.model_id(getattr(config.release, lane)),
                status="resolved",
                tokens=TokenUsage(total=1000, source="metered"),
                review_comments=0,
                review_source="auto",
                task_hash="v1",
            )
            for name in config.release.eval_slices
            for i in range(tasks)
            for lane in LANES
        ]
    )


def pass_replays_of(config_file: Path) -> None:
    """:func:`pass_replays` in the default store beside ``config_file``."""
    store = Store(sqlite_url(config_file.parent / DEFAULT_DB_DIR / DEFAULT_DB_FILE))
    try:
        pass_replays(store, load_config(config_file).config)
    finally:
        store.close()


LIVE_LADDER = "  stages:\n" + "".join(f"    - share: {s}\n" for s in (0.1, 0.25, 0.5, 1.0))


def live_ladder_of(config_file: Path) -> None:
    """Give the release in ``config_file`` the ladder without a shadow step (live at once)."""
    with config_file.open("a", encoding="utf-8") as out:
        out.write(LIVE_LADDER)
