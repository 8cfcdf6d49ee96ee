"""``newsbrief fetch``, ``newsbrief watch`` and ``newsbrief feeds``: following the open web."""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from newsbrief.cli.common import (
    add_db,
    add_format,
    add_problems_file,
    add_quiet,
    problems_sink,
    progress,
    report_problems,
    write,
    write_problems,
)
from newsbrief.cli.store import table_headline
from newsbrief.errors import InputError, NoUsableInput

ERROR_CELLS = 80  # the LAST ERROR column's width in terminal columns


def _positive(kind: type) -> object:
    def parse(text: str) -> object:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"must not be negative: {text!r}")
        if not math.isfinite(value):  # nan passes every comparison: a timeout or interval of nan
            raise argparse.ArgumentTypeError(f"must be a finite number: {text!r}")
        return value

    return parse


def _add_fetch_options(parser: argparse.ArgumentParser) -> None:
    from newsbrief.feeds.fetcher import DEFAULT_USER_AGENT, FetchConfig

    d = FetchConfig()
    group = parser.add_argument_group("fetching")
    group.add_argument("--user-agent", default=DEFAULT_USER_AGENT,
                       help=f"User-Agent sent and matched in robots.txt (default {d.user_agent!r})")
    group.add_argument("--rate-limit", type=_positive(float), default=d.rate_limit,
                       metavar="PER_SECOND",
                       help=f"requests a second per host (default {d.rate_limit:g}; 0: no limit)")
    group.add_argument("--concurrency", type=_positive(int), default=d.concurrency,
                       help=f"requests in flight at once, all hosts (default {d.concurrency})")
    group.add_argument("--timeout", type=_positive(float), default=d.timeout, metavar="SECONDS",
                       help=f"network timeout per operation (default {d.timeout:g})")
    group.add_argument("--retries", type=_positive(int), default=d.retries,
                       help=f"retries on 429, 5xx and timeouts (default {d.retries})")
    group.add_argument("--max-bytes", type=_positive(int), default=d.max_bytes,
                       help=f"largest response accepted, decoded (default {d.max_bytes})")


def register(subparsers: argparse._SubParsersAction) -> None:
    fetch = subparsers.add_parser(
        "fetch", help="fetch article pages by URL and add them to the store",
        description="Fetch article pages politely (robots.txt, rate limit), extract them and "
        "add them to the store; URLs already stored are not fetched again.",
    )
    fetch.add_argument("urls", nargs="+", metavar="URL", help="article page URLs")
    _add_fetch_options(fetch)
    add_db(fetch)
    add_format(fetch, ["table", "json"], "table")
    add_quiet(fetch)
    add_problems_file(fetch)
    fetch.set_defaults(handler=run_fetch)

    watch = subparsers.add_parser(
        "watch", help="follow RSS, Atom and JSON feeds and add their new articles to the store",
        description="Poll feeds, fetch each new entry's page and add it to the store. A SOURCE "
        "is a feed URL, a text file with one feed URL a line, or an OPML file. Ctrl-C stops "
        "after the article being stored; a second Ctrl-C stops at once.",
    )
    watch.add_argument("sources", nargs="+", metavar="SOURCE",
                       help="feed URL, text file of feed URLs, or OPML file")
    watch.add_argument("--once", action="store_true", help="one round, then exit")
    watch.add_argument("--interval", type=_positive(float), default=900.0, metavar="SECONDS",
                       help="seconds between rounds (default 900)")
    _add_fetch_options(watch)
    add_db(watch)
    add_format(watch, ["table", "json"], "table")
    add_quiet(watch)
    add_problems_file(watch)
    watch.set_defaults(handler=run_watch)

    feeds = subparsers.add_parser(
        "feeds", help="list followed feeds: last poll, last success, new articles, last error",
        description="List the feeds in the store with their last poll, last success, articles "
        "added and last error.",
    )
    add_db(feeds)
    add_format(feeds, ["table", "json"], "table")
    add_quiet(feeds)
    feeds.set_defaults(handler=run_feeds)


def _store(args: argparse.Namespace, *, readonly: bool = False):  # type: ignore[no-untyped-def]
    from newsbrief.store import Store, default_db_path

    return Store(Path(args.db) if args.db else default_db_path(), readonly=readonly)


