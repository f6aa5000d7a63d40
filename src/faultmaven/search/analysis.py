"""Text analysis for the in-process keyword index: words, folded and stemmed (pure).

Tokens are runs of letters and digits (``_`` and punctuation split words, as SQLite's
``unicode61`` tokenizer does), lower-cased and without diacritics, then reduced by the Porter
stemmer, so "timeouts" finds "timeout" and ``OOMKilled`` is one word.
"""

from __future__ import annotations

import re
import unicodedata
from hashlib import blake2b

import snowballstemmer

_WORD = re.compile(r"[^\W_]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")  # the same on lower-cased ASCII text, twice as fast
_STEMMER = snowballstemmer.stemmer("porter")
MAX_STEMMED_CHARS = 64  # longer tokens (hashes, blobs) are kept as they are


def _folded(text: str) -> str:
    text = text.lower()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


_STEMS: dict[str, str] = {}  # word -> stem: words repeat, stemming is slow pure Python
MAX_CACHED_STEMS = 500_000


def stem(word: str) -> str:
    """The Porter stem of one folded word (digits and very long tokens unchanged)."""
    found = _STEMS.get(word)
    if found is None:
        found = word
        if 3 <= len(word) <= MAX_STEMMED_CHARS and word.isalpha():
            found = _STEMMER.stemWord(word)
        if len(_STEMS) < MAX_CACHED_STEMS:
            _STEMS[word] = found
    return found


def term_key(term: str) -> int:
    """A stable 64-bit key of a stem (the same in every process and release): the index stores
    keys, not text, so that loading it is array work instead of a dictionary lookup per word."""
    return int.from_bytes(blake2b(term.encode(), digest_size=8).digest(), "little", signed=True)


_WORD_KEYS: dict[str, int] = {}  # word -> term_key(stem(word)), the index's hot path


def word_key(word: str) -> int:
    """``term_key(stem(word))`` of a folded word, cached."""
    key = _WORD_KEYS.get(word)
    if key is None:
        key = term_key(stem(word))
        if len(_WORD_KEYS) < MAX_CACHED_STEMS:
            _WORD_KEYS[word] = key
    return key


# English function words: they never count as a match on their own and are not shown in
# explanations (a query of only these finds nothing). Negations and "up"/"down"/"off"/"out" are
# kept: in troubleshooting they carry meaning ("not running", "down", "out of memory").
STOP_WORDS = frozenset(
    (
        "a",
        "about",
        "above",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "of",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
    )
)


def is_stop_word(word: str) -> bool:
    """A folded word that carries no meaning in a search (see ``STOP_WORDS``); one letter too."""
    return word in STOP_WORDS or (len(word) == 1 and word.isalpha())


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order (not stemmed)."""
    folded = _folded(text)
    return (_ASCII_WORD if folded.isascii() else _WORD).findall(folded)
