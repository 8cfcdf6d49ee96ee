"""Stage 3: exact and near-duplicate articles, with banded MinHash and two shuffles.

The same signature as :func:`newsbrief.dedup.find_duplicates` (``newsbrief.dedup.minhash`` of
title and cleaned text: 128 permutations, 3-word shingles, seed 1) and the same banding as the
datasketch ``MinHashLSH`` index it uses (``b`` bands of ``r`` rows chosen by datasketch for the
threshold), so the candidate pairs are exactly those the single-machine index would return;
each candidate is then kept when its estimated Jaccard similarity reaches the threshold, as
there. Banding is the LSH scheme of Indyk & Motwani (STOC 1998) as applied to documents by
Broder (1997) and described in Leskovec, Rajaraman & Ullman, *Mining of Massive Datasets*, ch. 3.

Spark does it in three steps:

1. exact copies (same content hash) are grouped with one shuffle of ids; one representative
   of each goes on (identical texts have identical signatures, so nothing is lost);
2. every representative emits ``(band number, band bytes) -> id``; a shuffle brings the ids of
   a bucket together and every pair in a bucket is a candidate (``distinct`` drops the pairs
   found in several bands);
3. candidates are joined with the signatures (one shuffle per side) and verified.

The exact and verified pairs are the edges of a graph whose connected components are the
groups of copies (:func:`newsbrief.spark.graph.connected_components`, in the executors); each
group's members are brought together with one more shuffle and its original picked (the
earliest published member, input order breaking ties) exactly as on one machine.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from newsbrief.dedup import NUM_PERM, band_params
from newsbrief.models import DuplicateGroup

__all__ = ["DuplicateResult", "band_params", "find_duplicates_spark", "verified_pairs"]


@dataclass(frozen=True, slots=True)
class DuplicateResult:
    """RDDs ``mapping`` of ``(copy id, original id)`` and ``groups`` of ``(ordinal of the
    original, DuplicateGroup)``, and how many candidate pairs, verified pairs, copies and
    groups there are."""

    mapping: Any
    groups: Any
    candidate_pairs: int
    verified_pairs: int
    copies: int
    group_count: int


def _bands(item: tuple[str, bytes], bands: int, rows: int) -> Iterator[tuple]:
    article_id, signature = item
    width = rows * 8  # uint64 hash values
    for band in range(bands):
        yield (band, signature[band * width : (band + 1) * width]), article_id


def _bucket_pairs(ids: Iterable[str]) -> Iterator[tuple[str, str]]:
    members = sorted(set(ids))
    for i, first in enumerate(members):
        for second in members[i + 1 :]:
            yield first, second


def _jaccard(a: bytes, b: bytes) -> float:
    # MinHash.jaccard: the share of equal hash values.
    x = np.frombuffer(a, dtype=np.uint64)
    y = np.frombuffer(b, dtype=np.uint64)
    return float(np.count_nonzero(x == y)) / float(len(x))


def verified_pairs(signatures, threshold: float, num_perm: int = NUM_PERM):
    """RDD of ``(id, id)`` pairs that share a band and reach ``threshold``, plus the candidates."""
    bands, rows = band_params(threshold, num_perm)
    candidates = (
        signatures.flatMap(lambda item: _bands(item, bands, rows))
        .groupByKey()
        .flatMap(lambda kv: _bucket_pairs(kv[1]) if len(kv[1]) > 1 else ())
        .distinct()
    )
    checked = (
        candidates.join(signatures)                                  # (a, (b, sig_a))
        .map(lambda kv: (kv[1][0], (kv[0], kv[1][1])))
        .join(signatures)                                            # (b, ((a, sig_a), sig_b))
        .filter(lambda kv: _jaccard(kv[1][0][1], kv[1][1]) >= threshold)
        .map(lambda kv: (kv[1][0][0], kv[0]))
    )
    return checked, candidates


def _group(item: tuple[str, Iterable[tuple]]) -> tuple[tuple[int, int], DuplicateGroup]:
    """One group of copies from its members' ``(published, ordinal, id, outlet)``.

    The original is the earliest published member, input order breaking ties, exactly as
    :func:`newsbrief.dedup.find_duplicates` picks it; the others follow in input order.
    """
    members = sorted(item[1], key=lambda m: tuple(m[1]))  # input order
    original = min(members, key=lambda m: (m[0] or "9999", tuple(m[1])))
    ordered = [original] + [m for m in members if m is not original]
    outlets = tuple(dict.fromkeys(m[3] for m in ordered if m[3]))
    return tuple(original[1]), DuplicateGroup(original[2], tuple(m[2] for m in ordered), outlets)


def find_duplicates_spark(meta, threshold: float) -> DuplicateResult:
    """Groups of copies among ``meta``: an RDD of ``(id, (ordinal, content hash, signature,
    published, outlet))``. Everything stays in RDDs; only the counts reach the driver."""
    from pyspark import StorageLevel

    from newsbrief.spark.graph import connected_components

    sc = meta.context
    sc.setJobDescription("dedup: exact copies")
    exact_groups = (
        meta.map(lambda kv: (kv[1][1], (tuple(kv[1][0]), kv[0])))
        .groupByKey()
        .mapValues(sorted)
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    exact_edges = exact_groups.filter(lambda kv: len(kv[1]) > 1).flatMap(
        lambda kv: [(kv[1][0][1], other) for _, other in kv[1][1:]]
    )
    representatives = exact_groups.map(lambda kv: (kv[1][0][1], None))
    signatures = meta.mapValues(lambda v: v[2]).join(representatives).mapValues(lambda v: v[0])
    sc.setJobDescription("dedup: MinHash bands")
    near, candidates = verified_pairs(signatures, threshold)
    near = near.persist(StorageLevel.MEMORY_AND_DISK)
    candidate_count = candidates.count()
    verified_count = near.count()
    sc.setJobDescription("dedup: connected components")
    roots = connected_components(exact_edges.union(near))
    sc.setJobDescription("dedup: group members")
    # Only what picks the original travels (not the 1 KB signatures).
    about = meta.mapValues(lambda v: (v[3], tuple(v[0]), v[4]))  # (published, ordinal, outlet)
    groups = (
        roots.join(about)  # (id, (root, (published, ordinal, outlet)))
        .map(lambda kv: (kv[1][0], (kv[1][1][0], kv[1][1][1], kv[0], kv[1][1][2])))
        .groupByKey()
        .map(_group)
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    mapping = groups.flatMap(
        lambda og: [(member, og[1].original) for member in og[1].members[1:]]
    ).persist(StorageLevel.MEMORY_AND_DISK)
    group_count = groups.count()
    copy_count = mapping.count()
    exact_groups.unpersist()
    near.unpersist()
    return DuplicateResult(mapping, groups, candidate_count, verified_count, copy_count,
                           group_count)
