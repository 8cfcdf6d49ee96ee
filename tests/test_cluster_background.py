"""The clusterer's background word frequencies (newsbrief/cluster_background.py)."""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
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
        ("Police question Macron aide", "Police said the aide of Macron met Zelenskyy."),
        ("Macron meets police chiefs", "Macron met police chiefs and Zelenskyy in Kyiv."),
    ]
    police, name = zlib.crc32(b"police"), zlib.crc32(b"macron")
    unknown = zlib.crc32(b"zelenskyy")  # not in the word list: the collection alone counts
    plain = EventClusterer(ClusterConfig(background_documents=0))
    pooled = EventClusterer(ClusterConfig())
    for clusterer in (plain, pooled):
        clusterer.observe_batch([extract_features(t, x) for t, x in texts])
        assert clusterer.df[police] == clusterer.df[name] == clusterer.df[unknown] == 2
    assert plain.idf(police) == plain.idf(name)
    assert pooled.idf(police) < pooled.idf(name)
    assert pooled.idf(unknown) == plain.idf(unknown)
    # The ways the clusterer computes an idf agree to the bit.
    assert pooled.idfs([extract_features(*texts[0])])[police] == pooled.idf(police)


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


def _unknown_language(text: str) -> str:
    """Every word replaced by a made-up one (the same word, the same replacement): a language
    with the statistics of English news that the background knows nothing of."""
    def replace(match: re.Match[str]) -> str:
        digest = hashlib.md5(match.group().lower().encode()).hexdigest()[:8]
        word = "q" + "".join(chr(ord("a") + int(c, 16) % 20) for c in digest)
        return word.capitalize() if match.group()[:1].isupper() else word

    return re.sub(r"[^\W_]+", replace, text)


def test_a_language_the_background_does_not_know_is_clustered_as_without_it(eval_dir):
    """Its words get no background; if every word's document count grew by the background's
    documents anyway, its common words would weigh nearly as much as its rare ones (the dev
    set in such a language fell from F1 0.79 to 0.28 that way)."""
    articles, _, _ = read_cluster_file(str(eval_dir / "clustering-dev.jsonl"))
    records = [(a.id, _unknown_language(a.title), _unknown_language(clustering_text(a)), None)
               for a in articles[:300]]
    partitions = []
    for background in (0, ClusterConfig().background_documents):
        config = ClusterConfig(background_documents=background)
        partitions.append(cluster_features(list(featurize(records, config)), config))
    assert partitions[0] == partitions[1]
    assert len(set(partitions[1].values())) > 60  # not one big event


def test_without_wordfreq_the_commands_say_so_in_one_line(monkeypatch, capsys, eval_dir,
                                                          tmp_path):
    """wordfreq not importable (a broken install): a traceback from deep in the clusterer
    before; now one line naming it and how to install it, exit code 5, for cluster and
    ingest alike; --background-documents 0 clusters without it."""
    lines = (eval_dir / "clustering-dev.jsonl").read_text(encoding="utf-8").splitlines()[:12]
    dataset = tmp_path / "twelve.jsonl"
    dataset.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "wordfreq", None)  # import wordfreq raises ImportError
    # A size no other test asks for: not answered from background_counts' cache.
    for argv in (["cluster", str(dataset), "--background-documents", "17"],
                 ["ingest", str(dataset), "--db", str(tmp_path / "news.db"), "--workers", "1",
                  "--no-analysis", "--method", "lead"]):
        if argv[0] == "ingest":
            background_counts.cache_clear()
        assert main(argv) == 5
        _, err = capsys.readouterr()
        assert err.count("\n") == 1 and "Traceback" not in err
        assert err.startswith("newsbrief: error: wordfreq is not installed") and \
            "pip install 'wordfreq>=3.1'" in err
    assert main(["cluster", str(dataset), "--background-documents", "0"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 12
