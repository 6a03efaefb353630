"""Running an agent process: no shell, its own session, an allow-listed environment.

Each process is the leader of its own session and process group, so a timeout or an
interrupted replay kills it with everything it started (``killpg``). On Linux an agent also
dies with the thread that started it (``PR_SET_PDEATHSIG``, prctl(2)), so a replay killed
with SIGKILL leaves no agent running.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from agent_evals.harness.agents.environment import child_environment

PR_SET_PDEATHSIG = 1
STOPPED = "not started: the replay is stopping"


@dataclass(frozen=True)
class ProcessOutcome:
    """How a process ended and what it printed."""

    exit_code: int | None
    stdout: str
    stderr: str
    timed_out: bool
    duration_s: float


class _Running:
    """The process groups started and not yet ended, so that a stop can end them all."""

    def __init__(self) -> None:
        # Reentrant: a signal handler stops everything from whatever the main thread was doing.
        self._lock = threading.RLock()
        self._groups: set[int] = set()
        self._stopping = False

    def add(self, pid: int) -> bool:
        """Track a new group; ``False`` (and the group killed) when a stop came first."""
        with self._lock:
            if not self._stopping:
                self._groups.add(pid)
                return True
        _kill_group(pid)
        return False

    def discard(self, pid: int) -> None:
        with self._lock:
            self._groups.discard(pid)

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            groups = list(self._groups)
        for pid in groups:
            _kill_group(pid)

    def resume(self) -> None:
        with self._lock:
            self._stopping = False

    @property
    def stopping(self) -> bool:
        return self._stopping


_RUNNING = _Running()


def stop_all_processes() -> None:
    """Kill every running process group now; new processes are refused until :func:`resume`."""
    _RUNNING.stop()


def resume_processes() -> None:
    """Allow processes to start again after :func:`stop_all_processes`."""
    _RUNNING.resume()


def run_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    timeout_s: float,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    die_with_parent: bool = False,
) -> ProcessOutcome:
    """Run ``argv`` (never through a shell); on timeout kill its whole process group.

    The process sees the allow-listed environment plus ``env``
    (:func:`~agent_evals.harness.agents.environment.child_environment`). With
    ``die_with_parent`` it is killed when this process dies, even by SIGKILL; that costs a
    full ``fork`` (tens of milliseconds in a large process), so only long-lived agents ask.
    """
    if _RUNNING.stopping:
        return ProcessOutcome(None, "", STOPPED, False, 0.0)
    started = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=child_environment(env),
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,
            preexec_fn=_die_with_parent(os.getpid()) if die_with_parent else None,
        )
    except OSError as exc:
        return ProcessOutcome(None, "", f"cannot start {argv[0]!r}: {exc}", False, 0.0)
    if not _RUNNING.add(proc.pid):
        proc.communicate()
        return ProcessOutcome(None, "", STOPPED, False, time.monotonic() - started)
    try:
        out, err = proc.communicate(stdin, timeout=timeout_s)
        timed_out = False
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        out, err = proc.communicate()
        timed_out = True
    finally:
        _RUNNING.discard(proc.pid)
    return ProcessOutcome(
        None if timed_out else proc.returncode,
        out,
        err,
        timed_out,
        time.monotonic() - started,
    )


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child get SIGKILL when its starting thread ends."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = _prctl()
    kill = int(signal.SIGKILL)

    def set_death_signal() -> None:
        prctl(PR_SET_PDEATHSIG, kill)
        if os.getppid() != parent:  # the parent died before the signal was set
            os._exit(1)

    return set_death_signal


@functools.cache
def _prctl() -> Callable[..., int]:
    prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    return prctl


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
