"""Extractive summarizers behind one small protocol.

A summarizer receives an :class:`EventInput` (the cleaned documents, their near-duplicate
map and the groups of near-identical sentences) and a word budget, and returns the chosen
sentence groups in reading order. Each method lives in its own module and registers itself
in ``METHODS``; ``get_summarizer`` rejects unknown names with the list of known ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from newsbrief.dedup import SentenceGroup
from newsbrief.errors import InputError
from newsbrief.models import Document

__all__ = ["METHODS", "EventInput", "Selection", "Summarizer", "get_summarizer", "register"]


@dataclass(frozen=True, slots=True)
class EventInput:
    documents: tuple[Document, ...]
    duplicates: dict[str, str]
    groups: tuple[SentenceGroup, ...]


@dataclass(frozen=True, slots=True)
class Selection:
    group: SentenceGroup
    score: float
    text: str | None = None  # a compressed form of the group's text, when the method made one

    @property
    def output_text(self) -> str:
        return self.text or self.group.text


class Summarizer(Protocol):
    def summarize(self, event: EventInput, words: int) -> Sequence[Selection]: ...


METHODS: dict[str, Callable[[], Summarizer]] = {}


def register(name: str) -> Callable[[Callable[[], Summarizer]], Callable[[], Summarizer]]:
    def decorate(factory: Callable[[], Summarizer]) -> Callable[[], Summarizer]:
        METHODS[name] = factory
        return factory

    return decorate


def get_summarizer(name: str) -> Summarizer:
    _load_methods()
    try:
        return METHODS[name]()
    except KeyError:
        known = ", ".join(sorted(METHODS))
        raise InputError(f"unknown summarization method {name!r}; known: {known}") from None


def _load_methods() -> None:
    from newsbrief.summarize import centroid, ilp, lead, submodular  # noqa: F401  (registers)
