"""What every command shares: the resolved config and the store, opened on first use."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from agent_evals.config import LoadedConfig, load_config, resolve_config_path
from agent_evals.store import DEFAULT_DB_DIR, DEFAULT_DB_FILE, Store, sqlite_url

DB_ENV = "AGENT_EVALS_DB"
# When this process started, if it was started to run one command (set by ``main``).
_process_started: datetime | None = None
_SQLITE_PREFIX = "sqlite:///"
_SQLITE_SIDES = ("-wal", "-shm", "-journal")


@dataclass
class AppContext:
    """Global options of one invocation and the objects they lead to."""

    config_option: str | None = None
    db_option: str | None = None
    _loaded: LoadedConfig | None = field(default=None, repr=False)
    _store: Store | None = field(default=None, repr=False)
    _new_paths: tuple[Path, ...] = field(default=(), repr=False)
    _created: datetime = field(default_factory=lambda: datetime.now(UTC), repr=False)

    @property
    def invoked_at(self) -> datetime:
        """When the user asked: the process's start for a command-line run (importing the
        package takes seconds on a busy machine), else when this invocation began."""
        return _process_started or self._created

    @property
    def config_path(self) -> Path:
        """The config file this invocation uses."""
        return resolve_config_path(self.config_option)

    def loaded(self) -> LoadedConfig:
        """The validated config; warnings are printed once."""
        if self._loaded is None:
            self._loaded = load_config(self.config_path)
            for warning in self._loaded.warnings:
                click.secho(f"warning: {warning}", fg="yellow", err=True)
        return self._loaded

    def optional_config(self) -> LoadedConfig | None:
        """The config when a file exists (or was asked for); else ``None``."""
        if self.config_option or os.environ.get("AGENT_EVALS_CONFIG"):
            return self.loaded()
        return self.loaded() if self.config_path.exists() else None

    @property
    def db_url(self) -> str:
        """The store URL: ``--db``, else ``AGENT_EVALS_DB``, else a SQLite file by the config."""
        url = self.db_option or os.environ.get(DB_ENV)
        if url:
            return url
        return sqlite_url(self.config_path.parent / DEFAULT_DB_DIR / DEFAULT_DB_FILE)

    def store(self) -> Store:
        """The run store, opened (and migrated) on first use."""
        if self._store is None:
            self._new_paths = _missing_paths(self.db_url)
            self._store = Store(self.db_url)
        return self._store

    def discard_new_store(self) -> None:
        """Remove a SQLite store this invocation created when it holds no runs.

        A command that fails (a typo, a missing config) leaves no stray database behind; a
        store holding runs is always kept, so a failed replay can still ``--resume``.
        """
        if self._store is None or not self._new_paths or self._store.count_runs():
            return
        self._store.close()
        self._store = None
        for path in self._new_paths:
            for leftover in (path, *(path.with_name(path.name + s) for s in _SQLITE_SIDES)):
                if leftover.is_file():
                    leftover.unlink()
            if path.is_dir() and not any(path.iterdir()):
                path.rmdir()

    def close(self) -> None:
        """Close what was opened."""
        if self._store is not None:
            self._store.close()


def _missing_paths(url: str) -> tuple[Path, ...]:
    """The SQLite file of ``url`` and its missing parent folders, file first, if it is new."""
    if not url.startswith(_SQLITE_PREFIX) or url.endswith(":memory:"):
        return ()
    path = Path(url.removeprefix(_SQLITE_PREFIX))
    if path.exists():
        return ()
    return (path, *(p for p in path.parents if not p.exists()))


@contextmanager
def process_start_marked() -> Iterator[None]:
    """Within: invocations date from this process's start (``main`` runs one command)."""
    global _process_started
    _process_started = _process_start()
    try:
        yield
    finally:
        _process_started = None


def _process_start() -> datetime:
    """When this process started (Linux ``/proc/self/stat`` field 22, clock ticks after
    boot); elsewhere, now."""
    now = datetime.now(UTC)
    try:
        after_name = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(after_name[19])  # fields after the command name start at field 3
        # The start is rounded down to a tick: one more tick never dates it before the spawn.
        started = (ticks + 1) / os.sysconf("SC_CLK_TCK")
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - started
    except (OSError, ValueError, IndexError, AttributeError):
        age = 0.0
    return now - timedelta(seconds=max(age, 0.0))


pass_app = click.make_pass_decorator(AppContext)
