"""``newsbrief spark-run INPUT... --output DIR`` and ``newsbrief import-parquet DIR``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from newsbrief.cli.common import (
    add_db,
    add_format,
    add_problems_file,
    add_quiet,
    check_min_similarity,
    problems_sink,
    progress,
    report_problems,
    write,
)
from newsbrief.cluster import ClusterConfig
from newsbrief.config import BriefConfig
from newsbrief.errors import InputError, NoUsableInput


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser(
        "spark-run",
        help="run the whole pipeline on Apache Spark (WARC, JSONL, HTML, text inputs)",
        description="Read, clean, deduplicate, cluster into events and brief a corpus on "
        "Spark; write Parquet tables (articles, duplicate_groups, events, briefs, problems), "
        "briefs.jsonl and run.json under --output.",
    )
    run.add_argument("inputs", nargs="+", metavar="INPUT",
                     help="files or folders, local or any URI Spark reads (hdfs://, s3a://)")
    run.add_argument("-o", "--output", required=True, metavar="DIR", help="output folder or URI")
    run.add_argument("--master", default="local[*]",
                     help="Spark master: local[*] (default), local[N], spark://HOST:PORT, yarn")
    run.add_argument("--window-days", type=float, default=3.0,
                     help="stride of the sliding time windows in days; each spans two (default 3)")
    run.add_argument("--boilerplate-min-articles", type=int, default=0, metavar="N",
                     help="also remove each site's lines found in N or more of its articles "
                     "(corpus-wide; default 0: off, cleaning as on one machine)")
    run.add_argument("--partitions", type=int, default=None,
                     help="partitions of the per-article stages (default: 2 x cores)")
    floor = ClusterConfig().min_similarity
    run.add_argument("--min-similarity", type=float, default=floor, metavar="X",
                     help="the least cosine similarity any join of articles into an event "
                     "needs, as in newsbrief cluster and ingest; kept in run.json, and "
                     f"import-parquet gives it to the store (default {floor})")
    defaults = BriefConfig()  # slotted dataclass: read defaults from an instance
    run.add_argument("-w", "--words", type=int, default=defaults.words,
                     help=f"summary length in words (default {defaults.words})")
    run.add_argument("--method", default=defaults.method, help="summarization method")
    run.add_argument("--no-analysis", action="store_true",
                     help="skip entities, quotes, timeline and disagreements")
    run.add_argument("--overwrite", action="store_true", help="replace an existing output")
    run.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                     help="extra Spark setting (repeatable), e.g. spark.executor.memory=8g")
    add_format(run, ["table", "json"], "table")
    add_quiet(run)
    add_problems_file(run)
    run.set_defaults(handler=run_spark)

    load = subparsers.add_parser(
        "import-parquet",
        help="load the output of spark-run into the store (for newsbrief serve)",
        description="Store the events of a spark-run output as they are: their articles "
        "(as cleaned for their briefs), duplicate links and briefs. Events already stored "
        "are skipped, so a re-run after an interruption finishes the job and a second "
        "import of the same output changes nothing; later ingests extend these events.",
    )
    load.add_argument("folder", metavar="DIR", help="the --output folder of spark-run")
    add_db(load)
    add_format(load, ["table", "json"], "table")
    add_quiet(load)
    add_problems_file(load)
    load.set_defaults(handler=run_import)


def _conf(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--conf {item!r}: expected KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


def run_spark(args: argparse.Namespace) -> int:
    from newsbrief.spark import SparkJobConfig, run_job, spark_session

    config = SparkJobConfig(
        brief=BriefConfig(words=args.words, method=args.method, analyze=not args.no_analysis),
        cluster=ClusterConfig(min_similarity=check_min_similarity(args.min_similarity)),
        window_days=args.window_days,
        partitions=args.partitions,
        boilerplate_min_articles=max(0, args.boilerplate_min_articles),
    )
    from pyspark.sql import SparkSession

    conf = _conf(args.conf)
    with problems_sink(args.problems_file) as sink:  # before Spark starts: fails in a second
        existing = SparkSession.getActiveSession()  # e.g. inside a notebook or a test session
        spark = spark_session(args.master, shuffle_partitions=args.partitions, conf=conf)
        try:
            result = run_job(spark, args.inputs, args.output, config, overwrite=args.overwrite)
        finally:
            if existing is None:
                spark.stop()
        report_problems(result.problems, args.quiet, sink)
    if args.format == "json":
        write(json.dumps(result.to_dict(), indent=2))
    elif not args.quiet:
        c = result.counts
        write(
            f"{c['articles']} article(s) from {c['files']} file(s) "
            f"({c['empty_after_cleaning']} left empty by cleaning), "
            f"{c['duplicates']} duplicate(s) in {c['duplicate_groups']} group(s), "
            f"{c['events']} event(s) briefed, {c['problems']} problem(s); "
            f"written to {result.output} in {sum(result.seconds.values()):.1f}s"
        )
    return 0


def run_import(args: argparse.Namespace) -> int:
    from newsbrief.spark.importer import article_count, read_events, run_min_similarity
    from newsbrief.store import Store, default_db_path

    path = Path(args.db) if args.db else default_db_path()
    total = article_count(args.folder)
    if not total:
        raise NoUsableInput(f"{args.folder}: the articles table is empty")
    # The run's floor becomes the store's, so that later ingests decide as the run did.
    floor = run_min_similarity(args.folder)
    with problems_sink(args.problems_file) as sink:
        try:
            store = Store(path, cluster_config=ClusterConfig(min_similarity=floor))
        except InputError as exc:
            raise InputError(f"{args.folder}: spark-run clustered with --min-similarity "
                             f"{floor:g}, but {exc}") from None
        with store:
            with progress("Importing", total, args.quiet) as advance:
                report = store.import_events(read_events(args.folder), progress=advance)
            counts = store.counts()
        report_problems(report.problems, args.quiet, sink)
    events_skipped = sum(1 for _, why in report.skipped if why == "event already stored")
    if args.format == "json":
        data = report.to_dict()
        data["store"] = counts
        write(json.dumps(data, indent=2))
    elif not args.quiet:
        joined = (f" {len(report.events_updated)} stored event(s) gained articles of the "
                  f"run's events ({len(report.merged)} run event id(s) now lead to them);"
                  if report.events_updated else "")
        write(
            f"imported {len(report.events_created)} event(s) with {len(report.added)} "
            f"article(s) and their briefs;{joined} {events_skipped} event(s) already stored, "
            f"{len(report.skipped) - events_skipped} article(s) already stored. "
            f"Store: {counts['articles']} articles, {counts['events']} events."
        )
    return 0

