"""The clusterer's background word frequencies (newsbrief/cluster_background.py)."""

from __future__ import annotations

import json
import random
import zlib

from newsbrief.cli import main
from newsbrief.cluster import (
    _ENTITY_PREFIX,
    ClusterConfig,
    EventClusterer,
    bcubed,
    cluster_features,
    extract_features,
    featurize,
)
from newsbrief.cluster_background import background_counts
from newsbrief.cluster_eval import clustering_text, read_cluster_file


def _count(word: str, entity: bool = False) -> float:
    table = background_counts(10000, 1000, _ENTITY_PREFIX)
    key = (_ENTITY_PREFIX if entity else "") + word
    return table.get(zlib.crc32(key.encode("utf-8")), 0.0)


def test_common_words_get_a_large_background_and_names_a_small_one():
    assert _count("the") > 9990  # in nearly every 1,000-word document
    assert 1000 < _count("police") < 9000
    assert _count("zelenskyy") < 50
    # A one-word capitalised phrase is keyed apart from the word, with the same count.
    assert _count("police", entity=True) == _count("police")
    # Numbers: years near today are more common than an arbitrary number.
    assert _count("2016") > 10 * _count("500") > 0
    assert background_counts(0, 1000, _ENTITY_PREFIX) == {}


def test_in_a_small_collection_a_common_word_weighs_less_than_a_name():
    texts = [
        ("Police question Zelenskyy aide", "Police said the aide of Zelenskyy was questioned."),
        ("Zelenskyy meets police chiefs", "Zelenskyy met police chiefs in Kyiv on Monday."),
    ]
    police, name = zlib.crc32(b"police"), zlib.crc32(b"zelenskyy")
    for config, common_is_lighter in ((ClusterConfig(background_documents=0), False),
                                      (ClusterConfig(), True)):
        clusterer = EventClusterer(config)
        clusterer.observe_batch([extract_features(t, x, config) for t, x in texts])
        assert clusterer.df[police] == clusterer.df[name] == 2
        assert (clusterer.idf(police) < clusterer.idf(name)) is common_is_lighter
        # The three ways the clusterer computes an idf agree to the bit.
        assert clusterer.idfs([extract_features(*texts[0], config)])[police] == \
            clusterer.idf(police)


def test_a_stream_with_few_articles_seen_clusters_better_with_the_background(eval_dir):
    """Counted as articles arrive, the first batches' frequencies come from a few hundred
    articles; the background is what makes their idf sensible (final decisions, so the
    open window cannot repair the early batches)."""
    articles, labels, _ = read_cluster_file(str(eval_dir / "clustering-dev.jsonl"))
    random.Random(1).shuffle(articles)
    records = [(a.id, a.title, clustering_text(a), None) for a in articles]
    truth = [labels[a.id] for a in articles]
    scores = []
    for background in (0, ClusterConfig().background_documents):
        config = ClusterConfig(batch_size=256, reopen=0, background_documents=background)
        assigned = cluster_features(list(featurize(records, config)), config, prefit=False)
        scores.append(bcubed(truth, [assigned[a.id] for a in articles])[2])
    assert scores[1] > scores[0] + 0.01, scores


def test_the_commands_take_the_background_weight(capsys, eval_dir, tmp_path):
    path = tmp_path / "dev.jsonl"
    path.write_text("".join(
        (eval_dir / "clustering-dev.jsonl").read_text(encoding="utf-8").splitlines(True)[:120]),
        encoding="utf-8")
    results = []
    for weight in ("0", "10000"):
        assert main(["cluster", str(path), "-q", "--background-documents", weight]) == 0
        results.append([json.loads(line) for line in capsys.readouterr().out.splitlines()])
    assert [r["id"] for r in results[0]] == [r["id"] for r in results[1]]
    assert main(["evaluate-clusters", str(path), "-q", "--background-documents", "-1"]) == 2
    assert "--background-documents must be 0 or more" in capsys.readouterr().err
