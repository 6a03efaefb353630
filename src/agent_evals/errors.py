"""The one exception tree of agent-evals; each error knows its exit code (SPEC section 6)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_BLOCKED = 1
EXIT_USAGE = 2
EXIT_INCONCLUSIVE = 3
EXIT_RUNTIME = 4


class AgentEvalsError(Exception):
    """Base of every error agent-evals raises on purpose."""

    exit_code = EXIT_RUNTIME


class UsageError(AgentEvalsError):
    """The command was called wrongly: a bad option, a missing file, an unknown name."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """The release config is wrong; the message names the file, the key path and the fix."""

    def __init__(self, message: str, *, path: str | None = None, key: str | None = None) -> None:
        self.path = path
        self.key = key
        prefix = path or ""
        if key:
            prefix = f"{prefix}: {key}" if prefix else key
        super().__init__(f"{prefix}: {message}" if prefix else message)


class ImportFormatError(UsageError):
    """An import file is malformed; the message names ``file:line``."""


class TaskError(UsageError):
    """A task or slice folder is malformed."""


class StoreError(AgentEvalsError):
    """The run store could not be read or written."""


class ConflictError(AgentEvalsError):
    """Another process changed the release state first (compare-and-set lost)."""


class HarnessError(AgentEvalsError):
    """The harness or its infrastructure failed (not the model)."""


class UpstreamError(AgentEvalsError):
    """A model endpoint failed or could not be reached."""
