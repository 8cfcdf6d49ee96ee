"""Polling rounds: feeds polled, new entries' pages fetched and extracted, articles ingested.

Network work (feed polls, page fetches, HTML extraction) runs on a thread pool bounded by the
fetcher's concurrency; everything that touches the database (state, ``Store.add_articles``)
runs on the calling thread, one batch at a time, so the store is used from one thread only.
A ``stop`` event (set by Ctrl-C in the CLI) ends a round after the batch being ingested:
pages fetched but not yet ingested stay pending and are fetched again on the next start.

A feed that answers 429 or 5xx with ``Retry-After`` (RFC 9110 section 10.2.3; RFC 6585 for 429)
is not polled again before the time it asked for, kept in the feed state so that later rounds
and later runs wait too; a wait over :data:`MAX_FEED_WAIT` is cut to it, and the round says so.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from newsbrief.feeds.fetcher import FEED_TYPES, Fetcher, FetchError, Validators
from newsbrief.feeds.page import PageResult, load_page
from newsbrief.feeds.parse import FeedEntry, FeedParseError, FeedSource, ParsedFeed, parse_feed
from newsbrief.feeds.state import STAMP, EntryOutcome, FeedState
from newsbrief.models import Article, Problem

if TYPE_CHECKING:
    from newsbrief.store import Store

__all__ = [
    "MAX_FEED_WAIT", "PageJob", "RoundReport", "WatchOptions", "fetch_pages", "poll_round",
    "refresh_briefs", "wait_until", "watch",
]

# The longest a feed's Retry-After is honoured (seconds): a server asking for days (or a
# misread date) must not silence a feed for good; once a day is still polite.
MAX_FEED_WAIT = 24 * 3600


@dataclass(frozen=True, slots=True)
class WatchOptions:
    """``batch_size``: most articles per ``add_articles`` call; ``max_attempts``: tries of a
    page whose failures look transient (timeouts, 5xx) before its entry is given up;
    ``refresh``: rebuild the briefs of changed events once at the end (``"end"``, one new
    version per event and round), after every batch (``"batch"``), or not (``"none"``)."""

    batch_size: int = 16
    max_attempts: int = 3
    refresh: str = "end"


@dataclass(frozen=True, slots=True)
class PageJob:
    """A page to fetch: ``url`` is canonical; ``feed_url``/``entry`` are ``None`` for
    ``newsbrief fetch``; ``outlet`` is the feed's title, used when the page names no site."""

    url: str
    feed_url: str | None = None
    entry: FeedEntry | None = None
    outlet: str | None = None
    attempts: int = 0


@dataclass(slots=True)
class RoundReport:
    """What one round (or one ``fetch``) did; ``errors`` name the feed or page and reason."""

    number: int = 1
    feeds: int = 0
    feeds_ok: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    new_entries: int = 0
    pages_fetched: int = 0
    added: list[tuple[str, str | None]] = field(default_factory=list)
    already_stored: int = 0
    events_created: set[str] = field(default_factory=set)
    events_updated: set[str] = field(default_factory=set)
    errors: list[Problem] = field(default_factory=list)
    interrupted: bool = False
    # Feeds not polled because of an earlier Retry-After: (feed URL, "waiting until ...").
    waiting: list[Problem] = field(default_factory=list)
    # Of ``added``: articles a killed run stored, credited by this round (FeedState.recover).
    recovered: int = 0

    def summary(self) -> str:
        """One line: feeds polled, feeds waiting for their Retry-After, new articles (and of
        those, how many an interrupted run had stored), events created/updated, errors."""
        parts = []
        if self.feeds:
            polled = f"{self.feeds - len(self.waiting)} feeds polled"
            if self.feeds_not_modified:
                polled += f" ({self.feeds_not_modified} not modified)"
            parts.append(polled)
        if self.waiting:
            parts.append(f"{len(self.waiting)} waiting (Retry-After)")
        new = f"{len(self.added)} new articles"
        if self.recovered:
            new += f" ({self.recovered} stored by an interrupted run)"
        parts.append(new)
        if self.already_stored:
            parts.append(f"{self.already_stored} already stored")
        parts.append(f"events {len(self.events_created)} created, "
                     f"{len(self.events_updated)} updated")
        parts.append(f"{len(self.errors)} errors")
        line = ", ".join(parts)
        return line + (" (interrupted)" if self.interrupted else "")

    def to_dict(self) -> dict[str, object]:
        return {
            "round": self.number, "feeds": self.feeds, "feeds_ok": self.feeds_ok,
            "feeds_not_modified": self.feeds_not_modified, "feeds_failed": self.feeds_failed,
            "new_entries": self.new_entries, "pages_fetched": self.pages_fetched,
            "new_articles": len(self.added), "recovered": self.recovered,
            "already_stored": self.already_stored,
            "feeds_waiting": len(self.waiting),
            "waiting": [{"feed": p.source, "reason": p.reason} for p in self.waiting],
            "events_created": sorted(self.events_created),
            "events_updated": sorted(self.events_updated),
            "errors": [{"source": p.source, "reason": p.reason} for p in self.errors],
            "interrupted": self.interrupted,
        }


