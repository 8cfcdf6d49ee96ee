"""Options for briefing, in one object shared by the library, the CLI, the store and Spark."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True, slots=True)
class BriefConfig:
    """How to brief an event.

    ``words`` is the summary budget (``None``: chosen from the input's size);
    ``headline_words`` the budget of the headline brief; ``method`` names a summarizer
    registered in :mod:`newsbrief.summarize`; ``analyze`` adds entities, quotes, timeline and
    disagreements (needs the ``nlp`` extra for entities).
    """

    words: int | None = None
    headline_words: int = 40
    method: str = "ilp"
    analyze: bool = True
    duplicate_threshold: float = 0.35
    sentence_similarity: float = 0.65

    def with_(self, **changes: Any) -> BriefConfig:
        return replace(self, **changes)
