"""Stage 4: events, clustered per sliding time window and merged across window edges.

The clustering itself is :class:`newsbrief.cluster.EventClusterer`, the single-pass clusterer
behind ``newsbrief cluster`` and the store, run once per window inside an executor with the
articles of that window in input order. Two things make the windows agree with one pass over
everything:

* document frequencies are counted over the whole collection first (one aggregation) and
  broadcast, so every window weighs terms as ``cluster_records(..., prefit=True)`` does over
  the whole collection;
* windows overlap: window ``k`` spans days ``[k*S, (k+2)*S)`` for a stride of ``S`` days, so
  every dated article lies in two windows. Its two window events are the same event, so they
  are joined (union-find over ``(window, event)`` nodes); a story longer than a window is
  chained through the articles in each overlap, as one pass would grow it day by day.

Articles without any date form one more group of their own (``undated``), clustered in one
piece: on collections with no dates at all (the evaluation sets) this is exactly one pass.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Iterator

from newsbrief.cluster import ClusterConfig, EventClusterer, Features, _parse_day

__all__ = ["UNDATED", "cluster_window", "event_id", "merge_windows", "window_keys"]

UNDATED = -(1 << 40)


def window_keys(published: str | None, stride_days: float) -> tuple[int, ...]:
    """The windows an article falls in: two overlapping ones, or ``UNDATED``."""
    day = _parse_day(published)
    if day is None:
        return (UNDATED,)
    k = math.floor(day / stride_days)
    return (k - 1, k)


def cluster_window(
    window: int,
    items: Iterable[tuple[tuple[int, int], str, Features, str | None]],
    document_frequencies: dict[int, int],
    n_docs: int,
    config: ClusterConfig,
) -> Iterator[tuple[str, tuple[int, str]]]:
    """Cluster one window's ``(ordinal, id, features, published)`` items in input order.

    Yields ``(article id, (window, event))``. This is :func:`newsbrief.cluster.cluster_records`
    with ``prefit``, except that the document frequencies are the whole collection's, counted
    by Spark, rather than the window's.
    """
    clusterer = EventClusterer(config)
    clusterer.df = document_frequencies  # read only: observe() is never called
    clusterer.n_docs = n_docs
    ordered = [(article_id, features, published)
               for _, article_id, features, published in sorted(items, key=lambda i: i[0])]
    # The batches of cluster_records, in the same order.
    size = clusterer.config.batch_size
    for start in range(0, len(ordered), size):
        clusterer.add_batch(ordered[start : start + size], observed=True)
    for article_id, event in clusterer.labels_.items():
        yield article_id, (window, event)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict = {}

    def find(self, x):
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # Keep the earlier window's node as the root: stable, readable components.
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def merge_windows(links: Iterable[tuple[tuple[int, str], tuple[int, str]]]) -> dict:
    """``(window, event)`` node -> root node, from the node pairs one article connects."""
    uf = _UnionFind()
    for a, b in links:
        uf.union(a, b)
    return {node: uf.find(node) for node in list(uf.parent)}


def event_id(first_article_id: str) -> str:
    """A stable event id: named after the event's first article in input order."""
    return "ev-" + hashlib.sha1(first_article_id.encode("utf-8")).hexdigest()[:12]
