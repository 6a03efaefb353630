"""The environment of every process the harness starts: an allow-list, never the whole of it.

Agents, verify and lint commands run what the model under test wrote, so they must not see
the operator's secrets: other lanes' API keys, the gateway's admin and ingest tokens, cloud
credentials. They get the variables below (what programs need to start, find their tools,
print text and reach the network), plus what the harness sets for the run (the lane's own key
under the name its agent reads, a private ``HOME``), plus the names ``agent.passEnv`` lists.
This is the shape of sudo's ``env_reset`` with ``env_keep`` (sudoers(5)).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

# What a program needs to start and find its tools, print text, and know where temp files go.
BASE_VARIABLES = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TERM", "TZ", "TMPDIR")
# How this machine reaches the network: agents call their endpoint the way the harness does.
NETWORK_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
)
ALLOWED_VARIABLES = BASE_VARIABLES + NETWORK_VARIABLES
ALLOWED_PREFIXES = ("LC_",)


def allowed(name: str) -> bool:
    """Whether a variable of the harness's own environment passes to the processes it starts."""
    return name in ALLOWED_VARIABLES or name.startswith(ALLOWED_PREFIXES)


def child_environment(
    extra: Mapping[str, str] | None = None, *, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The allow-listed part of ``environ`` (default: this process's) overlaid with ``extra``."""
    source = os.environ if environ is None else environ
    return {**{k: v for k, v in source.items() if allowed(k)}, **(extra or {})}


def passed_variables(
    names: Iterable[str], environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The variables ``agent.passEnv`` names that are set, with their values."""
    source = os.environ if environ is None else environ
    return {name: source[name] for name in names if name in source}
