"""``newsbrief cluster`` and ``newsbrief evaluate-clusters``: event clustering of a file."""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsbrief.cli.common import (
    add_format,
    add_problems_file,
    add_quiet,
    check_min_similarity,
    problems_sink,
    progress,
    report_problems,
    write,
)
from newsbrief.cluster import (
    ClusterConfig,
    adjusted_rand,
    bcubed,
    cluster_features,
    clustering_text,
    featurize,
    iter_cluster_file,
)
from newsbrief.cluster_select import GRID, ThresholdChoice, choose_thresholds
from newsbrief.errors import InputError, NoUsableInput
from newsbrief.ingest import count_articles

_DEFAULT_BATCH = ClusterConfig().batch_size
_DEFAULT_BACKGROUND = ClusterConfig().background_documents
_DEFAULT_FLOOR = ClusterConfig().min_similarity


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dataset", metavar="DATASET.jsonl",
                        help='one article per line: {"id", "title", "text"[, "label", "published"]}')
    parser.add_argument("--batch-size", type=int, default=_DEFAULT_BATCH,
                        help="articles decided together, as the store does "
                        f"(default {_DEFAULT_BATCH})")
    parser.add_argument("--streaming-df", action="store_true",
                        help="count document frequencies as articles arrive (as the store "
                        "does) instead of over the whole file first")
    parser.add_argument("--background-documents", type=int, default=_DEFAULT_BACKGROUND,
                        metavar="N", help="weight of general English word frequencies in the "
                        "idf, as a number of background documents (0: the file's own counts "
                        f"only; default {_DEFAULT_BACKGROUND})")
    parser.add_argument("--thresholds", choices=["auto", "default"], default="auto",
                        help="auto: cluster the file with each pair of join thresholds of a "
                        "small grid and keep the partition with the highest silhouette, so "
                        "that a file of broad topics and one of single-day events each get "
                        "their granularity; default: the store's thresholds (docs/events.md; "
                        "default auto)")
    parser.add_argument("--min-similarity", type=float, default=None, metavar="X",
                        help="the least cosine similarity any join needs, whatever the events' "
                        "cohesion; fixes the thresholds (no --thresholds auto); raise it (e.g. "
                        "0.1) for undated files of short-lived events that share broad topics "
                        f"(docs/events.md; the store's default {_DEFAULT_FLOOR})")
    parser.add_argument("--db", metavar="PATH", default=None,
                        help="ignored: clustering a file never touches the store")
    add_quiet(parser)
    add_problems_file(parser)


def register(subparsers: argparse._SubParsersAction) -> None:
    cluster = subparsers.add_parser(
        "cluster", help="group the articles of a JSONL file into events (no store)",
        description="Cluster the articles of a file into events, in file order, with the "
        "store's incremental clusterer, its join thresholds chosen for the file by silhouette "
        "unless fixed; prints one {\"id\", \"event\"} per article.",
    )
    _add_options(cluster)
    add_format(cluster, ["json", "jsonl", "table"], "jsonl")
    cluster.set_defaults(handler=run_cluster)

    evaluate = subparsers.add_parser(
        "evaluate-clusters", help="B-cubed precision/recall/F1 and ARI against a file's labels",
        description="Cluster a labelled file and score the result against its labels "
        "(B-cubed precision, recall, F1; adjusted Rand index).",
    )
    _add_options(evaluate)
    evaluate.add_argument("--shuffles", type=int, default=0,
                          help="also score this many shuffled orders of arrival (seeds 1..N)")
    add_format(evaluate, ["table", "json"], "table")
    evaluate.set_defaults(handler=run_evaluate)


@dataclass
class _Collection:
    """A clustering file read once: the ids in file order, their labels and packed features
    (:func:`featurize`), a few KB per article whatever the texts' length."""

    items: list[tuple[str, bytes, str | None]]
    labels: dict[str, str]
    config: ClusterConfig
    choose: bool
    quiet: bool

    @property
    def ids(self) -> list[str]:
        return [article_id for article_id, _, _ in self.items]

    def cluster(self, order: list[tuple[str, bytes, str | None]] | None = None,
                prefit: bool = True) -> tuple[dict[str, str], ThresholdChoice | None]:
        """id -> event, and the thresholds chosen for this order (``None`` when fixed)."""
        items = order or self.items
        if not self.choose:
            return cluster_features(items, self.config, prefit=prefit), None
        with progress("Choosing thresholds", len(GRID), self.quiet) as advance:
            choice = choose_thresholds(items, self.config, prefit=prefit, advance=advance)
        if choice.labels is not None:
            return choice.labels, choice
        return cluster_features(items, choice.config, prefit=prefit), choice


