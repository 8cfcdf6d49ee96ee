"""The headline brief: one or two sentences that tell the event, chosen by a learned scorer.

News is written lead first, so the first sentence of an article is the classic one-sentence
summary, and the WCEP references ("X does Y in Z, killing N people") mostly restate it. It is
not always the best one: scraped pages open with captions, teasers and scene-setting, and a
lede may be a quotation or a run-on. Following the supervised sentence scoring of Kupiec,
Pedersen & Chen (1995, "A trainable document summarizer"), with each sentence's ROUGE as the
regression target (the sentence regression of Ren et al. 2016, "A redundancy-aware sentence
regression framework for extractive summarization"), a ridge regression over
:data:`HEADLINE_FEATURES` (the sentence's place in its article, length, title overlap,
centrality in the event's concept weights, its article and the other articles, name/number/
date density, quotes, pronouns, reporting verbs) predicts the ROUGE that the headline
starting with that sentence earns against a human one-sentence summary. The best-scored
candidate opens the headline and the sentences after it in its article follow while the
whole stays within the budget.

The coefficients are fitted on ``../shared/eval/wcep-train.jsonl`` only (WCEP: Gholipour
Ghalandari et al. 2020, "A large-scale multi-document summarization dataset from the Wikipedia
Current Events Portal") by ``benchmarks/fit_headline.py`` and shipped in
``headline_weights.json``; docs/quality.md has their cross-validated and held-out scores.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from newsbrief.dedup import SentenceGroup
from newsbrief.models import Document, Sentence
from newsbrief.summarize import EventInput, Selection
from newsbrief.summarize.compress import HEADLINE_RULES, compress
from newsbrief.summarize.concepts import ConceptSpace, closes_unopened_quote, is_prose
from newsbrief.summarize.util import (
    content_terms,
    group_index,
    linear_model,
    opening_word,
    shipped_json,
    word_count,
)

__all__ = [
    "HEADLINE_FEATURES",
    "WEIGHTS_FILE",
    "HeadlineCandidate",
    "central_lede",
    "choose_headline",
    "clean_title",
    "eligible",
    "fill",
    "headline_candidates",
    "headline_features",
    "load_headline_model",
    "standalone",
]

WEIGHTS_FILE = "headline_weights.json"
MAX_POSITION = 8  # prose sentences per article that may open the headline
MIN_WORDS = 6
FOLLOWING = 3  # sentences after a candidate that may fill the headline's budget

HEADLINE_FEATURES = (
    "is_lede", "second", "third", "rank_decay", "relative_position",
    "log_words", "words_share", "over_budget", "fill_share",
    "value_share", "value_per_word", "article_cosine", "event_cosine", "others_cosine",
    "title_recall", "title_precision", "first_article",
    "digit_share", "capital_share", "opens_quote", "has_quote", "opens_pronoun",
    "reporting_verb", "time_word", "compressed", "opens_article_word",
)

_TOKEN = re.compile(r"[^\W_]+")  # words in any script, as concepts._RAW_TOKEN
_PRONOUNS = frozenset([
    "he", "she", "they", "it", "his", "her", "their", "this", "these", "those", "that", "we",
    "i", "its", "him", "them", "there", "but", "and", "so",
])
_QUOTE_OPENERS = ('"', "“", "'", "‘")
_REPORTING = re.compile(
    r"\b(?:said|says|told|according to|reported|reports|announced|confirmed|stated)\b", re.IGNORECASE
)
_TIME = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tonight|"
    r"january|february|march|april|may|june|july|august|september|october|november|december)\b",
    re.IGNORECASE,
)
# "Huge crowd bids farewell ... | Reuters": an outlet's name (a few capitalised words) after
# the last separator; "Cohen pleads guilty - and implicates Trump" keeps its tail.
_TITLE_TAIL = re.compile(r"\s+(?:[|•»]|[-–—]{1,2}|::)\s+(?:[A-Z0-9][\w.&'’]*\s*){1,5}$")


@dataclass(frozen=True, slots=True)
class HeadlineCandidate:
    """A sentence that may open the headline, with the sentences that would follow it."""

    document: Document
    rank: int  # the article's place in the event
    position: int  # its rank among the article's prose sentences (0: the lede)
    group: SentenceGroup
    text: str  # the (compressed) text the headline shows
    following: tuple[tuple[SentenceGroup, str], ...]  # the article's next prose sentences


def clean_title(title: str | None) -> str:
    """The article's title without a trailing outlet name ("... | Reuters")."""
    return _TITLE_TAIL.sub("", (title or "").strip()).strip()


