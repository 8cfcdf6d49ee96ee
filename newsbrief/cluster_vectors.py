"""Event state and the sparse-vector arithmetic of :mod:`newsbrief.cluster`.

An event is the sum of its articles' unit vectors (``dict`` term id -> weight) with its size,
squared norm and time span (:class:`EventState`); the clusterer's relative join rule sees an
event only through that state (see the docstring of :mod:`newsbrief.cluster`). This module
holds the state and the small helpers on sparse vectors that the clusterer and the store
share: adding into a sum while keeping its squared norm (:func:`_add_into`), the binary
form the store persists (:func:`pack_vector`, :func:`unpack_vector`), sequential sums of runs
of a flat array (:func:`_run_sums`, so batched arithmetic rounds as a Python loop does) and the
heaviest keys of a vector (:func:`_top`, :func:`_top_of`). :mod:`newsbrief.cluster`
re-exports :class:`EventState`.
"""

from __future__ import annotations

import heapq
import operator
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

__all__ = ["EventState", "pack_vector", "unpack_vector"]


@dataclass(slots=True)
class EventState:
    """An event as the clusterer sees it: the sum ``vector`` of its articles' unit vectors."""

    id: str
    vector: dict[int, float] = field(default_factory=dict)
    norm2: float = 0.0
    size: int = 0
    first_day: float | None = None
    last_day: float | None = None
    merged_into: str | None = None

    def cohesion(self, lone_prior: float) -> float:
        """Mean similarity between two different members (``lone_prior`` for one member)."""
        if self.size < 2:
            return lone_prior
        return max(0.0, (self.norm2 - self.size) / (self.size * (self.size - 1)))

    def add(self, vector: Mapping[int, float], day: float | None) -> None:
        self.add_items(vector.items(), day)

    def add_items(self, items: Iterable[tuple[int, float]], day: float | None) -> None:
        """:meth:`add` a member's vector given as its ``(key, value)`` items."""
        self.norm2 = _add_into(self.vector, items, self.norm2)
        self.size += 1
        self._span(day, day)

    def withdraw(self, vector: dict[int, float]) -> None:
        """Take one member's vector out again (the inverse of :meth:`add`; the time span
        is kept, since the other members' days are not stored)."""
        dot = 0.0
        own = 0.0
        target = self.vector
        for key, value in vector.items():
            old = target.get(key, 0.0)
            dot += old * value
            own += value * value
            rest = old - value
            if abs(rest) < 1e-12:
                target.pop(key, None)
            else:
                target[key] = rest
        self.size -= 1
        self.norm2 = max(0.0, self.norm2 - 2.0 * dot + own) if self.size else 0.0
        if not self.size:
            target.clear()
            self.first_day = self.last_day = None

    def absorb(self, other: EventState) -> None:
        self.norm2 = _add_into(self.vector, other.vector.items(), self.norm2)
        self.size += other.size
        self._span(other.first_day, other.last_day)

    def _span(self, first: float | None, last: float | None) -> None:
        if first is not None:
            self.first_day = first if self.first_day is None else min(self.first_day, first)
        if last is not None:
            self.last_day = last if self.last_day is None else max(self.last_day, last)

    def to_bytes(self) -> bytes:
        """A compact binary form (the store keeps it): size, squared norm, the vector."""
        return struct.pack("<Id", self.size, self.norm2) + pack_vector(self.vector)

    @classmethod
    def from_bytes(cls, event_id: str, blob: bytes) -> EventState:
        size, norm2 = struct.unpack_from("<Id", blob)
        return cls(event_id, unpack_vector(blob[struct.calcsize("<Id"):]), norm2, size)


def pack_vector(vector: dict[int, float]) -> bytes:
    """Term ids (little-endian uint32), then weights (float64): one struct.pack call, about
    twice as fast as filling two numpy arrays from the dict (the store packs every event a
    batch touched)."""
    return struct.pack(f"<{len(vector)}I{len(vector)}d", *vector.keys(), *vector.values())


def unpack_vector(blob: bytes) -> dict[int, float]:
    """Inverse of :func:`pack_vector`: term ids (uint32) then weights (float64)."""
    n = len(blob) // 12
    ids = np.frombuffer(blob, dtype="<u4", count=n)
    weights = np.frombuffer(blob, dtype="<f8", count=n, offset=4 * n)
    return dict(zip(ids.tolist(), weights.tolist()))


def _add_into(target: dict[int, float], items: Iterable[tuple[int, float]],
              norm2: float) -> float:
    """Add a vector, given as its ``(key, value)`` items, into ``target``; return the new
    squared norm (|c+a|² = |c|² + 2c.a + |a|²)."""
    dot = 0.0
    own = 0.0
    for key, value in items:
        old = target.get(key, 0.0)
        dot += old * value
        own += value * value
        target[key] = old + value
    return norm2 + 2.0 * dot + own


def _run_sums(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The sum of each run of ``values`` (consecutive runs of ``lengths``), added left to
    right as a Python loop adds, so every float is the loop's (``np.add.reduceat`` and
    ``np.sum`` add pairwise, which rounds differently): the runs are the rows of a
    zero-padded grid, summed by ``np.cumsum``, sequential by definition (adding the padding's
    zeros changes nothing). Runs longer than ``_GRID_WIDTH`` (rare) are summed one by one."""
    n = len(lengths)
    out = np.zeros(n)
    starts = np.cumsum(lengths) - lengths
    long = lengths > _GRID_WIDTH
    for i in np.flatnonzero(long):
        out[i] = np.cumsum(values[starts[i]:starts[i] + lengths[i]])[-1]
    short = np.flatnonzero(~long & (lengths > 0))
    if len(short):
        widths = lengths[short]
        grid = np.zeros((len(short), int(widths.max())))
        rows = np.repeat(np.arange(len(short)), widths)
        columns = np.arange(len(rows)) - np.repeat(np.cumsum(widths) - widths, widths)
        grid[rows, columns] = values[np.repeat(starts[short], widths) + columns]
        out[short] = np.cumsum(grid, axis=1)[:, -1]
    return out


_GRID_WIDTH = 1024


def _top(vector: dict[int, float], n: int) -> list[int]:
    """The ``n`` heaviest keys (ties by key, so every process picks the same)."""
    return _top_of(vector, vector.values(), n)


def _top_of(keys: Iterable[int], values: Iterable[float], n: int) -> list[int]:
    """:func:`_top` of the vector with these keys and values."""
    # (-weight, key) tuples compare in C; no Python key function per term.
    return [k for _, k in heapq.nsmallest(n, zip(map(operator.neg, values), keys))]
