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

import itertools
import math
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from newsbrief.dedup import SentenceGroup
from newsbrief.models import Document
from newsbrief.summarize import EventInput, Selection
from newsbrief.summarize.compress import compress
from newsbrief.summarize.trees import TreeEnsemble
from newsbrief.summarize.util import (
    STOPWORDS,
    check_features,
    content_terms,
    linear_model,
    opening_word,
    shipped_json,
    stem,
    word_count,
)

__all__ = [
    "FEATURES",
    "Candidate",
    "ConceptOptions",
    "ConceptSpace",
    "build_space",
    "concept_probability",
    "concept_table",
    "is_prose",
    "load_trees",
    "load_weights",
    "overlap_pairs",
    "restatement_pairs",
    "selections",
    "sentence_concepts",
    "shortlist",
]

# Words in any script (ASCII-only tokens left Arabic, Greek or Russian sentences with
# nothing to weigh, and their briefs empty); English text tokenizes as before.
_RAW_TOKEN = re.compile(r"[^\W_]+")
WEIGHTS_FILE = "concept_weights.json"
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True, slots=True)
class ConceptOptions:
    """Knobs of the concept space; the defaults are the tuned ones (docs/quality.md)."""

    # "learned": boosted trees, "logistic": logistic regression (both in concept_weights.json),
    # "support": counted sources with position terms (Gillick & Favre).
    weighting: str = "learned"
    # A learned model other than the shipped one (cross-validation): trees or (coef, intercept).
    model: TreeEnsemble | tuple[tuple[float, ...], float] | None = None
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
    prior: float = 0.0  # the learned sentence prior's bonus (summarize/prior.py), 0 if unset


@dataclass(frozen=True, slots=True)
class ConceptSpace:
    candidates: tuple[Candidate, ...]
    weights: np.ndarray  # weight of each concept id
    sources: int  # independent sources in the event
    ids: dict[str, int] = field(default_factory=dict)  # concept -> id, for scoring new text

    def value(self, text: str) -> float:
        """The concept weight that ``text`` covers (each concept once)."""
        found = {self.ids[c] for c in sentence_concepts(text) if c in self.ids}
        return float(self.weights[list(found)].sum()) if found else 0.0


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


# Page furniture inside a sentence: link text ("For a full recap of the winners, click
# here."), an address ("Read or Share this story: https://..."), a photo credit ("... (AP
# Photo/LM ..."), links between bars ("MORE | Two girls missing ... | MAP: Where ...").
_FURNITURE = re.compile(
    r"\b(?:click|tap) (?:here|below|the link|this link|on the link)\b|https?://|\bwww\.|"
    r"\bpic\.twitter\.com/|\b(?:AP|AFP|Reuters|EPA) Photo\b|\s\|\s.*\s\|\s|"
    # An embedded Instagram post's caption line: "... A post shared by Nasir Jones on Jun 20".
    r"\bA post shared by\b",
    re.IGNORECASE,
)
# A sentence that trails off: a teaser cut short ("The researchers also are investigating
# whether...", "... in such unfavorable ...") or an excerpt breaking off. Not a quotation that
# pauses so and goes on in the next sentence ('"I thought Trump was gonna run ...').
_TRAILS_OFF = ("...", "\u2026", ". . .")


def _inside_quotation(text: str) -> bool:
    """Whether ``text`` ends inside a quotation it opened."""
    return text.count("\u201c") > text.count("\u201d") or text.count('"') % 2 == 1
# A page's label run into the text: "Related 'The Case of: JonBenet Ramsey' Pt. 2: ...",
# "Story highlights Bernie Sanders said ...", and a link's label with the other story's title
# before the sentence it ran into ("RELATED: Democrats Stomp Out of Kavanaugh Hearing After
# Motion Gets Voted Down Kavanaugh slammed ...", "Read more: ...": about 25 sentences of the
# evaluation files; where the title ends cannot be told).
_LABEL_FIRST = re.compile(
    r"^(?:Related|Story highlights)\s+[A-Z'‘\"“]|^(?:RELATED|Related|READ MORE|Read [Mm]ore|"
    r"ALSO READ|Also [Rr]ead|SEE ALSO|See [Aa]lso|PHOTOS|Photos|VIDEO|Video|WATCH|Watch)\s*:")


