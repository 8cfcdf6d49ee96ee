"""Summary length chosen from the input when the user sets none.

Human summaries of bigger events are longer: on the Multi-News development set the
reference length grows with the logarithm of the input's size (correlation 0.42 with
ln(words), against 0.16 for the raw word count). A least-squares line through
(ln input words, reference words) predicts the length a person would write; the budget is
that prediction times ``RATIO``, because an extractive summary pays less in precision for a
few extra words than it gains in recall (docs/quality.md shows R1/R2 against length).
``benchmarks/fit_summarizer.py`` refits these numbers from the development set.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from newsbrief.models import Document

__all__ = ["INTERCEPT", "SLOPE", "RATIO", "MIN_WORDS", "MAX_WORDS", "choose_length"]

# Fitted on multinews-dev.jsonl (250 clusters) by benchmarks/fit_summarizer.py.
INTERCEPT = -53.77
SLOPE = 39.59
RATIO = 1.3
MIN_WORDS = 100
MAX_WORDS = 400


def choose_length(documents: Sequence[Document]) -> int:
    """The summary budget in words for an event made of ``documents``."""
    size = sum(len(d.text.split()) for d in documents)
    predicted = INTERCEPT + SLOPE * math.log(max(size, 100))
    return int(min(MAX_WORDS, max(MIN_WORDS, RATIO * predicted)))
