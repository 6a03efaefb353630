"""Telling the plumbing's failures from the model's: which agent failures are ``infra_error``.

A run that never reached the model, or that the agent refused to start, says nothing about
the model. Each adapter names the signs its CLI gives for that (exit codes it reserves for
auth and config errors, the lines it prints); the signs every CLI shares — a refused
connection, a name that does not resolve, HTTP 401, 403 or 404 from the API route, a missing
key — are checked for all of them. Signs are looked for only in what the agent says about
its own failure (stderr and the error it reported), never in the output of the commands it
ran, so a task whose tests print "Connection refused" stays the model's result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

STDERR_TAIL_CHARS = 1500

_Sign = tuple[str, re.Pattern[str]]


def _sign(why: str, pattern: str) -> _Sign:
    return why, re.compile(pattern, re.IGNORECASE)


COMMON_SIGNS: tuple[_Sign, ...] = (
    _sign(
        "the model endpoint cannot be reached",
        r"connection refused|\bECONNREFUSED\b|\bAPIConnectionError\b|\bConnection error\b|"
        r"error sending request for url|failed to connect|\bConnectError\b|"
        r"No route to host|Network is unreachable",
    ),
    _sign(
        "the model endpoint's host name does not resolve",
        r"Name or service not known|nodename nor servname|"
        r"Temporary failure in name resolution|\bENOTFOUND\b|Could not resolve host",
    ),
    _sign(
        "the model endpoint refused the key",
        r"\b401\b.{0,20}Unauthorized|\b403\b.{0,20}Forbidden|API Error: 40[13]\b|"
        r"\bAuthenticationError\b|\bPermissionDeniedError\b|Invalid API key|"
        r"Incorrect API key|invalid x-api-key|API key not valid|api_key client option must be set",
    ),
    _sign(
        "the API route is not there (HTTP 404)",
        r"\b404\b.{0,20}Not Found|API Error: 404\b|\bNotFoundError\b",
    ),
    _sign("the agent has no key to send", r"Missing environment variable"),
    _sign(
        "the agent program is broken (it cannot import its own modules)",
        r"\bModuleNotFoundError\b|\bImportError\b",
    ),
)


@dataclass(frozen=True)
class InfraSigns:
    """How one agent CLI says that it could not do its job for reasons outside the model."""

    exit_codes: frozenset[int] = frozenset()
    signs: tuple[_Sign, ...] = ()

    def with_common(self) -> tuple[_Sign, ...]:
        """This agent's own signs first, then the ones every CLI shares."""
        return (*self.signs, *COMMON_SIGNS)


def infra_reason(
    signs: InfraSigns,
    *,
    program: str,
    exit_code: int | None,
    timed_out: bool,
    texts: Iterable[str],
) -> str | None:
    """Why a run failed for reasons outside the model, or ``None`` when it may be the model's.

    ``texts`` are what the agent said about its own failure (stderr, its reported error).
    """
    said = "\n".join(text for text in texts if text)
    if exit_code is None and not timed_out:
        return f"the agent program {program!r} could not be started"
    for why, pattern in signs.with_common():
        match = pattern.search(said)
        if match:
            return f"{why} ({_line_of(said, match.start())})"
    if exit_code in signs.exit_codes:
        return f"{program} exited with code {exit_code}, which it reserves for setup errors"
    return None


def stderr_tail(stderr: str) -> str:
    """The last characters of stderr, whole lines where possible."""
    text = stderr.strip()
    if len(text) <= STDERR_TAIL_CHARS:
        return text
    cut = text[-STDERR_TAIL_CHARS:]
    newline = cut.find("\n")
    return cut[newline + 1 :] if 0 <= newline < len(cut) - 1 else cut


def _line_of(text: str, index: int) -> str:
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return text[start : end if end >= 0 else len(text)].strip()[:300]