def is_prose(text: str) -> bool:
    """A sentence worth showing: has letters, is not a question, not a heading or a list, does
    not end in a colon (it introduces what follows it: "The group's publicist sent the
    following statement:", "Here's what you need to know:") nor trail off in dots (a teaser
    cut short), and holds no page furniture (a link, an address, a photo credit, a page's
    label or a table's bar run into it)."""
    stripped = text.strip()
    if (
        not _LETTER.search(stripped)
        or stripped.endswith(("?", ":"))
        or (stripped.endswith(_TRAILS_OFF) and not _inside_quotation(stripped))
        or stripped.startswith("|")
        or _FURNITURE.search(stripped)
        or _LABEL_FIRST.match(stripped)
    ):
        return False
    letters = list(filter(str.isalpha, stripped))
    # Mostly capital letters: a headline, a label or shouting, not a sentence.
    return sum(map(str.isupper, letters)) <= 0.5 * len(letters)


FEATURES = (
    "source_share", "log_sources", "first_position", "mean_position", "log_count",
    "in_lead", "capitalised", "has_stopword", "has_digit", "unigram",
)


@dataclass(frozen=True, slots=True)
class _Occurrences:
    """Every occurrence of every concept in the event, as flat arrays (one entry each)."""

    names: list[str]  # concept id -> concept
    concept: np.ndarray  # concept id of each occurrence
    source: np.ndarray  # independent source (dense id) of each occurrence
    index: np.ndarray  # sentence index in its article
    capital: np.ndarray  # both words capitalised, not sentence-initial
    stop: np.ndarray  # per concept: holds a stop word
    digit: np.ndarray  # per concept: holds a number
    sources: int


