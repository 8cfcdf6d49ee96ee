"""Feed, OPML and source-file parsing (newsbrief.feeds.parse) on documents written here."""

from __future__ import annotations

import json

import pytest

from newsbrief.feeds.parse import (
    FeedParseError,
    canonical_url,
    parse_feed,
    parse_opml,
    read_sources,
)

BASE = "http://127.0.0.1:8000/feeds/main.xml"

RSS20 = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<title>World Desk</title><link>http://127.0.0.1:8000/</link><description>d</description>
<item><title>Envoy heads to Pyongyang</title>
<link>http://127.0.0.1:8000/news/envoy.html?utm_source=rss&amp;utm_medium=feed&amp;id=7</link>
<pubDate>Thu, 16 Nov 2017 09:30:00 +0100</pubDate><dc:creator>Ann Lee</dc:creator>
<description>&lt;p&gt;China will send a &lt;b&gt;special envoy&lt;/b&gt;.&lt;/p&gt;</description></item>
<item><title>Relative link</title><link>/news/relative.html#comments</link></item>
<item><title>No link at all</title><description>orphan</description></item>
</channel></rss>"""

RSS091 = b"""<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title>
<link>http://127.0.0.1:8000/</link><description>d</description><language>en</language>
<item><title>Old style item</title><link>http://127.0.0.1:8000/old.html</link>
<description>short</description></item></channel></rss>"""

RSS10 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://127.0.0.1:8000/"><title>RDF Desk</title>
<link>http://127.0.0.1:8000/</link><description>d</description></channel>
<item rdf:about="http://127.0.0.1:8000/rdf-story.html"><title>RDF story</title>
<link>http://127.0.0.1:8000/rdf-story.html</link><dc:date>2017-11-18T20:09:00Z</dc:date>
</item></rdf:RDF>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Atom Desk</title><id>urn:x</id><updated>2017-11-18T10:00:00Z</updated>
<entry><title type="html">Talks &lt;em&gt;end&lt;/em&gt;</title>
<link rel="alternate" href="http://127.0.0.1:8000/atom/talks.html"/><id>urn:1</id>
<updated>2017-11-20T17:38:00+08:00</updated><author><name>Bo Chen</name></author>
<summary>Four days of meetings.</summary></entry></feed>"""


def test_rss20_entries_with_canonical_links_dates_and_plain_summaries():
    feed = parse_feed(RSS20, url=BASE, content_type="application/rss+xml")
    assert feed.format == "rss20"
    assert feed.title == "World Desk"
    first, second = feed.entries
    # Tracking parameters go, the real query stays; the fragment goes.
    assert first.link == "http://127.0.0.1:8000/news/envoy.html?id=7"
    assert first.title == "Envoy heads to Pyongyang"
    assert first.published == "2017-11-16T08:30:00+00:00"  # converted to UTC
    assert first.author == "Ann Lee"
    assert first.summary == "China will send a special envoy."
    assert second.link == "http://127.0.0.1:8000/news/relative.html"
    assert any("no usable link" in w for w in feed.warnings)


@pytest.mark.parametrize(
    ("data", "version", "link", "published"),
    [
        (RSS091, "rss091u", "http://127.0.0.1:8000/old.html", None),
        (RSS10, "rss10", "http://127.0.0.1:8000/rdf-story.html", "2017-11-18T20:09:00+00:00"),
        (ATOM, "atom10", "http://127.0.0.1:8000/atom/talks.html", "2017-11-20T09:38:00+00:00"),
    ],
)
def test_rss_09x_10_and_atom(data, version, link, published):
    feed = parse_feed(data, url=BASE)
    assert feed.format.startswith(version[:5])
    assert [e.link for e in feed.entries] == [link]
    assert feed.entries[0].published == published


def test_atom_html_title_and_author():
    entry = parse_feed(ATOM, url=BASE).entries[0]
    assert entry.title == "Talks end"
    assert entry.author == "Bo Chen"
    assert entry.summary == "Four days of meetings."


def test_json_feed():
    doc = {
        "version": "https://jsonfeed.org/version/1.1", "title": "JSON Desk",
        "home_page_url": "http://127.0.0.1:8000/",
        "items": [
            {"id": "1", "url": "/json/one.html?fbclid=xyz", "title": "One",
             "date_published": "2017-11-16T10:00:00-05:00", "authors": [{"name": "Cy"}],
             "content_html": "<p>Body <i>one</i></p>"},
            {"id": "2", "external_url": "http://127.0.0.1:8000/json/two.html", "title": "Two"},
            {"id": "3", "title": "no url"},
            "not an object",
        ],
    }
    feed = parse_feed(json.dumps(doc).encode(), url=BASE, content_type="application/feed+json")
    assert feed.format == "json" and feed.title == "JSON Desk"
    one, two = feed.entries
    assert one.link == "http://127.0.0.1:8000/json/one.html"
    assert one.published == "2017-11-16T15:00:00+00:00"
    assert one.author == "Cy" and one.summary == "Body one"
    assert two.link == "http://127.0.0.1:8000/json/two.html"
    assert len(feed.warnings) == 2