# -- feeds --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Poll:
    feed_url: str
    validators: Validators | None = None
    feed: ParsedFeed | None = None
    not_modified: bool = False
    error: str | None = None
    retry_after: float | None = None


def _poll_one(fetcher: Fetcher, feed_url: str, validators: Validators) -> _Poll:
    """Worker: one conditional GET of a feed and its parse (no database access)."""
    try:
        response = fetcher.get(feed_url, validators=validators, accept=FEED_TYPES)
    except FetchError as exc:
        return _Poll(feed_url, error=exc.reason, retry_after=exc.retry_after)
    if response.not_modified:
        return _Poll(feed_url, validators, not_modified=True)
    try:
        feed = parse_feed(response.content, url=response.final_url,
                          content_type=response.content_type, charset=response.charset)
    except FeedParseError as exc:
        return _Poll(feed_url, error=exc.reason)
    return _Poll(feed_url, response.validators, feed)


def wait_until(moment: datetime, now: datetime) -> str:
    """"14:06 UTC" (a later day: "2026-12-02 14:06 UTC"), rounded up to the minute so that
    a round at that time is allowed to poll."""
    if moment.second:
        moment += timedelta(seconds=60 - moment.second)
    day = "" if moment.date() == now.date() else moment.strftime("%Y-%m-%d ")
    return f"{day}{moment:%H:%M} UTC"


def _wait_after(poll: _Poll, now: datetime) -> tuple[str | None, str]:
    """The time before which a feed that asked to be left alone is not polled again (state
    format, or ``None``) and the error to record: the failure, and how long it waits."""
    assert poll.error is not None
    if not poll.retry_after or poll.retry_after <= 0:
        return None, poll.error
    moment = now + timedelta(seconds=min(poll.retry_after, MAX_FEED_WAIT))
    if moment.microsecond:  # the state keeps whole seconds: round up, never poll early
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    reason = f"{poll.error}; not polled before {wait_until(moment, now)} (Retry-After"
    if poll.retry_after > MAX_FEED_WAIT:
        reason += f" of {poll.retry_after:.0f}s capped at {MAX_FEED_WAIT // 3600} h"
    return moment.strftime(STAMP), reason + ")"


def _poll_feeds(
    feeds: Sequence[FeedSource], state: FeedState, fetcher: Fetcher, report: RoundReport,
    stop: threading.Event,
) -> dict[str, str | None]:
    """Poll every feed whose Retry-After has passed; returns feed URL -> title (an outlet
    name for its pages)."""
    titles = {f.url: f.title for f in feeds}
    now = datetime.now(UTC)
    waiting = state.waiting([f.url for f in feeds], now.strftime(STAMP))
    for feed in feeds:
        if feed.url in waiting:
            moment = datetime.strptime(waiting[feed.url], STAMP).replace(tzinfo=UTC)
            report.waiting.append(Problem(
                feed.url, f"waiting until {wait_until(moment, now)} (Retry-After)"))
    with ThreadPoolExecutor(max(1, fetcher.config.concurrency), "newsbrief-poll") as pool:
        futures = [pool.submit(_poll_one, fetcher, f.url, state.validators(f.url))
                   for f in feeds if f.url not in waiting]
        for future in futures:
            if stop.is_set():
                report.interrupted = True
                for rest in futures:
                    rest.cancel()
                break
            poll = future.result()
            if poll.error is not None:
                not_before, reason = _wait_after(poll, datetime.now(UTC))
                report.feeds_failed += 1
                report.errors.append(Problem(poll.feed_url, reason))
                state.record_poll_failure(poll.feed_url, reason, not_before=not_before)
                continue
            warning = None
            if poll.feed is not None and poll.feed.warnings:
                warning = "; ".join(poll.feed.warnings[:3])
                report.errors.append(Problem(poll.feed_url, warning))
            entries = poll.feed.entries if poll.feed is not None else ()
            new = state.record_poll(
                poll.feed_url, validators=poll.validators or Validators(), entries=entries,
                title=poll.feed.title if poll.feed else None, not_modified=poll.not_modified,
                warning=warning,
            )
            report.new_entries += new
            report.feeds_ok += 1
            report.feeds_not_modified += poll.not_modified
            if poll.feed is not None and poll.feed.title and not titles.get(poll.feed_url):
                titles[poll.feed_url] = poll.feed.title
    return titles


# -- pages --------------------------------------------------------------------------------


