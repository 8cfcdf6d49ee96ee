"""Scores against labels, the batch baseline and the reader of labelled clustering files."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from newsbrief.cluster_eval import (
    adjusted_rand,
    batch_agglomerative,
    bcubed,
    bcubed_errors,
    read_cluster_file,
)


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


def test_bcubed_errors_rank_mistakes_by_what_fixing_them_gains():
    truth = ["a", "a", "a", "b", "b", "c", "d"]
    pred = [1, 1, 2, 2, 2, 3, 3]
    base = bcubed(truth, pred)[2]
    errors = bcubed_errors(truth, pred)
    assert [(e.kind, e.key, e.size, e.parts) for e in errors] == [
        ("split", "a", 3, 2), ("mixed", 2, 3, 2), ("mixed", 3, 2, 2)]
    assert errors[0].members == (0, 1, 2) and errors[1].members == (2, 3, 4)
    # Gathering label a: items 0-2 alone in one cluster, b's two items in cluster 2.
    assert errors[0].gain == pytest.approx(
        bcubed(truth, ["x", "x", "x", 2, 2, 3, 3])[2] - base)
    # Splitting cluster 2 by label; c and d stay together in cluster 3.
    assert errors[1].gain == pytest.approx(bcubed(truth, [1, 1, "s", "t", "t", 3, 3])[2] - base)
    assert all(e.gain > 0 for e in errors)
    assert bcubed_errors(truth, truth) == []


def test_batch_baseline_reproduces_the_calibration(eval_dir):
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


def test_read_cluster_file_names_bad_records_of_an_array_by_place(tmp_path):
    path = tmp_path / "mix.json"
    record = {"id": "a", "label": "x", "title": "T", "text": "Some text here. More text."}
    path.write_text(json.dumps([record, {"id": "b"}, record]), encoding="utf-8")
    articles, _, problems = read_cluster_file(str(path))
    assert [a.id for a in articles] == ["a"]
    assert [p.reason for p in problems] == ["item 2: missing field 'text'",
                                             "item 3: duplicate id 'a'"]


def test_json_array_records_without_ids_each_get_their_own(eval_dir, tmp_path):
    """A JSON array has no line numbers: every id-less record was named "<stem>-None", so all
    but the first were dropped as duplicates. They are numbered by position now."""
    import json

    with open(eval_dir / "clustering-dev.jsonl", encoding="utf-8") as lines:
        records = [json.loads(next(lines)) for _ in range(4)]
    for record in records:
        del record["id"]
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    articles, labels, problems = read_cluster_file(str(path))
    assert problems == []
    assert [a.id for a in articles] == ["dev-1", "dev-2", "dev-3", "dev-4"]
    assert [labels[a.id] for a in articles] == [r["label"] for r in records]


def test_web_archive_notices_are_clustered_on_nothing_not_on_their_raw_text(eval_dir):
    from newsbrief.cluster import cluster_documents
    from newsbrief.cluster_eval import clustering_text, prepare_for_clustering

    articles, labels, _ = read_cluster_file(str(eval_dir / "clustering-dev.jsonl"))
    notices = [a for a in articles if a.text.startswith("These crawls are part of")]
    # Ten copies of one notice, under eight of the file's events.
    assert len(notices) == 10 and len({labels[a.id] for a in notices}) == 8
    documents = prepare_for_clustering(notices)
    assert all(d.text == "" for d in documents)
    assert all(clustering_text(a) == "" for a in notices)
    assert len(set(cluster_documents(documents).values())) == 10
    # An article that cleaning empties for other reasons is still clustered on its raw text.
    chrome = replace(articles[0], text="Share this article\nFollow us on Twitter")
    assert clustering_text(chrome) == chrome.text
    assert prepare_for_clustering([chrome])[0].text == chrome.text
