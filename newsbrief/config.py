"""Options for briefing, in one object shared by the library, the CLI, the store and Spark."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

#: Words the NER model reads per event by default: the seeds (2,600 words) and most news events
#: are read whole; a 100-article event is sampled (docs/analysis.md, "Big events").
NER_WORDS = 5000


@dataclass(frozen=True, slots=True)
class BriefConfig:
    """How to brief an event.

    ``words`` is the summary budget (``None``: chosen from the input's size);
    ``headline_words`` the budget of the headline brief; ``method`` names a summarizer
    registered in :mod:`newsbrief.summarize`; ``analyze`` adds entities, quotes, timeline and
    disagreements (needs the ``nlp`` extra for entities); ``ner_words`` caps the words the NER
    model reads per event (a sample of sentences past it; ``None``: all); ``ner_process`` runs
    the model in a background worker process (:mod:`newsbrief.analyze.worker`), in parallel
    with the summary.
    """

    words: int | None = None
    headline_words: int = 40
    method: str = "ilp"
    analyze: bool = True
    duplicate_threshold: float = 0.35
    sentence_similarity: float = 0.65
    ner_words: int | None = NER_WORDS
    ner_process: bool = True

    def with_(self, **changes: Any) -> BriefConfig:
        return replace(self, **changes)