def _per_source(occ: _Occurrences, decay: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each (concept, source) pair: concept id, best position weight, occurrences."""
    key = occ.concept * occ.sources + occ.source
    pairs, inverse = np.unique(key, return_inverse=True)
    best = np.zeros(len(pairs))
    np.maximum.at(best, inverse, np.exp(-occ.index / decay))
    return pairs // occ.sources, best, np.bincount(inverse).astype(float)


def feature_table(occ: _Occurrences, decay: float) -> np.ndarray:
    """One row of features (names in ``FEATURES``) per concept, computed column-wise."""
    n_concepts = len(occ.names)
    count = np.bincount(occ.concept, minlength=n_concepts).astype(float)
    concept_of_pair, _, _ = _per_source(occ, decay)
    n = np.bincount(concept_of_pair, minlength=n_concepts).astype(float)
    first = np.full(n_concepts, np.inf)
    np.minimum.at(first, occ.concept, occ.index)
    position_sum = np.bincount(occ.concept, np.exp(-occ.index / decay), minlength=n_concepts)
    capitals = np.bincount(occ.concept, occ.capital, minlength=n_concepts)
    unigram = np.array([" " not in c for c in occ.names], dtype=float)
    return np.column_stack([
        n / occ.sources,
        np.log1p(n),
        np.exp(-first / decay),
        position_sum / np.maximum(count, 1),
        np.log1p(count),
        (first == 0).astype(float),
        capitals / np.maximum(count, 1),
        occ.stop,
        occ.digit,
        unigram,
    ])


@lru_cache(maxsize=4)
def load_weights(name: str = WEIGHTS_FILE) -> tuple[tuple[float, ...], float]:
    """Logistic-regression coefficients and intercept shipped in the package."""
    return linear_model(shipped_json(name), FEATURES, name)


@lru_cache(maxsize=4)
def load_trees(name: str = WEIGHTS_FILE) -> TreeEnsemble:
    """The boosted-tree concept model shipped in the package (the default weighting)."""
    data = shipped_json(name)
    if "concept_trees" not in data:
        raise ValueError(f"{name}: no concept_trees; run benchmarks/fit_summarizer.py --write")
    check_features(data, FEATURES, name)
    return TreeEnsemble.from_json(data["concept_trees"])


def concept_probability(
    model: TreeEnsemble | tuple[tuple[float, ...], float], table: np.ndarray
) -> np.ndarray:
    """P(concept in a human summary) for each feature row, under trees or a logistic line."""
    if isinstance(model, TreeEnsemble):
        return model.predict_proba(table)
    coefficients, intercept = model
    return 1.0 / (1.0 + np.exp(-(table @ np.asarray(coefficients) + intercept)))


def _collect(event: EventInput, options: ConceptOptions):  # type: ignore[no-untyped-def]
    """Every concept occurrence of the event, and each sentence's concepts."""
    source_of = {d.id: event.duplicates.get(d.id, d.id) for d in event.documents}
    source_ids = {s: i for i, s in enumerate(dict.fromkeys(source_of.values()))}
    ids: dict[str, int] = {}
    stop: list[bool] = []
    digit: list[bool] = []
    concept, source, index, capital = [], [], [], []
    concepts_of: dict[tuple[str, int], list[str]] = {}
    for document in event.documents:
        source_id = source_ids[source_of[document.id]]
        for sentence in document.sentences:
            found = _bigrams(sentence.text, options.unigrams)
            concepts_of[(document.id, sentence.index)] = [b[0] for b in found]
            for name, is_capital, has_stop, has_digit in found:
                k = ids.get(name)
                if k is None:
                    k = ids[name] = len(ids)
                    stop.append(has_stop)
                    digit.append(has_digit)
                concept.append(k)
                capital.append(is_capital)
            source.extend([source_id] * len(found))
            index.extend([sentence.index] * len(found))
    occurrences = _Occurrences(
        names=list(ids),
        concept=np.asarray(concept, dtype=np.int64),
        source=np.asarray(source, dtype=np.int64),
        index=np.asarray(index, dtype=float),
        capital=np.asarray(capital, dtype=float),
        stop=np.asarray(stop, dtype=float),
        digit=np.asarray(digit, dtype=float),
        sources=max(len(source_ids), 1),
    )
    return source_of, occurrences, concepts_of


def concept_table(
    event: EventInput, options: ConceptOptions = ConceptOptions()
) -> tuple[list[str], np.ndarray]:
    """Every concept of the event with its feature row (for fitting the learned weights)."""
    _, occurrences, _ = _collect(event, options)
    return occurrences.names, feature_table(occurrences, options.position_decay)


def build_space(
    event: EventInput, options: ConceptOptions = ConceptOptions()
) -> ConceptSpace:
    """Weigh every concept of the event and list the candidate sentences."""
    source_of, occurrences, concepts_of = _collect(event, options)
    sources = occurrences.sources
    names = occurrences.names
    if options.weighting in ("learned", "logistic"):
        model = options.model or (
            load_trees() if options.weighting == "learned" else load_weights()
        )
        weights = concept_probability(model, feature_table(occurrences, options.position_decay))
    else:
        # Gillick & Favre's count of sources, each vote weighted up by early position, plus
        # a smaller credit for repeats within a source.
        concept_of_pair, best, count = _per_source(occurrences, options.position_decay)
        votes = (
            1.0 + options.position_boost * best
            + options.repeat_credit * (np.minimum(count, options.repeat_cap) - 1)
        )
        weights = np.bincount(concept_of_pair, votes, minlength=len(names))
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
        if not (options.min_words <= words <= options.max_words) or not is_prose(text):
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
    return ConceptSpace(tuple(candidates), weights, sources, ids)


def shortlist(space: ConceptSpace, keep: int, min_weight: float = 0.0) -> ConceptSpace:
    """The ``keep`` candidates of best weight per word, with concepts under ``min_weight``
    dropped: what keeps exact solving fast on events of hundreds of articles, since the
    optimum almost never uses a sentence far down this ranking."""
    weights = space.weights
    trimmed = []
    for candidate in space.candidates:
        concepts = tuple(i for i in candidate.concepts if weights[i] >= min_weight)
        if concepts:
            trimmed.append(replace(candidate, concepts=concepts))
    if len(trimmed) > keep:
        value = [float(weights[list(c.concepts)].sum()) / math.sqrt(c.words) for c in trimmed]
        best = sorted(np.argsort(value)[::-1][:keep].tolist())
        trimmed = [trimmed[i] for i in best]
    return ConceptSpace(tuple(trimmed), weights, space.sources, space.ids)


# A sentence opening with one of these points back at the sentence before it.
_ANAPHORS = frozenset({"he", "she", "it", "its", "his", "her", "him", "they", "their", "them"})
# So does a quotation whose speaker is a pronoun: '"We will show her the figures," he said.'
_QUOTE_THEN_WORD = re.compile(r'\s*["\u201c][^"\u201c\u201d]+["\u201d]\W*(\w+)')
_SPEAKER_PRONOUNS = frozenset({"he", "she", "they"})
_QUOTE_MARK = re.compile("[\"“”‘]")


def closes_unopened_quote(text: str) -> bool:
    """Whether ``text`` ends a quotation it did not open: the tail of a quote a sentence
    splitter cut ('All of a sudden, it was over," Trump said')."""
    curly = next((c for c in text if c in "\u201c\u201d"), None)
    return curly == "\u201d" or text.count('"') % 2 == 1


def _points_back(text: str) -> bool:
    if opening_word(text) in _ANAPHORS or closes_unopened_quote(text):
        return True
    quote = _QUOTE_THEN_WORD.match(text)
    return quote is not None and quote.group(1).lower() in _SPEAKER_PRONOUNS


def quoted_sentences(documents: Sequence[Document]) -> frozenset[tuple[str, int]]:
    """``(article id, sentence index)`` of each sentence that starts inside a quotation opened
    in a sentence before it: the middle and the tail of a quotation a sentence splitter cut."""
    from newsbrief.analyze.quotes import quotation_spans

    inside = set()
    for document in documents:
        text = document.text
        by_paragraph: dict[int, list] = {}
        for sentence in document.sentences:
            by_paragraph.setdefault(sentence.paragraph, []).append(sentence)
        for sentences in by_paragraph.values():
            if len(sentences) < 2:
                continue
            # A paragraph is one line of the cleaned text.
            line_start = text.rfind("\n", 0, sentences[0].start) + 1
            line_end = text.find("\n", sentences[0].start)
            line = text[line_start:line_end if line_end >= 0 else len(text)]
            if not _QUOTE_MARK.search(line):
                continue
            spans = quotation_spans(line)
            for sentence in sentences:
                at = sentence.start - line_start
                if any(start <= at < end for start, end in spans):
                    inside.add((document.id, sentence.index))
    return frozenset(inside)


def antecedent_needs(
    candidates: Sequence[Candidate], quoted: Collection[tuple[str, int]] = ()
) -> list[tuple[int, tuple[int, ...]]]:
    """For each candidate that opens with a personal pronoun ("Its president, Piet Halloran,
    said ..."), quotes a pronoun ('"We will show her the figures," he said.'), ends a
    quotation it did not open ('... days," said Blair') or starts inside one (``quoted``,
    from :func:`quoted_sentences`), the candidates holding a sentence right before one of
    its sentences: a summary may take it only with one of them, so the pronoun never
    dangles and quoted words never read as narration. None holding one (a first sentence,
    or one left out of the shortlist) bars it."""
    holder = {(s.article_id, s.index): j for j, c in enumerate(candidates) for s in c.group.sentences}
    needs = []
    for j, candidate in enumerate(candidates):
        first = candidate.group.sentences[0]
        if _points_back(candidate.text) or (first.article_id, first.index) in quoted:
            before = {holder.get((s.article_id, s.index - 1)) for s in candidate.group.sentences}
            needs.append((j, tuple(sorted(q for q in before if q is not None and q != j))))
    return needs


def selections(space: ConceptSpace, chosen: Sequence[int]) -> list[Selection]:
    """The chosen candidates as :class:`Selection` objects scored by the weight they cover."""
    out = []
    for j in chosen:
        candidate = space.candidates[j]
        out.append(Selection(
            candidate.group,
            float(space.weights[list(candidate.concepts)].sum()),
            candidate.text if candidate.text != candidate.group.text else None,
        ))
    return out


_QUOTED = re.compile(r'["\u201c\u201d]([^"\u201c\u201d]{12,})["\u201c\u201d]')
_QUOTE_WORDS = 4


def _quote_keys(text: str) -> set[str]:
    """Runs of ``_QUOTE_WORDS`` words inside the quotation marks of ``text``, lower-cased."""
    keys = set()
    for quoted in _QUOTED.findall(text):
        words = re.findall(r"\w+", quoted.lower())
        keys.update(" ".join(words[i:i + _QUOTE_WORDS])
                    for i in range(len(words) - _QUOTE_WORDS + 1))
    return keys


def same_quote_pairs(candidates: Sequence[Candidate]) -> list[tuple[int, int]]:
    """Pairs of candidates quoting the same words (a run of four inside quotation marks):
    two outlets' reports of one quotation say the same thing, however differently the rest
    of the sentence is worded."""
    seen: dict[str, list[int]] = {}
    for i, candidate in enumerate(candidates):
        for key in _quote_keys(candidate.text):
            seen.setdefault(key, []).append(i)
    pairs = {(a, b) for members in seen.values() for a, b in itertools.combinations(members, 2)}
    return sorted(pairs)


def _sharing_pairs(sets: Sequence[Iterable[int]], threshold: float) -> list[tuple[int, int]]:
    """Pairs ``(a, b)``, ``a < b``, whose id sets share at least ``threshold`` of the smaller
    one's ids (a duplicate id counts once). A sparse matrix product keeps this fast for
    events of thousands of sentences."""
    if len(sets) < 2:
        return []
    from scipy.sparse import csr_matrix

    members = [sorted(set(s)) for s in sets]
    rows = np.repeat(np.arange(len(members)), [len(m) for m in members])
    cols = np.fromiter((i for m in members for i in m), dtype=np.int64)
    width = int(cols.max()) + 1 if len(cols) else 1
    matrix = csr_matrix((np.ones(len(cols)), (rows, cols)), shape=(len(members), width))
    sizes = np.array([max(len(m), 1) for m in members], dtype=float)
    shared = (matrix @ matrix.T).tocoo()
    keep = (shared.row < shared.col) & (
        shared.data >= threshold * np.minimum(sizes[shared.row], sizes[shared.col])
    )
    return list(zip(shared.row[keep].tolist(), shared.col[keep].tolist()))


def overlap_pairs(candidates: Sequence[Candidate], threshold: float) -> list[tuple[int, int]]:
    """Pairs of candidates sharing at least ``threshold`` of the smaller one's concepts:
    saying nearly the same thing twice is never worth it, whatever the budget."""
    return _sharing_pairs([c.concepts for c in candidates], threshold)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _numbers(text: str) -> set[str]:
    """The numbers of ``text`` ("18,000" and "18000" alike)."""
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def restatement_pairs(
    candidates: Sequence[Candidate], threshold: float, numbers: bool = True
) -> list[tuple[int, int]]:
    """Pairs of candidates that state one fact in different words: sharing at least
    ``threshold`` of the smaller one's distinct content words (stemmed) and, when
    ``numbers``, a number as well.

    Two outlets paraphrasing one claim ("cutting the flow by what officials say is almost
    40 per cent" / "the dam has reduced the flow by almost 40 per cent") share few bigrams,
    so the concept-overlap rule lets both through; a shared figure plus most of the words
    around it is what a repeated claim looks like, while two sentences about one topic
    rarely share a number too.
    """
    vocabulary: dict[str, int] = {}
    terms = [
        {vocabulary.setdefault(t, len(vocabulary)) for t in content_terms(c.text)}
        for c in candidates
    ]
    pairs = _sharing_pairs(terms, threshold)
    if not numbers:
        return pairs
    figures = [_numbers(c.text) for c in candidates]
    return [(a, b) for a, b in pairs if figures[a] & figures[b]]
