"""The whole pipeline as one Spark job: read -> clean -> deduplicate -> cluster -> brief -> write.

Every per-article and per-event step is a function of the single-machine package, mapped over
the data by Spark: reading (``newsbrief.ingest``), cleaning and sentence splitting
(:func:`newsbrief.pipeline.prepare_articles`: per article for clustering, as ``newsbrief
cluster`` and the store do, and per event for the brief, as ``newsbrief brief`` does over an
event's articles), signatures (:func:`newsbrief.dedup.minhash`),
clustering features and the clusterer (:mod:`newsbrief.cluster`) and briefing
(:func:`newsbrief.pipeline.brief_documents`). Spark adds only the shuffles between them; see
``docs/spark.md`` for the stages and their shuffle sizes.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from operator import add
from pathlib import Path
from typing import Any

import numpy as np

from newsbrief.cluster import ClusterConfig, Features, extract_features, prepare_for_clustering
from newsbrief.config import BriefConfig
from newsbrief.dedup import minhash
from newsbrief.errors import InputError, NoUsableInput
from newsbrief.ingest.text import content_id
from newsbrief.models import Article, Document, Problem
from newsbrief.pipeline import brief_documents, prepare_articles
from newsbrief.spark import tables
from newsbrief.spark.dedup import find_duplicates_spark
from newsbrief.spark.events import (
    article_day,
    cluster_window,
    event_id,
    fallback_days,
    merge_windows,
    window_keys,
)
from newsbrief.spark.read import is_uri, list_inputs, read_articles, unique_ids
from newsbrief.summarize import get_summarizer

__all__ = [
    "EventOut", "JobResult", "Prepared", "SparkJobConfig", "cluster_text", "run_job",
]


@dataclass(frozen=True, slots=True)
class SparkJobConfig:
    """Options of the Spark job: briefing and clustering as on one machine, plus the windows.

    ``window_days`` is the stride ``S`` of the sliding windows (each spans ``2 S`` days);
    ``partitions`` the number of partitions of the per-article stages (default: twice the
    cores Spark has). Copies are found corpus-wide either way; with ``copies_follow_original``
    they are left out of clustering and put in their original's event (as the store does),
    otherwise every article is clustered (as ``newsbrief cluster`` does). Time windows are used
    when at least ``min_dated_share`` of the clustered articles have a date; otherwise the
    collection is clustered in one piece.
    """

    brief: BriefConfig = field(default_factory=BriefConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    window_days: float = 3.0
    partitions: int | None = None
    copies_follow_original: bool = False
    min_dated_share: float = 0.5

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


def _prepare_partition(
    items: Iterable[tuple[tuple[int, int], Article]], cluster_config: ClusterConfig
) -> Iterator[Prepared]:
    # Per article, exactly as `newsbrief cluster` and the store clean: prepare_articles on
    # the article alone; an article left empty keeps its raw text for clustering.
    for ordinal, article in items:
        doc = prepare_for_clustering([article])[0]
        title, text = cluster_text(doc)
        yield Prepared(
            ordinal=tuple(ordinal),
            document=doc,
            signature=minhash(doc.article.title + "\n" + doc.text)
            .hashvalues.astype(np.uint64).tobytes(),
            content_hash=content_id(doc.article.title + "\n" + doc.text),
            features=extract_features(title, text, cluster_config),
        )


@dataclass(frozen=True, slots=True)
class EventOut:
    """One briefed event: its articles as read and as cleaned for the brief, in input order."""

    ordinal: tuple[int, int]
    id: str
    articles: tuple[Article, ...]
    documents: tuple[Document, ...]
    brief: str | None  # Brief.to_dict() as JSON; None when no article kept a sentence


def _brief_event(members: Iterable[tuple[tuple[int, int], Article]], config: BriefConfig) -> EventOut:
    """Brief one event as ``newsbrief brief`` briefs its articles given in input order."""
    ordered = sorted(members, key=lambda m: m[0])
    articles = tuple(article for _, article in ordered)
    documents = prepare_articles(articles)
    brief = (
        json.dumps(brief_documents(documents, config).to_dict(), ensure_ascii=False)
        if documents else None
    )
    return EventOut(tuple(ordered[0][0]), event_id(articles[0].id), articles, tuple(documents),
                    brief)


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
    get_summarizer(config.brief.method)  # an unknown method fails here, not in every task
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

    sc.setJobDescription("clean: prepare articles")
    cluster_config = config.cluster
    prepared = (
        articles.repartition(partitions)
        .mapPartitions(lambda items: _prepare_partition(items, cluster_config))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    n_articles = prepared.count()
    tagged.unpersist()
    if not n_articles:
        detail = "; ".join(str(p) for p in problems[:5])
        raise NoUsableInput("no usable articles" + (f" ({detail})" if detail else ""))
    clock.lap("clean")

    duplicates = find_duplicates_spark(prepared, config.brief.duplicate_threshold)
    copies = sc.broadcast(duplicates.mapping)
    clock.lap("dedup")

    sc.setJobDescription("cluster: document frequencies")
    follow = config.copies_follow_original
    skipped = copies if follow else sc.broadcast({})
    items = prepared.filter(lambda p: p.document.id not in skipped.value).map(
        lambda p: (tuple(p.ordinal), p.document.id, p.features, p.document.article.published)
    )
    frequencies = (
        items.flatMap(lambda it: list(it[2].terms) + list(it[2].entities))
        .map(lambda key: (key, 1)).reduceByKey(add).collectAsMap()
    )
    n_items = n_articles - len(skipped.value)
    df = sc.broadcast(dict(frequencies))
    stride = config.window_days
    day_counts = (
        items.map(lambda it: (it[0][0], article_day(it[3])))
        .filter(lambda kv: kv[1] is not None)
        .map(lambda kv: ((kv[0], math.floor(kv[1])), 1)).reduceByKey(add).collect()
    )
    by_file, overall = fallback_days(day_counts)
    dated = sum(count for _, count in day_counts)
    if dated < config.min_dated_share * n_items:
        # Mostly undated: there is no time axis to cut, and windows would only separate the
        # few dated articles from the events they belong to. One group is one pass.
        by_file, overall = {}, None
        windowed = False
    else:
        windowed = True

    def place(item: tuple) -> list[tuple]:
        day = article_day(item[3]) if windowed else None
        if day is None:
            day = by_file.get(item[0][0], overall)
        return [(w, item) for w in window_keys(day, stride)]

    sc.setJobDescription("cluster: windows")
    labels = (
        items.flatMap(place)
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
    if follow:
        by_copy = prepared.filter(lambda p: p.document.id in copies.value).map(
            lambda p: (copies.value[p.document.id], p.document.id)
        )
        assigned = assigned.union(by_copy.join(assigned).map(lambda kv: (kv[1][0], kv[1][1])))
    clock.lap("cluster")

    sc.setJobDescription("brief: events")
    brief_config = config.brief
    events = (
        prepared.map(lambda p: (p.document.id, (tuple(p.ordinal), p.document.article)))
        .join(assigned)
        .map(lambda kv: (kv[1][1], kv[1][0]))
        .groupByKey(partitions)
        .map(lambda kv: _brief_event(kv[1], brief_config))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    n_events = events.count()
    unbriefed = events.filter(lambda e: e.brief is None).map(
        lambda e: Problem(e.id, "no article of the event kept a sentence: no brief")
    ).collect()
    problems += unbriefed
    clock.lap("brief")

    sc.setJobDescription("write: tables")
    event_of = events.flatMap(lambda e: [(a.id, e.id) for a in e.articles])
    article_rows = (
        prepared.map(lambda p: (p.document.id, p)).join(event_of)
        .map(lambda kv: tables.article_row(kv[1][0], copies.value.get(kv[0]), kv[1][1]))
    )
    writer = tables.TableWriter(spark, output, overwrite=overwrite)
    writer.write("articles", article_rows, tables.ARTICLES)
    writer.write("events", events.map(tables.event_row), tables.EVENTS)
    writer.write("briefs", events.filter(lambda e: e.brief is not None).map(tables.brief_row),
                 tables.BRIEFS)
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
    writer.briefs_jsonl(events.filter(lambda e: e.brief is not None))
    clock.lap("write")

    counts = {
        "files": len(files),
        "articles": n_articles,
        "empty_after_cleaning": prepared.filter(lambda p: not p.document.sentences).count(),
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
            "copies_follow_original": follow, "windowed": windowed,
            "master": sc.master, "inputs": list(inputs),
        },
    )
    writer.manifest(result.to_dict())
    for name in (prepared, labels, events):
        name.unpersist()
    for var in {copies, skipped, df, roots}:
        var.unpersist()
    sc.setJobDescription(None)
    return result
