"""A learned sentence prior for the concept ILP: how much of a sentence a human summary keeps.

Concept weights (:mod:`newsbrief.summarize.concepts`) say which bigrams matter; they cannot see
what makes a whole sentence a good summary sentence: its place in its article, its length,
whether it repeats the titles, opens with a pronoun or is a quotation, its density of names
and numbers, how many of its words the other articles use too (and how many of its article's:
a page scraped with the event but not about it shares few). Following the supervised sentence scoring of Kupiec, Pedersen & Chen (1995, "A
trainable document summarizer") and its use beside concept coverage in Li, Qian & Liu (2013),
a ridge regression over those features predicts a sentence's ROUGE-1 precision against the
human summary (the share of its words a person also wrote). The ILP then earns, for each chosen
sentence, ``PRIOR_SCALE x words x (predicted - event mean)``: a sentence predicted to be
better than the event's average pays for its length, a worse one costs.

The coefficients are fitted by ``benchmarks/fit_summarizer.py`` (5-fold cross-validated on
multinews-dev) and shipped in ``concept_weights.json`` under ``"sentence_prior"``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

import numpy as np

from newsbrief.models import Document
from newsbrief.summarize.util import STOPWORDS, linear_model, shipped_json, stem

__all__ = [
    "PRIOR_FEATURES", "PRIOR_SCALE", "apply_prior", "load_prior", "precision_target",
    "sentence_features",
]

PRIOR_FEATURES = (
    "lead_3", "lead_10", "is_first", "relative_position", "log_words", "words_40",
    "weight_per_word", "max_weight", "mean_weight", "title_overlap", "has_quote",
    "opens_quote", "opens_pronoun", "digit_share", "capital_share", "content_share",
    "log_support", "support_share", "first_article", "compressed", "elsewhere_share",
    "document_relevance", "addresses_reader", "first_person",
)
# Bonus per word per unit of predicted precision above the event's mean, in concept-weight
# units; chosen on the cross-validation folds (docs/quality.md), 0 switches the prior off.
PRIOR_SCALE = 0.3

_TOKEN = re.compile(r"[^\W_]+")  # words in any script, as concepts._RAW_TOKEN
_PRONOUNS = frozenset(
    ["he", "she", "they", "it", "his", "her", "their", "this", "these", "those", "that", "we", "i", "its", "him", "them"]
)


# Outside quotation marks, news speaks of third persons: "you" there addresses the reader (a
# site's pitch, a how-to), "I" and "we" are a columnist's or the site's own voice.
_QUOTED = re.compile("\u201c[^\u201d]*\u201d|\"[^\"]*\"")
_READER = frozenset(["you", "your", "yours", "yourself"])
_FIRST_PERSON = frozenset(["i", "me", "my", "we", "our", "ours"])


def _voices(text: str) -> tuple[float, float]:
    """Whether ``text``, its quotations left out, addresses the reader, or speaks as I/we."""
    words = {w.lower() for w in _TOKEN.findall(_QUOTED.sub(" ", text))}
    return float(not words.isdisjoint(_READER)), float(not words.isdisjoint(_FIRST_PERSON))


def _tokens(text: str) -> list[str]:
    """Lower-cased Porter-stemmed tokens, as ROUGE with stemming sees them."""
    return [stem(t) for t in _TOKEN.findall(text.lower())]


def sentence_features(space, documents: Sequence[Document]) -> np.ndarray:  # type: ignore[no-untyped-def]
    """One row of :data:`PRIOR_FEATURES` per candidate of ``space`` (a ConceptSpace)."""
    sentences = {d.id: len(d.sentences) for d in documents}
    order = {d.id: i for i, d in enumerate(documents)}
    titles = {
        t for d in documents if d.article.title for t in _tokens(d.article.title)
        if t not in STOPWORDS
    }
    vocabulary = {d.id: {t for t in _tokens(d.text) if t not in STOPWORDS} for d in documents}
    spread = Counter(t for words in vocabulary.values() for t in words)
    relevance = {
        doc: sum(spread[t] > 1 for t in words) / max(len(words), 1)
        for doc, words in vocabulary.items()
    }
    weights = space.weights
    rows = []
    for candidate in space.candidates:
        first = min(candidate.group.sentences, key=lambda s: s.index)
        text = candidate.text
        raw = text.split()
        tokens = _tokens(text)
        content = [t for t in tokens if t not in STOPWORDS]
        covered = weights[list(candidate.concepts)] if candidate.concepts else np.zeros(1)
        opening = raw[0].lower().strip("\"“'‘") if raw else ""
        carriers = {s.article_id for s in candidate.group.sentences}
        distinct = set(content)
        elsewhere = sum(
            spread[t] > sum(t in vocabulary.get(c, ()) for c in carriers) for t in distinct
        )
        rows.append((
            math.exp(-candidate.position / 3), math.exp(-candidate.position / 10),
            float(candidate.position == 0),
            candidate.position / max(sentences.get(first.article_id, 1), 1),
            math.log(max(candidate.words, 1)), candidate.words / 40,
            covered.sum() / max(candidate.words, 1), covered.max(), covered.mean(),
            sum(t in titles for t in content) / max(len(content), 1),
            float('"' in text or "“" in text), float(text.startswith(('"', "“"))),
            float(opening in _PRONOUNS),
            sum(t.isdigit() for t in tokens) / max(len(tokens), 1),
            sum(w[:1].isupper() for w in raw[1:]) / max(len(raw) - 1, 1),
            len(content) / max(len(tokens), 1),
            math.log(max(candidate.support, 1)), candidate.support / max(space.sources, 1),
            float(order.get(first.article_id) == 0),
            float(text != candidate.group.text),
            elsewhere / max(len(distinct), 1),
            max(relevance.get(a, 0.0) for a in carriers),
            *_voices(text),
        ))
    return np.asarray(rows, dtype=float).reshape(len(rows), len(PRIOR_FEATURES))


def precision_target(text: str, references: Sequence[str]) -> float:
    """ROUGE-1 precision of ``text`` against the references (mean over them): the share of
    its stemmed tokens, clipped by count, that a human summary also holds."""
    counts = Counter(_tokens(text))
    total = max(sum(counts.values()), 1)
    scores = []
    for reference in references:
        ref = Counter(_tokens(reference))
        scores.append(sum(min(n, ref[t]) for t, n in counts.items()) / total)
    return float(np.mean(scores)) if scores else 0.0


@lru_cache(maxsize=4)
def load_prior(name: str = "concept_weights.json") -> tuple[tuple[float, ...], float] | None:
    """The shipped ridge coefficients and intercept, or None when the file has no prior."""
    prior = shipped_json(name).get("sentence_prior")
    if prior is None:
        return None
    return linear_model(prior, PRIOR_FEATURES, f"{name} (sentence prior)")


def apply_prior(
    space, documents: Sequence[Document], scale: float = PRIOR_SCALE,  # type: ignore[no-untyped-def]
    model: tuple[tuple[float, ...], float] | None = None,
):
    """``space`` with each candidate's ``prior`` bonus set (zero when ``scale`` is 0)."""
    if not scale or not space.candidates:
        return space
    model = model or load_prior()
    if model is None:
        return space
    coefficients, intercept = model
    predicted = sentence_features(space, documents) @ np.asarray(coefficients) + intercept
    centred = predicted - predicted.mean()
    candidates = tuple(
        replace(c, prior=float(scale * c.words * p)) for c, p in zip(space.candidates, centred)
    )
    return replace(space, candidates=candidates)
