"""MinHash LSH kept in SQLite: band keys in an indexed table, signatures beside them.

The banding scheme is that of datasketch's ``MinHashLSH`` (Indyk & Motwani 1998; Broder 1997
for MinHash): the signature is cut into ``b`` bands of ``r`` rows, chosen by datasketch for the
Jaccard threshold, and two articles are candidates when any band agrees. Each band becomes one
64-bit key (band number and rows hashed together), stored with the article's number in
``lsh_keys``, so finding the candidates of an article is one indexed ``IN`` query: sub-linear
in the size of the store. Candidates are then checked
with the Jaccard estimate of the full signatures, exactly as :func:`newsbrief.dedup.find_duplicates`
does in memory.

Every stored signature records its scheme (:data:`newsbrief.dedup.SIGNATURE_SCHEME`). Only
signatures of the current scheme are compared; :func:`upgrade_signatures` re-signs the rows
of a database written with an older one from the stored title and cleaned text (the store
does it when it opens such a database for writing).
"""

from __future__ import annotations

import hashlib
import sqlite3

import numpy as np

from newsbrief.dedup import NUM_PERM, SIGNATURE_SCHEME, band_params
from newsbrief.dedup import signature as _text_signature
from newsbrief.store.db import immediate, marked

__all__ = [
    "SIGNATURE_SCHEME",
    "band_keys",
    "find_original",
    "signature",
    "signature_bytes",
    "upgrade_signatures",
]

UPGRADE_FLAG = "signatures_to_upgrade"  # meta key set by migration 0004 when rows need it


def signature(title: str, text: str) -> np.ndarray:
    """The MinHash signature the brief's dedup uses (:func:`newsbrief.dedup.minhash` of title +
    cleaned text): 128 values below 2**32."""
    return _text_signature(title + "\n" + text)


def signature_bytes(values: np.ndarray) -> bytes:
    # Values are below 2**32: 4 bytes each.
    return values.astype(np.uint32).tobytes()


def band_keys(values: np.ndarray, threshold: float) -> list[int]:
    """One signed 64-bit key per LSH band (SQLite integers are signed)."""
    b, r = band_params(threshold, len(values))
    # Keys hash the rows as 8-byte values, as the first stores did, so their keys still match.
    data = values.astype(np.uint64).tobytes()
    width = 8 * r
    keys = []
    for band in range(b):
        digest = hashlib.blake2b(
            band.to_bytes(2, "little") + data[band * width : (band + 1) * width], digest_size=8
        ).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def _values(blob: bytes, count: int) -> np.ndarray | None:
    """A stored signature: 4-byte values since schema 3, 8-byte ones in rows written before."""
    if len(blob) == 8 * count:
        return np.frombuffer(blob, dtype=np.uint64)
    if len(blob) == 4 * count:
        return np.frombuffer(blob, dtype=np.uint32)
    return None


def find_original(
    conn: sqlite3.Connection, values: np.ndarray, keys: list[int], threshold: float
) -> str | None:
    """The stored article this signature copies (its group's original), or None.

    Only originals are banded (the store adds no band keys for a copy), so a group costs
    one candidate however many copies it has. Among candidates at or above ``threshold``
    the most similar wins (the earlier stored on a tie). Signatures of another scheme (a
    database still being upgraded) are not comparable and are passed over.
    """
    marks = ",".join("?" * len(keys))
    rows = conn.execute(
        "SELECT a.seq, a.id, m.signature FROM articles a JOIN minhashes m ON m.article_id = a.id "
        f"WHERE a.seq IN (SELECT seq FROM lsh_keys WHERE key IN ({marks})) AND m.scheme = ? "
        "ORDER BY a.seq",
        [*keys, SIGNATURE_SCHEME],
    ).fetchall()
    best, best_id = threshold, None
    for _, article_id, blob in rows:
        other = _values(blob, len(values))
        if other is None:
            continue
        score = float(np.count_nonzero(values == other)) / len(values)
        if score > best or (score == best and best_id is None):
            best, best_id = score, article_id
    return best_id


def upgrade_signatures(conn: sqlite3.Connection, threshold: float, batch: int = 2000) -> int:
    """Re-sign rows written with an older signature scheme; returns how many were re-signed.

    Each batch is its own transaction (old band keys out, new signature and keys in), so an
    interrupted upgrade keeps what it did and the next call finishes it. The keys of the old
    signature are recomputed from it to delete them by the table's key.
    """
    if not marked(conn, UPGRADE_FLAG):
        return 0
    done = 0
    last = -1
    while True:
        with immediate(conn):
            rows = conn.execute(
                "SELECT m.rowid, a.seq, m.signature, a.title, a.text, a.duplicate_of "
                "FROM minhashes m JOIN articles a ON a.id = m.article_id "
                "WHERE m.rowid > ? AND m.scheme != ? ORDER BY m.rowid LIMIT ?",
                (last, SIGNATURE_SCHEME, batch)).fetchall()
            for rowid, seq, blob, title, text, duplicate_of in rows:
                old = _values(blob, NUM_PERM)
                if old is not None:
                    conn.executemany("DELETE FROM lsh_keys WHERE key = ? AND seq = ?",
                                     [(k, seq) for k in band_keys(old, threshold)])
                values = signature(title, text)
                conn.execute("UPDATE minhashes SET signature = ?, scheme = ? WHERE rowid = ?",
                             (signature_bytes(values), SIGNATURE_SCHEME, rowid))
                if duplicate_of is None:  # copies are found through their original
                    conn.executemany("INSERT OR IGNORE INTO lsh_keys (key, seq) VALUES (?, ?)",
                                     [(k, seq) for k in band_keys(values, threshold)])
                last = rowid
            done += len(rows)
            if not rows:
                conn.execute("DELETE FROM meta WHERE key = ?", (UPGRADE_FLAG,))
        if not rows:
            return done
