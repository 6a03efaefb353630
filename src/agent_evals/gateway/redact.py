"""Credentials written into URLs are shown as ``***`` wherever the gateway prints a URL.

A ``baseUrl`` may carry a secret in its userinfo (``https://user:secret@host``) or in its
query (``?key=...``, as some providers take keys); neither may reach a log, ``/readyz`` or
an error message, and neither may be parsed out again by a reader of those.
"""

from __future__ import annotations

import re

_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@?#]+@")
_QUERY_VALUE = re.compile(r"(?P<name>[?&][^=&\s#]+=)[^&\s#]+")


def redact(text: str) -> str:
    """``text`` with the userinfo and query values of every URL in it replaced by ``***``."""
    return _QUERY_VALUE.sub(r"\g<name>***", _USERINFO.sub(r"\g<scheme>***@", text))