def _config(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from newsbrief.feeds.fetcher import FetchConfig

    if not args.user_agent.strip():
        raise InputError("--user-agent must not be empty")
    return FetchConfig(
        user_agent=args.user_agent.strip(), rate_limit=args.rate_limit,
        concurrency=max(1, args.concurrency), timeout=args.timeout or FetchConfig.timeout,
        retries=args.retries, max_bytes=args.max_bytes or FetchConfig.max_bytes,
    )


@contextmanager
def _graceful_interrupt(stop: threading.Event, quiet: bool) -> Iterator[None]:
    """First Ctrl-C sets ``stop`` (finish the article in flight); a second one aborts."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        if not quiet:
            print("newsbrief: stopping after the article in flight (Ctrl-C again to abort)",
                  file=sys.stderr)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _print_report(report, fmt: str, quiet: bool, label: str,  # type: ignore[no-untyped-def]
                  sink: TextIO | None = None) -> None:
    write_problems(sink, report.errors)  # the feeds and pages that failed, with their reasons
    if fmt == "json":
        write(json.dumps(report.to_dict(), ensure_ascii=False))
        return
    write(f"{label}: {report.summary()}")
    for problem in report.waiting:  # "URL: waiting until 14:06 UTC (Retry-After)"
        print(f"  note: {problem.source}: {problem.reason}", file=sys.stderr)
    for problem in report.errors:
        print(f"  error: {problem.source}: {problem.reason}", file=sys.stderr)


def run_fetch(args: argparse.Namespace) -> int:
    from newsbrief.feeds.fetcher import require_feeds_extra

    require_feeds_extra()
    with problems_sink(args.problems_file) as sink:
        return _fetch(args, sink)


def _fetch(args: argparse.Namespace, sink: TextIO | None) -> int:
    from newsbrief.feeds.fetcher import Fetcher
    from newsbrief.feeds.parse import canonical_url
    from newsbrief.feeds.state import FeedState
    from newsbrief.feeds.watch import PageJob, RoundReport, fetch_pages
    from newsbrief.models import Problem

    jobs, problems = [], []
    for url in args.urls:
        canonical = canonical_url(url)
        if canonical is None:
            problems.append(Problem(url, "not an http(s) URL"))
        else:
            jobs.append(PageJob(canonical))
    report_problems(problems, args.quiet, sink)
    if not jobs:
        raise NoUsableInput("no fetchable URLs in " + ", ".join(args.urls))
    stop = threading.Event()
    report = RoundReport(number=1)
    with (
        _store(args) as store,
        Fetcher(_config(args), stop=stop) as fetcher,
        _graceful_interrupt(stop, args.quiet),
        progress("Fetching", len(jobs), args.quiet) as advance,
    ):
        fetch_pages(jobs, store=store, state=FeedState(store.conn), fetcher=fetcher,
                        report=report, stop=stop, progress=advance)
    _print_report(report, args.format, args.quiet, "fetch", sink)
    if report.errors and not report.added and not report.already_stored:
        return NoUsableInput.exit_code
    return 130 if report.interrupted else 0


def run_watch(args: argparse.Namespace) -> int:
    from newsbrief.feeds.fetcher import require_feeds_extra

    require_feeds_extra()
    if not args.once and args.interval < 1:
        raise InputError("--interval must be at least 1 second")
    with problems_sink(args.problems_file) as sink:
        return _watch(args, sink)


def _watch(args: argparse.Namespace, sink: TextIO | None) -> int:
    from newsbrief.feeds.fetcher import Fetcher
    from newsbrief.feeds.parse import read_sources
    from newsbrief.feeds.state import FeedState
    from newsbrief.feeds.watch import watch

    feeds, problems = read_sources(args.sources)
    report_problems(problems, args.quiet, sink)
    if not feeds:
        raise NoUsableInput("no feeds in " + ", ".join(args.sources))
    stop = threading.Event()

    def on_round(report) -> None:  # type: ignore[no-untyped-def]
        _print_report(report, args.format, args.quiet, f"round {report.number}", sink)

    with (
        _store(args) as store,
        Fetcher(_config(args), stop=stop) as fetcher,
        _graceful_interrupt(stop, args.quiet),
    ):
        reports = watch(feeds, store=store, state=FeedState(store.conn), fetcher=fetcher,
                        stop=stop, once=args.once, interval=args.interval, on_round=on_round)
    return 130 if reports and reports[-1].interrupted else 0


def _table(rows: list[list[str]]) -> str:
    """Columns padded to their widest cell in terminal columns (a CJK character takes two)."""
    from rich.cells import cell_len

    widths = [max(cell_len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell + " " * (w - cell_len(cell)) for cell, w in zip(row, widths)).rstrip()
             for row in rows]
    return "\n".join(lines)


def _waiting(not_before: str | None, now: datetime) -> str:
    """The WAITING cell: "until 14:06 UTC" (a later day: with its date) while a feed's
    Retry-After holds it back, as ``watch`` words it; blank once that time has passed."""
    from newsbrief.feeds.state import STAMP
    from newsbrief.feeds.watch import wait_until

    if not not_before:
        return ""
    try:
        moment = datetime.strptime(not_before, STAMP).replace(tzinfo=UTC)
    except ValueError:  # not written by this version: shown as stored
        return table_headline(not_before, 24)
    return f"until {wait_until(moment, now)}" if moment > now else ""


def run_feeds(args: argparse.Namespace) -> int:
    from newsbrief.feeds.state import FeedState

    path = Path(args.db) if args.db else None
    if path is not None and not path.exists():
        raise InputError(f"{path}: no such database")
    from newsbrief.store import default_db_path
    from newsbrief.store.db import opens_read_only

    # Read-only, unless an older newsbrief made the database (then migrated, if writable).
    readonly = opens_read_only(path or default_db_path())
    with _store(args, readonly=readonly) as store:
        statuses = FeedState(store.conn).feeds()
    if args.format == "json":
        write(json.dumps([s.to_dict() for s in statuses], ensure_ascii=False, indent=2))
        return 0
    if not statuses:
        if not args.quiet:
            print("newsbrief: no feeds yet (follow some with: newsbrief watch SOURCE)",
                  file=sys.stderr)
        return 0
    rows = [["FEED", "LAST POLL", "LAST SUCCESS", "NEW (LAST/ALL)", "PENDING", "WAITING",
             "LAST ERROR"]]
    now = datetime.now(UTC)
    for s in statuses:
        rows.append([
            s.url, s.last_poll or "never", s.last_success or "never",
            f"{s.last_new}/{s.new_articles}", str(s.pending), _waiting(s.not_before, now),
            # Cut by terminal columns, controls dropped: the text comes from the feed's server.
            table_headline(s.last_error or "", ERROR_CELLS),
        ])
    write(_table(rows))
    return 0
