"""Fake LLM servers for tests: real HTTP on 127.0.0.1 (random port) in a background thread.

Each server answers from a SCRIPTED queue of ``Reply`` objects (one queue per path, used in
order) and RECORDS every request, so a test can say what the LLM answers and then assert what the
client sent::

    with FakeOpenAIServer() as server:
        server.script(FakeOpenAIServer.turn({"answer": "hi"}), Reply.error(429, retry_after_ms=1))
        ...  # point a client at server.base_url
        assert server.requests[0].json["model"] == "m"
        assert "planted-secret" not in server.all_text()

A request with nothing left in its queue gets a 500 with ``x-should-retry: false`` (so SDK
clients fail at once instead of retrying) and a message saying the script ran out.
``/v1/embeddings`` answers with small deterministic vectors when nothing is scripted for it.

Helpers build well-formed bodies (``turn``, ``refusal``, ``tool_use``, ...) and failures
(``Reply.error`` for 4xx/5xx with optional ``retry-after-ms``, ``Reply.raw`` for broken bodies,
``reply.slow(seconds)`` for a delay longer than the client's timeout). A delayed reply stops
waiting when the server stops, so teardown is fast.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeAnthropicServer", "FakeLLMServer", "FakeOpenAIServer", "RecordedRequest", "Reply"]

# ---- scripted replies and recorded requests ---------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """One scripted HTTP answer. ``body``: dict/list are sent as JSON, str/bytes as is."""

    status: int = 200
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def json(cls, body: Any, *, status: int = 200, **headers: str) -> Reply:
        return cls(status=status, body=body, headers=headers)

    @classmethod
    def raw(
        cls, text: str | bytes, *, status: int = 200, content_type: str = "text/plain"
    ) -> Reply:
        return cls(status=status, body=text, headers={"content-type": content_type})

    @classmethod
    def error(cls, status: int, message: str = "", *, retry_after_ms: int | None = None) -> Reply:
        """An API error in the shape both OpenAI and Anthropic use (``error.message/type``)."""
        headers = {} if retry_after_ms is None else {"retry-after-ms": str(retry_after_ms)}
        kind = {429: "rate_limit_error", 401: "authentication_error"}.get(status, "api_error")
        body = {
            "type": "error",
            "error": {"message": message or f"fake error {status}", "type": kind, "code": None},
        }
        return cls(status=status, body=body, headers=headers)

    def slow(self, seconds: float) -> Reply:
        """The same reply, sent after ``seconds`` (use more than the client's timeout)."""
        return replace(self, delay=seconds)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: Mapping[str, str]  # names in lower case
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def json(self) -> Any:
        return json.loads(self.body)


# ---- the server -------------------------------------------------------------------------------


class FakeLLMServer:
    """Serves ``ROUTES`` (POST) from per-path queues; subclasses add body helpers."""

    ROUTES: tuple[str, ...] = ()
    DEFAULT_ROUTE = ""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._queues: dict[str, deque[Reply]] = {route: deque() for route in self.ROUTES}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # lifecycle

    def start(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # scripting and inspection

    def script(self, *replies: Reply, path: str | None = None) -> None:
        """Queue replies for ``path`` (default: the chat route), answered in order."""
        with self._lock:
            self._queues[path or self.DEFAULT_ROUTE].extend(replies)

    def pending(self, path: str | None = None) -> int:
        with self._lock:
            return len(self._queues[path or self.DEFAULT_ROUTE])

    def bodies(self, path: str | None = None) -> list[Any]:
        """The JSON bodies received on ``path`` (default: the chat route), in order."""
        route = path or self.DEFAULT_ROUTE
        return [r.json for r in list(self.requests) if r.path == route]

    def all_text(self, *, headers: bool = False) -> str:
        """Everything received as one string (bodies; with ``headers=True`` headers too)."""
        parts = []
        for request in list(self.requests):
            if headers:
                parts.extend(f"{k}: {v}" for k, v in request.headers.items())
            parts.append(request.text)
        return "\n".join(parts)

    # request handling (runs in the server's handler threads)

    def _answer(self, handler: _Handler) -> None:
        length = int(handler.headers.get("content-length") or 0)
        body = handler.rfile.read(length) if length else b""
        path = handler.path.split("?", 1)[0]
        headers = {name.lower(): value for name, value in handler.headers.items()}
        recorded = RecordedRequest(handler.command, path, headers, body)
        with self._lock:
            self.requests.append(recorded)
            queue = self._queues.get(path)
            reply = queue.popleft() if queue else None
        if reply is None:
            reply = self._unscripted(path, recorded)
        if reply.delay and self._stopping.wait(reply.delay):
            return  # the server is stopping; the client gave up long ago
        _send(handler, reply)

    def _unscripted(self, path: str, request: RecordedRequest) -> Reply:
        if path not in self._queues:
            return Reply.error(404, f"fake server: no route {path}")
        reply = Reply.error(500, f"fake server: no scripted reply left for {path}")
        return replace(reply, headers={"x-should-retry": "false"})


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: FakeLLMServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out closes its socket before the delayed reply is written.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        self.server.owner._answer(self)

    def do_GET(self) -> None:  # noqa: N802
        _send(self, Reply.error(404, f"fake server: GET {self.path} is not served"))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence stderr
        pass


def _send(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
    if isinstance(reply.body, bytes | str):
        payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
        content_type = "text/plain"
    else:
        payload = json.dumps(reply.body).encode()
        content_type = "application/json"
    headers = {"content-type": content_type, **reply.headers}
    handler.send_response(reply.status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("content-length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


# ---- OpenAI-compatible ------------------------------------------------------------------------


class FakeOpenAIServer(FakeLLMServer):
    """``POST /v1/chat/completions`` (scripted) and ``POST /v1/embeddings``."""

    CHAT = "/v1/chat/completions"
    EMBEDDINGS = "/v1/embeddings"
    ROUTES = (CHAT, EMBEDDINGS)
    DEFAULT_ROUTE = CHAT

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    @staticmethod
    def turn(content: str | Mapping[str, Any], *, finish_reason: str = "stop") -> Reply:
        """A completion whose message content is ``content`` (a mapping is sent as JSON text)."""
        text = content if isinstance(content, str) else json.dumps(content)
        return Reply.json(_completion({"role": "assistant", "content": text}, finish_reason))

    @staticmethod
    def refusal(text: str = "I can't help with that.") -> Reply:
        message = {"role": "assistant", "content": None, "refusal": text}
        return Reply.json(_completion(message, "stop"))

    @staticmethod
    def embeddings(vectors: Iterable[Iterable[float]]) -> Reply:
        data = [
            {"object": "embedding", "index": i, "embedding": list(v)} for i, v in enumerate(vectors)
        ]
        return Reply.json({"object": "list", "data": data, "model": "fake-embedder"})

    def _unscripted(self, path: str, request: RecordedRequest) -> Reply:
        if path != self.EMBEDDINGS:
            return super()._unscripted(path, request)
        inputs = request.json.get("input", [])
        inputs = [inputs] if isinstance(inputs, str) else inputs
        return self.embeddings(_hash_vector(str(text)) for text in inputs)


def _completion(message: dict[str, Any], finish_reason: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "fake-model",
        "choices": [
            {"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _hash_vector(text: str, dimensions: int = 8) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [(byte - 128) / 128 for byte in digest[:dimensions]]


# ---- Anthropic-compatible ---------------------------------------------------------------------


class FakeAnthropicServer(FakeLLMServer):
    """``POST /v1/messages`` (scripted)."""

    MESSAGES = "/v1/messages"
    ROUTES = (MESSAGES,)
    DEFAULT_ROUTE = MESSAGES

    @property
    def base_url(self) -> str:
        return self.url  # the SDK appends /v1/messages

    @staticmethod
    def tool_use(tool_input: Any, *, name: str = "respond", stop_reason: str = "tool_use") -> Reply:
        block = {"type": "tool_use", "id": "toolu_fake", "name": name, "input": tool_input}
        return Reply.json(_message([block], stop_reason))

    @staticmethod
    def text(text: str, *, stop_reason: str = "end_turn") -> Reply:
        return Reply.json(_message([{"type": "text", "text": text}], stop_reason))

    @staticmethod
    def refusal(text: str = "") -> Reply:
        content = [{"type": "text", "text": text}] if text else []
        return Reply.json(_message(content, "refusal"))


def _message(content: list[dict[str, Any]], stop_reason: str) -> dict[str, Any]:
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": "fake-model",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }
