"""The relative-rule agglomeration behind :class:`newsbrief.cluster.EventClusterer`.

Average linkage (Sokal & Michener 1958) over a batch of new articles and the existing events
they could join, most similar pair first, where two groups join only when their mean cross
similarity is at least ``cohesion_ratio`` times the (power) mean of their cohesions; see the
docstring of :mod:`newsbrief.cluster` for the rule and why it is relative.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from newsbrief.cluster import ClusterConfig, EventState

__all__ = ["agglomerate"]


def _power_mean(a: np.ndarray, b: np.ndarray, power: float) -> np.ndarray:
    """Power mean of two cohesions: 1 the arithmetic mean, larger values lean to the max."""
    if power == 1.0:
        return (a + b) / 2.0
    return ((a**power + b**power) / 2.0) ** (1.0 / power)


def agglomerate(
    events: list[EventState],
    vectors: list[dict[int, float]],
    days: list[float | None],
    cfg: ClusterConfig,
) -> list[tuple[list[int], list[int]]]:
    """Average-linkage agglomeration of events (fixed groups) and articles, relative rule.

    Returns the final groups, sorted by their first article, as ``(event indexes, article
    indexes)``. ``W[i, j]`` holds the sum of member-to-member similarities between nodes ``i``
    and ``j`` (time-decayed), ``inner[i]`` the sum within node ``i``.
    """
    from scipy.sparse import csr_matrix

    m, b = len(events), len(vectors)
    n = m + b
    every = [e.vector for e in events] + vectors
    lengths = np.fromiter((len(v) for v in every), dtype=np.int64, count=n)
    total = int(lengths.sum())
    keys = np.fromiter(itertools.chain.from_iterable(every), dtype=np.int64, count=total)
    vals = np.fromiter(itertools.chain.from_iterable(v.values() for v in every),
                       dtype=np.float64, count=total)
    uniq, cols = np.unique(keys, return_inverse=True)
    matrix = csr_matrix((vals, (np.repeat(np.arange(n), lengths), cols.ravel())),
                        shape=(n, max(1, len(uniq))))
    gram = (matrix @ matrix.T).toarray()
    size = np.array([e.size for e in events] + [1] * b, dtype=float)
    inner = np.zeros(n)
    inner[:m] = (np.diag(gram)[:m] - size[:m]) / 2.0
    nan = float("nan")
    first = np.array([nan if e.first_day is None else e.first_day for e in events]
                     + [nan if d is None else d for d in days])
    last = np.array([nan if e.last_day is None else e.last_day for e in events]
                    + [nan if d is None else d for d in days])
    if not np.isnan(first).all():
        for start in range(0, n, 256):  # row blocks bound the temporaries' memory
            block = slice(start, min(n, start + 256))
            # Days between the two spans (0 when they overlap or a date is missing).
            between = np.maximum(first[None, :] - last[block, None],
                                 first[block, None] - last[None, :])
            between = np.nan_to_num(np.maximum(between, 0.0), nan=0.0)
            gram[block] *= np.where(between > cfg.max_gap_days, 0.0,
                                    0.5 ** (between / cfg.half_life_days))
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
    while True:
        top = int(np.argmax(np.where(alive, best, -np.inf)))
        if not np.isfinite(best[top]) or not alive[top]:
            break
        other = int(arg[top])
        keep, gone = min(top, other), max(top, other)
        inner[keep] += inner[gone] + weights[keep, gone]
        size[keep] += size[gone]
        weights[keep, :] += weights[gone, :]
        weights[:, keep] += weights[:, gone]
        weights[keep, keep] = 0.0
        alive[gone] = False
        members[keep][0].extend(members[gone][0])
        members[keep][1].extend(members[gone][1])
        score[gone, :] = -np.inf
        score[:, gone] = -np.inf
        best[gone] = -np.inf
        coh[keep] = cohesion(keep)
        row = scores(np.array([keep]), coh[[keep]], coh)[0]
        row[keep] = -np.inf
        score[keep, :] = row
        score[:, keep] = row
        arg[keep] = int(row.argmax())
        best[keep] = row[arg[keep]]
        # Rows whose best partner was one of the pair are recomputed; others may improve.
        stale = np.flatnonzero(alive & ((arg == keep) | (arg == gone)))
        stale = stale[stale != keep]
        if len(stale):
            arg[stale] = score[stale].argmax(axis=1)
            best[stale] = score[stale, arg[stale]]
        better = alive & (score[:, keep] > best)
        arg[better] = keep
        best[better] = score[better, keep]
    groups = [members[i] for i in np.flatnonzero(alive)]
    groups.sort(key=lambda g: (min(g[1]) if g[1] else b, min(g[0]) if g[0] else m))
    return groups