def _read(args: argparse.Namespace) -> _Collection:
    if args.batch_size < 1:
        raise InputError("--batch-size must be at least 1")
    if args.background_documents < 0:
        raise InputError("--background-documents must be 0 or more")
    fixed = args.min_similarity is not None or args.thresholds == "default"
    if args.min_similarity is not None:
        check_min_similarity(args.min_similarity)
    if Path(args.dataset).is_dir():  # was "cannot read: Is a directory", with no way on
        raise InputError(f"{args.dataset}: is a folder; {args.command} takes one JSONL file "
                         "with one article per line ({\"id\", \"title\", \"text\"[, \"label\"]})")
    config = ClusterConfig(batch_size=args.batch_size,
                           background_documents=args.background_documents,
                           min_similarity=_DEFAULT_FLOOR if args.min_similarity is None
                           else args.min_similarity)
    problems: list = []
    labels: dict[str, str] = {}
    # Only reading finds problems: the file is open for that part of the command.
    with problems_sink(args.problems_file) as sink:
        total = count_articles([Path(args.dataset)]) if Path(args.dataset).is_file() else None
        with progress("Reading", total, args.quiet) as advance:
            def records():  # type: ignore[no-untyped-def]
                for article, label in iter_cluster_file(args.dataset, problems):
                    if label is not None:
                        labels[article.id] = label
                    yield article.id, article.title, clustering_text(article), article.published
                    advance(1)

            items = list(featurize(records(), config))
        report_problems(problems, args.quiet, sink)
    if not items:
        raise NoUsableInput(f"{args.dataset}: no usable articles")
    return _Collection(items, labels, config, choose=not fixed, quiet=args.quiet)


def run_cluster(args: argparse.Namespace) -> int:
    collection = _read(args)
    assigned, choice = collection.cluster(prefit=not args.streaming_df)
    if choice is not None and not args.quiet:
        print(f"newsbrief: {choice.describe()}", file=sys.stderr)
    rows = [{"id": i, "event": assigned[i]} for i in collection.ids]
    if args.format == "json":
        write(json.dumps(rows, indent=2))
    elif args.format == "table":
        width = max(len(r["id"]) for r in rows)
        write("\n".join(f"{r['id']:<{width}}  {r['event']}" for r in rows))
    else:
        write("\n".join(json.dumps(r) for r in rows))
    return 0


def _score(collection: _Collection, order: list | None, prefit: bool) -> dict[str, Any]:
    assigned, choice = collection.cluster(order, prefit=prefit)
    ids = collection.ids
    truth = [collection.labels[i] for i in ids]
    predicted = [assigned[i] for i in ids]
    p, r, f = bcubed(truth, predicted)
    thresholds = choice.to_dict() if choice else {
        "cohesion_ratio": collection.config.cohesion_ratio,
        "min_similarity": collection.config.min_similarity}
    return {"precision": p, "recall": r, "f1": f, "ari": adjusted_rand(truth, predicted),
            "events": len(set(predicted)), "labels": len(set(truth)), "thresholds": thresholds}


def run_evaluate(args: argparse.Namespace) -> int:
    if args.shuffles < 0:
        raise InputError(f"--shuffles must not be negative, got {args.shuffles}")
    collection = _read(args)
    unlabelled = [i for i in collection.ids if i not in collection.labels]
    if unlabelled:
        raise InputError(
            f"{args.dataset}: {len(unlabelled)} article(s) have no 'label' "
            f"(first: {unlabelled[0]}); evaluate-clusters needs labels on every line"
        )
    prefit = not args.streaming_df
    result = {"articles": len(collection.items), "file_order": _score(collection, None, prefit)}
    if args.shuffles > 0:
        runs = []
        for seed in range(1, args.shuffles + 1):
            order = list(collection.items)
            random.Random(seed).shuffle(order)
            runs.append(_score(collection, order, prefit))
        f1s = [r["f1"] for r in runs]
        result["shuffled"] = {"runs": runs, "f1_mean": sum(f1s) / len(f1s),
                              "f1_min": min(f1s), "f1_max": max(f1s)}
    if args.format == "json":
        write(json.dumps(result, indent=2))
        return 0
    s = result["file_order"]
    lines = [
        f"{args.dataset}: {len(collection.items)} articles, {s['labels']} labels, {s['events']} events",
        f"B-cubed precision {s['precision']:.4f}  recall {s['recall']:.4f}  F1 {s['f1']:.4f}",
        f"adjusted Rand index {s['ari']:.4f}",
    ]
    t = s["thresholds"]
    lines.append(f"thresholds: cohesion ratio {t['cohesion_ratio']:.2f}, floor "
                 f"{t['min_similarity']:.2f}" + (
                     f" (chosen by silhouette {t['silhouette']:.3f}; the defaults "
                     f"{t['default_silhouette']:.3f})" if "silhouette" in t else ""))
    if "shuffled" in result:
        sh = result["shuffled"]
        lines.append(f"shuffled orders ({args.shuffles}): F1 mean {sh['f1_mean']:.4f} "
                     f"min {sh['f1_min']:.4f} max {sh['f1_max']:.4f}")
    write("\n".join(lines))
    return 0
