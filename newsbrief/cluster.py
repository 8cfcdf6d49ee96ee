"""Incremental event clustering of a news stream.

Articles arrive in batches (the store's transactions; a whole file for ``newsbrief cluster``
when it fits in one batch). Each article joins the best existing event or starts a new one:
the single-pass scheme of topic detection and tracking (Allan et al., "Topic Detection and
Tracking Pilot Study", 1998), with events kept as sums of their articles' TF-IDF vectors and
document frequencies that grow with the stream (as in Miranda et al., "Multilingual
Clustering of Streaming News", EMNLP 2018), capitalised phrases as cheap named entities, and a
time penalty (events decay: a gap of weeks separates stories about the same people).

The join rule is *relative*, not one global cosine threshold. For an event with ``n``
articles whose unit vectors sum to ``S``, the mean similarity of its members to each other
(its cohesion) is ``(|S|^2 - n) / (n (n - 1))``, and the mean similarity between the members
of two groups ``A`` and ``B`` is ``S_A . S_B / (n_A n_B)`` (average linkage, Sokal & Michener
1958). Two groups join when that is at least ``cohesion_ratio`` times the mean of their
cohesions (a lone article counts as ``lone_prior``). A tight event (reports of one breaking
story share most names and words) therefore admits only articles about that story, while a
loose one (a broad topic such as "Michelle Obama", whose articles are only mildly alike)
admits articles as alike as its members are: the threshold adapts to the data, in the spirit
of cohesion-relative merge criteria such as Chameleon (Karypis, Han & Kumar, 1999).

Within a batch, the new articles and the existing events they could join are agglomerated
most-similar pair first under that rule; existing events are never split, may absorb
articles, and may merge with each other (the merge step for events that turn out to be one).
The order of articles inside a batch does not matter. Across batches it would: an article
that arrives before its partners joins whatever looser group is there, and a stream cut into
small batches collects such early mistakes. So the ``reopen`` most recent articles stay
*open*: each batch takes them out of their events again (an event is a sum, so an article's
vector is subtracted) and decides them anew with the new articles and today's document
frequencies. This is retrospective (batch) clustering over a sliding window of recent
articles, between the on-line and retrospective detection compared by Yang, Pierce &
Carbonell ("A Study of Retrospective and On-Line Event Detection", SIGIR 1998). Within the
last ``reopen`` articles plus one batch, order does not matter (F1 over shuffled orders:
``benchmarks/bench_clustering.py``).

The same :class:`EventClusterer` serves ``newsbrief cluster``, the store (which persists its
state through four storage hooks) and the Spark job, so they agree. The event state
(:class:`EventState`) and the sparse-vector helpers live in :mod:`newsbrief.cluster_vectors`,
the agglomeration in :mod:`newsbrief.cluster_linkage`, the scores and the labelled-file reader
in :mod:`newsbrief.cluster_eval`; this module re-exports their public names.
"""

from __future__ import annotations

import itertools
import math
import re
import struct
import zlib
from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

from newsbrief.cluster_background import background_counts
from newsbrief.cluster_eval import (
    adjusted_rand,
    batch_agglomerative,
    bcubed,
    clustering_text,
    iter_cluster_file,
    prepare_for_clustering,
    read_cluster_file,
)
from newsbrief.cluster_linkage import SparseRows
from newsbrief.cluster_linkage import agglomerate as _agglomerate
from newsbrief.cluster_vectors import (
    EventState,
    _run_sums,
    _top,
    _top_of,
    pack_vector,
    unpack_vector,
)
from newsbrief.models import parse_day

__all__ = [
    "ClusterConfig",
    "CompactEventClusterer",
    "EventClusterer",
    "EventState",
    "Features",
    "adjusted_rand",
    "batch_agglomerative",
    "bcubed",
    "cluster_documents",
    "cluster_features",
    "cluster_records",
    "clustering_text",
    "extract_features",
    "featurize",
    "iter_cluster_file",
    "parse_day",
    "prepare_for_clustering",
    "read_cluster_file",
]

