"""Generated inputs for every reader and for the pipeline, shared by tests/test_fuzz.py (a small
CI profile) and benchmarks/fuzz_readers.py (10,000 inputs per reader).

Each entry of :data:`TARGETS` pairs a hypothesis strategy with a ``check`` function that runs
the reader on one input and asserts what must hold for *any* input: only the documented
outcome types come back (an article or a :class:`Problem`, a parsed feed or a
``FeedParseError``), and what comes back is well formed. Any other exception is a crash.

Inputs mix three kinds, because random bytes alone rarely get past a parser's first check:
random bytes; real inputs (the seed articles, a realistic page, a small WARC, an RSS feed)
mutated by deleting, duplicating, inserting and flipping bytes; and inputs built from the
format's own pieces (JSON values with the record keys, nested HTML tags, prose with odd
Unicode).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from hypothesis import strategies as st

from newsbrief.config import BriefConfig
from newsbrief.ingest import article_from_html, article_from_record, article_from_text
from newsbrief.ingest.decode import decode_bytes
from newsbrief.ingest.records import articles_from_json_file
from newsbrief.models import Article, Problem

SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"

# Characters that break naive code: controls, NUL, BOM, bidi overrides, zero-width joiners,
# surrogate-free astral symbols, combining marks, line/paragraph separators, full-width dots.
ODD = "\x00\x01\x0b\x0c\x1b\x7f\ufeff\u202e\u202d\u200b\u200d\u2028\u2029\u0301\u3002\uff0e" \
      "\U0001f600\U0001d54f\u00a0\u2026\u201c\u201d\u00ab\u00bb\r\t"
WORDS = ["the", "minister", "said", "talks", "in", "Beijing", "were", "held", "on", "Friday", "U.S.", "Mr.", "Dr.", "No.", "5", "3", "p.m.", "envoy", "North", "Korea", '"quoted"', "“curly”", "—", "–", "...", "!", "?", ";", ":", "(", ")", "[", "]", "<b>", "&", "&amp;", "é", "ß", "中国", "Москва", "العربية"]

_PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Envoy to visit Pyongyang | The Daily Example</title>
<meta property="og:site_name" content="The Daily Example">
<meta property="article:published_time" content="2017-11-17"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav><article><h1>Envoy to visit Pyongyang</h1>
<p>China will send a special envoy to North Korea on Friday, state media said.</p>
<p>The envoy, Song Tao, will report on the party congress, Xinhua said on Wednesday.</p>
<p>“We hope the visit helps,” a foreign ministry spokesman told reporters in Beijing.</p>
</article><footer>&copy; 2017 The Daily Example</footer></body></html>"""

_RSS = """<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Example</title>
<link>http://news.example/</link><description>News</description>
<item><title>Envoy to visit</title><link>http://news.example/a</link>
<pubDate>Fri, 17 Nov 2017 10:00:00 GMT</pubDate><description>&lt;p&gt;China will send
an envoy.&lt;/p&gt;</description></item><item><title>Second</title><guid>http://news.example/b</guid>
</item></channel></rss>"""

_JSON_FEED = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Example",
                         "items": [{"id": "1", "url": "http://news.example/a", "title": "Envoy",
                                    "content_html": "<p>China will send an envoy.</p>",
                                    "date_published": "2017-11-17T10:00:00Z"}]})


@lru_cache(maxsize=1)
def seed_texts() -> tuple[bytes, ...]:
    return tuple(p.read_bytes() for p in sorted(SEEDS.glob("*.txt")))


