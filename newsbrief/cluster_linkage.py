"""The relative-rule agglomeration behind :class:`newsbrief.cluster.EventClusterer`.

Average linkage (Sokal & Michener 1958) over a batch of new articles and the existing events
they could join, most similar pair first, where two groups join only when their mean cross
similarity is at least ``cohesion_ratio`` times the (power) mean of their cohesions; see the
docstring of :mod:`newsbrief.cluster` for the rule and why it is relative.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from newsbrief.cluster import ClusterConfig
    from newsbrief.cluster_vectors import EventState

__all__ = ["SparseRows", "agglomerate"]


@dataclass(frozen=True, slots=True)
class SparseRows:
    """Sparse vectors laid out flat: row ``i`` holds the ``lengths[i]`` keys and values that
    follow those of the rows before it, in the order of its dict."""

    keys: np.ndarray  # int64
    values: np.ndarray  # float64
    lengths: np.ndarray  # int64

    @classmethod
    def from_dicts(cls, vectors: Sequence[Mapping[int, float]]) -> SparseRows:
        lengths = np.fromiter(map(len, vectors), dtype=np.int64, count=len(vectors))
        total = int(lengths.sum())
        keys = np.fromiter(itertools.chain.from_iterable(vectors), dtype=np.int64, count=total)
        values = np.fromiter(itertools.chain.from_iterable(v.values() for v in vectors),
                             dtype=np.float64, count=total)
        return cls(keys, values, lengths)

    def split(self) -> list[tuple[list[int], list[float]]]:
        """Each row's keys and values, as Python lists."""
        keys, values = self.keys.tolist(), self.values.tolist()
        ends = np.cumsum(self.lengths).tolist()
        return [(keys[start:end], values[start:end]) for start, end in zip([0, *ends], ends)]

    def then(self, other: SparseRows) -> SparseRows:
        """These rows followed by ``other``'s."""
        return SparseRows(np.concatenate([self.keys, other.keys]),
                          np.concatenate([self.values, other.values]),
                          np.concatenate([self.lengths, other.lengths]))


def _power_mean(a: np.ndarray, b: np.ndarray, power: float) -> np.ndarray:
    """Power mean of two cohesions: 1 the arithmetic mean, larger values lean to the max."""
    if power == 1.0:
        return (a + b) / 2.0
    return ((a**power + b**power) / 2.0) ** (1.0 / power)


