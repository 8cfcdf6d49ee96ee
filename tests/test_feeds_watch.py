"""Polling rounds end to end (newsbrief.feeds.watch, .state, .page) against a loopback site:
feeds of every kind, pages with site chrome, and every failure the issue lists."""

from __future__ import annotations

import email.utils
import json
import re
import sqlite3
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feeds_server import Behaviour, Site, atom, news_page, rss, start, stories

from newsbrief.feeds import FeedState, FetchConfig, Fetcher, read_sources
from newsbrief.feeds.state import FeedStatus
from newsbrief.feeds.watch import WatchOptions, poll_round, watch
from newsbrief.store import Store

# The timeout leaves room for a loaded CI machine: the test server shares the GIL with the
# ingest that runs in the same process.
FAST = FetchConfig(rate_limit=0, backoff=0.01, timeout=2.0, retries=2, max_bytes=300_000)


@pytest.fixture
def site(tmp_path):
    s = Site(tmp_path / "www")
    server = start(s)
    yield s
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


LATIN1 = ("Les autorités de Zürich ont annoncé jeudi la fermeture du café historique "
          "de la place, où se réunissaient des générations d'étudiants. « C'est une perte "
          "énorme pour la ville », a déclaré la maire lors d'une conférence de presse. ")


@pytest.fixture
def world(site, eval_dir, tmp_path):
    """A site with RSS, Atom and JSON feeds, an OPML list, and the failures of the issue."""
    texts = stories(eval_dir, 9)
    s = site
    s.write("/robots.txt", "User-agent: *\nDisallow: /private/\n")
    good = []
    for i, (title, paragraphs) in enumerate(texts[:6]):
        published = None if i == 3 else "2017-11-17"
        good.append(s.write(f"/news/good{i}.html",
                            news_page(title, paragraphs, published=published)))
    # Same story as good2 under another URL, pointing at good2 as canonical.
    s.write("/amp/good2.html", news_page(texts[2][0], texts[2][1], canonical="/news/good2.html"))
    # Same text as good5 under another URL with no canonical link: caught by content hash.
    # Both sit in the JSON feed; which of the two is fetched first depends on timing.
    s.write("/mirror/good5.html", news_page(texts[5][0], texts[5][1], published=None))
    s.write("/news/flaky.html", news_page(*texts[6]))
    s.behaviours["/news/flaky.html"] = Behaviour(fail=2, fail_status=500)
    s.write("/news/slow.html", news_page(*texts[7]))
    s.behaviours["/news/slow.html"] = Behaviour(delay=6.0)
    s.write("/private/secret.html", news_page(*texts[8]))
    s.write("/news/huge.html", news_page(texts[8][0], texts[8][1] * 200))
    s.behaviours["/news/loop"] = Behaviour(redirect="/news/loop2")
    s.behaviours["/news/loop2"] = Behaviour(redirect="/news/loop")
    s.write("/news/chrome-only.html", news_page("Subscribe", []))
    latin = news_page("Fermeture du café de Zürich", [LATIN1 * 3, LATIN1 * 2], charset=None)
    latin = latin.replace("<head>", '<head><meta http-equiv="Content-Type" '
                                    'content="text/html; charset=iso-8859-1">')
    s.write("/news/latin1.html", latin.encode("latin-1"))

    s.write("/rss.xml", rss([
        {"title": texts[0][0], "link": good[0] + "?utm_source=rss&utm_medium=feed"},
        {"title": texts[1][0], "link": good[1]},
        {"title": "Gone", "link": s.url("/news/missing.html")},
        {"title": "Flaky", "link": s.url("/news/flaky.html")},
        {"title": "Secret", "link": s.url("/private/secret.html")},
        {"title": "Fermeture", "link": s.url("/news/latin1.html")},
        {"title": "Not an article", "link": s.url("/news/chrome-only.html")},
    ], title="RSS Desk"))
    s.write("/atom.xml", atom([
        {"title": texts[2][0], "link": good[2]},
        {"title": "Feed title for good3", "link": good[3], "updated": "2017-11-18T10:00:00Z",
         "author": "Atom Author"},
        {"title": "Slow", "link": s.url("/news/slow.html")},
        {"title": "Loop", "link": s.url("/news/loop")},
        {"title": "Dup of good0", "link": good[0]},  # same page as an RSS entry
    ]))
    s.behaviours["/atom.xml"] = Behaviour(content_type="application/atom+xml")
    s.write("/feed.json", json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "JSON Desk",
        "items": [
            {"id": "a", "url": good[4]}, {"id": "b", "url": good[5]},
            {"id": "c", "url": s.url("/news/huge.html")},
            {"id": "d", "url": s.url("/amp/good2.html")},
            {"id": "e", "url": s.url("/mirror/good5.html")},
        ]}))
    s.write("/broken.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>Broken')
    refused = f"http://127.0.0.1:{closed_port()}/feed.xml"
    opml = tmp_path / "subs.opml"
    outlines = "".join(f'<outline type="rss" text="f{i}" xmlUrl="{u}"/>' for i, u in enumerate(
        [s.url("/rss.xml"), s.url("/atom.xml"), s.url("/feed.json"), s.url("/broken.xml"),
         refused]))
    opml.write_text(f'<?xml version="1.0"?><opml version="2.0"><head/><body>{outlines}'
                    "</body></opml>")
    return {"site": s, "opml": opml, "good": good, "refused": refused, "texts": texts}


def run_round(db: Path, sources: list[str], number: int = 1, config: FetchConfig = FAST):
    feeds, problems = read_sources(sources)
    assert problems == []
    with Store(db) as store, Fetcher(config) as fetcher:
        # Briefs are left stale here (the CLI tests build them): this file tests the feeds.
        report = poll_round(feeds, store=store, state=FeedState(store.conn), fetcher=fetcher,
                            number=number, options=WatchOptions(refresh="none"))
        rows = store.conn.execute("SELECT url, title, published, author, text, outlet "
                                  "FROM articles").fetchall()
        statuses = FeedState(store.conn).feeds()
    return report, rows, statuses


def test_round_with_every_kind_of_feed_and_failure(world, tmp_path):
    s, good = world["site"], world["good"]
    report, rows, statuses = run_round(tmp_path / "db.sqlite", [str(world["opml"])])

    assert report.feeds == 5 and report.feeds_failed == 2 and report.feeds_ok == 3
    urls = {r[0] for r in rows}
    # Six good stories, the flaky page (recovered on retry) and the Latin-1 page; the AMP copy
    # (canonical URL) and the mirror (same content) are not stored twice.
    copies = {good[5], s.url("/mirror/good5.html")}
    assert len(urls & copies) == 1
    assert urls - copies == {*good[:5], s.url("/news/flaky.html"), s.url("/news/latin1.html")}
    assert len(report.added) == 8
    assert report.already_stored == 2
    assert report.events_created  # events were assigned

    reasons = {p.source: p.reason for p in report.errors}
    assert reasons[s.url("/news/missing.html")] == "HTTP 404 Not Found"
    assert reasons[s.url("/private/secret.html")] == "disallowed by robots.txt"
    assert reasons[s.url("/news/slow.html")] == "timed out after 2s"
    assert reasons[s.url("/news/loop")].startswith("redirect loop")
    assert "too large" in reasons[s.url("/news/huge.html")]
    assert reasons[s.url("/news/chrome-only.html")].startswith("not an article")
    assert reasons[s.url("/broken.xml")].startswith("broken XML")
    assert reasons[world["refused"]] == "connection refused"

    # robots.txt: the disallowed page was never requested; the duplicate entry only once.
    assert s.requested("/private/secret.html") == []
    assert len(s.requested("/news/good0.html")) == 1
    assert len(s.requested("/news/flaky.html")) == 3

    by_url = {r[0]: r for r in rows}
    latin = by_url[s.url("/news/latin1.html")]
    assert "Zürich" in latin[4] and "« C'est une perte énorme" in latin[4]
    # The feed's date and author fill what the page lacks; the page's own title wins.
    assert by_url[good[3]][2] == "2017-11-18T10:00:00+00:00"
    assert by_url[good[3]][1] != "Feed title for good3"
    assert by_url[good[0]][3] == "Jane Reporter"
    # Site chrome stays out of the stored text.
    for row in rows:
        assert "cookies" not in row[4] and "Reader42" not in row[4] and "Most read" not in row[4]

    status = {st.url: st for st in statuses}
    assert status[s.url("/broken.xml")].last_error.startswith("broken XML")
    assert status[s.url("/broken.xml")].last_success is None
    assert status[world["refused"]].last_error == "connection refused"
    rss_status: FeedStatus = status[s.url("/rss.xml")]
    assert rss_status.last_success and rss_status.new_articles == 4
    assert rss_status.failed == 3  # 404, robots, not an article


def test_transient_failures_are_retried_next_round_and_conditional_polls(world, tmp_path):
    s = world["site"]
    db = tmp_path / "db.sqlite"
    run_round(db, [str(world["opml"])])
    before = len(s.log)
    s.behaviours["/news/slow.html"] = Behaviour()  # the slow server has recovered
    report, rows, _ = run_round(db, [str(world["opml"])], number=2)
    paths = [e.path for e in s.log[before:]]
    # Feeds: conditional requests answered 304; only the transient failure is fetched again.
    for feed in ("/rss.xml", "/atom.xml", "/feed.json"):
        sent = [e for e in s.log[before:] if e.path == feed]
        assert len(sent) == 1 and "If-None-Match" in sent[0].headers
    assert report.feeds_not_modified == 3
    assert sorted(p for p in paths if p.startswith("/news/")) == ["/news/slow.html"]
    assert len(report.added) == 1
    assert s.url("/news/slow.html") in {r[0] for r in rows}


def test_second_once_round_sends_conditional_requests_and_adds_nothing(site, eval_dir, tmp_path):
    texts = stories(eval_dir, 4)
    links = [site.write(f"/a/{i}.html", news_page(*t)) for i, t in enumerate(texts)]
    site.write("/one.rss", rss([{"title": t[0], "link": u} for t, u in zip(texts[:2], links)]))
    site.write("/two.json", json.dumps({"version": "https://jsonfeed.org/version/1",
                                        "items": [{"id": u, "url": u} for u in links[2:]]}))
    listing = tmp_path / "feeds.txt"
    listing.write_text(f"{site.url('/one.rss')}\n{site.url('/two.json')}\n")
    db = tmp_path / "db.sqlite"
    first, rows, _ = run_round(db, [str(listing)])
    assert len(first.added) == 4 and len(rows) == 4 and not first.errors
    mark = len(site.log)
    second, rows, statuses = run_round(db, [str(listing)], number=2)
    later = site.log[mark:]
    assert sorted(e.path for e in later) == ["/one.rss", "/robots.txt", "/two.json"]
    for entry in later:
        if entry.path != "/robots.txt":
            assert entry.headers.get("If-None-Match") and entry.headers.get("If-Modified-Since")
    assert second.added == [] and second.feeds_not_modified == 2 and len(rows) == 4
    assert second.summary().startswith("2 feeds polled (2 not modified), 0 new articles")
    assert all(st.last_new == 0 and st.last_status == "not modified" for st in statuses)


def test_crash_between_store_and_state_neither_loses_nor_duplicates(
    site, eval_dir, tmp_path, monkeypatch
):
    texts = stories(eval_dir, 3)
    links = [site.write(f"/c/{i}.html", news_page(*t)) for i, t in enumerate(texts)]
    site.write("/c.rss", rss([{"title": t[0], "link": u} for t, u in zip(texts, links)]))
    db = tmp_path / "db.sqlite"
    real_finish = FeedState.finish

    def crash(self, outcomes):
        outcomes = list(outcomes)
        if any(o.added for o in outcomes):
            raise KeyboardInterrupt  # killed right after the articles were committed
        return real_finish(self, outcomes)

    monkeypatch.setattr(FeedState, "finish", crash)
    with pytest.raises(KeyboardInterrupt):
        run_round(db, [site.url("/c.rss")])
    monkeypatch.setattr(FeedState, "finish", real_finish)
    with Store(db) as store:
        committed = {r[0] for r in store.conn.execute("SELECT url FROM articles")}
        pending = FeedState(store.conn).pending([site.url("/c.rss")])
    assert 1 <= len(committed) <= 3  # the first batch was committed before the crash...
    assert len(pending) == 3  # ...but no entry was marked done
    mark = len(site.log)
    report, rows, statuses = run_round(db, [site.url("/c.rss")], number=2)
    assert sorted(r[0] for r in rows) == sorted(links)  # nothing lost, nothing twice
    # The articles the crashed round stored are credited to the feed now, not "already stored".
    assert len(report.added) == 3 and report.recovered == len(committed)
    assert report.already_stored == 0
    assert f"3 new articles ({len(committed)} stored by an interrupted run)" in report.summary()
    assert statuses[0].new_articles == 3 and statuses[0].last_new == 3
    refetched = {site.url(e.path) for e in site.log[mark:] if e.path.startswith("/c/")}
    assert refetched == set(links) - committed  # stored pages are not fetched again
    with Store(db) as store:
        assert FeedState(store.conn).pending([site.url("/c.rss")]) == []
        produced = {r[0] for r in store.conn.execute("SELECT article_id FROM feed_entries")}
        assert produced == {r[0] for r in store.conn.execute("SELECT id FROM articles")}


def test_watch_runs_rounds_until_stopped(site, eval_dir, tmp_path):
    texts = stories(eval_dir, 2)
    links = [site.write(f"/w/{i}.html", news_page(*t)) for i, t in enumerate(texts)]
    site.write("/w.rss", rss([{"title": texts[0][0], "link": links[0]}]))
    stop = threading.Event()

    def on_round(report):
        if report.number == 1:  # a story breaks between two rounds
            site.write("/w.rss", rss([{"title": t[0], "link": u} for t, u in zip(texts, links)]))
        else:
            stop.set()

    feeds, _ = read_sources([site.url("/w.rss")])
    with Store(tmp_path / "db.sqlite") as store, Fetcher(FAST) as fetcher:
        reports = watch(feeds, store=store, state=FeedState(store.conn), fetcher=fetcher,
                        stop=stop, interval=0.05, on_round=on_round,
                        options=WatchOptions(refresh="none"))
    assert [r.number for r in reports] == [1, 2]
    assert [len(r.added) for r in reports] == [1, 1]
    assert len(site.requested("/w/0.html")) == 1 and len(site.requested("/w/1.html")) == 1


def test_robots_txt_outage_on_the_page_host_does_not_fail_entries_for_good(
    site, eval_dir, tmp_path
):
    # RFC 9309 2.3.1.4: a 5xx robots.txt means "disallow for now". The entries whose pages
    # it blocked used to be marked failed at once, so the articles were never fetched.
    pages = Site(tmp_path / "pages")
    server = start(pages)  # another port: another host for robots.txt
    try:
        texts = stories(eval_dir, 2)
        links = [pages.write(f"/p/{i}.html", news_page(*t)) for i, t in enumerate(texts)]
        pages.write("/robots.txt", "User-agent: *\nAllow: /\n")
        pages.behaviours["/robots.txt"] = Behaviour(fail=FAST.retries + 1, fail_status=503)
        site.write("/r.rss", rss([{"title": t[0], "link": u} for t, u in zip(texts, links)]))
        db = tmp_path / "db.sqlite"
        first, rows, statuses = run_round(db, [site.url("/r.rss")])
        assert first.added == [] and rows == []
        assert pages.requested("/p/0.html") == [] and pages.requested("/p/1.html") == []
        assert statuses[0].pending == 2 and statuses[0].failed == 0
        assert "robots.txt" in statuses[0].last_error
        second, rows, statuses = run_round(db, [site.url("/r.rss")], number=2)
        assert len(second.added) == 2 and sorted(r[0] for r in rows) == sorted(links)
        assert statuses[0].pending == 0 and statuses[0].failed == 0
    finally:
        server.shutdown()
        server.server_close()


def test_feed_behind_a_permanent_redirect_is_polled_conditionally(site, eval_dir, tmp_path):
    # The validators kept for a moved feed come from its new address; they used to be dropped
    # at the redirect, so the feed was downloaded and parsed in full every round.
    texts = stories(eval_dir, 1)
    link = site.write("/m/0.html", news_page(*texts[0]))
    site.write("/new/feed.rss", rss([{"title": texts[0][0], "link": link}]))
    site.behaviours["/old.rss"] = Behaviour(status=301, body=b"moved",
                                            headers={"Location": site.url("/new/feed.rss")})
    db = tmp_path / "db.sqlite"
    first, _, _ = run_round(db, [site.url("/old.rss")])
    assert len(first.added) == 1
    mark = len(site.log)
    second, rows, statuses = run_round(db, [site.url("/old.rss")], number=2)
    sent = [e for e in site.log[mark:] if e.path == "/new/feed.rss"]
    assert len(sent) == 1 and sent[0].headers.get("If-None-Match")
    assert second.feeds_not_modified == 1 and statuses[0].last_status == "not modified"
    assert second.added == [] and len(rows) == 1 and not second.errors


def test_feed_dates_keep_their_utc_offset_and_mix_with_naive_page_dates(site, eval_dir, tmp_path):
    """RSS, Atom and JSON Feed dates fill undated pages as "+00:00" times (they were stored
    naive); the event list orders them with a page's own naive time as instants."""
    texts = stories(eval_dir, 4)
    links = [site.write(f"/d/{i}.html", news_page(*t, published=None))
             for i, t in enumerate(texts[:3])]
    links.append(site.write("/d/3.html", news_page(*texts[3], published="2017-11-17T10:40:00")))
    site.write("/d.rss", rss([
        {"title": texts[0][0], "link": links[0], "pubDate": "Fri, 17 Nov 2017 12:00:00 +0200"},
        {"title": texts[3][0], "link": links[3]},
    ]))
    site.write("/d.atom", atom([{"title": texts[1][0], "link": links[1],
                                 "updated": "2017-11-17T11:00:00Z"}]))
    site.write("/d.json", json.dumps({
        "version": "https://jsonfeed.org/version/1.1",
        "items": [{"id": "x", "url": links[2], "date_published": "2017-11-17T09:30:00-01:00"}]}))
    db = tmp_path / "db.sqlite"
    report, rows, _ = run_round(db, [site.url("/d.rss"), site.url("/d.atom"), site.url("/d.json")])
    assert len(report.added) == 4 and not report.errors
    assert {r[0]: r[2] for r in rows} == {
        links[0]: "2017-11-17T10:00:00+00:00", links[1]: "2017-11-17T11:00:00+00:00",
        links[2]: "2017-11-17T10:30:00+00:00", links[3]: "2017-11-17T10:40:00",
    }
    with Store(db) as store:
        events = store.list_events()[0]
        assert [e.last_published for e in events] == [
            "2017-11-17T11:00:00+00:00", "2017-11-17T10:40:00", "2017-11-17T10:30:00+00:00",
            "2017-11-17T10:00:00+00:00"]
        later = store.list_events(since="2017-11-17T10:35:00Z")[0]
        assert [e.last_published for e in later] == [e.last_published for e in events[:2]]


def _until(reason: str) -> datetime:
    """The time in "... until 14:06 UTC ..." / "before 2026-12-02 14:06 UTC" (today if no day)."""
    found = re.search(r"(?:until|before) (\d{4}-\d\d-\d\d )?(\d\d:\d\d) UTC", reason)
    assert found, reason
    day = found.group(1) or datetime.now(UTC).strftime("%Y-%m-%d ")
    return datetime.strptime(day + found.group(2), "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def _not_before(db: Path) -> dict[str, datetime | None]:
    with sqlite3.connect(db) as conn:
        return {url: datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
                if value else None
                for url, value in conn.execute("SELECT url, not_before FROM feeds")}


def test_retry_after_keeps_a_feed_waiting_in_later_rounds_capped_at_a_day(
    site, eval_dir, tmp_path
):
    """A feed answering 503 with Retry-After: 3600 was polled again at the next round; now it
    waits the hour (kept in the feed state) and the round says until when. Thirty days are
    cut to 24 hours, and the error says so."""
    texts = stories(eval_dir, 3)
    links = [site.write(f"/q/{i}.html", news_page(*t)) for i, t in enumerate(texts)]
    for i, name in enumerate(("busy", "absurd", "calm")):
        site.write(f"/{name}.rss", rss([{"title": texts[i][0], "link": links[i]}]))
    site.behaviours["/busy.rss"] = Behaviour(fail=1, fail_status=503,
                                             headers={"Retry-After": "3600"})
    site.behaviours["/absurd.rss"] = Behaviour(fail=1, fail_status=429,
                                               headers={"Retry-After": str(30 * 86400)})
    busy, absurd, calm = (site.url(f"/{n}.rss") for n in ("busy", "absurd", "calm"))
    db = tmp_path / "db.sqlite"
    start_ = datetime.now(UTC).replace(microsecond=0)
    first, _, _ = run_round(db, [busy, absurd, calm])
    end = datetime.now(UTC)
    assert len(first.added) == 1 and first.feeds_failed == 2
    reasons = {p.source: p.reason for p in first.errors}
    assert reasons[busy].startswith("HTTP 503, Retry-After 3600s is too long; not polled before ")
    assert reasons[busy].endswith(" UTC (Retry-After)")
    assert reasons[absurd].endswith(" UTC (Retry-After of 2592000s capped at 24 h)")
    waits = _not_before(db)
    assert start_ + timedelta(hours=1) <= waits[busy] <= end + timedelta(hours=1, seconds=1)
    assert start_ + timedelta(hours=24) <= waits[absurd] <= end + timedelta(hours=24, seconds=1)
    assert waits[calm] is None
    for url in (busy, absurd):  # the time shown is the stored one, rounded up to the minute
        assert timedelta(0) <= _until(reasons[url]) - waits[url] < timedelta(minutes=1)

    second, _, statuses = run_round(db, [busy, absurd, calm], number=2)
    assert len(site.requested("/busy.rss")) == 1 and len(site.requested("/absurd.rss")) == 1
    assert len(site.requested("/calm.rss")) == 2
    assert [p.source for p in second.waiting] == [busy, absurd]
    for problem in second.waiting:
        assert re.fullmatch(r"waiting until (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC \(Retry-After\)",
                            problem.reason), problem.reason
        assert timedelta(0) <= _until(problem.reason) - waits[problem.source] < timedelta(minutes=1)
    assert second.summary().startswith(
        "1 feeds polled (1 not modified), 2 waiting (Retry-After), 0 new articles")
    assert second.to_dict()["feeds_waiting"] == 2 and not second.errors
    status = {st.url: st for st in statuses}
    assert status[busy].not_before == waits[busy].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert status[busy].last_status == "failed" and status[calm].not_before is None


def test_retry_after_as_a_date_is_waited_for_then_the_feed_is_polled(site, eval_dir, tmp_path):
    """The HTTP-date form of Retry-After, too short to wait for inside the round (no retries
    left): the next round skips the feed, the one after the date polls it and forgets it."""
    texts = stories(eval_dir, 1)
    link = site.write("/t/0.html", news_page(*texts[0]))
    feed = site.write("/later.rss", rss([{"title": texts[0][0], "link": link}]))
    when = email.utils.formatdate(time.time() + 4, usegmt=True)
    site.behaviours["/later.rss"] = Behaviour(fail=1, fail_status=429,
                                              headers={"Retry-After": when})
    db = tmp_path / "db.sqlite"
    no_retries = replace(FAST, retries=0)
    first, _, _ = run_round(db, [feed], config=no_retries)
    assert first.errors[0].reason.startswith("HTTP 429 Too Many Requests; not polled before ")
    not_before = _not_before(db)[feed]
    assert not_before is not None
    assert abs((not_before - email.utils.parsedate_to_datetime(when)).total_seconds()) <= 1
    second, _, _ = run_round(db, [feed], number=2, config=no_retries)
    assert len(site.requested("/later.rss")) == 1 and len(second.waiting) == 1
    time.sleep(max(0.0, (not_before - datetime.now(UTC)).total_seconds()) + 0.05)
    third, rows, statuses = run_round(db, [feed], number=3, config=no_retries)
    assert len(site.requested("/later.rss")) == 2 and third.waiting == []
    assert len(third.added) == 1 and [r[0] for r in rows] == [link]
    assert statuses[0].not_before is None and statuses[0].last_status == "ok"


def test_feed_state_of_a_database_from_before_migration_0021_is_kept(site, eval_dir, tmp_path):
    """A database at migration 0020 (feeds without the Retry-After and storing columns)
    opens with its feeds, entries and counts, and follows on."""
    from newsbrief.store.db import connect

    texts = stories(eval_dir, 2)
    links = [site.write(f"/u/{i}.html", news_page(*t)) for i, t in enumerate(texts)]
    feed = site.write("/u.rss", rss([{"title": texts[0][0], "link": links[0]}]))
    db = tmp_path / "db.sqlite"
    conn = connect(db, migrate_to=20)
    conn.execute("INSERT INTO feeds (url, added_at, etag, last_status, new_articles) "
                 "VALUES (?, '2026-01-01T00:00:00Z', '\"old\"', 'ok', 7)", (feed,))
    conn.execute("INSERT INTO feed_entries (feed_url, url, state, first_seen, updated_at) "
                 "VALUES (?, ?, 'pending', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                 (feed, links[0]))
    conn.close()
    site.write("/u.rss", rss([{"title": t[0], "link": u} for t, u in zip(texts, links)]))
    report, rows, statuses = run_round(db, [feed])
    assert sorted(r[0] for r in rows) == sorted(links) and len(report.added) == 2
    assert statuses[0].new_articles == 9 and statuses[0].pending == 0
    assert statuses[0].not_before is None


def test_wire_copy_on_two_outlets_is_stored_for_each_and_credited_once(
    site, eval_dir, tmp_path, monkeypatch
):
    """One wire story printed word for word by two outlets (and once more by the first under
    another URL): each outlet's page is stored, the second as a copy of the first, each entry
    is credited with its own article once, the first outlet's repeat is already stored. A run
    killed after the store committed credits the same articles to the same entries."""
    (title, paragraphs), = stories(eval_dir, 1)
    pages = {
        "wire": news_page(title, paragraphs, outlet="Wire Desk"),
        "ledger": news_page(title, paragraphs, outlet="Daily Ledger"),
        "repeat": news_page(title, paragraphs, outlet="wire  desk"),
    }
    links = {name: site.write(f"/w/{name}.html", page) for name, page in pages.items()}
    site.write("/w.rss", rss([{"title": title, "link": u} for u in links.values()]))
    real_finish = FeedState.finish
    added: list[str] = []

    def crash(self, outcomes):
        # Pages arrive in batches as they are fetched: killed right after the batch that
        # committed the second outlet's article, before its entries were recorded.
        outcomes = list(outcomes)
        added.extend(o.url for o in outcomes if o.added)
        if len(added) == 2:
            raise KeyboardInterrupt
        return real_finish(self, outcomes)

    for killed in (False, True):
        db = tmp_path / f"db-{killed}.sqlite"
        if killed:
            monkeypatch.setattr(FeedState, "finish", crash)
            with pytest.raises(KeyboardInterrupt):
                run_round(db, [site.url("/w.rss")])
            monkeypatch.setattr(FeedState, "finish", real_finish)
        report, rows, statuses = run_round(db, [site.url("/w.rss")], number=2)
        # Pages are fetched concurrently: either of the first outlet's two pages is stored.
        stored = {r[0]: r[5] for r in rows}
        first = next(u for u in stored if u != links["ledger"])
        assert len(stored) == 2 and first in (links["wire"], links["repeat"]), killed
        assert stored[links["ledger"]] == "Daily Ledger"
        assert statuses[0].new_articles == 2
        assert report.recovered >= 1 if killed else (len(report.added), report.recovered) == (2, 0)
        with Store(db) as store:
            credited = dict(store.conn.execute(
                "SELECT e.url, a.url FROM feed_entries e JOIN articles a ON a.id = e.article_id "
                "WHERE e.state = 'done' AND e.reason IS NULL"))
            assert credited == {first: first, links["ledger"]: links["ledger"]}
            # The one stored second (fetch order) is a copy of the other, in its event.
            original, copy = store.conn.execute(
                "SELECT id, duplicate_of, event_id FROM articles ORDER BY seq").fetchall()
            assert copy[1] == original[0] and copy[2] == original[2] and original[1] is None
            assert store.get_event(original[2]).outlet_count == 2
            assert FeedState(store.conn).pending([site.url("/w.rss")]) == []


def test_recovery_credits_each_entry_with_its_own_outlets_copy(eval_dir, tmp_path):
    """Three entries marked with one content hash (a wire story on two outlets, and the first
    outlet's repeat) and killed after the store committed: each stored copy is credited to
    the entry at its URL, whatever the order the entries sort in, and the repeat's entry
    stays pending (fetched again, then found stored)."""
    from newsbrief.feeds.fetcher import Validators
    from newsbrief.feeds.parse import FeedEntry, FeedSource
    from newsbrief.models import Article
    from newsbrief.store.urls import content_hash

    (title, paragraphs), = stories(eval_dir, 1)
    feed = "http://127.0.0.1:9/feed.xml"
    urls = {name: f"http://127.0.0.1:9/{name}.html" for name in ("a-repeat", "b-wire", "c-ledger")}
    text = "\n\n".join(paragraphs)
    wire = Article("wire", title, text, outlet="Wire Desk", url=urls["b-wire"])
    ledger = wire.with_(id="ledger", outlet="Daily Ledger", url=urls["c-ledger"])
    with Store(tmp_path / "db.sqlite") as store:
        state = FeedState(store.conn)
        state.add_feeds([FeedSource(feed)])
        state.record_poll(feed, validators=Validators(),
                          entries=[FeedEntry(u, title) for u in urls.values()])
        state.mark_storing([(feed, u, content_hash(wire)) for u in urls.values()])
        report = store.add_articles([wire, ledger], refresh="none")
        assert [a for a, _ in report.added] == ["wire", "ledger"]
        recovered = state.recover([feed])
        assert sorted((r.url, r.article_id) for r in recovered) == [
            (urls["b-wire"], "wire"), (urls["c-ledger"], "ledger")]
        assert [p.entry.link for p in state.pending([feed])] == [urls["a-repeat"]]
        assert state.feeds()[0].new_articles == 2
        assert state.recover([feed]) == []  # credited once
