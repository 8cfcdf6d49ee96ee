"""The Spark job in local mode against the single-machine path, on dev data and a WARC made here.

One SparkSession for the module (local[2], two shuffle partitions, no UI); three job runs in
all, to keep this file to a few minutes on two cores.
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

pytest.importorskip("pyspark")
pq = pytest.importorskip("pyarrow.parquet")

from newsbrief.cli import main
from newsbrief.cluster import bcubed, cluster_documents, prepare_for_clustering
from newsbrief.config import BriefConfig
from newsbrief.errors import InputError, NoUsableInput
from newsbrief.ingest import read_paths
from newsbrief.models import Brief
from newsbrief.pipeline import brief_documents, prepare_articles
from newsbrief.spark import SparkJobConfig, run_job, spark_session
from newsbrief.spark.dedup import band_params
from newsbrief.spark.events import (
    UNDATED,
    article_day,
    fallback_days,
    merge_windows,
    window_keys,
)

pytestmark = pytest.mark.spark

SLICE = 160  # articles of clustering-dev.jsonl used here (about 60 events)
BRIEF = BriefConfig(analyze=False)  # analysis is the same code on both sides, and slow


@pytest.fixture(scope="module")
def spark():
    session = spark_session("local[2]", shuffle_partitions=2, app_name="newsbrief-tests")
    yield session
    session.stop()


def _slice(eval_dir: Path, target: Path, dated: bool) -> Path:
    """The first SLICE records; ``dated`` adds a publication date from the position in the
    file (25 articles a day, as a stream would arrive), which the labels never touch."""
    lines = (eval_dir / "clustering-dev.jsonl").read_text(encoding="utf-8").splitlines()[:SLICE]
    with open(target, "w", encoding="utf-8") as out:
        for i, line in enumerate(lines):
            record = json.loads(line)
            if dated:
                day = date(2024, 1, 1) + timedelta(days=i // 25)
                record["published"] = f"{day.isoformat()}T{(i % 24):02d}:00:00"
            out.write(json.dumps(record) + "\n")
    return target


def _reference_events(path: Path, capsys) -> dict[str, str]:
    """``newsbrief cluster DATASET.jsonl``: id -> event, as printed."""
    capsys.readouterr()
    assert main(["cluster", str(path), "-q"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return {row["id"]: row["event"] for row in rows}


def _spark_events(output: Path) -> dict[str, str]:
    table = pq.read_table(output / "articles", columns=["id", "event_id"]).to_pydict()
    return dict(zip(table["id"], table["event_id"]))


def _check_against_single_machine(dataset: Path, output: Path, capsys) -> tuple[float, int]:
    reference = _reference_events(dataset, capsys)
    ours = _spark_events(output)
    assert set(ours) == set(reference)
    ids = sorted(reference)
    _, _, f1 = bcubed([reference[i] for i in ids], [ours[i] for i in ids])
    assert f1 >= 0.98

    # Events with the same articles must have the same brief as on one machine.
    articles = {a.id: a for a in read_paths([dataset]).articles}
    order = list(articles)
    groups: dict[str, list[str]] = {}
    for article_id in order:
        groups.setdefault(reference[article_id], []).append(article_id)
    reference_sets = {frozenset(members) for members in groups.values()}
    briefs = {}
    for line in (output / "briefs.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        briefs[row["event_id"]] = row["brief"]
    events = pq.read_table(output / "events", columns=["event_id", "article_ids"]).to_pylist()
    same = [e for e in events if frozenset(e["article_ids"]) in reference_sets]
    assert len(same) >= 0.9 * len(events)
    for event in same:
        members = sorted(event["article_ids"], key=order.index)
        assert event["article_ids"] == members  # input order
        expected = brief_documents(prepare_articles([articles[i] for i in members]), BRIEF)
        assert briefs[event["event_id"]] == expected.to_dict()
    return f1, len(same)


def test_dev_events_and_briefs_match_newsbrief_cluster(spark, eval_dir, tmp_path, capsys):
    dataset = _slice(eval_dir, tmp_path / "dev.jsonl", dated=False)
    output = tmp_path / "out"
    result = run_job(spark, [str(dataset)], str(output), SparkJobConfig(brief=BRIEF))
    assert result.counts["articles"] == SLICE
    assert result.counts["events"] == len(list((output / "briefs.jsonl").open()))
    _, same = _check_against_single_machine(dataset, output, capsys)
    assert same > 30
    manifest = json.loads((output / "run.json").read_text())
    assert manifest["counts"] == result.counts


def test_dated_stream_in_sliding_windows_matches(spark, eval_dir, tmp_path, capsys):
    # 160 articles over 7 days in windows of 2 days: every event is split over windows or
    # edges somewhere, and the merge across window edges has to put it together again.
    dataset = _slice(eval_dir, tmp_path / "dated.jsonl", dated=True)
    output = tmp_path / "out"
    run_job(spark, [str(dataset)], str(output), SparkJobConfig(brief=BRIEF, window_days=1.0))
    _check_against_single_machine(dataset, output, capsys)


def _write_mixed_inputs(folder: Path, seeds_dir: Path) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from test_warc import write_warc

    folder.mkdir()
    write_warc(folder / "crawl.warc.gz", gz=True)
    for seed in sorted(seeds_dir.glob("*.txt")):
        (folder / seed.name).write_bytes(seed.read_bytes())
    # Two records of one JSONL: a good one and a bad one (no text).
    (folder / "feed.jsonl").write_text(
        json.dumps({"id": "riverton-3", "title": "Council publishes bridge report",
                    "text": "The Riverton council published the engineers' report on the "
                    "harbour bridge on Thursday. It lists cracks in two steel supports.",
                    "published": "2024-03-08"}) + "\n" + json.dumps({"id": "broken"}) + "\n",
        encoding="utf-8",
    )


def _partition(labels: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for item, label in labels.items():
        groups.setdefault(label, set()).add(item)
    return {frozenset(g) for g in groups.values()}


def test_cli_spark_run_on_warc_text_and_jsonl_then_import(spark, seeds_dir, tmp_path, capsys):
    inputs = tmp_path / "inputs"
    _write_mixed_inputs(inputs, seeds_dir)
    output = tmp_path / "out"
    capsys.readouterr()
    code = main(["spark-run", str(inputs), "--output", str(output), "--master", "local[2]",
                 "--partitions", "2", "--no-analysis", "--method", "centroid", "-f", "json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    summary = json.loads(captured.out)
    assert summary["counts"]["files"] == 7
    assert summary["counts"]["articles"] == 2 + 5 + 1
    assert any("feed.jsonl:2" in p and "missing field 'text'" in p for p in summary["problems"])
    assert "skipped" in captured.err

    articles = pq.read_table(output / "articles").to_pylist()
    by_url = {a["url"]: a for a in articles if a["url"]}
    assert by_url["https://gazette.example/bridge"]["published"] == "2024-03-05"
    assert all(a["sentences"] and a["event_id"] for a in articles)
    # The seeds' AFP wire copy and its reprint are one duplicate group, in one event.
    groups = pq.read_table(output / "duplicate_groups").to_pylist()
    seed_groups = [g for g in groups if g["original"].startswith("00")]
    assert [sorted(g["members"]) for g in seed_groups] == [
        ["000_63619180b1ce8ac3", "001_b92210f6684e49f3"]
    ]
    event_of = {a["id"]: a["event_id"] for a in articles}
    assert seed_groups[0]["event_id"] == event_of[seed_groups[0]["original"]]
    # The events are those of the single-machine clusterer over the same articles.
    documents = [prepare_for_clustering([a])[0] for a in read_paths([inputs]).articles]
    reference = cluster_documents(documents)
    assert _partition(reference) == _partition(event_of)
    assert event_of["riverton-3"] != event_of["000_63619180b1ce8ac3"]
    lines = (output / "briefs.jsonl").read_text(encoding="utf-8").splitlines()
    briefs = [Brief.from_dict(json.loads(line)["brief"]) for line in lines]
    assert sum(len(b.articles) for b in briefs) == len(articles)
    assert pq.read_table(output / "problems").num_rows == len(summary["problems"])

    # Without --overwrite an existing output is refused with a one-line error.
    assert main(["spark-run", str(inputs), "--output", str(output), "-q"]) == InputError.exit_code
    assert "not empty" in capsys.readouterr().err

    db = tmp_path / "store.db"
    assert main(["import-parquet", str(output), "--db", str(db), "-f", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["store"]["articles"] == len(articles)
    from newsbrief.store import Store

    with Store(db) as store:
        stored = {a.article.id: a for e in store.list_events(limit=100)[0]
                  for a in store.event_articles(e.id)}
    assert {a["id"] for a in articles} == set(stored)
    assert stored["riverton-3"].article.text.startswith("The Riverton council")


def test_missing_input_is_a_clear_error(spark, tmp_path):
    with pytest.raises(NoUsableInput, match="no such file"):
        run_job(spark, [str(tmp_path / "absent")], str(tmp_path / "out"))


def test_windows_and_merge_rules():
    assert window_keys(None, 3.0) == (UNDATED,)
    first = window_keys(article_day("2024-01-02"), 1.0)
    assert first[1] == first[0] + 1
    assert window_keys(article_day("2024-01-03T05:00:00"), 1.0)[0] == first[1]
    roots = merge_windows([((1, "e1"), (2, "e4")), ((2, "e4"), (3, "e2")), ((5, "e1"), (6, "e1"))])
    assert roots[(3, "e2")] == roots[(1, "e1")] == (1, "e1")
    assert roots[(6, "e1")] == (5, "e1") != roots[(1, "e1")]
    # Undated articles go to the median day of their file, else of the collection.
    by_file, overall = fallback_days([((0, 10), 1), ((0, 12), 2), ((1, 40), 5)])
    assert by_file == {0: 12.0, 1: 40.0} and overall == 40.0
    assert fallback_days([]) == ({}, None)
    # The banding the single-machine datasketch index uses at its default threshold.
    bands, rows = band_params(0.35)
    assert bands * rows <= 128 and bands > 1


def test_import_parquet_rejects_other_folders(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["import-parquet", str(tmp_path / "empty"), "--db", str(tmp_path / "x.db")]) == 2
    assert "no 'articles' table" in capsys.readouterr().err
