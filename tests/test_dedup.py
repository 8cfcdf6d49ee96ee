"""Near-duplicate articles and near-identical sentence groups, on the seeds and small texts."""

from __future__ import annotations

import operator

import pytest
from datasketch import MinHash

from newsbrief.dedup import (
    NUM_PERM,
    duplicate_groups,
    find_duplicates,
    group_sentences,
    minhash,
    shingle_hashes,
    signature,
)
from newsbrief.models import Article, Document
from newsbrief.pipeline import load_articles, prepare_articles
from newsbrief.segment import segment_text

WIRE, COPY, REWRITE = "000_63619180b1ce8ac3", "001_b92210f6684e49f3", "003_955b4ad72e2eeda8"


@pytest.fixture(scope="module")
def seed_documents(seeds_dir):
    articles, _ = load_articles([seeds_dir])
    return prepare_articles(articles)


def document(article_id: str, text: str) -> Document:
    return Document(Article(article_id, "", text), text, segment_text(article_id, text))


def test_wire_copies_are_duplicates_and_the_rewrite_is_not(seed_documents):
    duplicates = find_duplicates(seed_documents)
    assert {WIRE, COPY} <= set(duplicates) | set(duplicates.values())
    assert duplicates.get(WIRE) == COPY or duplicates.get(COPY) == WIRE
    assert REWRITE not in duplicates and REWRITE not in duplicates.values()


def test_duplicate_groups_name_original_and_members(seed_documents):
    groups = duplicate_groups(seed_documents, find_duplicates(seed_documents))
    assert len(groups) == 1
    assert set(groups[0].members) == {WIRE, COPY}
    assert groups[0].original in groups[0].members


def test_minhash_is_deterministic():
    text = "China will send a special envoy to North Korea this week, state media said."
    assert minhash(text).jaccard(minhash(text)) == 1.0
    assert (minhash(text).hashvalues == minhash(text).hashvalues).all()


def _datasketch_minhash(text: str) -> MinHash:
    """The reference: datasketch computing the MinHash itself, shingle by shingle."""
    m = MinHash(num_perm=NUM_PERM, seed=1, hashfunc=operator.index,
                permutations=MinHash(num_perm=NUM_PERM, seed=1).permutations, scheme="affine32")
    m.update_batch(shingle_hashes(text).tolist())
    return m


def test_signature_is_datasketchs_minhash(seed_documents, eval_dir):
    """The direct numpy signature gives datasketch's values (stored signatures depend on it)."""
    from newsbrief.cluster import read_cluster_file

    articles, _, _ = read_cluster_file(str(eval_dir / "clustering-dev.jsonl"))
    texts = [d.text for d in seed_documents] + [a.title + "\n" + a.text for a in articles[:150]]
    texts += ["", "one", "two words", "exactly three words"]
    for text in texts:
        expected = _datasketch_minhash(text).hashvalues
        got = signature(text)
        assert got.dtype == expected.dtype
        assert (got == expected).all(), text[:80]
    assert len({signature(t).tobytes() for t in texts}) > len(texts) - 5


def test_near_identical_sentences_of_different_articles_are_one_group(seed_documents):
    groups = group_sentences(seed_documents)
    assert sum(len(g.sentences) for g in groups) == sum(len(d.sentences) for d in seed_documents)
    shared = [g for g in groups if len(g.sources) > 1]
    assert shared
    envoy = [g for g in shared if "special envoy to North Korea" in g.text]
    assert envoy and {WIRE, COPY} <= set(envoy[0].sources)


def test_grouping_needs_strong_overlap_and_different_articles():
    a = document("a", "The storm killed twelve people in the coastal town of Harwich on Monday.")
    b = document(
        "b", "The storm killed twelve people in the coastal town of Harwich, officials said."
    )
    c = document("c", "The coastal town of Harwich held a festival for twelve days in summer.")
    same = document("d", "Rain fell. Rain fell.")
    groups = group_sentences([a, b, c, same])
    by_text = {g.text: g for g in groups}
    together = [g for g in groups if set(g.sources) == {"a", "b"}]
    assert len(together) == 1
    assert all("c" not in g.sources or len(g.sources) == 1 for g in groups)
    # Sentences of one article are never grouped with each other.
    assert all(len(g.sources) == len(g.sentences) for g in groups)
    assert "Rain fell." in by_text


@pytest.mark.parametrize("threshold", [0.5, 0.65, 0.8])
def test_prefix_filtering_finds_every_pair_a_full_comparison_finds(eval_dir, threshold):
    """group_sentences only multiplies rare-word prefixes; its groups are those of comparing
    every pair of sentences directly (40 Multi-News dev articles as one event)."""
    from newsbrief.dedup import _content_words
    from newsbrief.evaluate import load_clusters

    clusters, _ = load_clusters(eval_dir / "multinews-dev.jsonl", limit=15)
    documents = prepare_articles([a for c in clusters for a in c.articles][:40])
    sentences = [s for d in documents for s in d.sentences]
    words = [set(_content_words(s.text)) for s in sentences]
    pairs = {
        (sentences[i], sentences[j])
        for i in range(len(sentences))
        for j in range(i + 1, len(sentences))
        if sentences[i].article_id != sentences[j].article_id
        and min(len(words[i]), len(words[j])) >= 4
        and len(words[i] & words[j]) / max(len(words[i]), len(words[j])) >= threshold
    }
    assert pairs
    group_of = {s: n for n, g in enumerate(group_sentences(documents, threshold))
                for s in g.sentences}
    assert all(group_of[a] == group_of[b] for a, b in pairs)
    # ... and nothing more: every grouped sentence is linked by such a pair.
    linked = {s for pair in pairs for s in pair}
    assert all(s in linked for g in group_sentences(documents, threshold)
               if len(g.sentences) > 1 for s in g.sentences)


@pytest.mark.parametrize(("wire_time", "copy_time", "original"), [
    # As text "2017-11-16T15:00" sorts before "...T20:09", but 20:09+08:00 is 12:09 UTC.
    ("2017-11-16T20:09:00+08:00", "2017-11-16T15:00:00+00:00", WIRE),
    ("2017-11-16T15:00:00+00:00", "2017-11-16T20:09:00+08:00", COPY),
    ("2017-11-16T09:00:00-05:00", "2017-11-16T13:00:00", COPY),  # naive is UTC: 13:00 < 14:00
    (None, "2017-11-16", COPY),  # an undated article is not the original of a dated one
])
def test_the_original_is_the_first_published_instant(seed_documents, wire_time, copy_time,
                                                     original):
    dated = {WIRE: wire_time, COPY: copy_time}
    documents = [d.__class__(d.article.with_(published=dated.get(d.id, d.article.published)),
                             d.text, d.sentences, d.removed_lines) for d in seed_documents]
    duplicates = find_duplicates(documents)
    copy = COPY if original == WIRE else WIRE
    assert duplicates == {copy: original}
