"""Summary length chosen from the input when the user sets none.

Human summaries of bigger events are longer: on the Multi-News development set the
reference length grows with the logarithm of the input's size (correlation 0.42 with
ln(words), against 0.16 for the raw word count). A least-squares line through
(ln input words, reference words) predicts the length a person would write; the budget is
that prediction times ``RATIO``, because an extractive summary pays less in precision for a
few extra words than it gains in recall (docs/quality.md shows R1/R2 against length).
The line is fitted on multinews-dev.jsonl by ``benchmarks/fit_summarizer.py`` and shipped in
``concept_weights.json`` beside the concept weights.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

from newsbrief.models import Document

__all__ = ["MAX_WORDS", "MIN_WORDS", "RATIO", "choose_length", "length_line"]

RATIO = 1.25
MIN_WORDS = 100
MAX_WORDS = 400


@lru_cache(maxsize=1)
def length_line() -> tuple[float, float]:
    """``(intercept, slope)`` of reference words against ln(input words)."""
    from newsbrief.summarize.concepts import WEIGHTS_FILE

    text = resources.files("newsbrief.summarize").joinpath(WEIGHTS_FILE).read_text("utf-8")
    line = json.loads(text)["length"]
    return float(line["intercept"]), float(line["slope"])


def choose_length(
    documents: Sequence[Document], line: tuple[float, float] | None = None
) -> int:
    """The summary budget in words for an event made of ``documents`` (``line``: an
    ``(intercept, slope)`` other than the shipped one, for cross-validation)."""
    size = sum(len(d.text.split()) for d in documents)
    intercept, slope = line or length_line()
    predicted = intercept + slope * math.log(max(size, 100))
    return int(min(MAX_WORDS, max(MIN_WORDS, RATIO * predicted)))
