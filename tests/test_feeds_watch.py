"""Polling rounds end to end (newsbrief.feeds.watch, .state, .page) against a loopback site:
feeds of every kind, pages with site chrome, and every failure the issue lists."""

from __future__ import annotations

import json
import threading
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
    assert by_url[good[3]][2] == "2017-11-18T10:00:00"
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
    report, rows, _ = run_round(db, [site.url("/c.rss")], number=2)
    assert sorted(r[0] for r in rows) == sorted(links)  # nothing lost, nothing twice
    assert len(report.added) == 3 - len(committed)
    assert report.already_stored == len(committed)
    refetched = {site.url(e.path) for e in site.log[mark:] if e.path.startswith("/c/")}
    assert refetched == set(links) - committed  # stored pages are not fetched again
    with Store(db) as store:
        assert FeedState(store.conn).pending([site.url("/c.rss")]) == []


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