def _outcome(job: PageJob, result: PageResult | None, **fields: object) -> EntryOutcome:
    final = result.final_url if result is not None else None
    validators = result.validators if result is not None else None
    return EntryOutcome(url=job.url, feed_url=job.feed_url, final_url=final,
                        validators=validators, **fields)  # type: ignore[arg-type]


def _failure(job: PageJob, result: PageResult, options: WatchOptions) -> EntryOutcome:
    retry = result.transient and job.attempts + 1 < options.max_attempts
    return _outcome(job, result, state="pending" if retry else "failed", error=result.error)


def _ingest(
    ready: list[tuple[list[PageJob], PageResult]],
    store: Store,
    state: FeedState,
    report: RoundReport,
    options: WatchOptions,
) -> None:
    """Add a batch of fetched pages to the store, then record every job's outcome."""
    from newsbrief.feeds.page import content_hash
    from newsbrief.store.urls import outlet_key

    outcomes: list[EntryOutcome] = []
    to_add: list[tuple[list[PageJob], PageResult, Article, str]] = []
    for jobs, result in ready:
        if result.article is None:
            outcomes.extend(_failure(job, result, options) for job in jobs)
            source = jobs[0].url
            report.errors.append(Problem(source, result.error or "no article"))
            continue
        article = result.article
        digest = content_hash(article)
        duplicate = None
        if article.url and article.url != jobs[0].url and store.has_url(article.url):
            duplicate = "already stored (same canonical URL)"
        elif store.has_content(digest, article.outlet):  # not a copy from another outlet
            duplicate = "already stored (same content)"
        if duplicate:
            report.already_stored += 1
            outcomes.extend(_outcome(j, result, state="done", reason=duplicate) for j in jobs)
        else:
            to_add.append((jobs, result, article, digest))
    if to_add:
        # Committed first, so that a kill after add_articles commits but before finish()
        # leaves enough to credit these articles to their feeds (FeedState.recover).
        state.mark_storing([(jobs[0].feed_url, jobs[0].url, digest)
                            for jobs, _, _, digest in to_add if jobs[0].feed_url is not None])
        ingest = store.add_articles([article for _, _, article, _ in to_add],
                                    refresh="batch" if options.refresh == "batch" else "none")
        # An event created earlier in this round and grown since counts as created only.
        report.events_created |= set(ingest.events_created)
        report.events_updated |= set(ingest.events_updated)
        report.events_updated -= report.events_created
        added = dict(ingest.added)
        skipped = dict(ingest.skipped)
        problems = {p.source: p.reason for p in ingest.problems}
        credited: set[str] = set()
        for jobs, result, article, digest in to_add:
            # The store may rename an id on a clash, so find each article by its content key
            # and outlet: several outlets' copies of one text are stored, one row each, and of
            # two copies from one outlet in one batch only the first was added.
            rows = store.conn.execute(
                "SELECT id, outlet FROM articles WHERE content_hash = ? ORDER BY seq", (digest,)
            ).fetchall()
            mine = [r for r in rows if outlet_key(r[1]) == outlet_key(article.outlet)]
            row = next((r for r in mine if r[0] in added and r[0] not in credited),
                       mine[0] if mine else rows[0] if rows else None)
            if row is not None and row[0] in added and row[0] not in credited:
                credited.add(row[0])
                report.added.append((row[0], added[row[0]]))
                first, *rest = jobs
                outcomes.append(_outcome(first, result, state="done", article_id=row[0],
                                         added=True))
                outcomes.extend(_outcome(j, result, state="done", article_id=row[0],
                                         reason="already stored") for j in rest)
            elif row is not None or article.id in skipped:
                report.already_stored += 1
                reason = skipped.get(article.id, "already stored")
                outcomes.extend(_outcome(j, result, state="done", reason=reason,
                                         article_id=row[0] if row else None) for j in jobs)
            else:
                reason = problems.get(article.id) or "not stored (no usable text)"
                report.errors.append(Problem(jobs[0].url, reason))
                outcomes.extend(_outcome(j, result, state="failed", error=reason) for j in jobs)
    state.finish(outcomes)


