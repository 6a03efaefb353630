"""Running an agent process: no shell, its own process group, killed whole at the timeout."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProcessOutcome:
    """How a process ended and what it printed."""

    exit_code: int | None
    stdout: str
    stderr: str
    timed_out: bool
    duration_s: float


def run_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    timeout_s: float,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> ProcessOutcome:
    """Run ``argv`` (never through a shell); on timeout kill its whole process group."""

    started = time.monotonic()
    full_env = {**os.environ, **(env or {})}
    try:
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=full_env,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
            start_new_session=True,
        )
    except OSError as exc:
        return ProcessOutcome(None, "", f"cannot start {argv[0]!r}: {exc}", False, 0.0)
    try:
        out, err = proc.communicate(stdin, timeout=timeout_s)
        timed_out = False
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        out, err = proc.communicate()
        timed_out = True
    return ProcessOutcome(
        None if timed_out else proc.returncode,
        out,
        err,
        timed_out,
        time.monotonic() - started,
    )


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