def test_every_feed_date_says_it_is_utc():
    """Feed dates keep an explicit offset, as HTML and WARC dates do ("+00:00"); they used
    to be naive ("2017-11-16T08:30:00"), which reads as the outlet's own clock."""
    rss = RSS20.replace(b"Thu, 16 Nov 2017 09:30:00 +0100", b"Thu, 16 Nov 2017 23:30:00 -0300")
    assert parse_feed(rss, url=BASE).entries[0].published == "2017-11-17T02:30:00+00:00"
    dates = ["2017-11-16T10:00:00-05:00", "2017-11-16T15:00:00Z", "2017-11-16T15:00:00",
             "2017-11-16T15:00:00.250+00:00", "2017-11-16", "0001-01-01T00:30:00+01:00",
             "yesterday"]
    doc = {"version": "https://jsonfeed.org/version/1.1",
           "items": [{"id": str(i), "url": f"http://127.0.0.1:8000/{i}.html",
                      "date_published": d} for i, d in enumerate(dates)]}
    feed = parse_feed(json.dumps(doc).encode(), url=BASE)
    assert [e.published for e in feed.entries] == [
        "2017-11-16T15:00:00+00:00", "2017-11-16T15:00:00+00:00",
        "2017-11-16T15:00:00+00:00",  # RFC 3339 wants an offset: a naive time is taken as UTC
        "2017-11-16T15:00:00+00:00",
        "2017-11-16",  # a day alone stays a day, not midnight UTC
        None,  # its UTC instant is before year 1
        None,
    ]


def test_json_that_is_not_a_json_feed():
    with pytest.raises(FeedParseError, match="not a JSON Feed"):
        parse_feed(b'{"hello": 1}', url=BASE)
    with pytest.raises(FeedParseError, match="broken JSON feed"):
        parse_feed(b'{"version": "https://jsonfeed.org/version/1", "items": [', url=BASE)


def test_broken_xml_without_entries_is_an_error():
    with pytest.raises(FeedParseError, match="broken XML"):
        parse_feed(b"<?xml version='1.0'?><rss version='2.0'><channel><title>x</ti", url=BASE)


def test_html_page_is_not_a_feed():
    with pytest.raises(FeedParseError):
        parse_feed(b"<html><body><p>Hello, I am a web page.</p></body></html>", url=BASE,
                   content_type="text/html")


def test_broken_xml_with_recoverable_entries_is_kept_with_a_warning():
    data = RSS20.replace(b"<title>World Desk</title>", b"<title>World & Desk</title>")
    feed = parse_feed(data, url=BASE)
    assert len(feed.entries) == 2
    assert any("broken XML" in w for w in feed.warnings)


def test_declared_latin1_feed_is_decoded():
    data = ('<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel>'
            "<title>Zürich Zeitung</title><link>http://127.0.0.1/</link><description>d"
            "</description><item><title>Café crème</title><link>http://127.0.0.1/a.html</link>"
            "</item></channel></rss>").encode("latin-1")
    feed = parse_feed(data, url=BASE)
    assert feed.title == "Zürich Zeitung"
    assert feed.entries[0].title == "Café crème"


OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>My subscriptions</title></head><body>
<outline text="World">
  <outline type="rss" text="World Desk" title="World Desk" xmlUrl="http://127.0.0.1:8000/w.xml"/>
  <outline type="rss" text="Atom Desk" xmlUrl="http://127.0.0.1:8000/a.atom"/>