@lru_cache(maxsize=1)
def small_warc() -> bytes:
    """A real two-record WARC (written with warcio): a page and a non-HTML response."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=False)
    for uri, body, kind in (("http://news.example/a", _PAGE.encode(), "text/html"),
                            ("http://news.example/logo.png", b"\x89PNG\r\n", "image/png")):
        http = StatusAndHeaders("200 OK", [("Content-Type", kind)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            uri, "response", payload=io.BytesIO(body), http_headers=http, length=len(body)))
    return out.getvalue()


@st.composite
def mutated(draw: st.DrawFn, bases: Callable[[], tuple[bytes, ...]]) -> bytes:
    """A real input with up to 8 random edits: delete, duplicate, insert, flip, truncate."""
    data = bytearray(draw(st.sampled_from(bases())))
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.sampled_from(["delete", "duplicate", "insert", "flip", "truncate"]))
        n = len(data)
        i = draw(st.integers(0, max(0, n - 1)))
        j = min(n, i + draw(st.integers(0, 200)))
        if op == "delete":
            del data[i:j]
        elif op == "duplicate":
            data[i:i] = data[i:j] * draw(st.integers(1, 20))
        elif op == "insert":
            data[i:i] = draw(st.binary(max_size=64) | st.text(ODD, max_size=16).map(str.encode))
        elif op == "flip" and n:
            data[i] ^= draw(st.integers(1, 255))
        elif op == "truncate":
            del data[i:]
    return bytes(data)


def prose(max_size: int = 60) -> st.SearchStrategy[str]:
    """Text made of words, punctuation, newlines and odd characters."""
    token = st.sampled_from(WORDS) | st.text(ODD, min_size=1, max_size=3) | st.sampled_from(
        ["\n", "\n\n", ". ", "\n  • ", "By Jane Doe", "2017-11-16", "AFP, BEIJING"])
    return st.lists(token, max_size=max_size).map(" ".join)


def encoded(text: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    encodings = st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-16-be", "cp1252",
                                 "latin-1", "utf-32", "utf-8-sig"])
    return st.tuples(text, encodings).map(lambda t: t[0].encode(t[1], errors="ignore"))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(ODD + "ab é", max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=4),
    max_leaves=12,
)
RECORD_KEYS = ["id", "title", "text", "body", "content", "url", "date", "published",
               "timestamp", "source", "outlet", "author", "language", "articles"]
records = st.dictionaries(
    st.sampled_from(RECORD_KEYS),
    json_values | prose().filter(bool) | st.integers(-10**20, 10**20)
    | st.floats(allow_nan=True, allow_infinity=True),
    max_size=7,
)
html_tags = st.sampled_from(["div", "p", "article", "main", "span", "a", "script", "style",
                             "table", "tr", "td", "h1", "svg", "iframe", "noscript", "meta"])
html_trees = st.recursive(
    prose(12),
    lambda inner: st.tuples(html_tags, st.lists(inner, max_size=4)).map(
        lambda t: f"<{t[0]}>" + "".join(t[1]) + (f"</{t[0]}>" if t[0] != "meta" else "")),
    max_leaves=30,
).map(lambda body: f"<html><head><title>T</title></head><body>{body}</body></html>")


# --- checks: what must hold for any input ----------------------------------------------------

def _check_article(result: object) -> None:
    assert isinstance(result, (Article, Problem)), type(result)
    if isinstance(result, Problem):
        assert result.reason.strip()
        return
    assert isinstance(result.text, str) and result.text.strip()
    assert isinstance(result.title, str) and "\n" not in result.title
    assert isinstance(result.id, str) and result.id
    for name in ("outlet", "published", "url", "language", "author"):
        value = getattr(result, name)
        assert value is None or isinstance(value, str), (name, value)


def check_decode(data: bytes) -> None:
    assert isinstance(decode_bytes(data), str)


def check_text(data: bytes) -> None:
    _check_article(article_from_text(data, path="fuzz.txt"))


def check_html(data: bytes) -> None:
    _check_article(article_from_html(data, path="fuzz.html"))


def check_record(record: object) -> None:
    _check_article(article_from_record(record, default_id="fuzz", path="fuzz.json"))


def check_json_file(data: bytes) -> None:
    for suffix in (".json", ".jsonl"):
        problems: list[Problem] = []
        articles = articles_from_json_file(Path("fuzz" + suffix), data, problems)
        for article in articles:
            _check_article(article)
        assert all(isinstance(p, Problem) and p.reason for p in problems)
        assert articles or problems or not data.strip(), "input silently ignored"


def check_warc(data: bytes) -> None:
    from newsbrief.ingest.warc import articles_from_warc

    for engine in ("fastwarc", "warcio"):
        problems: list[Problem] = []
        for article in articles_from_warc(io.BytesIO(data), problems, name="fuzz.warc",
                                          engine=engine):
            _check_article(article)
        assert all(isinstance(p, Problem) and p.reason for p in problems)


def check_feed(data: bytes) -> None:
    from newsbrief.feeds import FeedParseError, ParsedFeed, parse_feed

    for content_type in ("application/rss+xml", "application/feed+json", None):
        try:
            feed = parse_feed(data, url="http://news.example/feed", content_type=content_type)
        except FeedParseError as exc:
            assert str(exc)
            continue
        assert isinstance(feed, ParsedFeed)
        for entry in feed.entries:
            assert entry.link.startswith(("http://", "https://")), entry.link


def check_prepare(texts: list[str]) -> None:
    from newsbrief.pipeline import prepare_articles

    articles = [Article(id=f"a{i}", title=t.split("\n")[0][:80], text=t)
                for i, t in enumerate(texts)]
    for doc in prepare_articles(articles):
        for s in doc.sentences:
            assert doc.text[s.start:s.end] == s.text and s.text.strip(), s
        assert [s.index for s in doc.sentences] == list(range(len(doc.sentences)))


def check_pipeline(texts: list[str]) -> None:
    from newsbrief.pipeline import brief_documents, prepare_articles

    articles = [Article(id=f"a{i}", title=t.split("\n")[0][:80], text=t, outlet=f"o{i % 2}")
                for i, t in enumerate(texts)]
    documents = prepare_articles(articles)
    if not documents:
        return
    result = brief_documents(documents, BriefConfig(analyze=False, words=60))
    ids = {d.id for d in documents}
    for sentence in result.headline + result.summary:
        assert set(sentence.sources) <= ids and sentence.text.strip()
    assert json.loads(result.to_json())["articles"]


@dataclass(frozen=True)
class Target:
    strategy: st.SearchStrategy
    check: Callable[[object], None]


def _bases_page() -> tuple[bytes, ...]:
    return (_PAGE.encode(),)


def _bases_json() -> tuple[bytes, ...]:
    lines = [json.dumps({"title": "Envoy", "text": t.decode("utf-8", "replace")[:2000],
                         "date": "2017-11-17", "source": "AFP"}) for t in seed_texts()[:2]]
    return ("\n".join(lines).encode(), json.dumps(
        {"id": "c1", "articles": [json.loads(x) for x in lines], "summary": "s"}).encode())


def _bases_feed() -> tuple[bytes, ...]:
    return (_RSS.encode(), _JSON_FEED.encode())


TARGETS: dict[str, Target] = {
    "decode": Target(st.binary(max_size=4096) | mutated(seed_texts), check_decode),
    "text": Target(st.binary(max_size=4096) | mutated(seed_texts) | encoded(prose()), check_text),
    "html": Target(st.binary(max_size=4096) | mutated(_bases_page) | html_trees.map(str.encode),
                   check_html),
    "record": Target(records | json_values, check_record),
    "json_file": Target(st.binary(max_size=2048) | mutated(_bases_json)
                        | st.lists(records, max_size=4).map(
                            lambda rs: "\n".join(json.dumps(r) for r in rs).encode()),
                        check_json_file),
    "warc": Target(st.binary(max_size=2048) | mutated(lambda: (small_warc(),)), check_warc),
    "feed": Target(st.binary(max_size=2048) | mutated(_bases_feed), check_feed),
    "prepare": Target(st.lists(prose(80), min_size=1, max_size=4)
                      | st.lists(mutated(seed_texts).map(lambda b: b.decode("utf-8", "replace")),
                                 min_size=1, max_size=3), check_prepare),
    "pipeline": Target(st.lists(prose(80), min_size=1, max_size=3)
                       | st.lists(mutated(seed_texts).map(lambda b: b.decode("utf-8", "replace")),
                                  min_size=1, max_size=3), check_pipeline),
}