def headline_candidates(
    event: EventInput,
    rules: tuple[str, ...] = HEADLINE_RULES,
    max_position: int = MAX_POSITION,
) -> list[HeadlineCandidate]:
    """The first ``max_position`` prose sentences of six words or more of each independent
    article (syndicated copies are left to their original), compressed with ``rules``
    (:mod:`newsbrief.summarize.compress`; ``()``: as written)."""
    index = group_index(event.groups)
    out = []
    for rank, document in enumerate(event.documents):
        if document.id in event.duplicates:
            continue
        body: list[tuple[SentenceGroup, str]] = []
        for sentence in document.sentences:
            if len(body) == max_position + FOLLOWING:  # what the last candidate can use
                break
            group = index[(document.id, sentence.index)]
            if word_count(group.text) >= MIN_WORDS and is_prose(group.text):
                body.append((group, compress(group.text, rules) if rules else group.text))
        for position, (group, text) in enumerate(body[:max_position]):
            out.append(HeadlineCandidate(
                document, rank, position, group, text,
                tuple(body[position + 1:position + 1 + FOLLOWING]),
            ))
    return out


#: A following sentence whose content words are this much among the headline's already is a
#: restatement (articles often repeat their lede, or print the title run into it) and is skipped.
RESTATED = 0.65


def _unbalanced_quote(text: str) -> bool:
    return text.count("\u201c") != text.count("\u201d") or text.count('"') % 2 == 1


def fill(
    candidate: HeadlineCandidate, words: int, whole_quotes: bool = False
) -> list[tuple[SentenceGroup, str]]:
    """The candidate, then the article's next sentences while the whole fits ``words``,
    leaving out those that restate what is already there. With ``whole_quotes``, a quotation
    the sentence splitter cut is taken whole or not at all ('"Deeply saddened by the loss of
    lives due to a fire at Karol Bagh in Delhi.' stays out when the rest, 'I convey my
    condolences ...," he tweeted.', does not fit), and one the candidate opened is closed
    when the sentences that close it fit."""
    chosen = [(candidate.group, candidate.text)]
    used = word_count(candidate.text)
    said = set(content_terms(candidate.text))
    following = list(candidate.following)
    i = 0
    while i < len(following):
        run = [following[i]]
        if whole_quotes:
            so_far = " ".join(text for _, text in chosen)
            while i + len(run) < len(following) and _unbalanced_quote(
                " ".join([so_far, *(text for _, text in run)])
            ):
                run.append(following[i + len(run)])
            if _unbalanced_quote(" ".join([so_far, *(text for _, text in run)])):
                break
        i += len(run)
        size = sum(word_count(text) for _, text in run)
        if used + size > words:
            break
        terms = set(content_terms(" ".join(text for _, text in run)))
        if terms and len(terms & said) >= RESTATED * len(terms):
            continue
        chosen.extend(run)
        used += size
        said |= terms
    return chosen


def _cosine_without(own: Counter[str], whole: Counter[str], whole_norm2: float) -> float:
    """Cosine of ``own`` with ``whole - own`` (counts clipped at zero, as Counter does),
    in time proportional to ``own``: big events have hundreds of candidates and a vocabulary
    of thousands, so the difference is never built."""
    dot = 0.0
    norm2 = whole_norm2
    for term, n in own.items():
        left = max(whole.get(term, 0) - n, 0)
        dot += n * left
        norm2 += left * left - whole.get(term, 0) ** 2
    own_norm2 = sum(n * n for n in own.values())
    return dot / math.sqrt(own_norm2 * norm2) if dot > 0 else 0.0


def _norm2(counts: Counter[str]) -> float:
    return float(sum(n * n for n in counts.values()))


def headline_features(
    candidates: Sequence[HeadlineCandidate], space: ConceptSpace, words: int
) -> np.ndarray:
    """One row of :data:`HEADLINE_FEATURES` per candidate."""
    if not candidates:
        return np.zeros((0, len(HEADLINE_FEATURES)))
    article_terms: dict[str, Counter[str]] = {}
    for candidate in candidates:
        if candidate.document.id not in article_terms:
            article_terms[candidate.document.id] = Counter(content_terms(candidate.document.text))
    event_terms: Counter[str] = Counter()
    for counts in article_terms.values():
        event_terms.update(counts)
    event_norm2 = _norm2(event_terms)
    article_norm2 = {a: _norm2(counts) for a, counts in article_terms.items()}
    # The other articles' terms (event minus article): their norm, and each article's dot
    # product with them, once per article.
    elsewhere_norm2 = {
        a: event_norm2 - 2 * sum(n * event_terms[t] for t, n in counts.items())
        + article_norm2[a]
        for a, counts in article_terms.items()
    }
    values = np.array([space.value(c.text) for c in candidates])
    sizes = np.array([max(word_count(c.text), 1) for c in candidates], dtype=float)
    per_word = values / sizes
    rows = []
    for candidate, value, size, density in zip(candidates, values, sizes, per_word):
        text = candidate.text
        terms = content_terms(text)
        own = Counter(terms)
        # Centrality: the sentence against the rest of its article, against the rest of the
        # event, and against the other articles only (what other sources also tell; 0 alone).
        article = candidate.document.id
        terms_here = article_terms[article]
        own_norm = math.sqrt(_norm2(own))
        across = sum(n * (event_terms[t] - terms_here[t]) for t, n in own.items())
        elsewhere = (
            across / (own_norm * math.sqrt(elsewhere_norm2[article]))
            if across > 0 and elsewhere_norm2[article] > 0 else 0.0
        )
        title = set(content_terms(clean_title(candidate.document.article.title)))
        raw = text.split()
        tokens = _TOKEN.findall(text.lower())
        opening = opening_word(text)
        n_sentences = max(len(candidate.document.sentences), 1)
        filled = sum(word_count(t) for _, t in fill(candidate, words))
        rows.append((
            float(candidate.position == 0), float(candidate.position == 1),
            float(candidate.position == 2), math.exp(-candidate.position / 2),
            _sentence(candidate).index / n_sentences,
            math.log(size), size / words, float(size > words), min(filled, words) / words,
            value / max(values.max(), 1e-9), density / max(per_word.max(), 1e-9),
            _cosine_without(own, terms_here, article_norm2[article]),
            _cosine_without(own, event_terms, event_norm2), elsewhere,
            len(title & set(terms)) / max(len(title), 1),
            len([t for t in terms if t in title]) / max(len(terms), 1),
            float(candidate.rank == 0),
            sum(t.isdigit() for t in tokens) / max(len(tokens), 1),
            sum(w[:1].isupper() for w in raw[1:]) / max(len(raw) - 1, 1),
            float(text.startswith(_QUOTE_OPENERS)),
            float(any(q in text for q in ('"', "“", "”"))),
            float(opening in _PRONOUNS),
            float(bool(_REPORTING.search(text))),
            float(bool(_TIME.search(text))),
            float(text != candidate.group.text),
            float(opening in {"the", "a", "an"}),
        ))
    return np.asarray(rows, dtype=float)


