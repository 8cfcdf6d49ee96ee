"""``newsbrief fetch``, ``watch`` and ``feeds`` (newsbrief.cli.feeds) against a loopback site,
in process and as real processes interrupted with Ctrl-C or killed."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from feeds_server import Behaviour, Site, news_page, rss, start, stories

from newsbrief.cli import main


@pytest.fixture
def site(tmp_path):
    s = Site(tmp_path / "www")
    server = start(s)
    yield s
    server.shutdown()
    server.server_close()


@pytest.fixture
def two_feeds(site, eval_dir, tmp_path):
    texts = stories(eval_dir, 4)
    links = [site.write(f"/a/{i}.html", news_page(*t)) for i, t in enumerate(texts)]
    site.write("/one.rss", rss([{"title": t[0], "link": u} for t, u in zip(texts[:2], links)],
                               title="One Desk"))
    site.write("/two.json", json.dumps({"version": "https://jsonfeed.org/version/1.1",
                                        "title": "Two Desk",
                                        "items": [{"id": u, "url": u} for u in links[2:]]}))
    listing = tmp_path / "feeds.txt"
    listing.write_text(f"# news\n{site.url('/one.rss')}\n{site.url('/two.json')}\n")
    return listing, links


def test_watch_once_then_again_then_feeds(two_feeds, tmp_path, capsys):
    listing, _ = two_feeds
    db = str(tmp_path / "db.sqlite")
    args = ["watch", str(listing), "--once", "--db", db, "--rate-limit", "0", "-q"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith("round 1: 2 feeds polled, 4 new articles, events ")
    assert out.rstrip().endswith(", 0 errors")
    assert main(args) == 0
    assert capsys.readouterr().out == (
        "round 1: 2 feeds polled (2 not modified), 0 new articles, "
        "events 0 created, 0 updated, 0 errors\n"
    )
    assert main(["feeds", "--db", db, "--format", "json"]) == 0
    feeds = json.loads(capsys.readouterr().out)
    assert [(f["title"], f["new_articles"], f["last_new"], f["last_status"], f["last_error"])
            for f in feeds] == [("One Desk", 2, 0, "not modified", None),
                                ("Two Desk", 2, 0, "not modified", None)]
    assert all(f["last_poll"] and f["last_success"] for f in feeds)
    assert main(["feeds", "--db", db]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["FEED", "LAST", "POLL", "LAST", "SUCCESS", "NEW", "(LAST/ALL)",
                                "PENDING", "WAITING", "LAST", "ERROR"]
    assert "0/2" in table[1] and "one.rss" in table[1]


def test_watch_json_round_report_with_errors(site, two_feeds, tmp_path, capsys):
    listing, _ = two_feeds
    site.write("/broken.xml", "<rss><channel><item><title>unterminated")
    db = str(tmp_path / "db.sqlite")
    code = main(["watch", str(listing), site.url("/broken.xml"), "--once", "--db", db,
                 "--rate-limit", "0", "--format", "json", "-q"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    # feedparser's lenient parser recovers the item, so the feed counts as polled, but the
    # broken XML is still reported (and the item, having no link, is named too).
    assert report["feeds"] == 3 and report["feeds_failed"] == 0 and report["new_articles"] == 4
    assert report["errors"][0]["source"] == site.url("/broken.xml")
    reason = report["errors"][0]["reason"]
    assert reason.startswith("broken XML") and "1 entries recovered leniently" in reason
    assert "entry 0: no usable link" in reason
    main(["feeds", "--db", db])
    assert "broken XML" in capsys.readouterr().out


def test_fetch_urls_skips_stored_and_reports_failures(site, eval_dir, tmp_path, capsys):
    texts = stories(eval_dir, 2)
    one = site.write("/p/one.html", news_page(*texts[0]))
    two = site.write("/p/two.html", news_page(*texts[1]))
    db = str(tmp_path / "db.sqlite")
    code = main(["fetch", one + "?utm_campaign=x", two, site.url("/p/missing.html"),
                 "--db", db, "--rate-limit", "0", "-q"])
    captured = capsys.readouterr()
    assert code == 0
    assert captured.out.startswith("fetch: 2 new articles, events ")
    assert f"error: {site.url('/p/missing.html')}: HTTP 404 Not Found" in captured.err
    before = len(site.requested("/p/one.html"))
    assert main(["fetch", one, "--db", db, "-q"]) == 0
    assert capsys.readouterr().out.startswith("fetch: 0 new articles, 1 already stored")
    assert len(site.requested("/p/one.html")) == before  # not fetched again
    with sqlite3.connect(db) as conn:
        urls = sorted(r[0] for r in conn.execute("SELECT url FROM articles"))
    assert urls == [one, two]  # utm_* removed


def test_fetch_not_an_article_twice_uses_a_conditional_request(site, tmp_path, capsys):
    url = site.write("/p/teaser.html", news_page("Subscribe to read", ["Only for subscribers."]))
    db = str(tmp_path / "db.sqlite")
    assert main(["fetch", url, "--db", db, "-q"]) == 2
    assert "not an article" in capsys.readouterr().err
    assert main(["fetch", url, "--db", db, "-q"]) == 2
    assert "unchanged since last fetch: not an article" in capsys.readouterr().err
    second = site.requested("/p/teaser.html")[1]
    assert second.headers.get("If-None-Match")


def test_user_errors_are_one_line(tmp_path, capsys):
    assert main(["fetch", "ftp://example.org/x", "--db", str(tmp_path / "d.db")]) == 2
    err = capsys.readouterr().err
    assert "skipped ftp://example.org/x: not an http(s) URL" in err
    assert "newsbrief: error: no fetchable URLs" in err
    assert main(["watch", str(tmp_path / "nope.txt"), "--once", "--db",
                 str(tmp_path / "d.db")]) == 2
    assert "not a feed URL, and no such file" in capsys.readouterr().err
    assert main(["feeds", "--db", str(tmp_path / "missing.db")]) == 2
    assert "no such database" in capsys.readouterr().err


def test_missing_feeds_extra_is_named(tmp_path, capsys, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "feedparser" else real(name, *a))
    assert main(["watch", "http://127.0.0.1:9/feed.xml", "--once", "--db",
                 str(tmp_path / "d.db")]) == 5
    assert "pip install 'newsbrief[feeds]'" in capsys.readouterr().err


# -- real processes: Ctrl-C and kill ------------------------------------------------------


@pytest.fixture
def slow_feed(site, eval_dir, tmp_path):
    texts = stories(eval_dir, 8)
    links = []
    for i, text in enumerate(texts):
        links.append(site.write(f"/s/{i}.html", news_page(*text)))
        site.behaviours[f"/s/{i}.html"] = Behaviour(delay=0.25)
    site.write("/slow.rss", rss([{"title": t[0], "link": u} for t, u in zip(texts, links)]))
    return site.url("/slow.rss"), links


def _watch(feed: str, db: str) -> subprocess.Popen:
    code = "import sys; from newsbrief.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen(
        [sys.executable, "-c", code, "watch", feed, "--once", "--db", db, "--rate-limit", "0",
         "--concurrency", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _wait_for_pages(site: Site, count: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while sum(p.startswith("/s/") for p in site.paths()) < count:
        assert time.monotonic() < deadline, "watch never fetched the pages"
        time.sleep(0.02)


def _stored(db: str) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT url FROM articles")]


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_a_restart_finishes(site, slow_feed, tmp_path):
    feed, links = slow_feed
    db = str(tmp_path / "db.sqlite")
    proc = _watch(feed, db)
    _wait_for_pages(site, 3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "(interrupted)" in out and "Traceback" not in err
    first = _stored(db)
    assert 0 < len(first) < len(links)
    proc = _watch(feed, db)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    stored = _stored(db)
    assert sorted(stored) == sorted(links)  # nothing lost, nothing twice


@pytest.mark.slow
def test_killed_at_any_point_neither_loses_nor_duplicates(site, slow_feed, tmp_path):
    feed, links = slow_feed
    db = str(tmp_path / "db.sqlite")
    for seen in (2, 5):  # kill -9 twice, at different places in the round
        proc = _watch(feed, db)
        _wait_for_pages(site, seen)
        proc.kill()
        proc.communicate(timeout=30)
    proc = _watch(feed, db)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    stored = _stored(db)
    assert sorted(stored) == sorted(links)
    with sqlite3.connect(db) as conn:
        states = dict(conn.execute("SELECT state, count(*) FROM feed_entries GROUP BY state"))
    assert states == {"done": len(links)}


# A watcher stopped right after Store.add_articles committed a batch and before the feed
# state recorded it (FeedState.finish), and held there until the parent SIGKILLs it.
_KILLED_AFTER_STORING = """
import sys, time
from newsbrief.cli import main
from newsbrief.feeds.state import FeedState

