"""Text analysis for the in-process keyword index: words, folded and stemmed (pure).

Tokens are runs of letters and digits (``_`` and punctuation split words, as SQLite's
``unicode61`` tokenizer does), lower-cased and without diacritics, then reduced by the Porter
stemmer, so "timeouts" finds "timeout" and ``OOMKilled`` is one word.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[^\W_]+")
_STEMMER = snowballstemmer.stemmer("porter")
MAX_STEMMED_CHARS = 64  # longer tokens (hashes, blobs) are kept as they are


def _folded(text: str) -> str:
    text = text.lower()
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=262_144)
def stem(word: str) -> str:
    """The Porter stem of one folded word (digits and very long tokens unchanged)."""
    if len(word) < 3 or len(word) > MAX_STEMMED_CHARS or not word.isalpha():
        return word
    return _STEMMER.stemWord(word)


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order (not stemmed)."""
    return _WORD.findall(_folded(text))


def term_counts(text: str) -> Counter[str]:
    """How often each stem occurs in ``text``."""
    counts: Counter[str] = Counter()
    for word, count in Counter(words(text)).items():
        counts[stem(word)] += count
    return counts
