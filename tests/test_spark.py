"""The Spark job in local mode against the single-machine path, on dev data and a WARC made here.

One SparkSession for the module (local[2], two shuffle partitions, no UI); three job runs in
all, to keep this file to a few minutes on two cores.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import dev_article_lines

pytest.importorskip("pyspark")
pq = pytest.importorskip("pyarrow.parquet")

from newsbrief.clean import is_archive_notice
from newsbrief.cli import main
from newsbrief.cluster import ClusterConfig, bcubed, cluster_documents, prepare_for_clustering
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
    window_keys,
    window_links,
)
from newsbrief.spark.graph import connected_components

pytestmark = pytest.mark.spark

SLICE = 160  # articles of clustering-dev.jsonl used here (about 60 events)
BRIEF = BriefConfig(analyze=False)  # analysis is the same code on both sides, and slow


@pytest.fixture(scope="module")
def spark():
    session = spark_session("local[2]", shuffle_partitions=2, app_name="newsbrief-tests")
    yield session
    session.stop()


def _slice(eval_dir: Path, target: Path, dated: bool, held_out: Path | None = None) -> Path:
    """The first SLICE records; ``dated`` adds a publication date from the position in the
    file (25 articles a day, as a stream would arrive), which the labels never touch. With
    ``held_out``, every fifth of the first SLICE * 5 / 4 records is written there instead,
    to arrive later."""
    # Pages that cleaning empties are left out: these runs compare events and briefs of
    # articles (empty ones: test_articles_left_empty_...).
    lines = [line.rstrip("\n") for line in dev_article_lines(eval_dir)]
    if held_out is None:
        lines = lines[:SLICE]
    else:
        lines = lines[: SLICE * 5 // 4]
        held_out.write_text("".join(line + "\n" for line in lines[4::5]), encoding="utf-8")
        lines = [line for i, line in enumerate(lines) if i % 5 != 4]
    with open(target, "w", encoding="utf-8") as out:
        for i, line in enumerate(lines):
            record = json.loads(line)
            if dated:
                day = date(2024, 1, 1) + timedelta(days=i // 25)
                record["published"] = f"{day.isoformat()}T{(i % 24):02d}:00:00"
            out.write(json.dumps(record) + "\n")
    return target


def _reference_events(path: Path, capsys) -> dict[str, str]:
    """``newsbrief cluster DATASET.jsonl --thresholds default``: id -> event, as printed (the
    Spark job, like the store, clusters with fixed thresholds)."""
    capsys.readouterr()
    assert main(["cluster", str(path), "-q", "--thresholds", "default"]) == 0
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


@pytest.fixture(scope="module")
def dev_run(spark, eval_dir, tmp_path_factory):
    """One run over SLICE undated dev articles: (dataset, held-out articles, output, result)."""
    folder = tmp_path_factory.mktemp("dev-run")
    dataset = _slice(eval_dir, folder / "dev.jsonl", dated=False, held_out=folder / "later.jsonl")
    output = folder / "out"
    result = run_job(spark, [str(dataset)], str(output), SparkJobConfig(brief=BRIEF))
    return dataset, folder / "later.jsonl", output, result


def test_dev_events_and_briefs_match_newsbrief_cluster(dev_run, capsys):
    dataset, _, output, result = dev_run
    assert result.counts["articles"] == SLICE
    assert result.counts["events"] == len(list((output / "briefs.jsonl").open()))
    _, same = _check_against_single_machine(dataset, output, capsys)
    assert same > 30
    manifest = json.loads((output / "run.json").read_text())
    assert manifest["counts"] == result.counts


def test_articles_left_empty_by_cleaning_get_no_brief_and_are_not_imported(
        spark, eval_dir, tmp_path):
    from newsbrief.spark.importer import read_events
    from newsbrief.store import Store

    records = [json.loads(line) for line in
               (eval_dir / "clustering-dev.jsonl").read_text(encoding="utf-8").splitlines()]
    notices = [r for r in records if is_archive_notice(r["text"])][:2]
    articles = [r for r in records if not is_archive_notice(r["text"])][:6]
    dataset = tmp_path / "mixed.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in articles + notices),
                       encoding="utf-8")
    output = tmp_path / "out"
    result = run_job(spark, [str(dataset)], str(output), SparkJobConfig(brief=BRIEF))
    assert result.counts["articles"] == 8 and result.counts["empty_after_cleaning"] == 2
    rows = pq.read_table(output / "articles", columns=["id", "event_id", "text"]).to_pylist()
    empty = {r["id"]: r["event_id"] for r in rows if not r["text"]}
    assert set(empty) == {r["id"] for r in notices}
    briefed = {json.loads(line)["event_id"] for line in (output / "briefs.jsonl").open()}
    assert briefed == {r["event_id"] for r in rows if r["text"]}
    with Store(tmp_path / "store.db", config=BRIEF) as store:
        report = store.import_events(read_events(output))
        assert {a for a, _ in report.added} == {r["id"] for r in articles}
        assert sorted(p.reason for p in report.problems) == sorted(
            f"article {a} of event {e}: no text left after cleaning (a web archive's notice, "
            "not the article)" for a, e in empty.items())


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


def test_min_similarity_of_a_run_reaches_its_events_and_the_store(spark, eval_dir, seeds_dir,
                                                                   tmp_path, capsys):
    from newsbrief.store import Store
    from newsbrief.store.clustering import stored_min_similarity

    # 40 undated dev articles: clustered in one piece, as on one machine.
    lines = (eval_dir / "clustering-dev.jsonl").read_text(encoding="utf-8").splitlines()
    dataset = tmp_path / "dev.jsonl"
    dataset.write_text("".join(line + "\n" for line in lines[:40]), encoding="utf-8")
    output = tmp_path / "out"
    code = main(["spark-run", str(dataset), "--output", str(output), "--master", "local[2]",
                 "--partitions", "2", "--no-analysis", "--method", "centroid", "-q",
                 "--min-similarity", "0.2"])
    assert code == 0, capsys.readouterr().err
    run = json.loads((output / "run.json").read_text(encoding="utf-8"))
    assert run["config"]["cluster"]["min_similarity"] == 0.2
    # The floor splits some of the default's events, on Spark as on one machine.
    documents = [prepare_for_clustering([a])[0] for a in read_paths([dataset]).articles]
    floored = cluster_documents(documents, ClusterConfig(min_similarity=0.2))
    assert len(_partition(cluster_documents(documents))) < len(_partition(floored))
    assert _partition(_spark_events(output)) == _partition(floored)

    # A store clustered with another floor refuses the run, naming both values.
    other = tmp_path / "other.db"
    with Store(other, config=BRIEF) as store:
        store.add_articles(read_paths([seeds_dir / "000_63619180b1ce8ac3.txt"]).articles)
    capsys.readouterr()
    assert main(["import-parquet", str(output), "--db", str(other), "-q"]) == 2
    error = capsys.readouterr().err
    assert "--min-similarity 0.2" in error and "a minimum similarity of 0.03" in error
    assert len(_stored_events(other)) == 1  # unchanged

    # A new store takes the run's floor, and later ingests on it keep to it.
    db = tmp_path / "store.db"
    assert main(["import-parquet", str(output), "--db", str(db), "-q"]) == 0
    with Store(db) as store:
        assert stored_min_similarity(store.conn) == 0.2
        assert store.cluster_config.min_similarity == 0.2


FURNITURE = "The Riverton Gazette is owned by the Harbour Media Group of Riverton."
STORIES = [
    ("Council votes to repair the harbour bridge",
     ("The council met on Monday to discuss the harbour bridge. It voted to repair the steel "
      "supports before the winter storms.\nRepairs will start in May, the mayor said.")),
    ("School opens a new science wing",
     ("Riverton High School opened its new science wing on Tuesday. The wing has six "
      "laboratories and a greenhouse.\nPupils moved in after the spring holiday.")),
    ("Fishing fleet reports a record catch",
     ("The Riverton fishing fleet landed a record catch of cod this week. Prices at the "
      "harbour market fell by a third.\nSkippers said the cold water brought the shoals.")),
    ("Library extends its opening hours",
     ("The public library will open until nine on weekdays from next month. The council "
      "found the money in its culture budget.\nStudents had asked for longer hours.")),
]


def test_site_boilerplate_found_over_the_corpus(tmp_path, capsys):
    # Four unrelated stories of one site share an ownership line; another site prints it once.
    records = [{"id": f"gazette-{i}", "title": title, "outlet": "gazette.example",
                "published": f"2026-03-0{i + 1}",
                "text": body.replace("\n", "\n" + FURNITURE + "\n", 1)}
               for i, (title, body) in enumerate(STORIES)]
    # Months later, so it never shares an event with them (it names their town, and an
    # event's own cleaning drops a line three of its articles print).
    records.append({"id": "herald-0", "title": "Storm closes the coast road",
                    "outlet": "herald.example", "published": "2026-06-01",
                    "text": "A winter storm closed the coast road north of Riverton on Friday. "
                    "Police diverted traffic through the hills.\n" + FURNITURE})
    source = tmp_path / "sites.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    # One machine keeps the line: no batch of an event shows it three times.
    assert any(s.text == FURNITURE for s in
               prepare_articles(read_paths([source]).articles[:1])[0].sentences)
    output = tmp_path / "out"
    assert main(["spark-run", str(source), "-o", str(output), "--master", "local[2]",
                 "--partitions", "2", "--no-analysis", "--method", "lead",
                 "--boilerplate-min-articles", "3", "-f", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["counts"]["boilerplate_lines"] >= 1
    rows = {r["id"]: r for r in pq.read_table(output / "articles").to_pylist()}
    for i in range(len(STORIES)):
        row = rows[f"gazette-{i}"]
        assert FURNITURE not in row["text"] and row["sentences"]
        assert any(FURNITURE in line for line in row["removed_lines"])
    assert FURNITURE in rows["herald-0"]["text"]
    briefs = [json.loads(line)["brief"] for line in
              (output / "briefs.jsonl").read_text(encoding="utf-8").splitlines()]
    cited = [b for b in briefs if FURNITURE in json.dumps(b)]
    assert all([a["id"] for a in b["articles"]] == ["herald-0"] for b in cited)


def test_missing_input_is_a_clear_error(spark, tmp_path):
    with pytest.raises(NoUsableInput, match="no such file"):
        run_job(spark, [str(tmp_path / "absent")], str(tmp_path / "out"))


def test_windows_and_merge_rules():
    assert window_keys(None, 3.0) == (UNDATED,)
    first = window_keys(article_day("2024-01-02"), 1.0)
    assert first[1] == first[0] + 1
    assert window_keys(article_day("2024-01-03T05:00:00"), 1.0)[0] == first[1]
    assert window_links([(2, "e4"), (1, "e1"), (2, "e4")]) == [((1, "e1"), (2, "e4"))]
    # Undated articles go to the median day of their file, else of the collection.
    by_file, overall = fallback_days([((0, 10), 1), ((0, 12), 2), ((1, 40), 5)])
    assert by_file == {0: 12.0, 1: 40.0} and overall == 40.0
    assert fallback_days([]) == ({}, None)
    # The banding the single-machine datasketch index uses at its default threshold.
    bands, rows = band_params(0.35)
    assert bands * rows <= 128 and bands > 1


def test_connected_components_match_union_find(spark):
    import random

    from newsbrief.dedup import UnionFind

    rng = random.Random(3)
    # Long chains (as a story chained through many windows), stars, loops and repeats.
    edges = [(i, i + 1) for i in range(40)] + [(100, j) for j in range(101, 120)]
    edges += [(rng.randrange(200, 400), rng.randrange(200, 400)) for _ in range(150)]
    edges += [(7, 7), (41, 40), (41, 40)]
    uf = UnionFind()
    for a, b in edges:
        uf.union(a, b)
    roots = dict(connected_components(spark.sparkContext.parallelize(edges, 3)).collect())
    nodes = {n for e in edges for n in e if e[0] != e[1]}
    assert set(roots) == nodes
    for node in nodes:
        members = [n for n in nodes if uf.find(n) == uf.find(node)]
        assert roots[node] == min(members)


def _spark_briefs(output: Path) -> dict[str, dict]:
    rows = pq.read_table(output / "briefs", columns=["event_id", "brief"]).to_pylist()
    return {row["event_id"]: json.loads(row["brief"]) for row in rows}


def _stored_events(db: Path) -> dict[str, set[str]]:
    from newsbrief.store import Store

    with Store(db, readonly=True) as store:
        events, _ = store.list_events(limit=10_000)
        return {e.id: {a.id for a in store.event_articles(e.id)} for e in events}


def test_import_keeps_spark_events_and_is_resumable_and_idempotent(dev_run, tmp_path, capsys):
    from newsbrief.spark.importer import read_events
    from newsbrief.store import Store

    _, _, output, _ = dev_run
    spark_events = {e["event_id"]: set(e["article_ids"]) for e in
                    pq.read_table(output / "events", columns=["event_id", "article_ids"]).to_pylist()}
    briefs = _spark_briefs(output)

    # Interrupted after 25 events (transactions of 20 articles): committed events stay.
    def interrupted():
        for count, event in enumerate(read_events(output)):
            if count == 25:
                raise KeyboardInterrupt
            yield event

    db = tmp_path / "store.db"
    with Store(db, batch_size=20) as store, pytest.raises(KeyboardInterrupt):
        store.import_events(interrupted())
    partial = _stored_events(db)
    assert 0 < len(partial) < 25
    # Run again: it finishes the job, skipping what was committed.
    with Store(db, batch_size=20) as store:
        report = store.import_events(read_events(output))
    assert len(report.events_created) == len(spark_events) - len(partial)
    assert sum(why == "event already stored" for _, why in report.skipped) == len(partial)
    stored = _stored_events(db)
    assert set(stored) == set(spark_events)
    # Exact copies (same text) are stored once, as ingest stores them; nothing else differs.
    copies = {a["id"] for a in pq.read_table(output / "articles").to_pylist()
              if a["duplicate_of"]}
    for event_id, members in spark_events.items():
        assert members - copies <= stored[event_id] <= members
    with Store(db, readonly=True) as store:
        for event_id in spark_events:
            assert store.get_brief(event_id).to_dict() == briefs[event_id]
            assert store.get_event(event_id).headline
        counts = store.counts()
        n_docs = int(dict(store.conn.execute("SELECT key, value FROM meta"))["n_docs"])
    assert counts["stale_briefs"] == 0 and counts["briefs"] == len(spark_events)
    assert n_docs == counts["articles"]  # document frequencies count every imported article

    # A second import of the same output changes nothing (the CLI, as a user runs it).
    capsys.readouterr()
    assert main(["import-parquet", str(output), "--db", str(db), "-f", "json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["added"] == [] and again["events_created"] == []
    assert again["store"] == counts

    # `newsbrief show` prints Spark's brief for an imported event.
    event_id = max(spark_events, key=lambda e: len(spark_events[e]))
    assert main(["show", event_id, "--db", str(db), "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == briefs[event_id]


def test_ingest_after_import_extends_the_imported_events(dev_run, tmp_path, capsys):
    from newsbrief.spark.importer import read_events
    from newsbrief.store import Store

    dataset, later, output, _ = dev_run
    db = tmp_path / "store.db"
    with Store(db, config=BRIEF) as store:
        store.import_events(read_events(output))
        imported = {e.id for e in store.list_events(limit=10_000)[0]}
        before = store.counts()
        report = store.add_articles(read_paths([later]).articles)
        after = store.counts()
        placed = dict(report.added)
        members = {e: {a.id for a in store.event_articles(e)} for e in set(placed.values())}
        n_docs = int(dict(store.conn.execute("SELECT key, value FROM meta"))["n_docs"])
    assert len(placed) + len(report.skipped) == len(read_paths([later]).articles)
    assert len(placed) >= 35 and not report.problems
    assert after["articles"] == before["articles"] + len(placed) == n_docs
    assert after["stale_briefs"] == 0
    # The single-machine clusterer over all the articles says which earlier articles each
    # later one belongs with; the store, extending Spark's events, mostly agrees.
    everything = read_paths([dataset, later]).articles
    reference = cluster_documents([prepare_for_clustering([a])[0] for a in everything])
    earlier = {a.id for a in read_paths([dataset]).articles}
    expected = agreed = 0
    for article_id, event_id in placed.items():
        mates = {i for i, e in reference.items() if e == reference[article_id] and i in earlier}
        if mates:
            expected += 1
            agreed += event_id in imported and bool(mates & members[event_id])
    assert expected >= 20
    assert agreed >= 0.8 * expected
    # The extended events got a new brief version over all their articles.
    with Store(db, readonly=True) as store:
        grown = [e for e in imported & set(placed.values())]
        assert grown
        versions = store.brief_versions(grown[0])
        assert len(versions) == 2
        assert {a.id for a in versions[-1][2].articles} == members[grown[0]]


def test_import_parquet_rejects_other_folders(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["import-parquet", str(tmp_path / "empty"), "--db", str(tmp_path / "x.db")]) == 2
    assert "no 'articles' table" in capsys.readouterr().err


def test_event_times_in_the_events_table_are_instants_as_in_the_store():
    from newsbrief.spark.tables import published_edges

    # In UTC: 01:00, 02:00, 03:30, 00:30 (naive: taken as UTC); text order would differ.
    times = ["2017-11-17T10:00:00+09:00", "2017-11-17T02:00:00Z", "2017-11-16T22:30:00-05:00",
             "2017-11-17T00:30:00", "not a date", None]
    assert published_edges(times) == ("2017-11-17T00:30:00", "2017-11-16T22:30:00-05:00")
    assert published_edges(["not a date", "another"]) == ("another", "not a date")
    assert published_edges([None]) == (None, None)


def test_ids_stay_unique_when_a_new_name_is_an_input_id(spark, eval_dir, tmp_path):
    # "x", "x", "x~1": renaming the second "x" to "x~1" takes the third's id; every later
    # stage joins articles by id, so the two "x~1" rows crossed and the brief task failed.
    # A second "x~1" collides twice; renaming in rounds named it "x~1~1~1" where one
    # machine names it "x~1~2", so the run's ids and a store's differed.
    given = ["x", "x", "x~1", "x~1", "y", "y", "z"]
    lines = (eval_dir / "clustering-dev.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines[:len(given)]]
    for record, ident in zip(records, given):
        record["id"] = ident
    dataset = tmp_path / "ids.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    output = tmp_path / "out"
    result = run_job(spark, [str(dataset)], str(output),
                     SparkJobConfig(brief=BriefConfig(analyze=False, method="lead")))
    ids = pq.read_table(output / "articles", columns=["id"]).column("id").to_pylist()
    assert len(ids) == len(set(ids)) == result.counts["articles"] == len(records)
    one_machine = [a.id for a in read_paths([dataset]).articles]
    assert one_machine == ["x", "x~1", "x~1~1", "x~1~2", "y", "y~1", "z"]
    assert sorted(ids) == sorted(one_machine)
    members = [i for e in pq.read_table(output / "events").to_pylist() for i in e["article_ids"]]
    assert sorted(members) == sorted(ids)


def test_bad_partitions_and_tiny_window_are_clear_errors(tmp_path, capsys):
    # Both failed inside Spark tasks with a traceback (Spark's "Number of partitions must be
    # positive"; an infinite window number for a stride of 1e-320 days).
    # A boilerplate threshold of one article made every line boilerplate: no text, no brief.
    for options in ({"partitions": -1}, {"partitions": 0}, {"window_days": 1e-320},
                    {"boilerplate_min_articles": 1}):
        with pytest.raises(InputError):
            SparkJobConfig(**options)
    SparkJobConfig(window_days=float("inf"), partitions=1)  # one window; fine
    source = tmp_path / "a.txt"
    source.write_text("A sentence of text. And another one.", encoding="utf-8")
    for flag, value in (("--partitions", "-2"), ("--window-days", "1e-320"),
                        ("--boilerplate-min-articles", "1")):
        code = main(["spark-run", str(source), "-o", str(tmp_path / "out"), flag, value, "-q"])
        assert code != 0 and flag.lstrip("-").replace("-", "_") in capsys.readouterr().err


def test_existing_output_given_as_file_uri_is_refused_before_the_job(spark, tmp_path):
    # `-o file:///existing/folder` skipped the check and failed after the whole job, in
    # Spark's writer (AnalysisException PATH_ALREADY_EXISTS).
    output = tmp_path / "out"
    (output / "articles").mkdir(parents=True)
    source = tmp_path / "a.txt"
    source.write_text("A sentence of text. And another one.", encoding="utf-8")
    with pytest.raises(InputError, match="not empty"):
        run_job(spark, [str(source)], f"file://{output}")
    assert list(output.iterdir()) == [output / "articles"]


def test_rerun_into_an_output_folder_inside_the_input_reads_only_the_input(spark, seeds_dir,
                                                                          tmp_path):
    # The second run read the first run's briefs.jsonl and run.json as inputs: more files,
    # a problem per line, and so different counts for the same articles.
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in sorted(seeds_dir.glob("*.txt"))[:3]:
        (folder / seed.name).write_bytes(seed.read_bytes())
    config = SparkJobConfig(brief=BriefConfig(analyze=False, method="lead"))
    first = run_job(spark, [str(folder)], str(folder / "out"), config)
    again = run_job(spark, [str(folder)], str(folder / "out"), config, overwrite=True)
    assert (folder / "out" / "briefs.jsonl").is_file()
    assert first.counts == again.counts and first.counts["files"] == 3
    assert not again.problems


# A JSON line may escape a lone surrogate ("\ud800"), which no UTF-8 table can hold: it
# failed its task in the boilerplate count and in the cleaning, and after Spark's retries the
# whole job. Articles now carry U+FFFD instead (models.Article). Two stories with a site's
# furniture line, so the corpus boilerplate (which hashes every article's text) finds
# something.
LONE_SURROGATE = "The council met on Monday \ud800 to discuss the harbour bridge again."


def _poison_records() -> list[dict]:
    records = [{"id": f"gazette-{i}", "title": title, "outlet": "gazette.example",
                "text": body.replace("\n", "\n" + FURNITURE + "\n", 1)}
               for i, (title, body) in enumerate(STORIES[:2])]
    records.insert(1, {"id": "lone", "title": "Bridge", "outlet": "gazette.example",
                       "text": LONE_SURROGATE})
    # Good text, but an id no table could hold (nor the event id's hash encode).
    title, body = STORIES[3]
    records.append({"id": "id-\ud800", "title": title, "text": body})
    # No outlet and a URL urlsplit rejects: its site is unknown, the article is kept.
    title, body = STORIES[2]
    records.append({"id": "odd-url", "title": title, "text": body, "url": "http://[harbour"})
    return records


def test_an_article_whose_preparation_raises_is_a_problem_not_a_failed_task(seeds_dir,
                                                                           monkeypatch):
    """No input is known to make preparation raise any more (the lone surrogates that did are
    repaired when the article is made), so the failure is injected, in this process."""
    from newsbrief.cluster import ClusterConfig
    from newsbrief.spark import job
    from newsbrief.spark.boilerplate import site_key
    from newsbrief.store import rows

    config = ClusterConfig()
    good = read_paths([seeds_dir]).articles[0]
    assert isinstance(job.prepare_or_problem((0, 0), good, config), job.Prepared)
    assert site_key(good.with_(outlet=None, url="http://[harbour")) is None

    def fail(*args, **kwargs):
        raise ValueError("signature failed")

    monkeypatch.setattr(job, "signature", fail)
    monkeypatch.setattr(rows, "signature", fail)
    bad = good.with_(path="feed.jsonl")
    problem = job.prepare_or_problem((0, 1), bad, config)
    stored = rows.prepare_or_problem(bad, config)
    assert problem.source == stored.source == "feed.jsonl"
    assert problem.reason == stored.reason == (
        f"article {good.id}: cannot be prepared (ValueError: signature failed)")


def test_spark_run_takes_lone_surrogates_and_urls_urlsplit_rejects(spark, tmp_path):
    # The odd URL failed urlsplit in the boilerplate count; the odd id failed the brief's
    # event id; the lone surrogate failed the cleaning and the boilerplate count.
    source = tmp_path / "feed.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in _poison_records()),
                      encoding="utf-8")
    output = tmp_path / "out"
    result = run_job(spark, [str(source)], str(output), SparkJobConfig(
        brief=BriefConfig(analyze=False, method="lead"), boilerplate_min_articles=2))
    assert not result.problems
    assert result.counts["articles"] == 5 and result.counts["problems"] == 0
    rows = {r["id"]: r for r in pq.read_table(output / "articles").to_pylist()}
    assert set(rows) == {"gazette-0", "gazette-1", "lone", "id-\ufffd", "odd-url"}
    assert "Monday \ufffd to discuss" in rows["lone"]["text"]
    assert all(r["sentences"] and r["event_id"] for r in rows.values())
    assert FURNITURE not in rows["gazette-0"]["text"]  # the boilerplate count still ran


def test_an_event_whose_brief_cannot_be_made_keeps_its_articles(seeds_dir, monkeypatch):
    """The failures are injected in this process (no input is known to trip them): the
    event-level stage alone, without Spark."""
    from newsbrief.spark import job

    articles = read_paths([seeds_dir]).articles[:3]
    members = [((0, i), a, f"hash-{i}", None) for i, a in enumerate(articles)]
    config = BriefConfig(analyze=False, method="lead")

    def fail(*args, **kwargs):
        raise RuntimeError("solver failed")

    monkeypatch.setattr(job, "brief_documents", fail)
    out = job._brief_event(members, config)
    assert out.brief is None and out.summary().problems == out.problems
    assert [p.reason for p in out.problems] == [
        f"event {out.id}: brief cannot be made (RuntimeError: solver failed)"]
    # The articles keep their cleaning for the brief (together), to be imported and briefed.
    assert [row[2] for row in out.rows] == [d.text for d in prepare_articles(articles)]

    real = job.prepare_articles
    monkeypatch.setattr(job, "prepare_articles", lambda batch, **kw: (
        fail() if len(batch) > 1 else real(batch, **kw)))
    out = job._brief_event(members, config)
    assert out.brief is None and len(out.problems) == 1
    # Cleaned together failed: each keeps the cleaning it got alone in the clean stage.
    assert [row[2] for row in out.rows] == [
        prepare_for_clustering([a])[0].text for a in articles]
    assert all(row[10] for row in out.rows)  # sentences


def test_import_into_a_store_that_ingested_part_of_the_run(dev_run, tmp_path):
    """The store already holds some of the run's articles (ingested from the same file): the
    run's other articles of those events made second events beside the stored ones."""
    sys.path.insert(0, str(Path(__file__).parent))
    from test_store_invariants import check_store

    from newsbrief.spark.importer import read_events
    from newsbrief.store import Store

    dataset, _, output, _ = dev_run
    rows = sorted(pq.read_table(output / "articles").to_pylist(),
                  key=lambda r: (r["file_rank"], r["position"]))  # input order
    run_event = {r["id"]: r["event_id"] for r in rows}
    early = read_paths([dataset]).articles[:80:2]  # half of the first events' articles
    with Store(tmp_path / "news.db", config=BriefConfig(analyze=False, method="lead")) as store:
        store.add_articles(early)
        home = dict(store.conn.execute("SELECT id, event_id FROM articles"))
        assert len(home) > 30  # (ingest stores exact copies once)
        report = store.import_events(read_events(output))
        placed = dict(report.added)
        stored = {a: store.get_article(a).event_id for a in run_event
                  if store.conn.execute("SELECT 1 FROM articles WHERE id = ?", (a,)).fetchone()}
        problems = check_store(store.conn, store.cluster_config, imported=True)
        stale = store.counts()["stale_briefs"]
    assert not problems, "\n".join(problems)
    assert set(home) <= set(stored) and stale == 0
    # Each run event that ingest had started: its new articles joined the event holding its
    # ingested ones (the one holding most of them), none made an event of its own.
    joined = 0
    for event in {run_event[a] for a in home}:
        mine = [a for a in run_event if run_event[a] == event]
        new = [a for a in mine if a in placed]
        homes = [home[a] for a in mine if a in home]
        for article in new:
            assert placed[article] == max(homes, key=homes.count)
        joined += len(new)
    assert joined > 0
    assert {e for e in placed.values()} - set(home.values()) == report.events_created
    # Nothing lost: every run article is stored, but for exact copies of stored text.
    assert all(r["duplicate_of"] for r in rows if r["id"] not in stored)


