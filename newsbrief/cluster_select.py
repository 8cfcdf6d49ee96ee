"""Choosing a collection's clustering thresholds by the silhouette of the events they give.

How coarse a collection's events are is not written in it: one breaking story (the
Multi-News clusters of ``clustering-dev.jsonl``), a broad topic (WikiRef220's), one day's
happening (WCEP's). The two thresholds of the clusterer's join rule set it
(:class:`~newsbrief.cluster.ClusterConfig`: ``cohesion_ratio``, ``min_similarity``), and one
pair cannot serve all three (docs/events.md). When the whole collection is known up front
(``newsbrief cluster``, ``newsbrief evaluate-clusters``), it is clustered with every pair of a
small fixed grid and the partition with the highest mean silhouette wins (Rousseeuw 1987:
for each article, how much closer it is to its own event than to the nearest other one;
cosine distance of the clusterer's own article vectors, decayed with the time between dated
articles as the clusterer decays it; an article alone scores 0). The
given configuration's pair keeps its place unless another beats its silhouette by
:data:`MARGIN`: a near tie is no evidence against the default.

A collection of more than :data:`SAMPLE` articles is judged on a random sample of that many
(the same one for every pair), then clustered whole with the chosen pair.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from newsbrief.cluster import ClusterConfig, EventClusterer, Features, cluster_features
from newsbrief.models import parse_day

__all__ = ["GRID", "MARGIN", "SAMPLE", "ThresholdChoice", "article_matrix",
           "choose_thresholds", "silhouette"]

#: ``(cohesion_ratio, min_similarity)`` pairs tried: looser to stricter joins, and floors from
#: none to one that only same-story articles pass.
GRID: tuple[tuple[float, float], ...] = tuple(
    itertools.product((0.30, 0.45, 0.60, 0.75), (0.03, 0.08, 0.14, 0.20))
)
MARGIN = 0.05
SAMPLE = 3000


@dataclass(frozen=True, slots=True)
class ThresholdChoice:
    """The chosen configuration, its silhouette and the given one's, every pair's score
    ``(cohesion_ratio, min_similarity, silhouette)``, and the chosen partition (id -> event)
    when the whole collection was judged (``None`` after a sample)."""

    config: ClusterConfig
    silhouette: float
    default_silhouette: float
    scores: tuple[tuple[float, float, float], ...]
    labels: dict[str, str] | None
    sampled: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "cohesion_ratio": self.config.cohesion_ratio,
            "min_similarity": self.config.min_similarity,
            "silhouette": round(self.silhouette, 4),
            "default_silhouette": round(self.default_silhouette, 4),
            "judged_on": self.sampled,
        }

    def describe(self) -> str:
        pair = (f"cohesion ratio {self.config.cohesion_ratio:.2f}, "
                f"floor {self.config.min_similarity:.2f}")
        return (f"thresholds chosen by silhouette: {pair} ({self.silhouette:.3f}; the "
                f"defaults {self.default_silhouette:.3f}; judged on {self.sampled} "
                f"article{'' if self.sampled == 1 else 's'})")


def article_matrix(features: Sequence[Features], config: ClusterConfig) -> csr_matrix:
    """The clusterer's unit vectors of ``features``, with document frequencies counted over
    all of them (as ``prefit`` clustering weighs them), one row per article."""
    clusterer = EventClusterer(config)
    clusterer.observe_batch(features)
    rows = clusterer.vector_rows(features)
    columns, keys = np.unique(rows.keys, return_inverse=True)
    row_of = np.repeat(np.arange(len(features)), rows.lengths)
    return csr_matrix((rows.values, (row_of, keys.ravel())),
                      shape=(len(features), max(1, len(columns))))


def silhouette(matrix: csr_matrix, events: Sequence[str],
               days: Sequence[float | None] | None = None,
               config: ClusterConfig | None = None) -> float:
    """Mean silhouette of the partition ``events`` (one per row of ``matrix``) under cosine
    distance; an article alone in its event scores 0, and so does a partition into one event
    or into single articles.

    With ``days`` (each article's day, :func:`~newsbrief.models.parse_day`), two dated
    articles are as similar as the clusterer finds them: their cosine halves every
    ``half_life_days`` between them and is 0 beyond ``max_gap_days``; one article without a
    date is compared by content alone. Without it, the same event told again two months later
    would look like one event split in two. The mean distances come from the summed vectors
    of each event's articles of one day, so nothing of size articles x articles is built."""
    config = config or ClusterConfig()
    n = matrix.shape[0]
    index: dict[str, int] = {}
    label = np.fromiter((index.setdefault(e, len(index)) for e in events), dtype=np.int64,
                        count=n)
    k = len(index)
    if k < 2 or k == n:
        return 0.0
    day = np.array([np.nan if d is None else d for d in days or [None] * n], dtype=np.float64)
    # Groups: an event's articles of one day (undated ones a group of their own).
    keys: dict[tuple[int, float | None], int] = {}
    group = np.fromiter(
        (keys.setdefault((e, None if np.isnan(d) else float(np.floor(d))), len(keys))
         for e, d in zip(label.tolist(), day.tolist())), dtype=np.int64, count=n)
    g = len(keys)
    group_day = np.array([np.nan if d is None else d for _, d in keys], dtype=np.float64)
    group_event = np.array([e for e, _ in keys], dtype=np.int64)
    members = csr_matrix((np.ones(n), (np.arange(n), group)), shape=(n, g))
    to_groups = (matrix @ (matrix.T @ members)).toarray()  # summed similarity to each group
    if not np.isnan(day).all():
        gap = np.abs(np.floor(day)[:, None] - group_day[None, :])
        decay = np.where(gap > config.max_gap_days, 0.0, 0.5 ** (gap / config.half_life_days))
        to_groups *= np.where(np.isnan(gap), 1.0, decay)
    to_events = to_groups @ csr_matrix(
        (np.ones(g), (np.arange(g), group_event)), shape=(g, k))
    to_events = np.asarray(to_events)
    sizes = np.bincount(label, minlength=k).astype(np.float64)
    rows = np.arange(n)
    own = sizes[label]
    self_similarity = np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel()
    a = 1.0 - (to_events[rows, label] - self_similarity) / np.maximum(own - 1, 1)
    mean_to = to_events / sizes
    mean_to[rows, label] = -np.inf
    b = 1.0 - mean_to.max(axis=1)
    score = np.where(own > 1, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
    return float(score.mean())


def choose_thresholds(
    items: Sequence[tuple[str, bytes, str | None]],
    config: ClusterConfig | None = None,
    *,
    prefit: bool = True,
    sample: int = SAMPLE,
    advance: Callable[[int], Any] | None = None,
) -> ThresholdChoice:
    """Cluster ``items`` (:func:`~newsbrief.cluster.featurize`'s packed records, in arrival
    order) as :func:`~newsbrief.cluster.cluster_features` does with ``config`` and each pair
    of :data:`GRID` in its place, and choose by silhouette (see the module's docstring).
    ``advance(1)`` is called after each pair."""
    config = config or ClusterConfig()
    judged = list(items)
    if len(judged) > sample:
        keep = sorted(random.Random(0).sample(range(len(judged)), sample))
        judged = [judged[i] for i in keep]
    matrix = article_matrix([Features.from_bytes(packed) for _, packed, _ in judged], config)
    ids = [article_id for article_id, _, _ in judged]
    days = [parse_day(published) for _, _, published in judged]
    given = (config.cohesion_ratio, config.min_similarity)
    pairs = GRID if given in GRID else (given, *GRID)
    scores, partitions = [], {}
    for ratio, floor in pairs:
        partition = cluster_features(
            judged, config.with_(cohesion_ratio=ratio, min_similarity=floor), prefit=prefit)
        scores.append((ratio, floor, silhouette(matrix, [partition[i] for i in ids], days,
                                                config)))
        partitions[(ratio, floor)] = partition
        if advance is not None:
            advance(1)
    default = next(s for r, f, s in scores if (r, f) == given)
    ratio, floor, best = max(scores, key=lambda row: row[2])
    if best <= default + MARGIN * abs(default):
        ratio, floor, best = (*given, default)
    whole = len(judged) == len(items)
    return ThresholdChoice(
        config=config.with_(cohesion_ratio=ratio, min_similarity=floor),
        silhouette=best, default_silhouette=default, scores=tuple(scores),
        labels=partitions[(ratio, floor)] if whole else None, sampled=len(judged),
    )