</outline>
<outline type="link" text="Just a link" url="http://127.0.0.1:8000/"/>
<outline type="rss" text="Broken" xmlUrl="ftp://127.0.0.1/feed"/>
</body></opml>"""


def test_opml_nested_outlines_and_bad_urls():
    feeds, problems = parse_opml(OPML, "subs.opml")
    assert [(f.url, f.title) for f in feeds] == [
        ("http://127.0.0.1:8000/w.xml", "World Desk"),
        ("http://127.0.0.1:8000/a.atom", "Atom Desk"),
    ]
    assert len(problems) == 1 and "ftp://" in problems[0].reason
    assert problems[0].source == "subs.opml" and problems[0].line == 8


def test_opml_errors_name_the_file():
    with pytest.raises(FeedParseError, match="not an OPML file"):
        parse_opml(b"<rss version='2.0'/>", "x.opml")
    with pytest.raises(FeedParseError, match="broken OPML"):
        parse_opml(b"<opml><body>", "x.opml")


def test_opml_does_not_expand_entities():
    evil = (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<opml><body><outline text="&x;" xmlUrl="http://127.0.0.1/f.xml"/></body></opml>')
    # The external entity is refused rather than read from disk.
    with pytest.raises(FeedParseError, match="external entity"):
        parse_opml(evil, "evil.opml")


def test_read_sources_mixes_urls_text_files_and_opml(tmp_path):
    listing = tmp_path / "feeds.txt"
    listing.write_text("# my feeds\n\nhttp://127.0.0.1:8000/w.xml\nnot a url\n"
                       "  http://127.0.0.1:8000/x.rss  \n")
    opml = tmp_path / "subs.opml"
    opml.write_bytes(OPML)
    feeds, problems = read_sources([str(listing), str(opml), "http://127.0.0.1:8000/j.json",
                                    str(tmp_path / "missing.txt")])
    assert [f.url for f in feeds] == [
        "http://127.0.0.1:8000/w.xml", "http://127.0.0.1:8000/x.rss",
        "http://127.0.0.1:8000/a.atom", "http://127.0.0.1:8000/j.json",
    ]
    reasons = {(p.source, p.line): p.reason for p in problems}
    assert reasons[(str(listing), 4)] == "not a feed URL: 'not a url'"
    assert (str(tmp_path / "missing.txt"), None) in reasons
    assert any("ftp://" in r for r in reasons.values())


def test_empty_source_file_is_reported(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing yet\n")
    feeds, problems = read_sources([str(empty)])
    assert feeds == [] and problems[0].reason == "no feed URLs in the file"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM:80/a/b.html?utm_campaign=x&utm_source=y", "http://example.com/a/b.html"),
        ("https://example.com/story?id=5&gclid=abc#top", "https://example.com/story?id=5"),
        ("https://example.com", "https://example.com/"),
        ("mailto:someone@example.com", None),
        ("javascript:alert(1)", None),
        ("", None),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_canonical_url_resolves_relative_links():
    assert canonical_url("../b.html?ref=home", "http://h.test/x/y/a.html") == "http://h.test/x/b.html"


def test_json_feed_summary_of_only_a_doctype_is_no_summary():
    """lxml's ParserError on "<!DOCTYPE html>" (not a ValueError) escaped from the summary's
    HTML-to-text step and ended the whole watch with a traceback."""
    doc = {"version": "https://jsonfeed.org/version/1.1", "title": "Desk",
           "items": [{"id": "1", "url": "/a.html", "content_html": "<!DOCTYPE html>"}]}
    feed = parse_feed(json.dumps(doc).encode(), url=BASE, content_type="application/feed+json")
    (entry,) = feed.entries
    assert entry.link == "http://127.0.0.1:8000/a.html" and entry.summary is None


def test_source_file_line_with_a_trailing_comment_or_two_urls(tmp_path):
    # "URL  # note" used to become the feed "URL  # note" (fetched as .../w.xml%20%20, a 404);
    # two URLs on one line became one unfetchable feed. URLs hold no whitespace.
    listing = tmp_path / "feeds.txt"
    listing.write_text("http://127.0.0.1:8000/w.xml   # World desk\n"
                       "http://127.0.0.1:8000/a.rss\thttp://127.0.0.1:8000/b.rss\n"
                       "http://127.0.0.1:8000/c.rss#section\n")
    feeds, problems = read_sources([str(listing)])
    assert [f.url for f in feeds] == ["http://127.0.0.1:8000/w.xml",
                                      "http://127.0.0.1:8000/c.rss#section"]
    assert [(p.line, p.reason.split(":")[0]) for p in problems] == [(2, "not a feed URL")]


def test_json_feed_values_of_the_wrong_type_are_skipped_not_raised():
    # Any JSON value can stand where the spec says string; a number as an item's url used to
    # raise AttributeError out of parse_feed and end the whole polling round.
    doc = {"version": "https://jsonfeed.org/version/1.1", "items": [
        {"id": "1", "url": 5}, {"id": "2", "url": ["http://x.example/a"]},
        {"id": "3", "url": None, "external_url": "http://x.example/e", "authors": 5},
        {"id": "4", "url": "http://x.example/b",
         "authors": [{"name": 7}, {"name": "Ann Lee"}]},
        {"id": "5", "url": "http://x.example/c", "author": {"name": ["x"]}},
    ]}
    feed = parse_feed(json.dumps(doc).encode(), url="http://x.example/feed.json")
    assert [(e.link, e.author) for e in feed.entries] == [
        ("http://x.example/e", None), ("http://x.example/b", "Ann Lee"),
        ("http://x.example/c", None)]
    assert feed.warnings == ("item 0: no usable url", "item 1: no usable url")


def test_entry_link_with_a_malformed_ipv6_host_is_skipped_with_a_warning(tmp_path):
    # urllib raises ValueError on "http://[::1/": it escaped parse_feed (and read_sources).
    data = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            b"<item><title>bad</title><link>http://[::1/story</link></item>"
            b"<item><title>good</title><link>http://x.example/story</link></item>"
            b"</channel></rss>")
    feed = parse_feed(data, url="http://x.example/rss.xml")
    assert [e.link for e in feed.entries] == ["http://x.example/story"]
    assert feed.warnings == ("entry 0: no usable link",)
    listing = tmp_path / "feeds.txt"
    listing.write_text("http://[::1/feed.xml\n")
    feeds, problems = read_sources([str(listing), "http://[::1/other.xml"])
    assert feeds == [] and [p.line for p in problems] == [1, None]
