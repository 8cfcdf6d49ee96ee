"""``newsbrief ingest``, ``refresh``, ``events`` and ``show``: the store's commands."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shlex
import sys
from pathlib import Path
from typing import TextIO

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
from newsbrief.errors import InputError, NoBriefYet, NotFound, NoUsableInput, UnknownEvent
from newsbrief.ingest import count_articles, iter_articles, iter_files
from newsbrief.models import Problem
from newsbrief.render import render


def _store(args: argparse.Namespace, *, readonly: bool = False):  # type: ignore[no-untyped-def]
    from newsbrief.config import BriefConfig
    from newsbrief.store import Store, default_db_path

    path = Path(args.db) if args.db else default_db_path()
    config = BriefConfig(analyze=not getattr(args, "no_analysis", False))
    if getattr(args, "method", None):
        from newsbrief.summarize import get_summarizer

        get_summarizer(args.method)  # an unknown name fails here, before any work
        config = config.with_(method=args.method)
    batch = getattr(args, "batch_size", None)
    if batch is not None and batch < 1:
        raise InputError("--batch-size must be at least 1")
    workers = getattr(args, "workers", 1)  # only ingest has --workers (None: the default)
    if workers is not None and workers < 1:
        raise InputError("--workers must be at least 1")
    floor = getattr(args, "min_similarity", None)  # only ingest has it (None: the store's)
    cluster_config = None
    if floor is not None:
        from newsbrief.cluster import ClusterConfig

        cluster_config = ClusterConfig(min_similarity=check_min_similarity(floor))
    return Store(path, readonly=readonly, config=config, batch_size=batch,
                 workers=workers or default_workers(), cluster_config=cluster_config)


def default_workers() -> int:
    """Worker processes for ingest: one per CPU core this process may use, at most 8 (the
    writing process is serial, so more would wait)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(8, cores))


def register(subparsers: argparse._SubParsersAction) -> None:
    ingest = subparsers.add_parser(
        "ingest", help="add articles to the store (txt, html, json, jsonl; files or folders)",
        description="Add articles to the store: clean them, link near-duplicates, assign them "
        "to events and refresh the briefs of the events that changed.",
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="files or folders (recursive)")
    ingest.add_argument(
        "--refresh", choices=["batch", "end", "none"], default="end",
        help="when to rebuild the briefs of changed events: after each batch, at the end "
        "(default), or not now",
    )
    ingest.add_argument("--method", default=None,
                        help="summarization method of the briefs (default: the library's)")
    ingest.add_argument("--no-analysis", action="store_true",
                        help="briefs without entities, quotes, timeline and disagreements")
    ingest.add_argument("--batch-size", type=int, default=None,
                        help="articles per transaction and clustering batch (default 1024)")
    ingest.add_argument(
        "--workers", type=int, default=None, metavar="N",
        help="processes that clean, sign and featurize articles in parallel (default: one "
        "per CPU core, at most 8; 1: all in this process); the results do not depend on it",
    )
    ingest.add_argument(
        "--min-similarity", type=float, default=None, metavar="X",
        help="the least cosine similarity any join of articles into an event needs; raise it "
        "(e.g. 0.1) for undated articles of short-lived events that share broad topics. A "
        "database keeps the value it was first clustered with (default 0.03) and refuses "
        "another",
    )
    add_db(ingest)
    add_format(ingest, ["table", "json"], "table")
    add_quiet(ingest)
    add_problems_file(ingest)
    ingest.set_defaults(handler=run_ingest)

    events = subparsers.add_parser(
        "events", help="list the events in the store, newest first",
        description="List the events in the store, newest first (by their latest article).",
    )
    events.add_argument("--since", metavar="DATE", help="only events with articles on or after DATE")
    events.add_argument("--query", metavar="WORDS", help="full-text search in headlines and titles: events "
                        "with every word (as the start of a word; no OR or other operators)")
    events.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    add_db(events)
    add_format(events, ["table", "json"], "table")
    add_quiet(events)
    events.set_defaults(handler=run_events)

    refresh = subparsers.add_parser(
        "refresh", help="build the briefs that wait for a refresh, or rebuild named ones",
        description="Build the brief of every event that waits for one (its articles were "
        "ingested with --refresh none, or its brief could not be made), or rebuild the briefs "
        "of the events named. A brief that differs from the event's latest one is kept as a "
        "new version (show --changes).",
    )
    refresh.add_argument("event_ids", nargs="*", metavar="EVENT_ID",
                         help="events to rebuild (default: every event waiting for its brief)")
    refresh.add_argument("--method", default=None,
                         help="summarization method of the briefs (default: the library's)")
    refresh.add_argument("--no-analysis", action="store_true",
                         help="briefs without entities, quotes, timeline and disagreements")
    refresh.add_argument("--workers", type=int, default=None, metavar="N",
                         help="processes that make briefs in parallel (default: one per CPU "
                         "core, at most 8; 1: all in this process)")
    add_db(refresh)
    add_format(refresh, ["table", "json"], "table")
    add_quiet(refresh)
    add_problems_file(refresh)
    refresh.set_defaults(handler=run_refresh)

    show = subparsers.add_parser(
        "show", help="print the brief of one stored event",
        description="Print the latest brief of an event, or what changed since the previous one.",
    )
    show.add_argument("event_id", metavar="EVENT_ID")
    show.add_argument("--changes", action="store_true",
                      help="what changed since the previous version of the brief")
    show.add_argument("--version", type=int, default=None,
                      help="an older version of the brief (a merged event's id: its own "
                      "versions, from before it joined another)")
    add_db(show)
    add_format(show, ["markdown", "json", "html"], "markdown")
    add_quiet(show)
    show.set_defaults(handler=run_show)


