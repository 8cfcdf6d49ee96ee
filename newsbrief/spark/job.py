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

from newsbrief.cluster import ClusterConfig, extract_features, prepare_for_clustering
from newsbrief.config import BriefConfig
from newsbrief.dedup import signature
from newsbrief.errors import InputError, NoUsableInput
from newsbrief.ingest.text import content_id
from newsbrief.models import Article, Document, Problem
from newsbrief.pipeline import brief_documents, prepare_articles
from newsbrief.spark import tables
from newsbrief.spark.boilerplate import lines_for, site_boilerplate
from newsbrief.spark.dedup import find_duplicates_spark
from newsbrief.spark.events import (
    article_day,
    cluster_window,
    event_id,
    fallback_days,
    window_keys,
    window_links,
)
from newsbrief.spark.graph import connected_components
from newsbrief.spark.read import is_uri, list_inputs, read_articles, unique_ids
from newsbrief.summarize import get_summarizer

__all__ = [
    "EventOut", "JobResult", "Prepared", "SparkJobConfig", "cluster_text", "prepare_or_problem",
    "run_job",
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
    collection is clustered in one piece. ``boilerplate_min_articles`` >= 2 also removes each
    site's lines found in that many of its articles (:mod:`newsbrief.spark.boilerplate`); 0,
    the default, cleans exactly as one machine does.
    """

    brief: BriefConfig = field(default_factory=BriefConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    window_days: float = 3.0
    partitions: int | None = None
    copies_follow_original: bool = False
    min_dated_share: float = 0.5
    boilerplate_min_articles: int = 0

    def __post_init__(self) -> None:
        # A stride under a second would put every article in its own window and, small
        # enough, overflow the window number (day / stride is infinite) inside the tasks.
        if not self.window_days >= 1 / 86400:
            raise InputError(f"window_days must be at least one second (1/86400), "
                             f"got {self.window_days}")
        # Checked here, before Spark starts: Spark's own error is a traceback mid-job.
        if self.partitions is not None and self.partitions < 1:
            raise InputError(f"partitions must be a positive number, got {self.partitions}")
        # Every line is printed in at least one article: N = 1 would remove all the text.
        if self.boilerplate_min_articles == 1:
            raise InputError("boilerplate_min_articles must be 0 (off) or at least 2, got 1")


@dataclass(frozen=True, slots=True)
class Prepared:
    """One article as read, with what the later stages need from its cleaning, computed once.

    The cleaned document itself is not kept: the brief cleans an event's articles together
    (as ``newsbrief brief`` does), and those are the documents written and imported.
    """

    ordinal: tuple[int, int]
    article: Article
    signature: bytes
    content_hash: str
    text: str  # cleaned text the clusterer reads (the raw text when cleaning left nothing)
    terms: tuple[int, ...]  # the clustering features' keys, for the document frequencies
    empty: bool  # no sentence left after cleaning the article alone


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


def _clean_alone(article: Article, boilerplate: frozenset[str]) -> Document:
    """``prepare_for_clustering`` with the site's corpus boilerplate removed as well."""
    return prepare_for_clustering([article], boilerplate)[0]


def _prepare(ordinal: tuple[int, int], article: Article, cluster_config: ClusterConfig,
             boilerplate: dict[str, frozenset[str]] | None) -> Prepared:
    # Per article, exactly as `newsbrief cluster` and the store clean: prepare_articles on
    # the article alone; an article left empty keeps its raw text for clustering.
    doc = _clean_alone(article, lines_for([article], boilerplate))
    title, text = cluster_text(doc)
    features = extract_features(title, text, cluster_config)
    return Prepared(
        ordinal=tuple(ordinal),
        article=article,
        signature=signature(doc.article.title + "\n" + doc.text).astype(np.uint64).tobytes(),
        content_hash=content_id(doc.article.title + "\n" + doc.text),
        text=text,
        terms=tuple(features.terms) + tuple(features.entities),
        empty=not doc.sentences,
    )


def prepare_or_problem(
    ordinal: tuple[int, int], article: Article, cluster_config: ClusterConfig,
    boilerplate: dict[str, frozenset[str]] | None = None,
) -> Prepared | Problem:
    """One article's cleaning, signature and features, or the :class:`Problem` naming it when
    they raise: the Spark side of :func:`newsbrief.store.rows.prepare_or_problem`, with the
    same problem. An article that trips a bug (ours or a library's) failed its task, and
    after Spark's retries the whole job; it is reported and skipped, as the store skips it.
    (The one such input found, a lone surrogate, is repaired when the article is made.)"""
    try:
        return _prepare(ordinal, article, cluster_config, boilerplate)
    except Exception as exc:  # noqa: BLE001 - reported with the article, the rest goes on
        return Problem(article.path or article.id,
                       f"article {article.id}: cannot be prepared ({type(exc).__name__}: {exc})")


def _prepare_partition(
    items: Iterable[tuple[tuple[int, int], Article]], cluster_config: ClusterConfig,
    boilerplate: dict[str, frozenset[str]] | None = None,
) -> Iterator[Prepared | Problem]:
    for ordinal, article in items:
        yield prepare_or_problem(ordinal, article, cluster_config, boilerplate)


@dataclass(frozen=True, slots=True)
class EventOut:
    """One briefed event: its articles in input order and its brief; ``rows`` are the rows of
    the ``articles`` table (the documents the brief was made from)."""

    ordinal: tuple[int, int]
    id: str
    article_ids: tuple[str, ...]
    published: tuple[str | None, ...]
    outlets: tuple[str | None, ...]
    title: str
    brief: str | None  # Brief.to_dict() as JSON; None when there is none (see problems)
    rows: tuple[tuple, ...] = ()
    problems: tuple[Problem, ...] = ()  # why the event has no brief

    def summary(self) -> EventOut:
        """The event without its article rows (what the small tables need)."""
        return EventOut(self.ordinal, self.id, self.article_ids, self.published, self.outlets,
                        self.title, self.brief, (), self.problems)


def _brief_event(members: Iterable[tuple], config: BriefConfig,
                 boilerplate: dict[str, frozenset[str]] | None = None) -> EventOut:
    """Brief one event as ``newsbrief brief`` briefs its articles given in input order.

    ``members``: ``(ordinal, article, content hash, original if a copy)`` of each article;
    ``boilerplate``: the corpus's site boilerplate, when the option is on.
    """
    ordered = sorted(members, key=lambda m: tuple(m[0]))
    articles = [m[1] for m in ordered]
    ident = event_id(articles[0].id)
    documents, brief, problems = _documents_and_brief(ident, articles, config, boilerplate)
    by_id = {d.id: d for d in documents}
    rows = tuple(
        tables.article_row(article, by_id.get(article.id), digest, original, ident, ordinal)
        for ordinal, article, digest, original in ordered
    )
    return EventOut(
        tuple(ordered[0][0]), ident, tuple(a.id for a in articles),
        tuple(a.published for a in articles), tuple(a.outlet for a in articles),
        articles[0].title, brief, rows, problems,
    )


def _documents_and_brief(
    ident: str, articles: list[Article], config: BriefConfig,
    boilerplate: dict[str, frozenset[str]] | None,
) -> tuple[list[Document], str | None, tuple[Problem, ...]]:
    """An event's articles cleaned together and its brief (JSON), as ``newsbrief brief`` makes
    them; a failure is the event's problem, as in the store's refresh (the event is kept
    without a brief; the store briefs it after an import), not its whole job failed. Articles
    that could not be cleaned together keep the cleaning each got alone in the clean stage,
    which ran on them without error."""
    # Spark already runs a task on every core: an NER worker process per task would only add
    # memory (the brief is the same either way).
    config = config.with_(ner_process=False)
    documents = None
    try:
        documents = prepare_articles(articles,
                                     boilerplate=lines_for(articles, boilerplate) or None)
        if not documents:
            return [], None, (Problem(ident, "no article of the event kept a sentence: no brief"),)
        brief = brief_documents(documents, config)
        return documents, json.dumps(brief.to_dict(), ensure_ascii=False), ()
    except Exception as exc:  # noqa: BLE001 - reported with the event, the others go on
        problem = Problem(ident, f"event {ident}: brief cannot be made "
                                 f"({type(exc).__name__}: {exc})")
    if documents is None:
        alone = (_clean_alone(a, lines_for([a], boilerplate)) for a in articles)
        documents = [d for d in alone if d.sentences]
    return documents, None, (problem,)


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._start = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._start, 3)
        self._start = now