def _fetch_and_ingest(
    groups: dict[str, list[PageJob]],
    store: Store,
    state: FeedState,
    fetcher: Fetcher,
    report: RoundReport,
    stop: threading.Event,
    options: WatchOptions,
    progress: Callable[[int], None] | None,
) -> None:
    """Pages fetched and extracted on the pool, stored here as they arrive."""
    pool = ThreadPoolExecutor(max(1, fetcher.config.concurrency), "newsbrief-fetch")
    try:
        running: dict[Future[PageResult], list[PageJob]] = {}
        for url, group in groups.items():
            first = group[0]
            future = pool.submit(load_page, fetcher, url, entry=first.entry, outlet=first.outlet,
                                 validators=state.page_validators(url),
                                 previous=state.page_reason(url))
            running[future] = group
        ready: list[tuple[list[PageJob], PageResult]] = []
        while running or ready:
            if stop.is_set():
                report.interrupted = True
                break
            if running:
                finished, _ = wait(list(running), timeout=0.25, return_when=FIRST_COMPLETED)
                for future in finished:
                    ready.append((running.pop(future), future.result()))
                    report.pages_fetched += 1
            # Ingest what is ready now: while a batch is being stored the workers fetch on, so
            # batches grow by themselves when storing is the slower side.
            if ready:
                batch, ready = ready[: options.batch_size], ready[options.batch_size:]
                _ingest(batch, store, state, report, options)
                if progress:
                    progress(sum(len(jobs) for jobs, _ in batch))
    finally:
        # Cancel what has not started; requests in flight end within the fetch timeout.
        pool.shutdown(wait=False, cancel_futures=True)


def fetch_pages(
    jobs: Sequence[PageJob],
    *,
    store: Store,
    state: FeedState,
    fetcher: Fetcher,
    report: RoundReport,
    stop: threading.Event,
    options: WatchOptions = WatchOptions(),
    progress: Callable[[int], None] | None = None,
) -> None:
    """Fetch, extract and ingest pages; URLs already stored are neither fetched nor stored."""
    groups: dict[str, list[PageJob]] = {}
    done: list[EntryOutcome] = []
    for job in jobs:
        if job.url in groups:
            groups[job.url].append(job)
        elif store.has_url(job.url):
            report.already_stored += 1
            done.append(EntryOutcome(job.url, "done", job.feed_url, reason="already stored"))
        else:
            groups[job.url] = [job]
    if done:
        state.finish(done)
        if progress:
            progress(len(done))
    if groups:
        _fetch_and_ingest(groups, store, state, fetcher, report, stop, options, progress)
    if options.refresh == "end":
        refresh_briefs(store, report.events_created | report.events_updated, stop,
                       report.errors)


def refresh_briefs(store: Store, event_ids: set[str], stop: threading.Event,
                   problems: list[Problem] | None = None) -> int:
    """Rebuild the briefs of these events, one at a time, until ``stop`` is set.

    Events left stale by an interruption (or a crash) keep their mark in the store and are
    rebuilt by the next call: the store's own ``refresh_briefs()`` takes every stale event.
    An event whose brief cannot be made is added to ``problems`` (if given) and the rest go on.
    """
    done = 0
    for event_id in sorted(event_ids):
        if stop.is_set():
            return done
        done += store.refresh_briefs([event_id], problems=problems)
    if not stop.is_set():
        done += store.refresh_briefs(problems=problems)
    return done


# -- rounds -------------------------------------------------------------------------------


def poll_round(
    feeds: Sequence[FeedSource],
    *,
    store: Store,
    state: FeedState,
    fetcher: Fetcher,
    stop: threading.Event | None = None,
    options: WatchOptions = WatchOptions(),
    number: int = 1,
) -> RoundReport:
    """One round: poll each feed, then fetch and ingest every pending entry of these feeds.

    A failing feed or page is recorded (state and report) and never stops the others.
    """
    stop = stop or threading.Event()
    report = RoundReport(number=number, feeds=len(feeds))
    state.add_feeds(feeds)
    titles = _poll_feeds(feeds, state, fetcher, report, stop)
    if stop.is_set():
        report.interrupted = True
        return report
    # After the polls, which restart each feed's count of the last poll's new articles.
    for found in state.recover([f.url for f in feeds]):
        report.added.append((found.article_id, found.event_id))
        report.recovered += 1
    jobs = [
        PageJob(p.entry.link, p.feed_url, p.entry,
                titles.get(p.feed_url) or urlsplit(p.feed_url).hostname, p.attempts)
        for p in state.pending([f.url for f in feeds])
    ]
    fetch_pages(jobs, store=store, state=state, fetcher=fetcher, report=report, stop=stop,
                options=options)
    return report


def watch(
    feeds: Sequence[FeedSource],
    *,
    store: Store,
    state: FeedState,
    fetcher: Fetcher,
    stop: threading.Event,
    once: bool = False,
    interval: float = 900.0,
    options: WatchOptions = WatchOptions(),
    on_round: Callable[[RoundReport], None] | None = None,
) -> list[RoundReport]:
    """Poll rounds every ``interval`` seconds until ``stop`` is set (or once)."""
    reports = []
    number = 0
    while not stop.is_set():
        number += 1
        report = poll_round(feeds, store=store, state=state, fetcher=fetcher, stop=stop,
                            options=options, number=number)
        reports.append(report)
        if on_round:
            on_round(report)
        if once or stop.wait(interval):
            break
    return reports

