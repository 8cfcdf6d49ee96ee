"""Near-duplicate articles (MinHash LSH over word shingles) and near-identical sentences.

Articles: datasketch MinHash over 3-word shingles, an LSH index at Jaccard ~0.35, then the
estimated Jaccard checked for every candidate pair. With these settings the seeds give one
pair, 000 ~ 001 (the AFP wire copy), and the content-farm rewrite 003 stays apart.

Sentences: sentences of different articles whose content words overlap strongly are one
"fact"; every brief sentence cites all the articles carrying it.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from datasketch import MinHash, MinHashLSH

from newsbrief.models import Document, DuplicateGroup, Sentence

__all__ = [
    "NUM_PERM",
    "SentenceGroup",
    "UnionFind",
    "duplicate_groups",
    "find_duplicates",
    "group_sentences",
    "minhash",
    "shingles",
]

NUM_PERM = 128
SHINGLE = 3
_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, size: int = SHINGLE) -> set[bytes]:
    words = _TOKEN.findall(text.lower())
    if len(words) < size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


def minhash(text: str, num_perm: int = NUM_PERM) -> MinHash:
    """MinHash signature of ``text`` (deterministic: fixed seed, so stores can keep it)."""
    m = MinHash(num_perm=num_perm, seed=1)
    m.update_batch(list(shingles(text)))
    return m


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


def find_duplicates(documents: Sequence[Document], threshold: float = 0.35) -> dict[str, str]:
    """Map each duplicate article id to the id of the original it copies.

    The original of a group is its earliest published member (input order breaks ties),
    so a syndicated copy points at the first appearance of the story.
    """
    if len(documents) < 2:
        return {}
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
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
        original = min(members, key=lambda d: (d.article.published or "9999", order[d.id]))
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
    """Group sentences whose content-word sets overlap by ``threshold`` (overlap coefficient).

    Sparse matrix products keep this fast for events of hundreds of articles.
    """
    sentences = [s for d in documents for s in d.sentences]
    if not sentences:
        return []
    from sklearn.feature_extraction.text import CountVectorizer

    vectorizer = CountVectorizer(analyzer=_content_words, binary=True)
    try:
        matrix = vectorizer.fit_transform([s.text for s in sentences]).tocsr()
    except ValueError:  # no content words at all
        return [SentenceGroup((s,)) for s in sentences]
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    overlap = (matrix @ matrix.T).tocoo()
    # Vectorised filter of the candidate pairs: different articles, at least 4 content
    # words in the smaller sentence, and ``threshold`` of the larger one shared.
    article = np.unique([s.article_id for s in sentences], return_inverse=True)[1]
    # Most pairs share a word or two: drop them first (a match needs at least
    # ``threshold`` * 4 shared words), so the finer tests run on few pairs.
    rough = overlap.data >= threshold * 4 - 1e-9
    i, j, shared = overlap.row[rough], overlap.col[rough], overlap.data[rough]
    keep = (
        (i < j)
        & (article[i] != article[j])
        & (np.minimum(sizes[i], sizes[j]) >= 4)
        & (shared / np.maximum(sizes[i], sizes[j]) >= threshold)
    )
    uf = UnionFind(str(k) for k in range(len(sentences)))
    for a, b in zip(i[keep].tolist(), j[keep].tolist()):
        uf.union(str(a), str(b))
    groups: dict[str, list[Sentence]] = {}
    for i, sentence in enumerate(sentences):
        groups.setdefault(uf.find(str(i)), []).append(sentence)
    return [SentenceGroup(tuple(members)) for members in groups.values()]
