"""Incremental event clustering: scores, features, the relative join rule, time, real mixes."""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from newsbrief.cluster import (
    ClusterConfig,
    CompactEventClusterer,
    EventClusterer,
    EventState,
    Features,
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


# ------------------------------------------------------------------ features and state
def test_features_find_names_and_drop_stop_words():
    f = extract_features("Envoy heads to Pyongyang",
                         "President Xi Jinping's special envoy Song Tao will visit North Korea.")
    g = extract_features("", "Song Tao met officials of North Korea in Pyongyang.")
    shared = set(f.entities) & set(g.entities)
    assert len(shared) >= 2  # "song tao", "north korea"
    assert extract_features("", "the and of it was").terms == {}


def test_packed_features_give_back_equal_dicts_in_the_same_order(dev_docs):
    """The cluster command holds features packed; the vectors are sums in dict order, so
    the order must survive too, not only the values."""
    documents, _ = dev_docs
    for document in documents[:100]:
        f = extract_features(document.article.title, document.text)
        back = Features.from_bytes(f.to_bytes())
        assert back == f
        assert list(back.terms.items()) == list(f.terms.items())
        assert list(back.entities.items()) == list(f.entities.items())
    empty = Features({}, {})
    assert Features.from_bytes(empty.to_bytes()) == empty


def test_cluster_command_makes_the_libraries_partition(dev_docs, eval_dir, capsys):
    """The command reads the file lazily and cleans without splitting sentences; it must
    still cluster exactly the texts prepare_for_clustering gives."""
    from newsbrief.cli import main

    documents, _ = dev_docs
    expected = cluster_documents(documents)
    assert main(["cluster", str(eval_dir / "clustering-dev.jsonl"), "-q"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == [d.id for d in documents]
    assert {r["id"]: r["event"] for r in rows} == expected


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


# ------------------------------------------------------------------ open articles and order
def test_withdraw_is_the_inverse_of_add():
    state = EventState("e1")
    state.add({1: 0.6, 2: 0.8}, 17000.0)
    before = (dict(state.vector), state.norm2)
    state.add({2: 0.6, 3: 0.8}, 17001.0)
    state.withdraw({2: 0.6, 3: 0.8})
    assert state.size == 1 and state.norm2 == pytest.approx(before[1])
    assert state.vector.keys() == before[0].keys()
    state.withdraw({1: 0.6, 2: 0.8})
    assert state.size == 0 and state.vector == {} and state.first_day is None


def _batched(documents, config, clusterer=None):
    clusterer = clusterer or EventClusterer(config)
    for start in range(0, len(documents), config.batch_size):
        clusterer.add_batch([(d.id, extract_features(d.article.title, d.text), None)
                             for d in documents[start:start + config.batch_size]])
    return clusterer


def _partition(labels):
    groups: dict[str, set] = {}
    for item, label in labels.items():
        groups.setdefault(label, set()).add(item)
    return {frozenset(g) for g in groups.values()}


def test_open_articles_make_small_batches_agree_with_one_batch(wiki_docs):
    # With every article still open, cutting the stream into batches changes nothing: each
    # batch decides the whole stream so far again, as one batch would.
    documents, _ = wiki_docs
    order = list(documents[:90])
    random.Random(3).shuffle(order)
    whole = _batched(order, ClusterConfig(batch_size=90))
    open_ = _batched(order, ClusterConfig(batch_size=30, reopen=90))
    final = _batched(order, ClusterConfig(batch_size=30, reopen=0))
    assert _partition(open_.labels_) == _partition(whole.labels_)
    assert not final.moves and not final.emptied
    # Every move names an article, the event it left and the one it is in now.
    for article_id, left, now in open_.moves:
        assert left != now
    assert {e for _, _, e in open_.moves} <= set(open_.members) | {
        keep for _, keep in open_.merges}
    # No article sits in an emptied event, and sizes add up.
    live = {e: s for e, s in ((e, open_.events[e].size) for e in open_.events)
            if open_.events[e].merged_into is None and s}
    assert sum(live.values()) == len(order)
    assert set(open_.labels_.values()) == set(live)
    # Every article is still open here, so each event is exactly the sum of its members'
    # current vectors (withdrawals left nothing behind).
    for event_id in live:
        event = open_.events[event_id]
        expected: dict[int, float] = {}
        for o in open_.open:
            if o.event == event_id:
                for key, value in o.vector.items():
                    expected[key] = expected.get(key, 0.0) + value
        assert set(event.vector) <= set(expected)
        assert all(event.vector.get(k, 0.0) == pytest.approx(v, abs=1e-9)
                   for k, v in expected.items())
        assert event.norm2 == pytest.approx(sum(v * v for v in expected.values()))


def test_packed_events_decide_exactly_as_objects(dev_docs):
    # A shuffled dev stream in batches of 64, with moves, merges and open articles: keeping
    # all but the 8 most recently used events packed changes no decision and no number.
    documents, _ = dev_docs
    order = list(documents)
    random.Random(2).shuffle(order)
    config = ClusterConfig(batch_size=64)
    plain = _batched(order, config)
    compact = _batched(order, config, CompactEventClusterer(config, hot=8))
    assert plain.merges and plain.moves  # the paths that reload events are taken
    assert compact.labels_ == plain.labels_
    assert (compact.merges, compact.moves, compact.emptied) == (
        plain.merges, plain.moves, plain.emptied)
    assert len(compact.events) <= 8 < len(compact.packed)
    for event_id, event in plain.events.items():
        again = compact.event(event_id)
        assert (again.vector, again.norm2, again.size) == (event.vector, event.norm2, event.size)
        assert list(again.vector) == list(event.vector)  # the same order: the same sums
        assert (again.first_day, again.last_day, again.merged_into) == (
            event.first_day, event.last_day, event.merged_into)


def test_open_articles_recover_from_early_decisions(dev_docs):
    # A shuffled stream in batches of 64: articles that arrive before their partners are
    # decided again while open, which must not score worse than final decisions.
    documents, labels = dev_docs
    order = list(documents)
    random.Random(1).shuffle(order)
    order = order[:320]
    truth = [labels[d.id] for d in order]
    scores = {}
    for reopen in (0, 256):
        clusterer = _batched(order, ClusterConfig(batch_size=64, reopen=reopen))
        scores[reopen] = bcubed(truth, [clusterer.labels_[d.id] for d in order])[2]
    assert scores[256] >= scores[0] + 0.03, scores


def test_given_document_frequencies_match_prefit(wiki_docs):
    documents, _ = wiki_docs
    records = [(d.id, d.article.title, d.text, None) for d in documents[:60]]
    counter = EventClusterer()
    for _, title, text, _ in records:
        counter.observe(extract_features(title, text))
    given = cluster_records(records, frequencies=(dict(counter.df), counter.n_docs))
    assert given == cluster_records(records)
    # Frequencies of another collection weigh terms differently but are only read.
    df = dict(counter.df)
    cluster_records(records[:20], frequencies=(df, counter.n_docs))
    assert df == dict(counter.df)


def _vector_by_loop(features: Features, idf: dict[int, float], entity_weight: float):
    """The unit vector added up key by key: the arithmetic vector_rows must reproduce."""
    out: dict[int, float] = {}
    for part, share in ((features.terms, 1.0 - entity_weight),
                        (features.entities, entity_weight)):
        if share <= 0 or not part:
            continue
        weighted = {k: v * idf[k] for k, v in part.items()}
        norm2 = 0.0
        for v in weighted.values():
            norm2 += v * v
        if not norm2:
            continue
        scale = math.sqrt(share / norm2)
        for k, v in weighted.items():
            out[k] = out.get(k, 0.0) + v * scale
    norm2 = 0.0
    for v in out.values():
        norm2 += v * v
    return {k: v / math.sqrt(norm2) for k, v in out.items()}


@pytest.mark.parametrize("entity_weight", [0.3, 0.0])
def test_batch_vectors_are_the_loop_arithmetic_to_the_bit(dev_docs, entity_weight):
    documents, _ = dev_docs
    clusterer = EventClusterer(ClusterConfig(entity_weight=entity_weight))
    features = [extract_features(d.article.title, d.text) for d in documents]
    clusterer.observe_batch(features[::2])  # the other half has keys never seen (df 0)
    features += [
        Features({10: 1.0, 11: 2.0}, {11: 1.5, 12: 1.0}),  # a phrase id equal to a term id
        Features({}, {12: 1.0, 13: 1.7}),  # phrases only
        Features({}, {}),  # nothing left
    ]
    idf = clusterer.idfs(features)
    expected = [list(_vector_by_loop(f, idf, entity_weight).items()) for f in features]
    for given in (None, idf):
        rows = clusterer.vector_rows(features, given)
        keys, values = rows.keys.tolist(), rows.values.tolist()
        ends = np.cumsum(rows.lengths).tolist()
        got = [list(zip(keys[a:b], values[a:b])) for a, b in zip([0, *ends], ends)]
        assert got == expected  # same keys, same order, same floats
    assert list(clusterer.vectorize(features[-3]).items()) == expected[-3]
    if entity_weight:
        collided = dict(expected[-3])
        assert set(collided) == {10, 11, 12} and collided[11] > collided[10]


def test_run_sums_add_left_to_right():
    from newsbrief.cluster_vectors import _GRID_WIDTH, _run_sums

    rng = random.Random(5)
    lengths = [0, 1, 7, 300, 0, _GRID_WIDTH + 50, 2]
    runs = [[rng.random() * 10 ** rng.randint(-8, 8) for _ in range(n)] for n in lengths]
    got = _run_sums(np.array([v for run in runs for v in run]), np.array(lengths))
    for run, total in zip(runs, got.tolist()):
        expected = 0.0
        for v in run:
            expected += v
        assert total == expected


def test_a_time_with_a_utc_offset_is_that_instant():
    from newsbrief.cluster import parse_day

    seoul, new_york = parse_day("2017-11-17T10:00:00+09:00"), parse_day("2017-11-16T21:00:00-05:00")
    assert seoul == parse_day("2017-11-17T01:00:00Z") == parse_day("2017-11-17T01:00:00")
    assert new_york - seoul == pytest.approx(1 / 24)  # an hour apart, not 14 hours the other way
    assert parse_day("2017-11-17") == 17487.0 and parse_day("not a date") is None