def agglomerate(
    events: list[EventState],
    vectors: Sequence[Mapping[int, float]] | SparseRows,
    days: list[float | None],
    cfg: ClusterConfig,
) -> list[tuple[list[int], list[int]]]:
    """Average-linkage agglomeration of events (fixed groups) and articles, relative rule.

    ``vectors``: the articles' unit vectors, as dicts or already laid out as
    :class:`SparseRows`. Returns the final groups, sorted by their first article, as
    ``(event indexes, article indexes)``. ``W[i, j]`` holds the sum of member-to-member similarities between nodes ``i``
    and ``j`` (time-decayed), ``inner[i]`` the sum within node ``i``.
    """
    from scipy.sparse import csr_matrix

    if not isinstance(vectors, SparseRows):
        vectors = SparseRows.from_dicts(vectors)
    rows = SparseRows.from_dicts([e.vector for e in events]).then(vectors)
    m, b = len(events), len(vectors.lengths)
    n = m + b
    keys, vals, lengths = rows.keys, rows.values, rows.lengths
    uniq, cols = np.unique(keys, return_inverse=True)
    matrix = csr_matrix((vals, (np.repeat(np.arange(n), lengths), cols.ravel())),
                        shape=(n, max(1, len(uniq))))
    gram = (matrix @ matrix.T).toarray()
    size = np.array([e.size for e in events] + [1] * b, dtype=float)
    inner = np.zeros(n)
    inner[:m] = (np.diag(gram)[:m] - size[:m]) / 2.0
    # The time decay of a pair depends only on the two time spans, and a batch has few
    # distinct spans (articles are dated by day): the factors are computed once per pair of
    # spans and gathered, instead of once per pair of nodes.
    spans: dict[tuple[float | None, float | None], int] = {}
    span_of = np.fromiter(
        (spans.setdefault(span, len(spans)) for span in itertools.chain(
            ((e.first_day, e.last_day) for e in events), ((d, d) for d in days))),
        dtype=np.intp, count=n)
    nan = float("nan")
    first = np.array([nan if f is None else f for f, _ in spans])
    last = np.array([nan if t is None else t for _, t in spans])
    if not np.isnan(first).all():
        # Days between the two spans (0 when they overlap or a date is missing).
        between = np.maximum(first[None, :] - last[:, None], first[:, None] - last[None, :])
        between = np.nan_to_num(np.maximum(between, 0.0), nan=0.0)
        decay = np.where(between > cfg.max_gap_days, 0.0, 0.5 ** (between / cfg.half_life_days))
        for start in range(0, n, 256):  # row blocks bound the temporaries' memory
            block = span_of[start:start + 256]
            gram[start:start + 256] *= decay[block[:, None], span_of[None, :]]
    weights = gram
    np.fill_diagonal(weights, 0.0)
    alive = np.ones(n, dtype=bool)
    members: list[tuple[list[int], list[int]]] = (
        [([i], []) for i in range(m)] + [([], [j]) for j in range(b)]
    )

    def cohesion(idx: np.ndarray | int) -> np.ndarray:
        s = size[idx]
        pairs = inner[idx] * 2.0 / np.maximum(s * (s - 1.0), 1.0)
        return np.where(s > 1, np.maximum(pairs, 0.0), cfg.lone_prior)

    def scores(rows: np.ndarray | slice, coh_rows: np.ndarray, coh_all: np.ndarray) -> np.ndarray:
        """Mean similarity where a pair passes the relative rule, -inf elsewhere."""
        mean = weights[rows] / np.outer(size[rows], size)
        bar = np.maximum(cfg.min_similarity, cfg.cohesion_ratio * _power_mean(
            coh_rows[:, None], coh_all[None, :], cfg.cohesion_power))
        out = np.where((mean >= bar) & alive[None, :], mean, -np.inf)
        return out

    coh = cohesion(np.arange(n))
    score = np.empty((n, n))
    for start in range(0, n, 256):  # in row blocks, to bound the temporaries' memory
        rows = np.arange(start, min(n, start + 256))
        score[rows] = scores(rows, coh[rows], coh)
    np.fill_diagonal(score, -np.inf)
    arg = score.argmax(axis=1)
    best = score[np.arange(n), arg]
    # Merges happen most similar pair first; row maxima are kept so each step is O(n).
    # ``weights`` and ``score`` are symmetric to the bit (a pair's products are added in key
    # order either way, and its decay is symmetric), so a row updated is copied to its
    # column, and a node's column is read as its row. Dead nodes' ``best`` is -inf.
    lone = cfg.lone_prior
    while True:
        top = int(best.argmax())
        if not math.isfinite(best[top]):
            break
        other = int(arg[top])
        keep, gone = min(top, other), max(top, other)
        inner[keep] += inner[gone] + weights[keep, gone]
        size[keep] += size[gone]
        weights[keep] += weights[gone]
        weights[keep, keep] = 0.0
        weights[:, keep] = weights[keep]
        alive[gone] = False
        members[keep][0].extend(members[gone][0])
        members[keep][1].extend(members[gone][1])
        score[:, gone] = -np.inf
        best[gone] = -np.inf
        # cohesion(keep), in Python floats (the same IEEE operations as numpy's)
        s = float(size[keep])
        coh[keep] = max(float(inner[keep]) * 2.0 / max(s * (s - 1.0), 1.0), 0.0) \
            if s > 1 else lone
        row = scores(slice(keep, keep + 1), coh[keep:keep + 1], coh)[0]
        row[keep] = -np.inf
        score[keep] = row
        score[:, keep] = row
        arg[keep] = pick = int(row.argmax())
        best[keep] = row[pick]
        # Rows whose best partner was one of the pair are recomputed; others may improve.
        stale = np.flatnonzero((arg == keep) | (arg == gone))
        stale = stale[alive[stale] & (stale != keep)]
        if len(stale):
            rows = score[stale]
            arg[stale] = picked = rows.argmax(axis=1)
            best[stale] = rows[np.arange(len(stale)), picked]
        better = np.flatnonzero(row > best)
        if len(better):
            arg[better] = keep
            best[better] = row[better]
    groups = [members[i] for i in np.flatnonzero(alive)]
    groups.sort(key=lambda g: (min(g[1]) if g[1] else b, min(g[0]) if g[0] else m))
    return groups
