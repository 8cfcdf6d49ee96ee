"""Connected components of a graph given as an RDD of edges, computed by the executors.

Used for the groups of copies (verified duplicate pairs) and for events that cross window
edges (pairs of window events one article connects), so that neither the pairs nor a
union-find have to fit on the driver.

The algorithm alternates the *large-star* and *small-star* operations of Kiveris, Lattanzi,
Mirrokni, Rastogi and Vassilvitskii, "Connected Components in MapReduce and Beyond" (SoCC
2014): each is one ``groupByKey`` over the edges (repeated edges are harmless), every node links its neighbours to the
smallest node it knows, and the edge set converges to one star per component, centred on
the component's smallest node, in O(log² n) rounds (a handful in practice). Nodes must be
comparable (ids, or tuples of them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["connected_components", "large_star", "small_star"]


def _large(item: tuple[Any, Iterable[Any]]) -> Iterator[tuple[Any, Any]]:
    node, neighbours = item
    neighbours = set(neighbours)
    smallest = min(neighbours | {node})
    for other in neighbours:
        if other > node:
            yield other, smallest


def _small(item: tuple[Any, Iterable[Any]]) -> Iterator[tuple[Any, Any]]:
    node, neighbours = item
    members = set(neighbours) | {node}
    smallest = min(members)
    for other in members:
        if other != smallest:
            yield other, smallest


def large_star(edges):
    """Every node links its larger neighbours to the smallest node of its neighbourhood."""
    both = edges.flatMap(lambda e: ((e[0], e[1]), (e[1], e[0])))
    return both.groupByKey().flatMap(_large)


def small_star(edges):
    """Every node links itself and its smaller neighbours to the smallest of them."""
    down = edges.map(lambda e: (e[0], e[1]) if e[1] <= e[0] else (e[1], e[0]))
    return down.groupByKey().flatMap(_small)


def connected_components(edges, max_rounds: int = 64):
    """RDD of ``(node, root)`` for every node on an edge; ``root`` is its component's smallest.

    ``edges`` is an RDD of ``(a, b)`` pairs (self-loops and repeats are fine). Nodes on no
    edge are not in the result: a node without a root is its own component.
    """
    from pyspark import StorageLevel

    current = edges.filter(lambda e: e[0] != e[1]).distinct().persist(StorageLevel.MEMORY_AND_DISK)
    for _ in range(max_rounds):
        following = small_star(large_star(current)).persist(StorageLevel.MEMORY_AND_DISK)
        # Converged when a round changes nothing (the edges are then stars on the minimum).
        unchanged = following.subtract(current).union(current.subtract(following)).isEmpty()
        current.unpersist()
        current = following
        if unchanged:
            break
    else:  # pragma: no cover  (log² n rounds; 64 is far beyond any real graph)
        raise RuntimeError("connected components did not converge")
    roots = current.map(lambda e: (e[0], e[1]))
    centres = current.map(lambda e: (e[1], e[1]))
    return roots.union(centres).reduceByKey(min)
