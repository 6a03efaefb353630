"""Locking slices: each slice's task versions written beside it and recorded in the store."""

from __future__ import annotations

from pathlib import Path

from agent_evals.config import LoadedConfig
from agent_evals.errors import UsageError
from agent_evals.store import Store
from agent_evals.tasks import Slice, config_slice_names, load_config_slice, slice_path, write_lock


def lock_slices(
    store: Store, loaded: LoadedConfig, slice_name: str | None = None
) -> list[tuple[Slice, Path]]:
    """Write each slice's ``slice.lock`` and record its task hashes in the store.

    Without a slice name every configured slice whose folder exists is locked.
    """
    names = config_slice_names(loaded, slice_name)
    if slice_name is None:
        names = [n for n in names if slice_path(loaded, n).is_dir()]
        if not names:
            raise UsageError(
                f"no slice folders found under {loaded.base_dir / 'slices'}; "
                "create them or set slices.<name>.path in the config"
            )
    locked = []
    for name in names:
        slice_ = load_config_slice(loaded, name)
        path = write_lock(slice_)
        store.upsert_tasks((name, t.id, t.content_hash, t.risk) for t in slice_.tasks)
        locked.append((slice_, path))
    return locked
