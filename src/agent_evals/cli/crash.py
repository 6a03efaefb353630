"""Unexpected exceptions at the CLI border: one line for the user, the traceback in a file.

Exit 1 means BLOCKED and nothing else, so a crash must never exit 1: it exits 4 (a runtime
failure of the harness) with what failed and where, and the full traceback is written to a
file (``--debug`` prints it instead).
"""

from __future__ import annotations

import tempfile
import traceback
from pathlib import Path

PACKAGE_MARK = "agent_evals"


def crash_line(exc: BaseException, *, debug: bool) -> str:
    """The one line a user sees for an unexpected exception; writes its traceback first."""
    text = "".join(traceback.format_exception(exc))
    what = f"unexpected {type(exc).__name__} in {_where(exc)}: {_message(exc)}"
    if debug:
        return f"{text}error: {what}"
    saved = _save(text)
    kept = f"full traceback in {saved}" if saved else "the traceback could not be saved"
    return f"error: {what}; {kept} (--debug prints it)"


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if PACKAGE_MARK in f.filename] or frames
    if not ours:
        return "agent-evals"
    frame = ours[-1]
    path = Path(frame.filename)
    parts = path.parts
    shown = "/".join(parts[parts.index(PACKAGE_MARK) :]) if PACKAGE_MARK in parts else path.name
    return f"{shown}:{frame.lineno} ({frame.name})"


def _message(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else "no message"


def _save(text: str) -> Path | None:
    try:
        with tempfile.NamedTemporaryFile(
            "w", prefix="agent-evals-crash-", suffix=".log", delete=False, encoding="utf-8"
        ) as handle:
            handle.write(text)
    except OSError:
        return None
    return Path(handle.name)
