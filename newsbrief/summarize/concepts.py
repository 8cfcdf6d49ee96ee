"""Concepts for coverage-based summarization: weighted stemmed bigrams and candidate sentences.

Following Gillick & Favre (2009, "A scalable global model for summarization"), a concept is a
stemmed word bigram that is not made of stop words alone; a summary is good when it covers
heavy concepts. A concept's weight here counts the *independent sources* that carry it (an
article and its syndicated copies, as found by :func:`newsbrief.dedup.find_duplicates`, vote
once), each vote weighted up when the concept occurs early in its article (news is written
lead first), plus a smaller credit for repeats within one source, which is what single-article
events are left with.

Candidates are the groups of near-identical sentences (:func:`newsbrief.dedup.group_sentences`),
so a sentence told by several outlets is one candidate that cites them all. Candidates that are
too short or too long to be a good summary sentence, or that are not prose, are left out.
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from importlib import resources
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from newsbrief.dedup import SentenceGroup
from newsbrief.summarize import EventInput
from newsbrief.summarize.compress import compress
from newsbrief.summarize.util import STOPWORDS, stem, word_count

__all__ = [
    "FEATURES", "Candidate", "ConceptOptions", "ConceptSpace", "build_space", "concept_table",
    "load_weights", "overlap_pairs", "sentence_concepts",
]

_RAW_TOKEN = re.compile(r"[A-Za-z0-9]+")
WEIGHTS_FILE = "concept_weights.json"
_LETTER = re.compile(r"[A-Za-z]")


@dataclass(frozen=True, slots=True)
class ConceptOptions:
    """Knobs of the concept space; the defaults are the tuned ones (docs/quality.md)."""

    weighting: str = "learned"  # "learned" (concept_weights.json) or "support" (counted)
    model: tuple[tuple[float, ...], float] | None = None  # learned weights other than shipped
    position_boost: float = 2.0  # extra vote for a concept in an article's first sentence
    position_decay: float = 5.0  # sentences over which that extra vote decays (e-folding)
    repeat_credit: float = 0.25  # credit for each further occurrence within one source
    repeat_cap: int = 4  # occurrences per source that can earn repeat credit
    unigrams: bool = False  # content words are concepts too
    unigram_weight: float = 0.5  # a word's weight relative to a bigram's of the same features
    min_words: int = 6
    max_words: int = 40
    compress: bool = True


@dataclass(frozen=True, slots=True)
class Candidate:
    """A sentence that may enter the summary: its group, output text, and concept ids."""

    group: SentenceGroup
    text: str
    words: int
    concepts: tuple[int, ...]
    position: int  # the earliest index of the sentence in any article carrying it
    support: int  # independent sources carrying it


@dataclass(frozen=True, slots=True)
class ConceptSpace:
    candidates: tuple[Candidate, ...]
    weights: np.ndarray  # weight of each concept id
    sources: int  # independent sources in the event


def _bigrams(text: str, unigrams: bool = False) -> list[tuple[str, bool, bool, bool]]:
    """``(concept, capitalised, has_stopword, has_digit)`` for each content bigram of ``text``
    (and each content word, when ``unigrams``)."""
    raw = _RAW_TOKEN.findall(text)
    lower = [t.lower() for t in raw]
    stems = [stem(t) for t in lower]
    out = []
    if unigrams:
        for i, word in enumerate(lower):
            if word not in STOPWORDS and len(word) > 1:
                out.append((stems[i], i > 0 and raw[i][:1].isupper(), False, word.isdigit()))
    for i in range(len(raw) - 1):
        stop_a, stop_b = lower[i] in STOPWORDS, lower[i + 1] in STOPWORDS
        if stop_a and stop_b:
            continue
        out.append((
            stems[i] + " " + stems[i + 1],
            i > 0 and raw[i][:1].isupper() and raw[i + 1][:1].isupper(),
            stop_a or stop_b,
            lower[i].isdigit() or lower[i + 1].isdigit(),
        ))
    return out


def sentence_concepts(text: str, unigrams: bool = False) -> list[str]:
    """The stemmed bigrams of ``text`` that hold at least one content word (and, when
    ``unigrams``, its stemmed content words)."""
    return [b[0] for b in _bigrams(text, unigrams)]


def _is_prose(text: str) -> bool:
    """A sentence worth showing: has letters, is not a question, not a heading or a list."""
    stripped = text.strip()
    if not _LETTER.search(stripped) or stripped.endswith("?"):
        return False
    letters = [c for c in stripped if c.isalpha()]
    # Mostly capital letters: a headline, a label or shouting, not a sentence.
    return sum(c.isupper() for c in letters) <= 0.5 * len(letters)


FEATURES = (
    "source_share", "log_sources", "first_position", "mean_position", "log_count",
    "in_lead", "capitalised", "has_stopword", "has_digit", "unigram",
)


class _Stats:
    """What is known of one concept across the event."""

    __slots__ = ("best", "count", "first", "position_sum", "capitals", "stop", "digit", "unigram")

    def __init__(self, stop: bool, digit: bool, unigram: bool):
        self.unigram = unigram
        self.best: dict[str, list[float]] = {}  # source -> [best position weight, occurrences]
        self.count = 0
        self.first = 10**9
        self.position_sum = 0.0
        self.capitals = 0
        self.stop = stop
        self.digit = digit


def concept_features(stats: _Stats, sources: int, decay: float) -> list[float]:
    """The feature vector of one concept (names in ``FEATURES``)."""
    n = len(stats.best)
    return [
        n / sources,
        math.log1p(n),
        math.exp(-stats.first / decay),
        stats.position_sum / stats.count,
        math.log1p(stats.count),
        1.0 if stats.first == 0 else 0.0,
        stats.capitals / stats.count,
        1.0 if stats.stop else 0.0,
        1.0 if stats.digit else 0.0,
        1.0 if stats.unigram else 0.0,
    ]


@lru_cache(maxsize=4)
def load_weights(name: str = WEIGHTS_FILE) -> tuple[tuple[float, ...], float]:
    """Logistic-regression coefficients and intercept shipped in the package."""
    data = json.loads(resources.files("newsbrief.summarize").joinpath(name).read_text("utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{name}: features {data['features']} do not match {FEATURES}")
    return tuple(float(c) for c in data["coefficients"]), float(data["intercept"])


def _collect(event: EventInput, options: ConceptOptions):  # type: ignore[no-untyped-def]
    source_of = {d.id: event.duplicates.get(d.id, d.id) for d in event.documents}
    stats: dict[str, _Stats] = {}
    concepts_of: dict[tuple[str, int], list[str]] = {}
    for document in event.documents:
        source = source_of[document.id]
        for sentence in document.sentences:
            found = _bigrams(sentence.text, options.unigrams)
            concepts_of[(document.id, sentence.index)] = [b[0] for b in found]
            weight = math.exp(-sentence.index / options.position_decay)
            for concept, capital, stop, digit in found:
                entry = stats.get(concept)
                if entry is None:
                    entry = stats[concept] = _Stats(stop, digit, " " not in concept)
                entry.count += 1
                entry.first = min(entry.first, sentence.index)
                entry.position_sum += weight
                entry.capitals += capital
                vote = entry.best.get(source)
                if vote is None:
                    entry.best[source] = [weight, 1.0]
                else:
                    vote[0] = max(vote[0], weight)
                    vote[1] += 1.0
    return source_of, stats, concepts_of


def concept_table(
    event: EventInput, options: ConceptOptions = ConceptOptions()
) -> tuple[list[str], np.ndarray]:
    """Every concept of the event with its feature row (for fitting the learned weights)."""
    source_of, stats, _ = _collect(event, options)
    sources = len(set(source_of.values())) or 1
    names = list(stats)
    rows = [concept_features(stats[c], sources, options.position_decay) for c in names]
    return names, np.asarray(rows, dtype=float).reshape(len(names), len(FEATURES))


def build_space(
    event: EventInput, options: ConceptOptions = ConceptOptions()
) -> ConceptSpace:
    """Weigh every concept of the event and list the candidate sentences."""
    source_of, stats, concepts_of = _collect(event, options)
    sources = len(set(source_of.values())) or 1
    names = list(stats)
    if options.weighting == "learned":
        coefficients, intercept = options.model or load_weights()
        table = np.asarray(
            [concept_features(stats[c], sources, options.position_decay) for c in names],
            dtype=float,
        ).reshape(len(names), len(FEATURES))
        weights = 1.0 / (1.0 + np.exp(-(table @ np.asarray(coefficients) + intercept)))
    else:
        weights = np.asarray([
            sum(
                1.0 + options.position_boost * best
                + options.repeat_credit * (min(count, options.repeat_cap) - 1)
                for best, count in stats[c].best.values()
            )
            for c in names
        ], dtype=float)
    if options.unigrams:
        weights = weights * np.asarray(
            [options.unigram_weight if " " not in c else 1.0 for c in names]
        )
    ids = {c: i for i, c in enumerate(names)}
    candidates = []
    for group in event.groups:
        first = group.sentences[0]
        text = compress(group.text) if options.compress else group.text
        words = word_count(text)
        if not (options.min_words <= words <= options.max_words) or not _is_prose(text):
            continue
        found = sentence_concepts(text, options.unigrams) if text != group.text else concepts_of[
            (first.article_id, first.index)
        ]
        concept_ids = tuple(sorted({ids[c] for c in found if c in ids}))
        if not concept_ids:
            continue
        candidates.append(
            Candidate(
                group=group,
                text=text,
                words=words,
                concepts=concept_ids,
                position=min(s.index for s in group.sentences),
                support=len({source_of.get(s.article_id, s.article_id) for s in group.sentences}),
            )
        )
    return ConceptSpace(tuple(candidates), weights, sources)


def overlap_pairs(candidates: Sequence[Candidate], threshold: float) -> list[tuple[int, int]]:
    """Pairs of candidates sharing at least ``threshold`` of the smaller one's concepts:
    saying nearly the same thing twice is never worth it, whatever the budget.
    A sparse matrix product keeps this fast for events of thousands of sentences."""
    if len(candidates) < 2:
        return []
    from scipy.sparse import csr_matrix

    rows = np.repeat(np.arange(len(candidates)), [len(c.concepts) for c in candidates])
    cols = np.fromiter((i for c in candidates for i in c.concepts), dtype=np.int64)
    width = int(cols.max()) + 1 if len(cols) else 1
    matrix = csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(candidates), width))
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    shared = (matrix @ matrix.T).tocoo()
    keep = (shared.row < shared.col) & (
        shared.data >= threshold * np.minimum(sizes[shared.row], sizes[shared.col])
    )
    return list(zip(shared.row[keep].tolist(), shared.col[keep].tolist()))
