"""The whole pipeline as one Spark job: read -> clean -> deduplicate -> cluster -> brief -> write.

Every per-article and per-event step is a function of the single-machine package, mapped over
the data by Spark: reading (``newsbrief.ingest``), cleaning and sentence splitting (the two
halves of :func:`newsbrief.pipeline.prepare_articles`: ``clean.repeated_lines`` over the
collection, then ``clean.clean_article`` per article), signatures (:func:`newsbrief.dedup.minhash`),
clustering features and the clusterer (:mod:`newsbrief.cluster`) and briefing
(:func:`newsbrief.pipeline.brief_documents`). Spark adds only the shuffles between them; see
``docs/spark.md`` for the stages and their shuffle sizes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from operator import add
from pathlib import Path
from typing import Any

import numpy as np

from newsbrief.clean import REPEAT_MIN_ARTICLES, clean_article, normal_key, repeated_lines
from newsbrief.cluster import ClusterConfig, Features, extract_features
from newsbrief.config import BriefConfig
from newsbrief.dedup import minhash
from newsbrief.errors import InputError, NoUsableInput
from newsbrief.ingest.text import content_id
from newsbrief.models import Article, Document, Problem
from newsbrief.pipeline import brief_documents
from newsbrief.spark import tables
from newsbrief.spark.dedup import find_duplicates_spark
from newsbrief.spark.events import cluster_window, event_id, merge_windows, window_keys
from newsbrief.spark.read import is_uri, list_inputs, read_articles, unique_ids

__all__ = [
    "JobResult", "Prepared", "SparkJobConfig", "cluster_text", "find_boilerplate", "run_job",
]


@dataclass(frozen=True, slots=True)
class SparkJobConfig:
    """Options of the Spark job: briefing and clustering as on one machine, plus the windows.

    ``window_days`` is the stride ``S`` of the sliding windows (each spans ``2 S`` days);
    ``partitions`` the number of partitions of the per-article stages (default: twice the
    cores Spark has).
    """

    brief: BriefConfig = field(default_factory=BriefConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    window_days: float = 3.0
    partitions: int | None = None

    def __post_init__(self) -> None:
        if not self.window_days > 0:
            raise InputError(f"window_days must be positive, got {self.window_days}")


@dataclass(frozen=True, slots=True)
class Prepared:
    """One cleaned article with everything the later stages need, computed once."""

    ordinal: tuple[int, int]
    document: Document
    signature: bytes
    content_hash: str
    features: Features


@dataclass(slots=True)
class JobResult:
    """What a run wrote and how long each step took (wall seconds on the driver)."""

    output: str
    counts: dict[str, int]
    problems: list[Problem]
    seconds: dict[str, float]
    config: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "output": self.output, "counts": self.counts, "seconds": self.seconds,
            "problems": [str(p) for p in self.problems], "config": self.config,
        }


def cluster_text(document: Document) -> tuple[str, str]:
    """The title and text the clusterer reads: the cleaned text, as ``newsbrief cluster`` does."""
    return document.article.title, document.text


def _line_keys(article: Article) -> set[str]:
    # The keys repeated_lines counts: each article's distinct normalised lines.
    return {key for line in article.text.split("\n") if (key := normal_key(line))}


def find_boilerplate(articles) -> frozenset[str]:
    """Lines repeated across unrelated articles, as :func:`newsbrief.clean.prepare` finds them.

    A shuffle counts in how many articles each normalised line occurs; only the articles
    holding a line seen in at least ``REPEAT_MIN_ARTICLES`` articles can contribute, so only
    they (in input order) go through :func:`newsbrief.clean.repeated_lines`, on the driver.
    """
    if articles.count() < REPEAT_MIN_ARTICLES:
        return frozenset()  # prepare() skips the test for batches this small
    candidates = (
        articles.flatMap(lambda item: [(key, 1) for key in _line_keys(item[1])])
        .reduceByKey(add).filter(lambda kv: kv[1] >= REPEAT_MIN_ARTICLES).keys().collect()
    )
    if not candidates:
        return frozenset()
    wanted = articles.context.broadcast(frozenset(candidates))
    holders = (
        articles.filter(lambda item: not wanted.value.isdisjoint(_line_keys(item[1])))
        .sortBy(lambda item: item[0]).values().collect()
    )
    wanted.unpersist()
    return repeated_lines(holders)


def _prepare_partition(
    items: Iterable[tuple[tuple[int, int], Article]],
    boilerplate: frozenset[str],
    cluster_config: ClusterConfig,
) -> Iterator[tuple[str, Any]]:
    # clean_article with the collection's boilerplate is what prepare_articles does per
    # article; documents left without a sentence are dropped there too.
    for ordinal, article in items:
        doc = clean_article(article, boilerplate)
        if not doc.sentences:
            yield "p", Problem(article.path or article.id, f"article {article.id}: "
                               "no sentences left after cleaning")
            continue
        title, text = cluster_text(doc)
        yield "d", Prepared(
            ordinal=tuple(ordinal),
            document=doc,
            signature=minhash(doc.article.title + "\n" + doc.text)
            .hashvalues.astype(np.uint64).tobytes(),
            content_hash=content_id(doc.article.title + "\n" + doc.text),
            features=extract_features(title, text, cluster_config),
        )


def _brief_event(
    members: Iterable[tuple[tuple[int, int], Document]], config: BriefConfig
) -> tuple[tuple[int, int], str, list[Document], str]:
    ordered = sorted(members, key=lambda m: m[0])
    documents = [doc for _, doc in ordered]
    brief = brief_documents(documents, config)
    return ordered[0][0], event_id(documents[0].id), documents, json.dumps(
        brief.to_dict(), ensure_ascii=False
    )


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._start = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._start, 3)
        self._start = now


def _check_output(output: str, overwrite: bool) -> None:
    if is_uri(output):
        return
    path = Path(output)
    if path.exists() and not path.is_dir():
        raise InputError(f"{output}: output exists and is not a folder")
    if path.is_dir() and any(path.iterdir()) and not overwrite:
        raise InputError(f"{output}: output folder is not empty (use --overwrite)")


def run_job(
    spark,
    inputs: Sequence[str],
    output: str,
    config: SparkJobConfig | None = None,
    *,
    overwrite: bool = False,
) -> JobResult:
    """Run the pipeline over ``inputs`` and write the tables under ``output``.

    Raises :class:`NoUsableInput` when no article survives reading and cleaning.
    """
    from pyspark import StorageLevel

    config = config or SparkJobConfig()
    _check_output(output, overwrite)
    sc = spark.sparkContext
    partitions = config.partitions or max(2, sc.defaultParallelism * 2)
    clock = _Clock()

    sc.setJobDescription("read: list inputs")
    files, problems = list_inputs(spark, inputs)
    if not files:
        detail = "; ".join(str(p) for p in problems[:5])
        raise NoUsableInput("no input files" + (f" ({detail})" if detail else ""))

    sc.setJobDescription("read: extract articles")
    tagged = read_articles(spark, files).persist(StorageLevel.MEMORY_AND_DISK)
    problems += tagged.filter(lambda t: t[0] == "p").map(lambda t: t[2]).collect()
    articles = unique_ids(tagged.filter(lambda t: t[0] == "a").map(lambda t: (t[1], t[2])))
    clock.lap("read")

    sc.setJobDescription("clean: repeated lines")
    articles = articles.repartition(partitions).persist(StorageLevel.MEMORY_AND_DISK)
    boilerplate = sc.broadcast(find_boilerplate(articles))
    clock.lap("boilerplate")
    sc.setJobDescription("clean: prepare articles")
    cluster_config = config.cluster
    cleaned = articles.mapPartitions(
        lambda items: _prepare_partition(items, boilerplate.value, cluster_config)
    ).persist(StorageLevel.MEMORY_AND_DISK)
    emptied = cleaned.filter(lambda t: t[0] == "p").map(lambda t: t[1]).collect()
    problems += emptied
    prepared = cleaned.filter(lambda t: t[0] == "d").map(lambda t: t[1]).persist(
        StorageLevel.MEMORY_AND_DISK
    )
    n_documents = prepared.count()
    tagged.unpersist()
    articles.unpersist()
    cleaned.unpersist()
    if not n_documents:
        detail = "; ".join(str(p) for p in problems[:5])
        raise NoUsableInput("no usable articles" + (f" ({detail})" if detail else ""))
    clock.lap("clean")

    duplicates = find_duplicates_spark(prepared, config.brief.duplicate_threshold)
    copies = sc.broadcast(duplicates.mapping)
    clock.lap("dedup")

    # Clustering: originals only; every copy joins its original's event afterwards.
    sc.setJobDescription("cluster: document frequencies")
    items = prepared.filter(lambda p: p.document.id not in copies.value).map(
        lambda p: (tuple(p.ordinal), p.document.id, p.features, p.document.article.published)
    )
    frequencies = (
        items.flatMap(lambda it: list(it[2].terms) + list(it[2].entities))
        .map(lambda key: (key, 1)).reduceByKey(add).collectAsMap()
    )
    n_items = n_documents - len(duplicates.mapping)
    df = sc.broadcast(dict(frequencies))
    stride = config.window_days

    sc.setJobDescription("cluster: windows")
    labels = (
        items.flatMap(lambda it: [(w, it) for w in window_keys(it[3], stride)])
        .groupByKey(partitions)
        .flatMap(lambda kv: cluster_window(kv[0], kv[1], df.value, n_items, cluster_config))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    links = (
        labels.groupByKey()
        .flatMap(lambda kv: [(nodes[0], n) for nodes in [sorted(kv[1])] for n in nodes[1:]])
        .distinct().collect()
    )
    roots = sc.broadcast(merge_windows(links))
    assigned = labels.map(lambda kv: (kv[0], roots.value.get(kv[1], kv[1]))).reduceByKey(
        lambda a, b: a
    )
    by_copy = prepared.filter(lambda p: p.document.id in copies.value).map(
        lambda p: (copies.value[p.document.id], p.document.id)
    )
    assigned = assigned.union(
        by_copy.join(assigned).map(lambda kv: (kv[1][0], kv[1][1]))
    )
    clock.lap("cluster")

    sc.setJobDescription("brief: events")
    brief_config = config.brief
    events = (
        prepared.map(lambda p: (p.document.id, (tuple(p.ordinal), p.document)))
        .join(assigned)
        .map(lambda kv: (kv[1][1], kv[1][0]))
        .groupByKey(partitions)
        .map(lambda kv: _brief_event(kv[1], brief_config))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    n_events = events.count()
    clock.lap("brief")

    sc.setJobDescription("write: tables")
    event_of = events.flatMap(lambda e: [(d.id, e[1]) for d in e[2]])
    article_rows = (
        prepared.map(lambda p: (p.document.id, p)).join(event_of)
        .map(lambda kv: tables.article_row(kv[1][0], copies.value.get(kv[0]), kv[1][1]))
    )
    writer = tables.TableWriter(spark, output, overwrite=overwrite)
    writer.write("articles", article_rows, tables.ARTICLES)
    writer.write("events", events.map(tables.event_row), tables.EVENTS)
    writer.write("briefs", events.map(tables.brief_row), tables.BRIEFS)
    group_event = dict(event_of.filter(
        lambda kv: kv[0] in {g.original for g in duplicates.groups}
    ).collect()) if duplicates.groups else {}
    writer.write(
        "duplicate_groups",
        sc.parallelize([tables.duplicate_row(g, group_event.get(g.original))
                        for g in duplicates.groups], 1),
        tables.DUPLICATE_GROUPS,
    )
    writer.write("problems", sc.parallelize([tables.problem_row(p) for p in problems], 1),
                 tables.PROBLEMS)
    writer.briefs_jsonl(events)
    clock.lap("write")

    counts = {
        "files": len(files),
        "articles": n_documents + len(emptied),
        "boilerplate_lines": len(boilerplate.value),
        "documents": n_documents,
        "duplicates": len(duplicates.mapping),
        "duplicate_groups": len(duplicates.groups),
        "candidate_pairs": duplicates.candidate_pairs,
        "clustered": n_items,
        "events": n_events,
        "problems": len(problems),
    }
    result = JobResult(
        output=output, counts=counts, problems=problems, seconds=clock.seconds,
        config={
            "brief": asdict(config.brief), "cluster": asdict(config.cluster),
            "window_days": config.window_days, "partitions": partitions,
            "master": sc.master, "inputs": list(inputs),
        },
    )
    writer.manifest(result.to_dict())
    for name in (prepared, labels, events):
        name.unpersist()
    for var in (boilerplate, copies, df, roots):
        var.unpersist()
    sc.setJobDescription(None)
    return result
