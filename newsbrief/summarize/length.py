"""Summary length chosen from the input when the user sets none.

Human summaries of bigger events are longer: on the Multi-News development set the
reference length grows with the logarithm of the input's size (correlation 0.42 with
ln(words), against 0.16 for the raw word count) and with the number of articles (0.47): an
event told by more outlets has more sides to report. A least-squares plane through
(ln input words, ln articles, reference words) predicts the length a person would write
(5-fold cross-validated error 65.5 words against 67.1 for ln(words) alone); logarithms keep
a 100-article event from growing without bound. The budget is that prediction times
``RATIO``, because an extractive summary pays less in precision for a few extra words than
it gains in recall (docs/quality.md shows R1/R2 against length). The plane is fitted on
multinews-dev.jsonl by ``benchmarks/fit_summarizer.py`` and shipped in
``concept_weights.json`` beside the concept weights.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

from newsbrief.models import Document
from newsbrief.summarize.util import shipped_json, word_count

__all__ = ["MAX_WORDS", "MIN_WORDS", "RATIO", "choose_length", "length_features", "length_line"]

RATIO = 1.25
MIN_WORDS = 100
MAX_WORDS = 300


@lru_cache(maxsize=1)
def length_line() -> tuple[float, float, float]:
    """``(intercept, words slope, articles slope)`` of reference words against
    ln(input words) and ln(articles)."""
    from newsbrief.summarize.concepts import WEIGHTS_FILE

    line = shipped_json(WEIGHTS_FILE)["length"]
    return float(line["intercept"]), float(line["slope"]), float(line["articles_slope"])


def length_features(documents: Sequence[Document]) -> tuple[float, float]:
    """``(ln input words, ln articles)``, floored at 100 words and one article."""
    size = sum(word_count(d.text) for d in documents)
    return math.log(max(size, 100)), math.log(max(len(documents), 1))


def choose_length(
    documents: Sequence[Document], line: tuple[float, float, float] | None = None
) -> int:
    """The summary budget in words for an event made of ``documents`` (``line``: an
    ``(intercept, words slope, articles slope)`` other than the shipped one, for
    cross-validation)."""
    words, articles = length_features(documents)
    intercept, slope, articles_slope = line or length_line()
    predicted = intercept + slope * words + articles_slope * articles
    return int(min(MAX_WORDS, max(MIN_WORDS, RATIO * predicted)))
