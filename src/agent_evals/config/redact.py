"""Showing a URL from the config without the secrets it carries.

Webhook URLs are bearer credentials in practice: Slack's and Teams' incoming webhooks put the
token in the path (``/services/T000/B000/XXXX``), others in the query (``?token=``) or in
the user-info part. What people need to tell hooks apart is the scheme and the host; that is
what is shown, with the rest masked.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MASK = "…"
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")


def redact_url(url: str) -> str:
    """``scheme://host[:port]/…``: user info, path, query and fragment masked."""
    try:
        parts = urlsplit(url.strip())
        host, port = parts.hostname, parts.port
    except ValueError:
        return MASK
    if not parts.scheme or not host:
        return MASK
    shown = f"[{host}]" if ":" in host else host
    if port is not None:
        shown += f":{port}"
    hidden = parts.path not in ("", "/") or parts.query or parts.fragment or parts.username
    return f"{parts.scheme}://{shown}{'/' + MASK if hidden else ''}"


def redact_urls(text: str) -> str:
    """``text`` with every URL in it redacted (error messages quote the URL they failed on)."""
    return _URL.sub(lambda match: redact_url(match.group(0)), text)