def _sentence(candidate: HeadlineCandidate) -> Sentence:
    """The candidate's sentence in its own article (its group may span several)."""
    for sentence in candidate.group.sentences:
        if sentence.article_id == candidate.document.id:
            return sentence
    return candidate.group.sentences[0]


@lru_cache(maxsize=4)
def load_headline_model(name: str = WEIGHTS_FILE) -> tuple[tuple[float, ...], float]:
    """The shipped ridge coefficients and intercept of the headline scorer."""
    return linear_model(shipped_json(name), HEADLINE_FEATURES, name)


def standalone(text: str) -> bool:
    """A sentence that reads on its own: it does not open with a quotation (whose speaker
    comes later) or a pronoun or conjunction pointing back to what came before, and it does
    not end a quotation it did not open (the tail of a quote a sentence splitter cut:
    'All of a sudden, it was over," Trump said')."""
    return (not text.startswith(_QUOTE_OPENERS) and opening_word(text) not in _PRONOUNS
            and not closes_unopened_quote(text))


def eligible(
    candidates: Sequence[HeadlineCandidate], words: int, long_lede: float = 1.5,
    require_standalone: bool = True,
) -> list[int]:
    """The candidates that may open the headline: within ``long_lede`` times the budget and
    (with ``require_standalone``) reading on their own, falling back to the ones within the
    length, then to all, when no candidate qualifies."""
    short = [k for k, c in enumerate(candidates) if word_count(c.text) <= long_lede * words]
    if require_standalone:
        alone = [k for k in short if standalone(candidates[k].text)]
        if alone:
            return alone
    return short or list(range(len(candidates)))


def central_lede(candidates: Sequence[HeadlineCandidate], space: ConceptSpace) -> int:
    """The rule the learned scorer replaced (the ``ilp-centrallede`` ablation): of the
    articles' ledes, the one covering most concept weight, the earliest article on ties."""
    ledes = [k for k, c in enumerate(candidates) if c.position == 0] or list(range(len(candidates)))
    return max(ledes, key=lambda k: (space.value(candidates[k].text), -candidates[k].rank))


def choose_headline(
    event: EventInput,
    space: ConceptSpace,
    words: int,
    *,
    learned: bool = True,
    rules: tuple[str, ...] = HEADLINE_RULES,
    long_lede: float = 1.5,
    require_standalone: bool = True,
    model: tuple[tuple[float, ...], float] | None = None,
) -> list[Selection]:
    """The headline: the best candidate and the sentences after it that fit in ``words``.

    The best is the one the learned scorer (``model``, by default the shipped one) rates
    highest, or with ``learned=False`` the central lede (:func:`central_lede`). A candidate
    over ``long_lede`` times the budget (often a run-on the splitter could not cut) competes
    only when no candidate is shorter. Returns [] when no article has a prose sentence of six
    words or more.
    """
    candidates = headline_candidates(event, rules)
    fitting = [candidates[k] for k in eligible(candidates, words, long_lede, require_standalone)]
    if not fitting:
        return []
    if learned:
        coefficients, intercept = model or load_headline_model()
        scores = headline_features(fitting, space, words) @ np.asarray(coefficients) + intercept
        best = fitting[int(np.argmax(scores))]
    else:
        best = fitting[central_lede(fitting, space)]
    return [
        Selection(group, space.value(text), text if text != group.text else None)
        for group, text in fill(best, words, whole_quotes=True)
    ]
