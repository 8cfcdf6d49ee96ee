"""Near-duplicate articles (MinHash LSH over word shingles) and near-identical sentences.

Articles: datasketch MinHash (Broder, "On the resemblance and containment of documents", 1997)
over 3-word shingles, an LSH index at Jaccard ~0.35, then the estimated Jaccard checked for
every candidate pair. With these settings the seeds give one pair, 000 ~ 001 (the AFP wire
copy), and the content-farm rewrite 003 stays apart.

Shingles are hashed with numpy rather than one SHA-1 per shingle (:func:`shingle_hashes`,
signature scheme :data:`SIGNATURE_SCHEME`): each word gets a 64-bit polynomial hash computed
for the whole text at once from prefix sums, three consecutive word hashes are mixed into a
32-bit shingle hash, and datasketch's own affine permutations take the minimum. The values
depend only on the text (no ``hash()``, no per-process salt), so stores can keep them.

Sentences: sentences of different articles whose content words overlap strongly are one
"fact"; every brief sentence cites all the articles carrying it.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from newsbrief.models import Document, DuplicateGroup, Sentence, publication_key

if TYPE_CHECKING:
    from datasketch import MinHash

__all__ = [
    "NUM_PERM",
    "SIGNATURE_SCHEME",
    "SentenceGroup",
    "UnionFind",
    "duplicate_groups",
    "find_duplicates",
    "group_sentences",
    "minhash",
    "shingle_hashes",
    "shingles",
    "signature",
]

NUM_PERM = 128
SHINGLE = 3
_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, size: int = SHINGLE) -> set[bytes]:
    words = _TOKEN.findall(text.lower())
    if len(words) < size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


# 1: SHA-1 of each shingle's UTF-8 bytes (datasketch's default), stored before schema 4;
# 2: the vectorised shingle hashes of shingle_hashes(). Stored signatures carry this number.
SIGNATURE_SCHEME = 2
_SEED = 1
_U64 = np.uint64
# Odd 64-bit multipliers: the word polynomial's base and the two shingle-position weights.
_BASE = _U64(0x100000001B3)
_W1, _W2 = _U64(0x9E3779B97F4A7C15), _U64(0xC2B2AE3D27D4EB4F)
_MAX_CHUNK = 1 << 16


def _fmix64(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser (Appleby): an avalanching bijection on uint64."""
    x = x ^ (x >> _U64(33))
    x = x * _U64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> _U64(33))
    x = x * _U64(0xC4CEB9FE1A85EC53)
    return x ^ (x >> _U64(33))


@lru_cache(maxsize=1)
def _bmp_word_chars() -> np.ndarray:
    """For every code point below U+10000: whether the regex ``\\w`` matches it."""
    table = np.zeros(0x10000, dtype=bool)
    chars = "".join(" " if 0xD800 <= c < 0xE000 else chr(c) for c in range(0x10000))
    for match in _TOKEN.finditer(chars):
        table[match.start() : match.end()] = True
    return table


_powers: list[np.ndarray] = [np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64)]


