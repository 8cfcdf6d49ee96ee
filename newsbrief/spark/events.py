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
  are joined: the connected components of the graph of ``(window, event)`` nodes that the
  articles link (:func:`newsbrief.spark.graph.connected_components`, in the executors); a
  story longer than a window is chained through the articles in each overlap, as one pass
  would grow it day by day.

An article without a date is compared with every event at no time penalty by the clusterer;
here it is placed in the windows of the median day of the dated articles of its file (or of
the whole collection), and keeps no date inside the window, as on one machine. When most
articles have no date (``SparkJobConfig.min_dated_share``) there is no time axis to cut:
everything is one group (``UNDATED``), clustered in one piece, which is exactly one pass (the
evaluation sets are like this: a few of their articles carry a date in their text).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Iterator

from newsbrief.cluster import ClusterConfig, cluster_records, parse_day

__all__ = [
    "UNDATED", "article_day", "cluster_window", "event_id", "fallback_days", "window_keys",
    "window_links",
]

UNDATED = -(1 << 40)


def article_day(published: str | None) -> float | None:
    """Days since the epoch of a publication date, read as the clusterer reads it."""
    return parse_day(published)


def fallback_days(day_counts: Iterable[tuple[tuple[int, int], int]]) -> tuple[dict, float | None]:
    """Where to place undated articles: per file and overall, the median day of dated ones.

    ``day_counts`` holds ``((file rank, whole day), count)`` for the dated articles. An
    article with no date of its own is placed at the median day of its file (a WARC file or
    a feed dump covers a short crawl), or of the whole collection when its file has none.
    """
    per_file: dict[int, list[tuple[int, int]]] = {}
    overall: dict[int, int] = {}
    for (rank, day), count in day_counts:
        per_file.setdefault(rank, []).append((day, count))
        overall[day] = overall.get(day, 0) + count

    def median(pairs: list[tuple[int, int]]) -> float:
        pairs = sorted(pairs)
        half, seen = sum(c for _, c in pairs) / 2.0, 0
        for day, count in pairs:
            seen += count
            if seen >= half:
                return float(day)
        return float(pairs[-1][0])

    files = {rank: median(pairs) for rank, pairs in per_file.items()}
    return files, (median(list(overall.items())) if overall else None)


def window_keys(day: float | None, stride_days: float) -> tuple[int, ...]:
    """The windows a day falls in: two overlapping ones, or ``UNDATED`` without a day."""
    if day is None:
        return (UNDATED,)
    k = math.floor(day / stride_days)
    return (k - 1, k)


def cluster_window(
    window: int,
    items: Iterable[tuple[tuple[int, int], str, str, str, str | None]],
    document_frequencies: dict[int, int],
    n_docs: int,
    config: ClusterConfig,
) -> Iterator[tuple[str, tuple[int, str]]]:
    """Cluster one window's ``(ordinal, id, title, text, published)`` items in input order.

    Yields ``(article id, (window, event))``. This is
    :func:`newsbrief.cluster.cluster_records` itself, given the whole collection's document
    frequencies (counted by Spark) instead of counting the window's.
    """
    ordered = sorted(items, key=lambda i: tuple(i[0]))
    records = [(article_id, title, text, published)
               for _, article_id, title, text, published in ordered]
    labels = cluster_records(records, config, frequencies=(document_frequencies, n_docs))
    for article_id, event in labels.items():
        yield article_id, (window, event)


def window_links(nodes: Iterable[tuple[int, str]]) -> list[tuple[tuple, tuple]]:
    """The edges one article adds between the window events it belongs to (a path)."""
    ordered = sorted(set(nodes))
    return [(ordered[0], other) for other in ordered[1:]]


def event_id(first_article_id: str) -> str:
    """A stable event id: named after the event's first article in input order."""
    return "ev-" + hashlib.sha1(first_article_id.encode("utf-8")).hexdigest()[:12]