def test_import_command_says_which_stored_events_gained_articles(dev_run, tmp_path, capsys):
    from newsbrief.store import Store

    dataset, _, output, _ = dev_run
    db = tmp_path / "news.db"
    with Store(db, config=BriefConfig(analyze=False, method="lead")) as store:
        store.add_articles(read_paths([dataset]).articles[:40:2])
    assert main(["import-parquet", str(output), "--db", str(db)]) == 0
    out = capsys.readouterr().out
    gained = re.search(r" (\d+) stored event\(s\) gained articles of the run's events \((\d+) "
                       r"run event id\(s\) now lead to them\);", out)
    assert gained and int(gained[1]) > 0 and int(gained[2]) > 0, out


def test_word_for_word_copies_from_other_outlets_import_as_ingest_stores_them(
        spark, seeds_dir, tmp_path):
    """Spark keeps every article it reads (exact copies grouped as copies, whatever their
    outlet); the import then follows the store's rule (newsbrief.store.urls.already_stored):
    another outlet's word-for-word copy is stored as a copy, the same outlet's repeat under
    another URL is skipped. The store ends with the articles and links ingest gives it."""
    from newsbrief.spark.importer import read_events
    from newsbrief.store import Store

    inputs = tmp_path / "inputs"
    inputs.mkdir()
    seeds = read_paths([seeds_dir]).articles
    for path in sorted(seeds_dir.iterdir()):
        (inputs / path.name).write_bytes(path.read_bytes())
    wire, repeat = seeds[2], seeds[3]  # World Bulletin, Iphone Fresh
    records = [
        {"id": "wire-copy", "title": wire.title, "text": wire.text, "outlet": "Wire Service",
         "url": "https://wire.example/envoy", "published": wire.published},
        {"id": "same-outlet", "title": repeat.title, "text": repeat.text,
         "outlet": "IPHONE  fresh", "url": "https://fresh.example/2", "published": repeat.published},
    ]
    (inputs / "copies.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records),
                                         encoding="utf-8")
    output = tmp_path / "out"
    # Copies put in their original's event, as the store puts them.
    run_job(spark, [str(inputs)], str(output),
            SparkJobConfig(brief=BRIEF, partitions=2, copies_follow_original=True))
    rows = pq.read_table(output / "articles").to_pylist()
    assert {"wire-copy", "same-outlet"} <= {r["id"] for r in rows}  # Spark keeps both

    def stored(store: Store) -> tuple[set[str], set[frozenset[str]]]:
        """The stored ids and copy groups (which member is the original differs: Spark picks
        the earliest published, the store the first stored)."""
        links = dict(store.conn.execute("SELECT id, duplicate_of FROM articles"))
        groups: dict[str, set[str]] = {}
        for article, original in links.items():
            groups.setdefault(original or article, set()).add(article)
        return set(links), {frozenset(g) for g in groups.values() if len(g) > 1}

    with Store(tmp_path / "imported.db", config=BRIEF) as store:
        report = store.import_events(read_events(output))
        assert ("same-outlet", "already stored (same content or URL)") in report.skipped
        imported = stored(store)
        outlets = store.get_event(store.get_article("wire-copy").event_id).outlet_count
    with Store(tmp_path / "ingested.db", config=BRIEF) as store:
        report = store.add_articles(read_paths([inputs]).articles)
        assert report.skipped == [("same-outlet", "already stored (same content)")]
        ingested = stored(store)
        assert store.get_event(store.get_article("wire-copy").event_id).outlet_count == outlets
    assert imported == ingested and frozenset({wire.id, "wire-copy"}) in ingested[1]


def test_the_events_table_counts_outlets_as_the_store_does():
    from newsbrief.spark.job import EventOut
    from newsbrief.spark.tables import event_row

    event = EventOut((0, 0), "ev-1", ("a", "b", "c", "d"), (None,) * 4, ("AP", "ap ", None, "Reuters"),
                     "title", None)
    assert event_row(event)[3] == 2