def _power_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``_BASE**i`` and its inverse modulo 2**64 (the base is odd) for i < n, grown on demand."""
    if len(_powers[0]) < n:
        size = max(n, 2 * len(_powers[0]), 4096)
        inverse = _U64(pow(int(_BASE), -1, 1 << 64))
        with np.errstate(over="ignore"):
            for k, factor in ((0, _BASE), (1, inverse)):
                table = np.full(size, factor, dtype=np.uint64)
                table[0] = 1
                _powers[k] = np.cumprod(table, dtype=np.uint64)
    return _powers[0], _powers[1]


def _word_hashes(text: str) -> np.ndarray:
    """A 64-bit hash of every ``\\w+`` word of ``text.lower()``, in order (what
    :func:`shingles` splits on), computed for all words at once."""
    codes = np.frombuffer(text.lower().encode("utf-32-le"), dtype=np.uint32)
    if not len(codes):
        return np.zeros(0, dtype=np.uint64)
    low = codes < 0x10000
    word = np.zeros(len(codes), dtype=bool)
    word[low] = _bmp_word_chars()[codes[low]]
    if not low.all():  # characters beyond the BMP (emoji, rare scripts): ask re directly
        for code in np.unique(codes[~low]).tolist():
            if _TOKEN.fullmatch(chr(code)):
                word[codes == code] = True
    edges = np.diff(word.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    power, inverse = _power_tables(len(codes) + 1)
    prefix = np.zeros(len(codes) + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        # prefix[i] = sum of code[j] * BASE**j for j < i, so a word's polynomial hash is a
        # difference of two prefix sums, shifted down by BASE**-start (all modulo 2**64).
        np.cumsum(codes.astype(np.uint64) * power[: len(codes)], out=prefix[1:])
        poly = (prefix[ends] - prefix[starts]) * inverse[starts]
        return _fmix64(poly + (ends - starts).astype(np.uint64))


def shingle_hashes(text: str, size: int = SHINGLE) -> np.ndarray:
    """32-bit hashes of the 3-word shingles of ``text`` (the words of :func:`shingles`; a text
    shorter than three words is one shingle, an empty one none), duplicates included."""
    words = _word_hashes(text)
    if not len(words):
        return np.zeros(0, dtype=np.uint32)
    with np.errstate(over="ignore"):
        if len(words) < size:
            mixed = np.zeros(1, dtype=np.uint64)
            for word in words:
                mixed = mixed * _W1 + word
        else:
            n = len(words) - size + 1
            mixed = np.zeros(n, dtype=np.uint64)
            for offset in range(size):
                # Rotating each position differently keeps "a b c" apart from "c b a".
                part = words[offset : offset + n]
                rotated = (part << _U64(7 * offset)) | (part >> _U64(64 - 7 * offset)) \
                    if offset else part
                mixed = mixed * _W2 + rotated * _W1
        return (_fmix64(mixed) >> _U64(32)).astype(np.uint32)


@lru_cache(maxsize=4)
def _permutations(num_perm: int) -> np.ndarray:
    from datasketch import MinHash  # imported when first needed: it imports scipy (0.3 s)

    return MinHash(num_perm=num_perm, seed=_SEED).permutations


def minhash(text: str, num_perm: int = NUM_PERM) -> MinHash:
    """MinHash signature of ``text`` (deterministic: fixed seed, so stores can keep it).

    A datasketch MinHash (scheme affine32, seed 1) of :func:`shingle_hashes` (its
    ``hashfunc`` takes those integers as they are), holding the values of :func:`signature`.
    """
    from datasketch import MinHash

    return MinHash(seed=_SEED, hashfunc=operator.index, hashvalues=signature(text, num_perm),
                   permutations=_permutations(num_perm), scheme="affine32")


_U32 = np.uint32
# MurmurHash3's 32-bit finaliser (Appleby): datasketch's affine32 scheme pre-mixes every
# input with it before the affine permutations.
_FMIX32 = (_U32(16), _U32(0x85EBCA6B), _U32(13), _U32(0xC2B2AE35), _U32(16))


def signature(text: str, num_perm: int = NUM_PERM) -> np.ndarray:
    """The MinHash values of ``text`` (``num_perm`` values below 2**32, uint32).

    datasketch's affine32 MinHash (seed 1) of :func:`shingle_hashes`, computed here on the
    whole array of shingle hashes (fmix32, then ``h * a + b`` modulo 2**32, then the minimum
    per permutation) without a :class:`MinHash` object and its round trip through a Python
    list: the same values as datasketch's ``update_batch`` (a test compares them), at about
    half the cost.
    """
    a, b = _permutations(num_perm)
    values = np.full(num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
    hashes = shingle_hashes(text)
    s1, m1, s2, m2, s3 = _FMIX32
    with np.errstate(over="ignore"):
        for start in range(0, len(hashes), _MAX_CHUNK):  # bounds the (n, num_perm) matrix
            hv = hashes[start : start + _MAX_CHUNK]
            hv = hv ^ (hv >> s1)
            hv = hv * m1
            hv = hv ^ (hv >> s2)
            hv = hv * m2
            hv = hv ^ (hv >> s3)
            values = np.minimum(values, (hv[:, None] * a + b).min(axis=0))
    return values


class UnionFind:
    """Disjoint sets with path halving; unknown items join as singletons on first use."""

    def __init__(self, items: Iterable[Hashable] = ()):
        self.parent: dict[Hashable, Hashable] = {i: i for i in items}

    def find(self, x: Hashable) -> Hashable:
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: Hashable, b: Hashable) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


@lru_cache(maxsize=8)
def band_params(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """The ``(bands, rows)`` that datasketch's ``MinHashLSH`` picks for ``threshold``, computed
    once: datasketch integrates the false positive and negative rates for every split, about
    20 ms per index, which a brief paid every time it looked for copies."""
    from datasketch.lsh import _optimal_param

    return _optimal_param(threshold, num_perm, 0.5, 0.5)


def find_duplicates(documents: Sequence[Document], threshold: float = 0.35) -> dict[str, str]:
    """Map each duplicate article id to the id of the original it copies.

    The original of a group is its earliest published member (input order breaks ties),
    so a syndicated copy points at the first appearance of the story.
    """
    if len(documents) < 2:
        return {}
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM,
                     params=band_params(threshold, NUM_PERM))
    hashes: dict[str, MinHash] = {}
    order = {doc.id: i for i, doc in enumerate(documents)}
    uf = UnionFind(order)
    for doc in documents:
        m = minhash(doc.article.title + "\n" + doc.text)
        for other in lsh.query(m):
            if m.jaccard(hashes[other]) >= threshold:
                uf.union(other, doc.id)
        lsh.insert(doc.id, m)
        hashes[doc.id] = m
    groups: dict[str, list[Document]] = {}
    for doc in documents:
        groups.setdefault(uf.find(doc.id), []).append(doc)
    mapping: dict[str, str] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        original = min(members, key=lambda d: (publication_key(d.article.published), order[d.id]))
        for doc in members:
            if doc.id != original.id:
                mapping[doc.id] = original.id
    return mapping


def duplicate_groups(
    documents: Sequence[Document], duplicates: dict[str, str]
) -> tuple[DuplicateGroup, ...]:
    by_id = {d.id: d for d in documents}
    members: dict[str, list[str]] = {}
    for copy, original in duplicates.items():
        members.setdefault(original, [original]).append(copy)
    return tuple(
        DuplicateGroup(
            original=original,
            members=tuple(ids),
            outlets=tuple(dict.fromkeys(o for i in ids if (o := by_id[i].article.outlet))),
        )
        for original, ids in members.items()
    )


@dataclass(frozen=True, slots=True)
class SentenceGroup:
    """Near-identical sentences from one or more articles; ``sentences[0]`` represents it."""

    sentences: tuple[Sentence, ...]

    @property
    def text(self) -> str:
        return self.sentences[0].text

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.article_id for s in self.sentences))


def _content_words(text: str) -> list[str]:
    return [w for w in _TOKEN.findall(text.lower()) if len(w) > 2 or w.isdigit()]


def group_sentences(
    documents: Sequence[Document], threshold: float = 0.65
) -> list[SentenceGroup]:
    """Group sentences of different articles whose content-word sets overlap by ``threshold``
    of the larger set (each with at least 4 content words).

    The candidate pairs come from prefix filtering (Chaudhuri, Ganti & Kaushik, ICDE 2006;
    Bayardo, Ma & Srikant, "Scaling Up All Pairs Similarity Search", WWW 2007): with each
    sentence's words ordered rarest first, two sentences sharing at least ``threshold`` of
    either's words share a word among the first ``size - floor(threshold * size) + 1`` of
    both. Only those prefixes are multiplied, so the common words that almost every pair of
    sentences shares never make a pair, and the exact overlap is computed for the few that
    remain: the same groups as comparing every pair, in under half the time on a 100-article
    event.
    """
    sentences = [s for d in documents for s in d.sentences]
    if not sentences:
        return []
    from scipy.sparse import csr_matrix

    vocabulary: dict[str, int] = {}
    words = [
        sorted({vocabulary.setdefault(w, len(vocabulary)) for w in _content_words(s.text)})
        for s in sentences
    ]
    sizes = np.array([len(w) for w in words])
    frequency = np.bincount(np.fromiter((i for w in words for i in w), dtype=np.int64),
                            minlength=len(vocabulary))
    rarity = np.empty(len(vocabulary), dtype=np.int64)
    rarity[np.lexsort((np.arange(len(vocabulary)), frequency))] = np.arange(len(vocabulary))
    prefixes = [
        sorted(w, key=rarity.__getitem__)[: len(w) - math.floor(threshold * len(w)) + 1]
        if len(w) >= 4 else []
        for w in words
    ]

    def binary(rows: list[list[int]]):  # type: ignore[no-untyped-def]
        indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
        indices = np.fromiter((i for r in rows for i in r), dtype=np.int64, count=indptr[-1])
        return csr_matrix((np.ones(len(indices)), indices, indptr),
                          shape=(len(rows), len(vocabulary)))

    prefix = binary(prefixes)
    candidates = (prefix @ prefix.T).tocoo()
    article = np.unique([s.article_id for s in sentences], return_inverse=True)[1]
    i, j = candidates.row, candidates.col
    pair = (i < j) & (article[i] != article[j])
    i, j = i[pair], j[pair]
    matrix = binary(words)
    shared = np.asarray(matrix[i].multiply(matrix[j]).sum(axis=1)).ravel()
    keep = shared / np.maximum(sizes[i], sizes[j]) >= threshold
    uf = UnionFind(range(len(sentences)))
    for a, b in zip(i[keep].tolist(), j[keep].tolist()):
        uf.union(a, b)
    groups: dict[Hashable, list[Sentence]] = {}
    for k, sentence in enumerate(sentences):
        groups.setdefault(uf.find(k), []).append(sentence)
    return [SentenceGroup(tuple(members)) for members in groups.values()]
