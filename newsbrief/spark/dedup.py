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

The verified pairs go to the driver, where a union-find gives the groups and each group's
original (the earliest published member, input order breaking ties) exactly as on one machine.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from newsbrief.dedup import NUM_PERM, UnionFind
from newsbrief.models import DuplicateGroup

__all__ = ["DuplicateResult", "band_params", "find_duplicates_spark", "verified_pairs"]


def band_params(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """The ``(bands, rows)`` that datasketch's MinHashLSH picks for ``threshold``."""
    from datasketch import MinHashLSH

    index = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return index.b, index.r


@dataclass(frozen=True, slots=True)
class DuplicateResult:
    """``mapping``: copy id -> original id; ``groups`` in the order of their originals."""

    mapping: dict[str, str]
    groups: tuple[DuplicateGroup, ...]
    candidate_pairs: int
    verified_pairs: int


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


def find_duplicates_spark(prepared, threshold: float) -> DuplicateResult:
    """Duplicate groups of an RDD of :class:`newsbrief.spark.job.Prepared` records."""
    sc = prepared.context
    sc.setJobDescription("dedup: exact copies")
    exact_groups = (
        prepared.map(lambda p: (p.content_hash, (tuple(p.ordinal), p.document.id)))
        .groupByKey()
        .mapValues(sorted)
    )
    exact_groups.persist()
    exact_edges = (
        exact_groups.filter(lambda kv: len(kv[1]) > 1)
        .flatMap(lambda kv: [(kv[1][0][1], other) for _, other in kv[1][1:]])
        .collect()
    )
    representatives = exact_groups.map(lambda kv: kv[1][0][1])
    signatures = (
        prepared.map(lambda p: (p.document.id, p.signature))
        .join(representatives.map(lambda i: (i, None)))
        .mapValues(lambda v: v[0])
    )
    sc.setJobDescription("dedup: MinHash bands")
    near, candidates = verified_pairs(signatures, threshold)
    near_edges = near.collect()
    candidate_count = candidates.count()
    exact_groups.unpersist()

    uf = UnionFind()
    for a, b in exact_edges + near_edges:
        uf.union(a, b)
    if not uf.parent:
        return DuplicateResult({}, (), candidate_count, len(near_edges))
    sc.setJobDescription("dedup: group members")
    nodes = sc.broadcast(set(uf.parent))
    meta = (
        prepared.filter(lambda p: p.document.id in nodes.value)
        .map(lambda p: (p.document.id, p.document.article.published, tuple(p.ordinal),
                        p.document.article.outlet))
        .collect()
    )
    nodes.unpersist()
    groups: dict[str, list[tuple]] = {}
    for article_id, published, ordinal, outlet in meta:
        groups.setdefault(uf.find(article_id), []).append((published, ordinal, article_id, outlet))
    mapping: dict[str, str] = {}
    result: list[tuple[tuple, DuplicateGroup]] = []
    for members in groups.values():
        members.sort(key=lambda m: m[1])  # input order
        original = min(members, key=lambda m: (m[0] or "9999", m[1]))
        ordered = [original] + [m for m in members if m is not original]
        for m in ordered[1:]:
            mapping[m[2]] = original[2]
        outlets = tuple(dict.fromkeys(m[3] for m in ordered if m[3]))
        group = DuplicateGroup(original[2], tuple(m[2] for m in ordered), outlets)
        result.append((original[1], group))
    result.sort(key=lambda item: item[0])
    return DuplicateResult(
        mapping, tuple(g for _, g in result), candidate_count, len(near_edges)
    )