real = FeedState.finish

def finish(self, outcomes):
    outcomes = list(outcomes)
    if any(o.added for o in outcomes):
        print("stored", flush=True)
        time.sleep(120)
    return real(self, outcomes)

FeedState.finish = finish
sys.exit(main(sys.argv[1:]))
"""


def test_sigkill_between_storing_and_feed_state_keeps_the_counts_right(
    site, eval_dir, tmp_path, capsys
):
    """Killed after its articles were committed but before the feed state said so, a resumed
    watch counted them as "already stored": `feeds` showed fewer new articles than the feed
    had brought. Now the resumed round credits them to their feed."""
    texts = stories(eval_dir, 3)
    links = [site.write(f"/k/{i}.html", news_page(*t)) for i, t in enumerate(texts)]
    feed = site.write("/k.rss", rss([{"title": t[0], "link": u} for t, u in zip(texts, links)]))
    db = str(tmp_path / "db.sqlite")
    args = ["watch", feed, "--once", "--db", db, "--rate-limit", "0", "-q"]
    child = subprocess.Popen([sys.executable, "-c", _KILLED_AFTER_STORING, *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = child.stdout.readline()
        assert line.strip() == "stored", child.stderr.read()
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
    stored = _stored(db)
    assert 1 <= len(stored) <= 3
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT new_articles FROM feeds").fetchone()[0] == 0
    assert main([*args, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["new_articles"] == 3 and report["recovered"] == len(stored)
    assert report["already_stored"] == 0 and report["errors"] == []
    assert sorted(_stored(db)) == sorted(links)  # nothing lost, nothing twice
    assert main(["feeds", "--db", db, "--format", "json"]) == 0
    (status,) = json.loads(capsys.readouterr().out)
    assert (status["new_articles"], status["last_new"], status["pending"]) == (3, 3, 0)
    # The pages stored before the kill were credited, not fetched again.
    for url in stored:
        assert len(site.requested(url.removeprefix(site.base))) == 1


def test_watch_says_which_feed_waits_for_its_retry_after(site, two_feeds, tmp_path, capsys):
    listing, _ = two_feeds
    site.behaviours["/one.rss"] = Behaviour(fail=1, fail_status=503,
                                            headers={"Retry-After": "7200"})
    db = str(tmp_path / "db.sqlite")
    args = ["watch", str(listing), "--once", "--db", db, "--rate-limit", "0", "-q"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert out.startswith("round 1: 2 feeds polled, 2 new articles")
    assert (f"  error: {site.url('/one.rss')}: HTTP 503, Retry-After 7200s is too long; "
            "not polled before ") in err
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert out.startswith("round 1: 1 feeds polled (1 not modified), 1 waiting (Retry-After), "
                          "0 new articles")
    (note,) = err.splitlines()
    assert note.startswith(f"  note: {site.url('/one.rss')}: waiting until ")
    assert note.endswith(" UTC (Retry-After)")
    assert len(site.requested("/one.rss")) == 1
    assert main(["feeds", "--db", db, "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    waiting = {f["url"]: f["not_before"] for f in listed}
    assert waiting[site.url("/one.rss")] is not None and waiting[site.url("/two.json")] is None
    # The table says it too, in a column of its own, as the round's note words it.
    until = note.removeprefix(f"  note: {site.url('/one.rss')}: waiting ").removesuffix(
        " (Retry-After)")
    assert main(["feeds", "--db", db]) == 0
    header, *rows = capsys.readouterr().out.splitlines()
    start, end = header.index("WAITING"), header.index("LAST ERROR")
    cells = {row.split()[0]: row[start:end].strip() for row in rows}
    assert cells == {site.url("/one.rss"): until, site.url("/two.json"): ""}
    assert until.startswith("until ") and until.endswith(" UTC")
    # The error after it, cut to 80 columns.
    error = rows[[r.split()[0] for r in rows].index(site.url("/one.rss"))][end:]
    (full,) = [f["last_error"] for f in listed if f["url"] == site.url("/one.rss")]
    assert full.startswith("HTTP 503") and len(full) > 80
    assert len(error) == 80 and full.startswith(error.removesuffix("…"))


def test_empty_page_and_doctype_only_summary_are_entry_errors(site, eval_dir, tmp_path, capsys):
    """lxml raises ParserError (not a ValueError) on a document with no content: an empty
    200 page (the canonical-link probe) or a feed summary of only "<!DOCTYPE html>" ended the
    whole fetch or watch with a traceback. Each is now that entry's error; the rest goes on."""
    (headline, paragraphs), = stories(eval_dir, 1)
    good = site.write("/a/good.html", news_page(headline, paragraphs))
    empty = site.write("/a/empty.html", "")
    site.write("/feed.json", json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "Desk",
        "items": [{"id": "1", "url": empty, "content_html": "<!DOCTYPE html>"},
                  {"id": "2", "url": good, "content_html": "<!DOCTYPE html>"}]}))
    db = str(tmp_path / "db.sqlite")
    code = main(["watch", site.url("/feed.json"), "--once", "--db", db, "--rate-limit", "0",
                 "--retries", "0", "--format", "json", "-q"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["new_articles"] == 1
    assert [e["source"] for e in report["errors"]] == [empty]
    code = main(["fetch", empty, "--db", db, "--rate-limit", "0", "--retries", "0", "-q"])
    out, err = capsys.readouterr()
    assert code == 2 and out.startswith("fetch: 0 new articles") and "Traceback" not in err
    assert f"error: {empty}: " in err


@pytest.mark.parametrize("option", ["--timeout", "--interval", "--rate-limit"])
@pytest.mark.parametrize("value", ["nan", "inf"])
def test_non_finite_numbers_are_refused(option, value, capsys):
    """nan passed the "not negative" check: --timeout nan ended in a traceback from the
    socket, and --interval nan made watch poll again at once, round after round. Parsed
    only (no watch is started), so a regression fails here instead of polling forever."""
    from newsbrief.cli import build_parser

    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["watch", "http://127.0.0.1:9/feed", option, value])
    assert exit_.value.code == 2
    assert f"argument {option}: must be a finite number: '{value}'" in capsys.readouterr().err


def test_problems_file_holds_skipped_inputs_and_failed_pages_and_feeds(site, two_feeds,
                                                                       eval_dir, tmp_path,
                                                                       capsys):
    """fetch and watch --problems-file: the inputs skipped before any request (not a URL,
    no such source file) and then every page or feed that failed, as JSON lines."""
    page = site.write("/p/one.html", news_page(*stories(eval_dir, 1)[0]))
    missing = site.url("/p/missing.html")
    db = str(tmp_path / "db.sqlite")
    listing = tmp_path / "fetch.jsonl"
    assert main(["fetch", "ftp://example.org/x", page, missing, "--db", db, "--rate-limit",
                 "0", "-q", "--problems-file", str(listing)]) == 0
    capsys.readouterr()
    every = [json.loads(line) for line in listing.read_text(encoding="utf-8").splitlines()]
    assert [(p["source"], p["reason"]) for p in every] == [
        ("ftp://example.org/x", "not an http(s) URL"), (missing, "HTTP 404 Not Found")]

    feeds, _ = two_feeds
    site.write("/broken.xml", "<rss><channel><item><title>unterminated")
    listing = tmp_path / "watch.jsonl"
    nope = str(tmp_path / "nope.txt")
    assert main(["watch", str(feeds), nope, site.url("/broken.xml"), site.url("/gone.rss"),
                 "--once", "--db", db, "--rate-limit", "0", "-q",
                 "--problems-file", str(listing)]) == 0
    capsys.readouterr()
    every = [json.loads(line) for line in listing.read_text(encoding="utf-8").splitlines()]
    assert every[0] == {"source": nope, "line": None, "reason": "not a feed URL, and no such file"}
    failed = {p["source"]: p["reason"] for p in every[1:]}
    assert set(failed) == {site.url("/broken.xml"), site.url("/gone.rss")}
    assert failed[site.url("/broken.xml")].startswith("broken XML")
    assert "404" in failed[site.url("/gone.rss")]

    polled = len(site.requested("/one.rss"))
    code = main(["watch", str(feeds), "--once", "--db", db, "--problems-file", str(tmp_path)])
    assert code == 2
    assert capsys.readouterr().err.startswith(
        f"newsbrief: error: --problems-file {tmp_path}: cannot write")
    assert len(site.requested("/one.rss")) == polled  # refused before any request


def test_feeds_migrates_a_database_an_older_newsbrief_made(capsys, tmp_path, seeds_dir):
    """A store at schema 8 (before the feed tables and this morning's migrations): feeds
    refused it ("open it once for writing to migrate"); now it migrates a file it can write."""
    from newsbrief.config import BriefConfig
    from newsbrief.ingest import read_paths
    from newsbrief.store import Store
    from newsbrief.store.db import pending_migrations

    db = tmp_path / "old.db"
    with Store(db, config=BriefConfig(analyze=False, method="lead"), migrate_to=8) as store:
        store.add_articles(read_paths([seeds_dir]).articles)
    assert pending_migrations(db)
    assert main(["feeds", "--db", str(db), "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert pending_migrations(db) == []
