"""Incremental event clustering: scores, features, the relative join rule, time, real mixes."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from newsbrief.cluster import (
    ClusterConfig,
    EventClusterer,
    EventState,
    adjusted_rand,
    batch_agglomerative,
    bcubed,
    cluster_documents,
    cluster_records,
    extract_features,
    prepare_for_clustering,
    read_cluster_file,
)


@pytest.fixture(scope="module")
def dev_docs(eval_dir: Path):
    articles, labels, problems = read_cluster_file(str(eval_dir / "clustering-dev.jsonl"))
    assert not problems
    return prepare_for_clustering(articles), labels


@pytest.fixture(scope="module")
def wiki_docs(eval_dir: Path):
    articles, labels, problems = read_cluster_file(str(eval_dir / "clustering-wikiref220.jsonl"))
    assert not problems
    return prepare_for_clustering(articles), labels


def _score(documents, labels, config=None, **kw) -> tuple[float, float, float]:
    assigned = cluster_documents(documents, config, **kw)
    return bcubed([labels[d.id] for d in documents], [assigned[d.id] for d in documents])


# ------------------------------------------------------------------ scores
def test_bcubed_by_hand():
    truth = ["a", "a", "a", "b", "b"]
    pred = [1, 1, 2, 2, 2]
    p, r, f = bcubed(truth, pred)
    # precision per item: 1, 1, 1/3, 2/3, 2/3; recall: 2/3, 2/3, 1/3, 1, 1
    assert p == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5)
    assert r == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5)
    assert f == pytest.approx(2 * p * r / (p + r))
    assert bcubed(truth, truth) == (1.0, 1.0, 1.0)
    assert adjusted_rand(truth, truth) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        bcubed(["a"], [1, 2])


def test_all_in_one_cluster_has_full_recall_low_precision():
    truth = ["a", "b", "c", "d"]
    p, r, _ = bcubed(truth, [0, 0, 0, 0])
    assert r == 1.0 and p == pytest.approx(0.25)


# ------------------------------------------------------------------ features and state
def test_features_find_names_and_drop_stop_words():
    f = extract_features("Envoy heads to Pyongyang",
                         "President Xi Jinping's special envoy Song Tao will visit North Korea.")
    g = extract_features("", "Song Tao met officials of North Korea in Pyongyang.")
    shared = set(f.entities) & set(g.entities)
    assert len(shared) >= 2  # "song tao", "north korea"
    assert extract_features("", "the and of it was").terms == {}


def test_event_state_round_trips_through_bytes():
    state = EventState("e7")
    state.add({1: 0.6, 2: 0.8}, 17000.0)
    state.add({2: 1.0}, 17002.0)
    back = EventState.from_bytes("e7", state.to_bytes())
    assert back.vector == state.vector and back.size == 2
    assert back.norm2 == pytest.approx(state.norm2)
    assert state.cohesion(0.15) == pytest.approx(0.8)  # the one pair's cosine


# ------------------------------------------------------------------ the rule
STORY_A = ("Flooding in Valencia", ("Flash floods swept through Valencia on Tuesday, killing dozens "
           "of residents as torrential rain overwhelmed drainage in Paiporta and nearby towns. "
           "Spanish Prime Minister Pedro Sanchez promised emergency aid for Valencia."))
STORY_A2 = ("Valencia death toll rises", ("The death toll from the Valencia floods rose again as "
            "rescuers searched Paiporta; Pedro Sanchez visited the flooded towns and promised aid."))
STORY_B = ("Chess final", ("Magnus Carlsen won the rapid chess final in Oslo against Hikaru "
           "Nakamura after a tense tiebreak, taking his fifth title at the tournament."))


def test_related_articles_join_and_unrelated_start_events():
    labels = cluster_records([("a1", *STORY_A, None), ("b1", *STORY_B, None),
                              ("a2", *STORY_A2, None)])
    assert labels["a1"] == labels["a2"] != labels["b1"]


def test_time_gap_separates_the_same_story():
    near = cluster_records([("a1", *STORY_A, "2024-10-29"), ("a2", *STORY_A2, "2024-10-30")])
    far = cluster_records([("a1", *STORY_A, "2024-10-29"), ("a2", *STORY_A2, "2025-01-20")])
    assert near["a1"] == near["a2"]
    assert far["a1"] != far["a2"]


def test_later_batch_joins_existing_event_and_ids_are_stable():
    clusterer = EventClusterer()
    first = clusterer.add_batch([("a1", extract_features(*STORY_A), None),
                                 ("b1", extract_features(*STORY_B), None)])
    second = clusterer.add("a2", extract_features(*STORY_A2))
    assert second == first[0]
    assert clusterer.labels_ == {"a1": first[0], "b1": first[1], "a2": first[0]}
    assert first == ["e1", "e2"]


# ------------------------------------------------------------------ real mixes
def _slice(documents, labels, keep):
    return [d for d in documents if labels[d.id] in keep]


def test_small_dev_mix_of_events(dev_docs):
    documents, labels = dev_docs
    counts = Counter(labels[d.id] for d in documents)
    keep = [label for label in dict.fromkeys(labels[d.id] for d in documents)
            if counts[label] >= 3][:15]
    mix = _slice(documents, labels, set(keep))
    p, r, f = _score(mix, labels)
    assert len(mix) >= 45
    assert f >= 0.85, (p, r, f)


def test_small_wikiref_mix_of_topics_in_shuffled_orders(wiki_docs):
    documents, labels = wiki_docs
    by_label: dict[str, list] = {}
    for d in documents:
        by_label.setdefault(labels[d.id], []).append(d)
    mix = [d for group in by_label.values() for d in group[:12]]
    scores = []
    for seed in range(3):
        order = list(mix)
        random.Random(seed).shuffle(order)
        scores.append(_score(order, labels, ClusterConfig(batch_size=32))[2])
    assert min(scores) >= 0.75, scores
    assert max(scores) - min(scores) <= 0.1, scores


def test_quality_floor_on_both_eval_sets_with_one_configuration(dev_docs, wiki_docs):
    # Pinned floors for the default configuration (measured: 0.892 and 0.900); a change
    # that lowers either fails here instead of silently.
    assert _score(*dev_docs)[2] >= 0.88
    assert _score(*wiki_docs)[2] >= 0.89


def test_streaming_document_frequencies_stay_close(wiki_docs):
    documents, labels = wiki_docs
    assert _score(documents, labels, prefit=False)[2] >= 0.85


def test_batch_baseline_reproduces_the_calibration(dev_docs, eval_dir):
    # The eval README: agglomerative on TF-IDF of title + text, threshold 0.85 -> 0.887.
    articles, labels, _ = read_cluster_file(str(eval_dir / "clustering-dev.jsonl"))
    texts = [(a.title + "\n" + a.text) for a in articles]
    predicted = batch_agglomerative(texts, 0.85)
    f = bcubed([labels[a.id] for a in articles], predicted)[2]
    assert f == pytest.approx(0.887, abs=0.01)


def test_read_cluster_file_reports_bad_lines(tmp_path):
    path = tmp_path / "mix.jsonl"
    path.write_text(
        '{"id": "a", "label": "x", "title": "T", "text": "Some text here. More text."}\n'
        "{not json\n"
        '{"id": "b", "label": "x", "title": "T"}\n'
        '{"id": "a", "label": "y", "title": "T", "text": "Other text. Again text."}\n',
        encoding="utf-8",
    )
    articles, labels, problems = read_cluster_file(str(path))
    assert [a.id for a in articles] == ["a"] and labels == {"a": "x"}
    assert [p.line for p in problems] == [2, 3, 4]
    assert "missing field 'text'" in problems[1].reason
    assert "duplicate id" in problems[2].reason
