"""``slice health``: the release's stored replays, its slices' tasks and its gate plan together."""

from __future__ import annotations

from agent_evals.analysis.slice_health import SliceHealth, TaskDates, slice_health
from agent_evals.config import LoadedConfig
from agent_evals.rollout.exposure import release_plan, stored_spread
from agent_evals.store import Store
from agent_evals.tasks import config_slice_names, load_config_slice, slice_path


def release_slice_health(
    store: Store, loaded: LoadedConfig, slice_name: str | None = None
) -> list[SliceHealth]:
    """Health of the configured slices (or one) over the release's stored replay runs."""
    config = loaded.config
    names = config_slice_names(loaded, slice_name)
    tasks: dict[str, TaskDates] = {}
    for name in names:
        if slice_name is not None or slice_path(loaded, name).is_dir():
            for task in load_config_slice(loaded, name).tasks:
                tasks[task.id] = TaskDates(name, task.source_date)
    runs = [
        run for run in store.runs(config.release.release_id, source="replay") if run.slice in names
    ]
    cutoffs = {
        config.model_id(name): spec.training_cutoff
        for name, spec in config.models.items()
        if spec.training_cutoff is not None
    }
    plan = release_plan(config, spread=stored_spread(store, config)).plan
    return slice_health(runs, tasks, cutoffs, plan)
