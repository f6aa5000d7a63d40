"""``Idempotency-Key`` on writes: a retry with the same key and request answers what the first
attempt answered and writes nothing (see ``kit.idempotency``).

The answer is known only once FastAPI has built the response; the routes keep it on
``request.state`` (``api.routing``) before the request's unit of work commits (``api.deps``), so
the answer is stored in the same transaction as the write it describes.
"""

from __future__ import annotations

from fastapi import Request, Response

from faultmaven.kit.idempotency import Claim, Reply

HEADER = "Idempotency-Key"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_KEPT_HEADERS = ("content-type", "location", "etag")
HEADER_DOC = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "A key of your choosing (e.g. a UUID) that makes a retry safe: the same key "
    "with the same request within the key's lifetime (24 h by default) answers the first "
    "answer again and saves nothing new; the same key with a different request is a 422.",
    "schema": {"type": "string", "maxLength": 200},
}


class IdempotentReplay(Exception):  # noqa: N818 - a control-flow signal, not a failure
    """The request repeats one already answered: answer it again (an exception handler does)."""

    def __init__(self, reply: Reply) -> None:
        super().__init__("idempotent replay")
        self.reply = reply


async def claim_of(request: Request) -> Claim | None:
    """The idempotency claim of a write that sends ``Idempotency-Key`` (else None): keys are
    per sender (the credentials; in local mode the actor header), the request is its method,
    path, query and body."""
    key = request.headers.get(HEADER)
    if key is None or request.method not in WRITE_METHODS:
        return None
    body = await request.body()
    url = request.url
    return Claim.of(
        key=key,
        scope="\n".join(
            [
                request.headers.get("x-faultmaven-actor", ""),
                request.headers.get("authorization", ""),
            ]
        ),
        request=b"\n".join([request.method.encode(), url.path.encode(), url.query.encode(), body]),
    )


def reply_of(response: Response) -> Reply:
    headers = {name: response.headers[name] for name in _KEPT_HEADERS if name in response.headers}
    return Reply(response.status_code, headers, bytes(response.body))


def replayed(reply: Reply) -> Response:
    return Response(
        content=reply.body,
        status_code=reply.status_code,
        headers={**reply.headers, "Idempotent-Replayed": "true"},
    )