def run_ingest(args: argparse.Namespace) -> int:
    with problems_sink(args.problems_file) as sink:
        return _ingest(args, sink)


def _ingest(args: argparse.Namespace, sink: TextIO | None) -> int:
    # Read lazily: files are stored while later ones are read (and not all held at once).
    problems: list[Problem] = []
    files = list(iter_files(args.paths, problems))
    articles = iter_articles(files, problems)
    first = next(articles, None)
    if first is None:  # refused before a database is made
        report_problems(problems, args.quiet, sink)
        raise NoUsableInput("no usable articles in " + ", ".join(args.paths))
    total = None if args.quiet else count_articles(files)
    with _store(args) as store:
        with progress("Ingesting", total, args.quiet) as advance:
            # "end": the briefs are refreshed below, under a progress bar of their own.
            report = store.add_articles(itertools.chain([first], articles), progress=advance,
                                        refresh="none" if args.refresh == "end" else args.refresh)
        if args.refresh == "end":
            with progress("Briefing", store.counts()["stale_briefs"], args.quiet) as advance:
                report.briefs_refreshed += store.refresh_briefs(progress=advance,
                                                                problems=report.problems)
        counts = store.counts()
    problems += report.problems
    report_problems(problems, args.quiet, sink)
    if args.format == "json":
        data = report.to_dict()
        data["problems"] = [str(p) for p in problems]
        data["store"] = counts
        write(json.dumps(data, indent=2))
    elif not args.quiet:
        write(
            f"added {len(report.added)} article(s) ({_copies(len(report.duplicates))}), "
            f"skipped {len(report.skipped)} already stored, "
            f"{len(problems)} problem(s); "
            f"{len(report.events_created)} new event(s), {len(report.events_updated)} updated, "
            f"{len(report.merged)} merged; {report.briefs_refreshed} brief(s) refreshed. "
            f"Store: {counts['articles']} articles, {counts['events']} events."
        )
        if counts.get("stale_briefs"):
            write(f"{counts['stale_briefs']} event(s) wait for their brief; build them with: "
                  f"newsbrief refresh{_db_option(args)}")
    return 0


