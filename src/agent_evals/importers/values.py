"""Reading one value of an outside record strictly: JSON numbers, or CSV text of them."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from agent_evals.importers.base import RecordError
from agent_evals.records import EARLIEST_TIME, LATEST_TIME
from agent_evals.types import MAX_COUNT
from agent_evals.validation import SHOWN_VALUE_CHARS, clip

_TRUE = frozenset({"true", "yes", "1", "y", "t"})
_FALSE = frozenset({"false", "no", "0", "n", "f"})
_EARLIEST_S = EARLIEST_TIME.timestamp()
_LATEST_S = LATEST_TIME.timestamp()


def as_count(value: Any, name: str) -> int | None:
    """A whole number from 0 to ``MAX_COUNT`` (``None`` stays unknown)."""
    if value is None:
        return None
    kind = type(value)
    if kind is int and 0 <= value <= MAX_COUNT:
        return int(value)
    if kind is float and 0 <= value <= MAX_COUNT and value.is_integer():
        return int(value)
    if kind is str:
        return as_count(_number(value, name), name)
    raise RecordError(f"{name} must be a whole number from 0 to {MAX_COUNT}, got {shown(value)}")


def as_amount(value: Any, name: str) -> float | None:
    """A non-negative number such as a cost or a latency (``None`` stays unknown)."""
    if value is None:
        return None
    kind = type(value)
    if (kind is float or kind is int) and 0 <= value < math.inf:
        return float(value)
    if kind is str:
        return as_amount(_number(value, name), name)
    raise RecordError(f"{name} must be a non-negative number, got {shown(value)}")


def as_flag(value: Any, name: str) -> bool:
    """A yes/no value: a JSON boolean, 0 or 1, or text such as true/false/yes/no."""
    if value is True or value is False:
        return bool(value)
    if type(value) is int and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise RecordError(f"{name} must be true or false, got {shown(value)}")


def as_text(value: Any, name: str) -> str:
    """A non-empty string (a JSON number is accepted for ids)."""
    if isinstance(value, str) and value:
        return value
    if type(value) is int:
        return str(value)
    raise RecordError(f"{name} must be a non-empty string, got {shown(value)}")


def as_time(value: Any, name: str) -> datetime | None:
    """An ISO 8601 timestamp (UTC when it names no zone), or epoch seconds, in a sane range."""
    if value is None:
        return None
    parsed: datetime | None = None
    if type(value) in (int, float) and _EARLIEST_S <= value <= _LATEST_S:
        parsed = datetime.fromtimestamp(value, UTC)
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = None
        else:
            parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if parsed is not None and EARLIEST_TIME <= parsed <= LATEST_TIME:
        return parsed
    raise RecordError(
        f"{name} must be an ISO 8601 time (or epoch seconds) between "
        f"{EARLIEST_TIME:%Y-%m-%d} and {LATEST_TIME:%Y-%m-%d}, got {shown(value)}"
    )


def shown(value: Any) -> str:
    """A bad value as written, cut short (a record can hold a whole file in one field)."""
    return clip(repr(value), SHOWN_VALUE_CHARS)


def _number(text: str, name: str) -> float | int | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise RecordError(f"{name} must be a number, got {shown(text)}") from None