def _local_output(output: str) -> Path:
    """The local folder of an output that is not a URI (``file://`` included, as TableWriter
    writes it)."""
    return Path(output.removeprefix("file://"))


def _check_output(output: str, overwrite: bool) -> None:
    if is_uri(output):
        return
    path = _local_output(output)
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
    if not is_uri(output):
        # An output folder inside an input folder holds the last run's briefs.jsonl and
        # run.json: they are this job's output, never its input (a re-run read them as
        # articles and reported every line as a problem).
        out_dir = _local_output(output).resolve()
        files = [f for f in files if is_uri(f) or out_dir not in Path(f).resolve().parents]
    if not files:
        detail = "; ".join(str(p) for p in problems[:5])
        raise NoUsableInput("no input files" + (f" ({detail})" if detail else ""))

    sc.setJobDescription("read: extract articles")
    tagged = read_articles(spark, files).persist(StorageLevel.MEMORY_AND_DISK)
    problems += tagged.filter(lambda t: t[0] == "p").map(lambda t: t[2]).collect()
    articles = unique_ids(tagged.filter(lambda t: t[0] == "a").map(lambda t: (t[1], t[2])))
    clock.lap("read")

    site_lines = None
    if config.boilerplate_min_articles > 0:
        sc.setJobDescription("clean: site boilerplate")
        site_lines = sc.broadcast(site_boilerplate(articles.map(lambda item: item[1]),
                                                   config.boilerplate_min_articles))

    sc.setJobDescription("clean: prepare articles")
    cluster_config = config.cluster
    staged = (
        articles.repartition(partitions)
        .mapPartitions(lambda items: _prepare_partition(
            items, cluster_config, site_lines.value if site_lines else None))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    # Articles whose preparation raised travel as problems, with the reader's (one per
    # article, so they stay as few as the bad articles); the rest go on.
    problems += staged.filter(lambda p: isinstance(p, Problem)).collect()
    prepared = staged.filter(lambda p: isinstance(p, Prepared))
    n_articles, n_empty = prepared.map(lambda p: (1, int(p.empty))).fold(
        (0, 0), lambda a, b: (a[0] + b[0], a[1] + b[1]))
    tagged.unpersist()
    if not n_articles:
        detail = "; ".join(str(p) for p in problems[:5])
        raise NoUsableInput("no usable articles" + (f" ({detail})" if detail else ""))
    clock.lap("clean")

    meta = prepared.map(lambda p: (p.article.id, (tuple(p.ordinal), p.content_hash, p.signature,
                                                  p.article.published, p.article.outlet)))
    duplicates = find_duplicates_spark(meta, config.brief.duplicate_threshold)
    clock.lap("dedup")

    sc.setJobDescription("cluster: document frequencies")
    follow = config.copies_follow_original
    keyed = prepared.map(lambda p: (p.article.id, (tuple(p.ordinal), p.article.title, p.text,
                                                   p.article.published, p.terms)))
    if follow:
        keyed = keyed.subtractByKey(duplicates.mapping)
    # (ordinal, id, title, text, published, terms)
    items = keyed.map(lambda kv: (kv[1][0], kv[0]) + kv[1][1:]).persist(
        StorageLevel.MEMORY_AND_DISK)
    # The document-frequency table goes to the driver and back as a broadcast: it is sized by
    # the vocabulary, not by the articles (see docs/spark.md for its measured size).
    frequencies = (
        items.flatMap(lambda it: it[5]).map(lambda key: (key, 1)).reduceByKey(add)
        .collectAsMap()
    )
    n_items = n_articles - (duplicates.copies if follow else 0)
    df = sc.broadcast(dict(frequencies))
    stride = config.window_days
    day_counts = (
        items.map(lambda it: (it[0][0], article_day(it[4])))
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
        day = article_day(item[4]) if windowed else None
        if day is None:
            day = by_file.get(item[0][0], overall)
        # An undated article is placed by its file's days but keeps no date of its own.
        return [(w, item[:5]) for w in window_keys(day, stride)]

    sc.setJobDescription("cluster: windows")
    labels = (
        items.flatMap(place)
        .groupByKey(partitions)
        .flatMap(lambda kv: cluster_window(kv[0], kv[1], df.value, n_items, cluster_config))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    labels.count()  # run the windows now, so their stages carry this step's name
    if windowed:
        # An article's window events are one event: components of the (window, event) graph.
        sc.setJobDescription("cluster: merge window edges")
        links = labels.groupByKey().flatMap(lambda kv: window_links(kv[1]))
        roots = connected_components(links)
        assigned = (
            labels.map(lambda kv: (kv[1], kv[0])).leftOuterJoin(roots)
            .map(lambda kv: (kv[1][0], kv[1][1] if kv[1][1] is not None else kv[0]))
            .reduceByKey(min)
        )
    else:
        assigned = labels
    if follow:
        by_copy = duplicates.mapping.map(lambda kv: (kv[1], kv[0])).join(assigned).map(
            lambda kv: (kv[1][0], kv[1][1]))
        assigned = assigned.union(by_copy)
    clock.lap("cluster")

    sc.setJobDescription("brief: events")
    brief_config = config.brief
    with_original = assigned.leftOuterJoin(duplicates.mapping)  # (id, (event, original))
    full = (
        prepared.map(lambda p: (p.article.id, (tuple(p.ordinal), p.article, p.content_hash)))
        .join(with_original)
        .map(lambda kv: (kv[1][1][0], kv[1][0] + (kv[1][1][1],)))
        .groupByKey(partitions)
        .map(lambda kv: _brief_event(kv[1], brief_config,
                                     site_lines.value if site_lines else None))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    events = full.map(EventOut.summary).persist(StorageLevel.MEMORY_AND_DISK)
    n_events = events.count()
    staged.unpersist()
    items.unpersist()
    labels.unpersist()
    problems += events.flatMap(lambda e: e.problems).collect()
    clock.lap("brief")

    problems = [tables.writable(p) for p in problems]
    sc.setJobDescription("write: tables")
    writer = tables.TableWriter(spark, output, overwrite=overwrite)
    writer.write("articles", full.flatMap(lambda e: e.rows), tables.ARTICLES)
    full.unpersist()
    writer.write("events", events.map(tables.event_row), tables.EVENTS)
    writer.write("briefs", events.filter(lambda e: e.brief is not None).map(tables.brief_row),
                 tables.BRIEFS)
    event_of = events.flatMap(lambda e: [(a, e.id) for a in e.article_ids])
    group_rows = (
        duplicates.groups.map(lambda og: (og[1].original, og))
        .leftOuterJoin(event_of)  # (original, ((ordinal, group), event))
        .map(lambda kv: (kv[1][0][0], tables.duplicate_row(kv[1][0][1], kv[1][1])))
        .sortByKey(numPartitions=1).values()
    )
    writer.write("duplicate_groups", group_rows, tables.DUPLICATE_GROUPS)
    writer.write("problems", sc.parallelize([tables.problem_row(p) for p in problems], 1),
                 tables.PROBLEMS)
    writer.briefs_jsonl(events.filter(lambda e: e.brief is not None))
    clock.lap("write")

    counts = {
        "files": len(files),
        "articles": n_articles,
        "empty_after_cleaning": n_empty,
        "duplicates": duplicates.copies,
        "duplicate_groups": duplicates.group_count,
        "candidate_pairs": duplicates.candidate_pairs,
        "clustered": n_items,
        "vocabulary": len(frequencies),
        "boilerplate_lines": sum(len(v) for v in site_lines.value.values()) if site_lines else 0,
        "events": n_events,
        "problems": len(problems),
    }
    result = JobResult(
        output=output, counts=counts, problems=problems, seconds=clock.seconds,
        config={
            "brief": asdict(config.brief), "cluster": asdict(config.cluster),
            "window_days": config.window_days, "partitions": partitions,
            "boilerplate_min_articles": config.boilerplate_min_articles,
            "copies_follow_original": follow, "windowed": windowed,
            "master": sc.master, "inputs": list(inputs),
        },
    )
    writer.manifest(result.to_dict())
    events.unpersist()
    duplicates.groups.unpersist()
    duplicates.mapping.unpersist()
    df.unpersist()
    if site_lines is not None:
        site_lines.unpersist()
    sc.setJobDescription(None)
    return result
