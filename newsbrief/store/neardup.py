"""MinHash LSH kept in SQLite: band keys in an indexed table, signatures beside them.

The banding scheme is that of datasketch's ``MinHashLSH`` (Indyk & Motwani 1998; Broder 1997
for MinHash): the signature is cut into ``b`` bands of ``r`` rows, chosen by datasketch for the
Jaccard threshold, and two articles are candidates when any band agrees. Each band becomes one
64-bit key (band number and rows hashed together), so finding the candidates of an article is
one indexed ``IN`` query: sub-linear in the size of the store. Candidates are then checked
with the Jaccard estimate of the full signatures, exactly as :func:`newsbrief.dedup.find_duplicates`
does in memory.
"""

from __future__ import annotations

import hashlib
import sqlite3
from functools import lru_cache

import numpy as np
from datasketch import MinHash

from newsbrief.dedup import NUM_PERM, shingles

__all__ = ["band_keys", "find_original", "signature", "signature_bytes"]


@lru_cache(maxsize=8)
def _bands(threshold: float, num_perm: int) -> tuple[int, int]:
    from datasketch.lsh import _optimal_param

    return _optimal_param(threshold, num_perm, 0.5, 0.5)


@lru_cache(maxsize=1)
def _template() -> MinHash:
    return MinHash(num_perm=NUM_PERM, seed=1)


def signature(title: str, text: str) -> np.ndarray:
    """The MinHash signature the brief's dedup uses (:func:`newsbrief.dedup.minhash` of title +
    cleaned text), with the random permutations drawn once rather than per article."""
    template = _template()
    m = MinHash(num_perm=NUM_PERM, seed=1, permutations=template.permutations,
                scheme=template.scheme)
    m.update_batch(list(shingles(title + "\n" + text)))
    return m.hashvalues


def signature_bytes(values: np.ndarray) -> bytes:
    # datasketch's affine32 hash values are below 2**32: 4 bytes each.
    return values.astype(np.uint32).tobytes()


def band_keys(values: np.ndarray, threshold: float) -> list[int]:
    """One signed 64-bit key per LSH band (SQLite integers are signed)."""
    b, r = _bands(threshold, len(values))
    # Keys hash the rows as 8-byte values, as the first stores did, so their keys still match.
    data = values.astype(np.uint64)
    keys = []
    for band in range(b):
        digest = hashlib.blake2b(
            band.to_bytes(2, "little") + data[band * r : (band + 1) * r].tobytes(), digest_size=8
        ).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / len(a)


def find_original(
    conn: sqlite3.Connection, values: np.ndarray, keys: list[int], threshold: float
) -> str | None:
    """The stored article this signature copies (its group's original), or None.

    Only originals are banded (the store adds no band keys for a copy), so a group costs
    one candidate however many copies it has. Among candidates at or above ``threshold``
    the most similar wins (the earlier stored on a tie).
    """
    marks = ",".join("?" * len(keys))
    rows = conn.execute(
        "SELECT a.seq, m.article_id, m.signature FROM minhashes m "
        "JOIN articles a ON a.id = m.article_id WHERE m.article_id IN "
        f"(SELECT article_id FROM lsh_bands WHERE key IN ({marks})) ORDER BY a.seq",
        keys,
    ).fetchall()
    best, best_id = threshold, None
    for _, article_id, blob in rows:
        # 4-byte values since schema 3; 8-byte ones in rows written before.
        width = 8 if len(blob) == 8 * len(values) else 4
        other = np.frombuffer(blob, dtype=np.uint64 if width == 8 else np.uint32)
        if len(other) != len(values):
            continue
        score = _jaccard(values, other)
        if score > best or (score == best and best_id is None):
            best, best_id = score, article_id
    return best_id