def run_refresh(args: argparse.Namespace) -> int:
    with problems_sink(args.problems_file) as sink:
        _read_only(args)  # a missing database is an error here, not made empty
        with _store(args) as store:
            try:  # every id is checked before any work (a merged event's leads to its own)
                live = list(dict.fromkeys(store.get_event(e).id for e in args.event_ids))
            except UnknownEvent as exc:
                raise UnknownEvent(f"{exc} (list the event ids with: newsbrief events"
                                   f"{_db_option(args)})") from None
            total = len(live) if live else store.counts()["stale_briefs"]
            problems: list[Problem] = []
            with progress("Briefing", total, args.quiet) as advance:
                refreshed = store.refresh_briefs(live or None, progress=advance,
                                                 problems=problems)
            counts = store.counts()
        report_problems(problems, args.quiet, sink)
    if args.format == "json":
        write(json.dumps({"briefs_refreshed": refreshed, "problems": [str(p) for p in problems],
                          "store": counts}, indent=2))
    elif not args.quiet:
        write(f"{refreshed} brief(s) refreshed, {len(problems)} problem(s); "
              f"{counts['stale_briefs']} event(s) still wait for their brief." if total
              else "no event waits for its brief")
    return 0


def run_events(args: argparse.Namespace) -> int:
    if args.limit < 1:  # the store slices with it: -1 dropped the last event, 0 showed none
        raise InputError(f"--limit must be at least 1, got {args.limit}")
    if args.since:
        _check_date(args.since)
    with _store(args, readonly=_read_only(args)) as store:
        items, cursor = store.list_events(since=args.since, query=args.query, limit=args.limit)
    if args.format == "json":
        write(json.dumps([e.to_dict() for e in items], indent=2))
        return 0
    write(_table(items))
    if cursor and not args.quiet:
        print(f"newsbrief: more events than --limit {args.limit}: these are the newest "
              f"{len(items)}; raise --limit (or narrow with --since or --query) to see others",
              file=sys.stderr)
    elif not items and not args.quiet:
        if args.since or args.query:
            given = " and ".join(f"{name} {value!r}" for name, value in
                                 (("--since", args.since), ("--query", args.query)) if value)
            print(f"newsbrief: no event matches {given}", file=sys.stderr)
        else:
            print(f"newsbrief: the store has no events yet; add articles with: "
                  f"newsbrief ingest PATH{_db_option(args)}", file=sys.stderr)
    return 0


def _copies(n: int) -> str:
    """How many added articles are copies linked to an original (syndicated word for word
    or near-identical): "1 copy", "2 copies", in the briefs' word for them."""
    return f"{n} cop{'y' if n == 1 else 'ies'}"


def _db_option(args: argparse.Namespace) -> str:
    """`` --db PATH`` for a suggested command, when the user gave one (quoted for a shell)."""
    return f" --db {shlex.quote(args.db)}" if args.db else ""


#: Characters a headline must not send to a terminal: C0/C1 controls (an ESC in an article
#: title cleared the screen or recoloured the listing) and the bidirectional overrides and
#: isolates (U+202A-U+202E, U+2066-U+2069), which reorder the rest of the line.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
HEADLINE_CELLS = 80


def table_headline(text: str, cells: int = HEADLINE_CELLS) -> str:
    """``text`` on one terminal line of at most ``cells`` columns: whitespace collapsed,
    controls dropped, cut by display width (a CJK character or most emoji take two columns,
    so 80 characters of Japanese took 160 and wrapped) with an ellipsis."""
    from rich.cells import cell_len, set_cell_size

    headline = " ".join(_UNPRINTABLE.sub(" ", text).split())
    if cell_len(headline) > cells:
        # set_cell_size pads with a space where a wide character would straddle the cut.
        headline = set_cell_size(headline, cells - 1).rstrip() + "…"
    return headline


def _table(items) -> str:  # type: ignore[no-untyped-def]
    if not items:
        return "no events"
    header = f"{'ID':<8} {'FIRST':<10} {'LAST':<10} {'ARTS':>4} {'OUTL':>4}  HEADLINE"
    lines = [header]
    for e in items:
        headline = table_headline(e.headline)
        lines.append(
            f"{e.id:<8} {(e.first_published or '-')[:10]:<10} {(e.last_published or '-')[:10]:<10} "
            f"{e.article_count:>4} {e.outlet_count:>4}  {headline}"
        )
    return "\n".join(lines)