_WORD = re.compile(r"[^\W_][\w'’-]*", re.UNICODE)
# Capitalised phrases: a cheap stand-in for named entities (spaCy is optional and slow). A
# phrase starts at a capital with no word character before it. That is tested after the
# capital, by a lookbehind over it and the character before, rather than with a leading \b:
# a pattern that opens with a character set lets the regex engine skip straight to the next
# capital instead of trying the pattern at every position (twice as fast, the same matches).
_PHRASE = re.compile(
    r"[A-Z](?<!\w[A-Z])[\w'’.-]*"
    r"(?:\s+(?:of|the|de|van|von|al|bin|la|le|du|del|da)?\s*[A-Z][\w'’.-]*)*"
)
_ENTITY_PREFIX = "\x01"


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    """scikit-learn's English stop words plus words of news reporting ("said", "told").

    Made on first use rather than at import: importing scikit-learn takes about 0.6 s, which
    every command (``newsbrief --help`` included) paid when this module was imported.
    """
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    extra = {"said", "says", "say", "told", "also", "would", "could", "new", "one", "two",
             "year", "years", "time", "like", "just", "people", "mr", "mrs", "ms",
             "according", "including", "it’s", "it's", "percent"}
    return frozenset(ENGLISH_STOP_WORDS | extra)


def __getattr__(name: str) -> object:  # PEP 562: ``STOP_WORDS`` made when first read
    if name == "STOP_WORDS":
        return stop_words()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """How articles are grouped into events (one default serves event- and topic-level data).

    ``cohesion_ratio``: two groups join when their mean cross similarity is at least this
    fraction of the mean of their cohesions; ``lone_prior``: the cohesion assumed for a single
    article; ``min_similarity``: an absolute floor under every join; ``entity_weight``: the
    share of capitalised phrases in an article's vector; ``title_weight``: how many times a
    title word counts; ``half_life_days``: similarity halves for each such gap between two
    time spans (when both have dates); ``max_gap_days``: beyond it, never joined;
    ``query_terms``: how many of an article's top terms find candidate events;
    ``max_candidates``: events considered per article; ``cohesion_power``: 1 averages two
    cohesions, larger values lean to the larger; ``max_terms``: terms kept per article;
    ``batch_size``: articles decided together; ``reopen``: how many of the most recent
    articles stay *open*: each batch decides them again together with the new articles, so
    an article that arrived before its partners can still move to them (0: decisions are
    final once their batch is done); ``background_documents`` and ``background_length``: the
    idf also counts that many background documents of that many words, made from general
    English word frequencies (:mod:`newsbrief.cluster_background`; 0 documents: none).
    """

    cohesion_ratio: float = 0.45
    lone_prior: float = 0.15
    min_similarity: float = 0.03
    entity_weight: float = 0.3
    title_weight: float = 2.0
    half_life_days: float = 7.0
    max_gap_days: float = 30.0
    query_terms: int = 12
    max_candidates: int = 20
    cohesion_power: float = 1.0
    max_terms: int = 300
    batch_size: int = 1024
    reopen: int = 256
    background_documents: int = 10000
    background_length: int = 1000

    def with_(self, **changes: Any) -> ClusterConfig:
        return replace(self, **changes)


