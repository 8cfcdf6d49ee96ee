"""One article page (newsbrief.feeds.page): extraction, encodings, canonical URL, feed fill-ins."""

from __future__ import annotations

import pytest
from feeds_server import Behaviour, Site, news_page, start, stories

from newsbrief.feeds.fetcher import FetchConfig, Fetcher
from newsbrief.feeds.page import _pick_date, canonical_link, load_page
from newsbrief.feeds.parse import FeedEntry

FAST = FetchConfig(rate_limit=0, backoff=0.01, timeout=2.0, retries=1)
BODY = ("Die Behörden in Zürich haben am Donnerstag die Schließung des traditionsreichen Cafés "
        "am Münsterhof angekündigt, in dem sich seit Generationen Studenten trafen. ")


@pytest.fixture
def site(tmp_path):
    s = Site(tmp_path / "www")
    server = start(s)
    yield s
    server.shutdown()
    server.server_close()


def test_charset_from_the_http_header(site):
    page = news_page("Café am Münsterhof schließt", [BODY * 3, BODY * 2], charset=None)
    url = site.write("/de.html", page.encode("iso-8859-1"))
    site.behaviours["/de.html"] = Behaviour(content_type="text/html; charset=ISO-8859-1")
    with Fetcher(FAST) as fetcher:
        result = load_page(fetcher, url)
    assert result.error is None
    assert "Schließung des traditionsreichen Cafés" in result.article.text
    assert result.article.title.startswith("Café am Münsterhof")


def test_windows_1252_characters_in_a_page_declared_latin1(site):
    # Browsers read "iso-8859-1" as windows-1252: curly quotes (0x93/0x94) must survive.
    text = "\u201cWe will not back down,\u201d the minister said. " + BODY
    page = news_page("Minister defiant", [text * 3, text * 2], charset="iso-8859-1")
    url = site.write("/q.html", page.encode("cp1252"))
    with Fetcher(FAST) as fetcher:
        result = load_page(fetcher, url)
    assert "\u201cWe will not back down,\u201d" in result.article.text


def test_canonical_link_becomes_the_url_and_feed_fills_gaps(site, eval_dir):
    title, paragraphs = stories(eval_dir, 1)[0]
    page = news_page(title, paragraphs, canonical="/story/42?utm_source=amp", published=None,
                     author=None)
    url = site.write("/amp/42.html", page)
    entry = FeedEntry(url, title="Feed title", published="2017-11-16T08:30:00",
                      author="Feed Author", summary="short")
    with Fetcher(FAST) as fetcher:
        result = load_page(fetcher, url, entry=entry, outlet="Feed Desk")
    article = result.article
    assert article.url == site.url("/story/42")
    assert article.published == "2017-11-16T08:30:00"
    assert article.author == "Feed Author"
    assert article.title != "Feed title"  # the page has its own title
    assert article.outlet == "The Daily Example"  # and names its site


def test_summary_stands_in_for_a_page_without_text(site):
    url = site.write("/js.html", "<html><head><title>App</title></head><body>"
                                 "<div id='root'></div><script>render()</script></body></html>")
    summary = " ".join(["The council approved the budget after a long debate."] * 6)
    with Fetcher(FAST) as fetcher:
        short = load_page(fetcher, url, entry=FeedEntry(url, "Budget", summary="Too short."))
        long = load_page(fetcher, url, entry=FeedEntry(url, "Budget", summary=summary),
                         outlet="City Desk")
    assert short.article is None and short.error
    assert long.article.text == summary and long.article.title == "Budget"
    assert long.article.outlet == "City Desk"


def test_canonical_link_to_the_home_page_is_ignored():
    html = b'<html><head><link rel="canonical" href="https://site.test/"></head><body></body></html>'
    assert canonical_link(html, "https://site.test/news/2017/11/story.html") is None
    html = b'<html><head><link rel="Canonical" href="/news/a.html?utm_medium=x"></head></html>'
    assert canonical_link(html, "https://site.test/amp/a.html") == "https://site.test/news/a.html"


@pytest.mark.parametrize(
    ("page", "feed", "expected"),
    [
        (None, "2017-11-16T08:30:00", "2017-11-16T08:30:00"),
        ("2017-11-15", None, "2017-11-15"),
        ("2017-11-16", "2017-11-16T08:30:00", "2017-11-16T08:30:00"),  # same day: add the time
        ("2017-01-01", "2017-11-16T08:30:00", "2017-11-16T08:30:00"),  # a year-only guess
        ("2017-11-15", "2017-11-16T08:30:00", "2017-11-15"),  # the page states its own date
        # Feed dates say "+00:00": the offset adds no precision over a page's own time.
        ("2017-11-16", "2017-11-16T08:30:00+00:00", "2017-11-16T08:30:00+00:00"),
        ("2017-11-16T09:30", "2017-11-16T08:30:00+00:00", "2017-11-16T08:30:00+00:00"),
        ("2017-11-16T09:30:00", "2017-11-16T08:30:00+00:00", "2017-11-16T09:30:00"),
        ("2017-11-16T09:30:00+01:00", "2017-11-16T08:30:00+00:00", "2017-11-16T09:30:00+01:00"),
    ],
)
def test_pick_date(page, feed, expected):
    assert _pick_date(page, feed) == expected


@pytest.mark.parametrize("page", [b"", b"  \n", b"<!-- nothing -->", b"<!DOCTYPE html>"])
def test_canonical_link_of_a_page_with_no_content_is_none(page):
    """lxml raises ParserError, not a ValueError, on these: it escaped and ended the fetch."""
    assert canonical_link(page, "https://site.test/news/a.html") is None