def run_show(args: argparse.Namespace) -> int:
    if args.changes and args.version is not None:  # --changes compares the latest two only
        raise InputError("--changes shows what the latest version changed; "
                         "it cannot be combined with --version")
    try:
        return _show(args)
    except UnknownEvent as exc:
        raise UnknownEvent(f"{exc} (list the event ids with: newsbrief events"
                           f"{_db_option(args)})") from None
    except NoBriefYet:
        raise NoBriefYet(
            f"event {args.event_id!r} has no brief yet: its articles are stored but its "
            "brief waits for a refresh (ingest --refresh none); build it with: newsbrief "
            f"refresh {shlex.quote(args.event_id)}{_db_option(args)}") from None


def _show(args: argparse.Namespace) -> int:
    with _store(args, readonly=_read_only(args)) as store:
        live = store.get_event(args.event_id).id  # a merged event's id leads to the live one
        if live != args.event_id:
            if args.version is not None:  # its own versions are kept under its id
                brief = _own_version(store, args, live)
                write(render(brief, args.format))
                return 0
            own = len(store.brief_versions(args.event_id, own=True))
            what = "what changed in the brief of" if args.changes else "the latest brief of"
            kept = f" ({args.event_id}'s own {_versions(own)} from before: --version N)"
            _note(args, f"event {args.event_id} is now part of event {live}: showing {what} "
                  f"{live}{kept if own else ''}")
        if args.changes:
            changes = store.brief_changes(args.event_id)
            if args.format == "json":
                write(json.dumps(changes.to_dict(), indent=2))
            elif args.format == "html":
                write(changes.to_html())
            else:
                write(changes.to_markdown())
            return 0
        brief = store.get_brief(args.event_id, args.version)
    write(render(brief, args.format))
    return 0


def _own_version(store, args: argparse.Namespace, live: str):  # type: ignore[no-untyped-def]
    """Version ``--version`` of a merged event's own brief, from before it joined ``live``
    (the versions of ``live`` are shown under its own id)."""
    event, version = args.event_id, args.version
    own = {v: brief for v, _, brief in store.brief_versions(event, own=True)}
    if not own:
        raise NotFound(f"event {event!r} joined event {live!r} before its first brief; see "
                       f"{live}'s versions with: newsbrief show {live} --version {version}"
                       f"{_db_option(args)}")
    if version not in own:
        raise NotFound(f"event {event!r} has no brief version {version} (it kept "
                       f"{_versions(len(own))} when it joined event {live!r}; {live}'s: "
                       f"newsbrief show {live} --version {version}{_db_option(args)})")
    _note(args, f"event {event} is now part of event {live}: showing {event}'s own version "
          f"{version} of {len(own)}, from before; the event now: newsbrief show {live}"
          f"{_db_option(args)}")
    return own[version]


def _versions(count: int) -> str:
    return "version 1" if count == 1 else f"versions 1 to {count}"


def _note(args: argparse.Namespace, message: str) -> None:
    """A note on stderr (stdout keeps only the brief, for pipes), unless ``--quiet``."""
    if not args.quiet:
        print(f"newsbrief: {message}", file=sys.stderr)


def _read_only(args: argparse.Namespace) -> bool:
    """Read-only when the database exists, so reading never creates an empty one; except
    that a database made by an older newsbrief is opened for writing, which migrates it,
    where this process may write it (read-only, it could not be read at all)."""
    from newsbrief.store import default_db_path
    from newsbrief.store.db import opens_read_only

    path = Path(args.db) if args.db else default_db_path()
    if not path.exists():
        raise InputError(f"{path}: no such database (create it with: newsbrief ingest PATH --db {path})")
    return opens_read_only(path)


def _check_date(value: str) -> None:
    from datetime import date

    try:
        date.fromisoformat(value[:10])
    except ValueError:
        raise InputError(f"--since {value!r}: expected a date like 2017-11-16") from None