def _term_id(term: str) -> int:
    # Stable across processes (unlike hash()), so the store and Spark can persist ids.
    return zlib.crc32(term.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class Features:
    """An article's terms (id -> sublinear tf) and capitalised phrases (id -> count)."""

    terms: dict[int, float]
    entities: dict[int, float]

    def to_bytes(self) -> bytes:
        """12 bytes a key (the dicts take about 125): how many terms, then the terms' and the
        phrases' ids and weights in their dicts' order, so :meth:`from_bytes` gives back
        equal dicts in the same order (and the same vectors to the bit)."""
        return struct.pack("<I", len(self.terms)) + pack_vector(self.terms) + pack_vector(
            self.entities)

    @classmethod
    def from_bytes(cls, blob: bytes) -> Features:
        (n_terms,) = struct.unpack_from("<I", blob)
        split = 4 + 12 * n_terms
        return cls(unpack_vector(blob[4:split]), unpack_vector(blob[split:]))


def _is_term(word: str) -> bool:
    """A content word: not a stop word, and longer than two letters unless a number."""
    return word not in stop_words() and (len(word) > 2 or word.isdigit())


def extract_features(title: str, text: str, config: ClusterConfig | None = None) -> Features:
    """Content words (sublinear tf, title words weighted up) and capitalised phrases."""
    config = config or ClusterConfig()
    # Count first, then filter the distinct words (far fewer than the running words).
    counts = {w: n for w, n in Counter(_WORD.findall(text.lower())).items() if _is_term(w)}
    weight = config.title_weight
    for word, n in Counter(_WORD.findall(title.lower())).items():
        if _is_term(word):
            counts[word] = counts.get(word, 0) + n * weight
    if len(counts) > config.max_terms:
        counts = dict(Counter(counts).most_common(config.max_terms))
    log, term_id = math.log, _term_id
    terms = {term_id(w): 1.0 + log(c) for w, c in counts.items()}
    phrases: dict[str, int] = {}
    for raw, n in Counter(_PHRASE.findall(title) + _PHRASE.findall(text)).items():
        key = raw.strip(" .-'’").lower()
        # Single common words capitalised at a sentence start are not names.
        if " " not in key and (key in stop_words() or len(key) < 3):
            continue
        phrases[key] = phrases.get(key, 0) + n
    entities = {term_id(_ENTITY_PREFIX + p): 1.0 + log(c) for p, c in phrases.items()}
    return Features(terms, entities)


@dataclass(slots=True)
class _Open:
    """A recent article whose event may still change: its features, day, the vector it
    added to its event and that event (empty before its first assignment)."""

    article_id: str
    features: Features
    day: float | None
    event: str = ""
    vector: dict[int, float] = field(default_factory=dict)


class EventClusterer:
    """Single-pass clustering: :meth:`add` assigns one article and returns its event id.

    State (document frequencies, event vectors, postings from terms to events) lives in
    memory; the store overrides the four storage hooks (:meth:`lookup`, :meth:`index`,
    :meth:`event`, :meth:`new_event`) to keep it in SQLite. ``labels_`` maps the articles
    added so far to their current event and ``merges`` lists ``(gone, kept)`` event pairs;
    with ``config.reopen`` > 0, ``moves`` lists ``(article, from, to)`` for open articles
    that changed event and ``emptied`` the events they left empty.
    """

    def __init__(
        self, config: ClusterConfig | None = None, *, id_prefix: str = "e", next_id: int = 1
    ) -> None:
        self.config = config or ClusterConfig()
        self.id_prefix = id_prefix
        self.next_id = next_id
        self.df: Counter[int] = Counter()
        self.n_docs = 0
        self.events: dict[str, EventState] = {}
        self.postings: dict[tuple[int, int], list[str]] = defaultdict(list)
        self.labels_: dict[str, str] = {}
        self.members: dict[str, list[str]] = defaultdict(list)
        self.merges: list[tuple[str, str]] = []
        self.moves: list[tuple[str, str, str]] = []
        self.emptied: list[str] = []
        self.open: list[_Open] = []

    # ----------------------------------------------------------------- statistics
    def observe(self, features: Features) -> None:
        """Count an article's terms in the document frequencies (before it is assigned)."""
        self.observe_batch((features,))

    def observe_batch(self, features: Sequence[Features]) -> Counter[int]:
        """:meth:`observe` the articles of a batch at once; returns the batch's counts.

        The keys are counted in a small Counter first, so the document frequencies (a table
        far larger than the CPU caches) are touched once per distinct key rather than once
        per occurrence; Counter.update does both countings in C.
        """
        counts: Counter[int] = Counter()
        for f in features:
            counts.update(f.terms.keys())
            counts.update(f.entities.keys())
        self.df.update(counts)
        self.n_docs += len(features)
        return counts

    @property
    def background(self) -> dict[int, float]:
        """Background document frequencies of words (:mod:`newsbrief.cluster_background`)."""
        config = self.config
        return background_counts(config.background_documents, config.background_length,
                                 _ENTITY_PREFIX)

    def idf(self, key: int) -> float:
        return self._idfs((key,))[key]

    def idfs(self, features: Iterable[Features]) -> dict[int, float]:
        """:meth:`idf` of every term and phrase of ``features``, each computed once (a batch
        of articles shares most of its words)."""
        keys: set[int] = set()
        for f in features:
            keys.update(f.terms)
            keys.update(f.entities)
        return self._idfs(keys)

    def _idfs(self, keys: Iterable[int]) -> dict[int, float]:
        listed = list(keys)
        return dict(zip(listed, self._idf_values(listed).tolist()))

    def _idf_values(self, keys: list[int]) -> np.ndarray:
        """Smoothed idf of each key. The document frequency of a word the background knows
        is estimated from the collection and the background together; that of any other
        word (a rare name, a word of a language the background does not hold) from the
        collection alone, so such text is weighed exactly as with no background at all
        (adding background documents to every word would flatten its idf: common words of
        another language would weigh nearly as much as its rare ones)."""
        n = len(keys)
        counts = np.fromiter(map(self.df.get, keys, itertools.repeat(0)), dtype=np.float64,
                             count=n)
        prior = np.fromiter(map(self.background.get, keys, itertools.repeat(math.nan)),
                            dtype=np.float64, count=n)
        known = ~np.isnan(prior)
        own = 1.0 + self.n_docs
        ratios = own / (1.0 + counts)
        ratios[known] = (own + self.config.background_documents) / (
            (1.0 + counts[known]) + prior[known])
        # math.log: numpy's vectorised log may round differently on another machine.
        return np.fromiter(map(math.log, ratios.tolist()), dtype=np.float64, count=n) + 1.0

    def vectorize(self, features: Features,
                  idf: Mapping[int, float] | None = None) -> dict[int, float]:
        """One unit vector: TF-IDF of the words and of the phrases, weighted and joined.

        ``idf``: the idf of every key of ``features`` (from :meth:`idfs`; by default computed
        here)."""
        rows = self.vector_rows((features,), idf)
        return dict(zip(rows.keys.tolist(), rows.values.tolist()))

    def vector_rows(self, features: Sequence[Features],
                    idf: Mapping[int, float] | None = None) -> SparseRows:
        """:meth:`vectorize` of each of ``features``, laid out flat (a batch at once).

        Each article's terms get TF-IDF weights scaled to squared norm ``1 - entity_weight``
        and its phrases to ``entity_weight``; the two are added (a phrase id equal to a term
        id adds to the term: a crc32 collision) and normalised again; a part with no weight
        or no keys is left out. The arithmetic runs on arrays for the whole batch, in the
        order a loop over each article's dicts would do it (sums of squares are sequential,
        :func:`_run_sums`), so the floats are the same to the bit. ``idf`` as in
        :meth:`vectorize` (by default computed once per distinct key).
        """
        n = len(features)
        share = self.config.entity_weight
        # Runs 2i and 2i + 1 are article i's terms and phrases, in their dicts' order.
        raw = SparseRows.from_dicts([part for f in features for part in (f.terms, f.entities)])
        keys, weights, lengths = raw.keys, raw.values, raw.lengths
        total = len(keys)
        if idf is not None:
            weights *= np.fromiter(map(idf.__getitem__, keys.tolist()), dtype=np.float64,
                                   count=total)
        elif total:
            distinct, inverse = np.unique(keys, return_inverse=True)
            weights *= self._idf_values(distinct.tolist())[inverse.ravel()]
        norm2 = _run_sums(weights * weights, lengths)
        shares = np.tile([1.0 - share, share], n)
        used = (shares > 0) & (norm2 != 0)
        scale = np.zeros(2 * n)
        scale[used] = np.sqrt(shares[used] / norm2[used])
        run_of = np.repeat(np.arange(2 * n), lengths)
        values = weights * scale[run_of]
        kept = used[run_of]
        starts = (np.cumsum(lengths) - lengths).tolist()
        for i, f in enumerate(features):
            if used[2 * i] and used[2 * i + 1] and not f.terms.keys().isdisjoint(f.entities):
                position = {k: j for j, k in enumerate(f.terms)}
                for j, k in enumerate(f.entities):
                    if k in position:
                        values[starts[2 * i] + position[k]] += values[starts[2 * i + 1] + j]
                        kept[starts[2 * i + 1] + j] = False
        if not kept.all():
            keys, values = keys[kept], values[kept]
        sizes = np.bincount(run_of[kept] // 2, minlength=n).astype(np.int64)
        values /= np.repeat(np.sqrt(_run_sums(values * values, sizes)), sizes)
        return SparseRows(keys, values, sizes)

    # ----------------------------------------------------------------- storage hooks
    def lookup(self, keys: Sequence[int], buckets: Sequence[int]) -> dict[str, int]:
        """Events indexed under any of ``keys`` in ``buckets``, with how many keys each has."""
        get = self.postings.get
        return Counter(itertools.chain.from_iterable(
            get((key, bucket), ()) for bucket in buckets for key in keys))

    def index(self, event_id: str, keys: Sequence[int], bucket: int) -> None:
        """Index ``event_id`` under ``keys`` in time bucket ``bucket``."""
        for key in keys:
            posting = self.postings[(key, bucket)]
            if event_id not in posting:
                posting.append(event_id)

    def bucket(self, day: float | None) -> int:
        """Postings are split into time buckets of ``max_gap_days``, so the events an article
        is compared with are those of its own and the neighbouring buckets, and the lookup
        cost does not grow with the length of the stream. Undated articles share bucket -1."""
        if day is None:
            return -1
        return int(day // self.config.max_gap_days)

    def _buckets(self, day: float | None) -> list[int]:
        b = self.bucket(day)
        return [b] if b < 0 else [b - 1, b, b + 1]

    def event(self, event_id: str) -> EventState:
        return self.events[event_id]

    def new_event(self, event_id: str) -> EventState:
        event = self.events[event_id] = EventState(event_id)
        return event

    # ----------------------------------------------------------------- assignment
    @staticmethod
    def _gap(first: float | None, last: float | None, day_first: float | None,
             day_last: float | None) -> float:
        """Days between two time spans (0 when they overlap or a date is missing)."""
        if None in (first, last, day_first, day_last):
            return 0.0
        if day_last < first:  # type: ignore[operator]
            return first - day_last  # type: ignore[operator]
        return max(0.0, day_first - last)  # type: ignore[operator]

    def add(self, article_id: str, features: Features, published: str | None = None,
            *, observed: bool = False) -> str:
        """Assign one article; returns its event id (after any merge it caused)."""
        return self.add_batch([(article_id, features, published)], observed=observed)[0]

    def _candidates_for(self, tops: list[list[int]], days: list[float | None]) -> list[str]:
        """Live events that share top terms with any article of the batch (time-windowed).

        ``tops``: each article's heaviest keys, heaviest first (its first ``query_terms``
        are looked up). Per article only the events sharing the most of them are kept, so a
        batch looks at a bounded number of events however large the store grows.
        """
        cfg = self.config
        chosen: dict[str, None] = {}
        for top, day in zip(tops, days):
            hits = self.lookup(top[:cfg.query_terms], self._buckets(day))
            ranked = sorted(hits, key=lambda e: (-hits[e], self._id_number(e)))
            kept = 0
            for event_id in ranked:
                event = self.event(event_id)
                if event.merged_into is not None or not event.size or self._gap(
                    event.first_day, event.last_day, day, day
                ) > cfg.max_gap_days:
                    continue
                chosen[event_id] = None
                kept += 1
                if kept >= cfg.max_candidates:
                    break
        return sorted(chosen, key=self._id_number)

    def add_batch(
        self, items: Sequence[tuple[str, Features, str | None]], *, observed: bool = False
    ) -> list[str]:
        """Assign a batch of ``(article_id, features, published)``; returns their event ids.

        The batch's articles, the open articles (the ``reopen`` most recent ones, taken out
        of their events again) and the existing events they could join are clustered
        together by average linkage under the relative rule (see the module docstring), most
        similar pair first; existing events are never split, may absorb articles and may
        merge. The order of the articles within a batch does not change its decisions (it
        only says which of them stay open afterwards: the last ``reopen``). Open articles
        that end up elsewhere are listed in ``moves``; events left empty by them in
        ``emptied``.
        """
        cfg = self.config
        if not items:
            return []
        if not observed:
            self.observe_batch([features for _, features, _ in items])
        batch = self._reopen() + [_Open(article_id, features, parse_day(published))
                                  for article_id, features, published in items]
        # Open articles are weighed again with today's document frequencies, so an early
        # arrival is no longer judged by the statistics of the first few articles.
        rows = self.vector_rows([o.features for o in batch])
        vectors = rows.split()
        days = [o.day for o in batch]
        # Each article's keys looked up (the first query_terms) and indexed (all of them):
        # the n heaviest are the first n of the 2n heaviest.
        tops = [_top_of(keys, values, cfg.query_terms * 2) for keys, values in vectors]
        chosen = dict.fromkeys(self._candidates_for(tops, days))
        # The events open articles came from stay candidates, so each can go back.
        chosen.update((o.event, None) for o in batch if o.event and self.event(o.event).size)
        event_ids = sorted(chosen, key=self._id_number)
        events = [self.event(e) for e in event_ids]
        groups = _agglomerate(events, rows, days, cfg)
        # Events emptied by their open articles may be taken again by those articles, so an
        # open group that stays together keeps its id.
        free = {o.event: None for o in batch if o.event and not self.event(o.event).size}
        open_from = len(batch) - cfg.reopen if cfg.reopen > 0 else len(batch)
        for node_events, node_articles in groups:
            if node_events:
                keep = min((events[i].id for i in node_events), key=self._id_number)
                for i in node_events:
                    if events[i].id != keep:
                        self.merge(events[i].id, keep)
            elif node_articles:
                previous = [batch[j].event for j in node_articles if batch[j].event in free]
                if previous:
                    keep = min(previous, key=self._id_number)
                    del free[keep]
                else:
                    keep = f"{self.id_prefix}{self.next_id}"
                    self.next_id += 1
                    self.new_event(keep)
            else:
                continue
            target = self.event(keep)
            for j in node_articles:
                o = batch[j]
                keys, values = vectors[j]
                target.add_items(zip(keys, values), days[j])
                self.index(keep, tops[j], self.bucket(days[j]))
                if o.event and o.event != keep:
                    self.moves.append((o.article_id, o.event, keep))
                o.event = keep
                if j >= open_from:  # only the open articles' vectors are read again
                    o.vector = dict(zip(keys, values))
                self.labels_[o.article_id] = keep
                self.members[keep].append(o.article_id)
        self.emptied.extend(free)
        if cfg.reopen > 0:
            self.open = batch[-cfg.reopen:]
        return [o.event for o in batch[len(batch) - len(items):]]

    def _reopen(self) -> list[_Open]:
        """Take the open articles out of their events (their vectors are subtracted)."""
        reopened, self.open = self.open, []
        for o in reopened:
            event = self.event(o.event)
            while event.merged_into is not None:
                event = self.event(event.merged_into)
            o.event = event.id
            event.withdraw(o.vector)
            members = self.members[event.id]
            # The store keeps only the current batch's members in memory (its events'
            # articles are rows), so an open article from an earlier batch is not listed.
            if o.article_id in members:
                members.remove(o.article_id)
        return reopened

    def _id_number(self, event_id: str) -> tuple[int, str]:
        digits = event_id[len(self.id_prefix):]
        return (int(digits), event_id) if digits.isdigit() else (1 << 62, event_id)

    def merge(self, gone: str, keep: str) -> None:
        """Fold event ``gone`` into ``keep``."""
        source, target = self.event(gone), self.event(keep)
        target.absorb(source)
        source.merged_into = keep
        self.index(keep, _top(source.vector, self.config.query_terms * 4),
                   self.bucket(source.last_day))
        for article_id in self.members.pop(gone, []):
            self.labels_[article_id] = keep
            self.members[keep].append(article_id)
        self.merges.append((gone, keep))


class CompactEventClusterer(EventClusterer):
    """An :class:`EventClusterer` that keeps the ``hot`` most recently used events as objects
    and the others packed (:meth:`EventState.to_bytes`: 12 bytes a term instead of a dict
    entry's 100 or so), as the store keeps them in SQL. Packing is exact (float64, the
    vector's order kept), so every decision is the same; only memory and a little time
    differ. Events are packed between batches, never during one."""

    def __init__(self, config: ClusterConfig | None = None, *, hot: int = 1024,
                 **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.hot = max(1, hot)
        self.events: OrderedDict[str, EventState] = OrderedDict()
        # event id -> (packed state, first day, last day, merged into)
        self.packed: dict[str, tuple[bytes, float | None, float | None, str | None]] = {}

    def event(self, event_id: str) -> EventState:
        event = self.events.get(event_id)
        if event is not None:
            self.events.move_to_end(event_id)
            return event
        blob, first_day, last_day, merged_into = self.packed.pop(event_id)
        event = EventState.from_bytes(event_id, blob)
        event.first_day, event.last_day, event.merged_into = first_day, last_day, merged_into
        self.events[event_id] = event
        return event

    def add_batch(
        self, items: Sequence[tuple[str, Features, str | None]], *, observed: bool = False
    ) -> list[str]:
        assigned = super().add_batch(items, observed=observed)
        while len(self.events) > self.hot:
            event_id, event = self.events.popitem(last=False)
            self.packed[event_id] = (event.to_bytes(), event.first_day, event.last_day,
                                     event.merged_into)
        return assigned


# --------------------------------------------------------------------- whole collections
def featurize(
    records: Iterable[tuple[str, str, str, str | None]], config: ClusterConfig | None = None
) -> Iterator[tuple[str, bytes, str | None]]:
    """``(id, features, published)`` of each ``(id, title, text, published)`` record as it is
    read, the features packed (:meth:`Features.to_bytes`): a collection's texts need not be
    held while it is clustered."""
    config = config or ClusterConfig()
    for article_id, title, text, published in records:
        yield article_id, extract_features(title, text, config).to_bytes(), published


def cluster_features(
    items: Iterable[tuple[str, bytes, str | None]],
    config: ClusterConfig | None = None,
    *,
    prefit: bool = True,
    frequencies: tuple[Mapping[int, int], int] | None = None,
) -> dict[str, str]:
    """Cluster :func:`featurize`'s ``(id, packed features, published)`` in the given order;
    id -> event.

    With ``prefit`` the document frequencies of the whole collection are counted first (the
    collection is known up front, as for ``newsbrief cluster`` and a Spark batch); without it
    they grow with the stream, as in the store, and ``items`` is read one batch at a time.
    ``frequencies`` gives them instead, as ``(document frequency by term id, number of
    documents)`` counted elsewhere (e.g. by Spark over a larger collection); they are then
    read, never updated.
    """
    clusterer = CompactEventClusterer(config)
    size = clusterer.config.batch_size
    if frequencies is not None:
        clusterer.df, clusterer.n_docs = frequencies  # type: ignore[assignment]
    elif prefit:
        items = list(items)
        for start in range(0, len(items), size):
            clusterer.observe_batch([Features.from_bytes(b) for _, b, _ in items[start:start + size]])
    observed = prefit or frequencies is not None
    stream = iter(items)
    while batch := list(itertools.islice(stream, size)):
        clusterer.add_batch([(article_id, Features.from_bytes(packed), published)
                             for article_id, packed, published in batch], observed=observed)
    return dict(clusterer.labels_)


def cluster_records(
    records: Iterable[tuple[str, str, str, str | None]],
    config: ClusterConfig | None = None,
    *,
    prefit: bool = True,
    frequencies: tuple[Mapping[int, int], int] | None = None,
) -> dict[str, str]:
    """Cluster ``(id, title, text, published)`` records in the given order; id -> event.

    :func:`cluster_features` of :func:`featurize`: see there for ``prefit`` and
    ``frequencies``.
    """
    config = config or ClusterConfig()
    return cluster_features(featurize(records, config), config, prefit=prefit,
                            frequencies=frequencies)


def cluster_documents(
    documents: Sequence[Any],
    config: ClusterConfig | None = None,
    *,
    prefit: bool = True,
    frequencies: tuple[Mapping[int, int], int] | None = None,
) -> dict[str, str]:
    """:func:`cluster_records` over cleaned :class:`~newsbrief.models.Document` objects."""
    return cluster_records(
        [(d.id, d.article.title, d.text, d.article.published) for d in documents],
        config, prefit=prefit, frequencies=frequencies,
    )
