"""Background document frequencies: how common a word is outside the articles at hand.

The clusterer weighs words by their inverse document frequency over the articles it has seen.
A few hundred articles say little about how common a word is: among them "weather" or
"police" may occur in as few documents as a name, and two unrelated stories that share such a
word look alike. So the idf also counts a background of ``background_documents`` documents of
``background_length`` running words each, made from general word frequencies (the
``wordfreq`` package's "best" English list: Speer, "rspeer/wordfreq", 2022). A word of
frequency ``f`` (share of running words) occurs in such a document with probability
``1 - exp(-length * f)`` (words as Poisson arrivals; Church & Gale, "Poisson mixtures", 1995),
so for a word of the list the background adds ``documents * (1 - exp(-length * f))`` to its
document frequency and ``documents`` to the number of documents. Names and rare words get
next to nothing from it and keep a high idf; common words are weighed down even in a small
collection. As a stream grows, its own counts outweigh the prior. A word the list does not
hold is weighed by the collection alone (:meth:`newsbrief.cluster.EventClusterer.idf`): a
collection in a language the list does not cover is clustered exactly as without a
background. (Counting the background documents for every word instead made the dev set,
with every word replaced by a made-up one, fall from B-cubed F1 0.79 to 0.28: its common
words then weighed nearly as much as its rare ones.)

Words are keyed as the clusterer keys them (:func:`newsbrief.cluster._term_id`): the word
itself, and the word as a one-word capitalised phrase. Phrases of several words, words of
other languages than English, and words joined by hyphens or apostrophes that the list does
not hold as such are not in the table.
"""

from __future__ import annotations

import math
import zlib
from functools import lru_cache

from newsbrief.errors import MissingDependency, NewsbriefError

__all__ = ["MissingWordList", "background_counts"]


class MissingWordList(MissingDependency):
    """wordfreq, a dependency of newsbrief itself (no extra), cannot be imported."""

    def __init__(self, message: str = (
            "wordfreq is not installed: newsbrief's clustering weighs common words by it; "
            "install it with: pip install 'wordfreq>=3.1' (newsbrief cluster and "
            "evaluate-clusters also run without it: --background-documents 0)")):
        NewsbriefError.__init__(self, message)  # not MissingDependency's "newsbrief[extra]"


#: Words rarer than this (about one in ten million running words) would add well under one
#: background document; leaving them out keeps the table small (about 96,000 words, each keyed twice).
MIN_FREQUENCY = 1e-7
#: Numbers below this get their own frequency (years among them).
NUMBERS = 10000


@lru_cache(maxsize=4)
def background_counts(documents: int, length: int, entity_prefix: str) -> dict[int, float]:
    """Term id -> background document frequency (see the module docstring)."""
    if documents <= 0 or length <= 0:
        return {}
    try:
        from wordfreq import get_frequency_dict, word_frequency
    except ImportError:  # a core dependency, but a broken or partial install happens
        raise MissingWordList() from None

    frequencies = dict(get_frequency_dict("en", wordlist="best"))
    # The list keeps numbers as digit patterns ("0000"); wordfreq spreads a pattern's
    # frequency over its numbers (years near today are common), so ask for each one.
    frequencies.update((str(n), word_frequency(str(n), "en")) for n in range(NUMBERS))
    counts: dict[int, float] = {}
    for word, frequency in frequencies.items():
        if frequency < MIN_FREQUENCY:
            continue
        count = documents * -math.expm1(-length * frequency)
        counts[zlib.crc32(word.encode("utf-8"))] = count
        if " " not in word:
            counts[zlib.crc32((entity_prefix + word).encode("utf-8"))] = count
    return counts
