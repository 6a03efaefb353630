"""``bodyLimitBytes`` holds on every route, for chunked bodies without a Content-Length too."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from .conftest import ADMIN_TOKEN, INGEST_TOKEN, MakeRig

LIMIT = 65_536
CHUNK = b"x" * 65_536
CHUNKS = 2048  # 128 MiB offered, 2048 times the limit
ROUTES = {
    "/v1/chat/completions": {},
    "/v1/messages": {},
    "/v1/responses": {},
    "/v1beta/models/m:generateContent": {},
    "/tasks/t-1/v1/chat/completions": {},
    "/api/outcomes": {"authorization": f"Bearer {INGEST_TOKEN}"},
    "/api/reviews": {"authorization": f"Bearer {INGEST_TOKEN}"},
    "/webhooks/github": {"x-hub-signature-256": "sha256=" + "0" * 64},
    "/admin/promote": {"authorization": f"Bearer {ADMIN_TOKEN}"},
    "/admin/rollback": {"authorization": f"Bearer {ADMIN_TOKEN}"},
    "/no/such/route": {},
}


class Upload:
    """A chunked body that counts how much of it the client was made to send."""

    def __init__(self) -> None:
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(CHUNKS):
            self.sent += 1
            yield CHUNK


@pytest.mark.slow
def test_a_chunked_upload_over_the_limit_is_refused_early_on_every_route(
    make_rig: MakeRig,
) -> None:
    seen = {}
    with make_rig(gateway={"bodyLimitBytes": LIMIT}) as rig:
        for path, headers in ROUTES.items():
            upload = Upload()
            answer = httpx.post(rig.root + path, content=iter(upload), headers=headers, timeout=60)
            seen[path] = (answer.status_code, upload.sent)
        assert rig.chat("t-after").status_code == 200  # the gateway still serves
    for path, (status, sent) in seen.items():
        expected = 404 if path == "/no/such/route" else 413
        assert status == expected, (path, status)
        # The refusal came long before the end: what was sent is the limit plus socket buffers.
        assert sent < CHUNKS // 4, (path, sent)


def test_a_declared_length_over_the_limit_is_refused_before_reading(make_rig: MakeRig) -> None:
    with make_rig(gateway={"bodyLimitBytes": LIMIT}) as rig:
        answer = rig.post("/api/reviews", {"task_id": "t", "count": 1, "pad": "x" * LIMIT})
    assert answer.status_code == 413 and "over 65536 bytes" in answer.json()["error"]
