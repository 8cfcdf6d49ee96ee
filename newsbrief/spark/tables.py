"""The output of the Spark job: Parquet tables, a JSONL of briefs and a run manifest.

Tables (one folder each under the output folder):

``articles``         one row per article: metadata, raw text, and the text and sentences (with
                     offsets) as cleaned for its event's brief (the sentences the brief cites),
                     content hash, ``duplicate_of``, ``event_id`` and input position
``duplicate_groups`` one row per group of copies: original, members, outlets, event
``events``           one row per event: article ids in input order, counts, time span, headline
``briefs``           one row per event: headline, summary and the whole brief as JSON
                     (``Brief.to_dict``, the documented contract)
``problems``         every input skipped, with the reason

``briefs.jsonl`` holds ``{"event_id": ..., "brief": {...}}`` per line in event order (for a
local output folder; on a distributed file system Spark's ``briefs_jsonl/`` part files), and
``run.json`` the counts, timings and options of the run. ``newsbrief import-parquet`` reads
these tables back without Spark (pyarrow).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from newsbrief.cluster import parse_day
from newsbrief.models import DuplicateGroup, Problem
from newsbrief.store.urls import distinct_outlets

__all__ = [
    "ARTICLES",
    "BRIEFS",
    "DUPLICATE_GROUPS",
    "EVENTS",
    "PROBLEMS",
    "TableWriter",
    "article_row",
    "brief_row",
    "duplicate_row",
    "event_row",
    "problem_row",
    "writable",
]

# Schemas as DDL strings: readable, and understood by Spark's createDataFrame.
ARTICLES = (
    "id STRING, title STRING, text STRING, raw_text STRING, outlet STRING, published STRING, url STRING, "
    "path STRING, language STRING, author STRING, "
    "sentences ARRAY<STRUCT<`index`: INT, `text`: STRING, `start`: INT, `end`: INT, "
    "`paragraph`: INT>>, "
    "removed_lines ARRAY<STRING>, content_hash STRING, duplicate_of STRING, event_id STRING, "
    "file_rank INT, position INT"
)
DUPLICATE_GROUPS = (
    "original STRING, members ARRAY<STRING>, outlets ARRAY<STRING>, event_id STRING"
)
EVENTS = (
    "event_id STRING, article_ids ARRAY<STRING>, article_count INT, outlet_count INT, "
    "first_published STRING, last_published STRING, headline STRING, file_rank INT, position INT"
)
BRIEFS = "event_id STRING, headline STRING, summary STRING, brief STRING"
PROBLEMS = "source STRING, line INT, reason STRING"


def article_row(article, document, content_hash: str, duplicate_of: str | None, event: str,
                ordinal: tuple[int, int]) -> tuple:
    """A row of ``articles``: the article as read and as cleaned for its event's brief
    (``document``; ``None`` when cleaning left no sentence: empty text and sentences)."""
    a = article
    sentences = ([(s.index, s.text, s.start, s.end, s.paragraph) for s in document.sentences]
                 if document is not None else [])
    return (
        a.id, a.title, document.text if document is not None else "", a.text, a.outlet,
        a.published, a.url, a.path, a.language, a.author, sentences,
        list(document.removed_lines) if document is not None else [], content_hash,
        duplicate_of, event, ordinal[0], ordinal[1],
    )


def _headline(brief: dict[str, Any]) -> str:
    return " ".join(s["text"] for s in brief.get("headline", []))


def event_row(event) -> tuple:
    """A row of ``events`` from a :class:`newsbrief.spark.job.EventOut`."""
    # Counted as the store counts them ("AP" and "ap " are one outlet), so an imported event
    # shows the count the store would give it.
    outlets = distinct_outlets(event.outlets)
    headline = _headline(json.loads(event.brief)) if event.brief else ""
    return (
        event.id, list(event.article_ids), len(event.article_ids), len(outlets),
        *published_edges(event.published), headline or event.title, event.ordinal[0],
        event.ordinal[1],
    )


def published_edges(published: Iterable[str | None]) -> tuple[str | None, str | None]:
    """The first and last of an event's article times, compared as instants as the store
    compares them (outlets write different UTC offsets, so not as text): a value that is not
    a time never wins over one that is; with none, the text minimum and maximum."""
    values = [p for p in published if p]
    instants = [(day, p) for p in values if (day := parse_day(p)) is not None]
    if instants:
        return min(instants)[1], max(instants)[1]
    return (min(values), max(values)) if values else (None, None)


def brief_row(event) -> tuple:
    brief = json.loads(event.brief)
    summary = " ".join(s["text"] for s in brief.get("summary", []))
    return event.id, _headline(brief), summary, event.brief


def duplicate_row(group: DuplicateGroup, event: str | None) -> tuple:
    return group.original, list(group.members), list(group.outlets), event


def problem_row(problem: Problem) -> tuple:
    return problem.source, problem.line, problem.reason


def writable(problem: Problem) -> Problem:
    """The problem with text that is not valid UTF-8 (a lone surrogate in an article's id or
    a file name, often the very reason for the problem) in backslash escapes, so the
    ``problems`` table and ``run.json`` can be written."""

    def utf8(text: str) -> str:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")

    return Problem(utf8(problem.source), utf8(problem.reason), problem.line)


def _is_local(output: str) -> bool:
    scheme, sep, _ = output.partition("://")
    return not sep or scheme.lower() == "file"


class TableWriter:
    """Writes the tables of one run under ``output`` (a local folder or a Hadoop URI)."""

    def __init__(self, spark, output: str, *, overwrite: bool = False) -> None:
        self.spark = spark
        self.output = output.rstrip("/")
        self.mode = "overwrite" if overwrite else "errorifexists"
        self.local = Path(output.removeprefix("file://")) if _is_local(
            output) else None
        if self.local is not None:
            self.local.mkdir(parents=True, exist_ok=True)

    def write(self, name: str, rows, schema: str) -> None:
        # The rows are made by this package to the schema: skip the per-row type check.
        frame = self.spark.createDataFrame(rows, schema, verifySchema=False)
        frame.write.mode(self.mode).parquet(f"{self.output}/{name}")

    def briefs_jsonl(self, events) -> None:
        """One line per event, events in input order of their first article."""
        lines = events.sortBy(lambda e: e.ordinal).map(
            lambda e: f'{{"event_id": {json.dumps(e.id)}, "brief": {e.brief}}}'
        )
        if self.local is None:
            lines.saveAsTextFile(f"{self.output}/briefs_jsonl")
            return
        target = self.local / "briefs.jsonl"
        with open(target, "w", encoding="utf-8") as out:
            out.writelines(line + "\n" for line in lines.toLocalIterator())

    def manifest(self, data: dict[str, Any]) -> None:
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
        if self.local is not None:
            (self.local / "run.json").write_text(text + "\n", encoding="utf-8")
        else:
            self.spark.sparkContext.parallelize([text], 1).saveAsTextFile(f"{self.output}/run_json")
