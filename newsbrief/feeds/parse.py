"""Feeds, OPML subscription lists and source files, parsed into plain records.

RSS 0.9x/1.0/2.0 and Atom go through feedparser (which copes with the broken feeds found in
the wild and resolves relative links); JSON Feed (https://jsonfeed.org/version/1.1) is JSON, read
with the standard library; OPML through lxml with entity expansion and network access off.
Entry links become canonical URLs with :func:`canonical_url` (courlan: lower-case host, default
port dropped, tracking parameters such as ``utm_*`` removed) so that one story reached through
two feeds, or through a feed and a pasted link, is one URL.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

from newsbrief.errors import InputError
from newsbrief.ingest.decode import decode_bytes
from newsbrief.models import Problem

__all__ = [
    "FeedEntry",
    "FeedParseError",
    "FeedSource",
    "ParsedFeed",
    "canonical_url",
    "is_url",
    "parse_feed",
    "parse_opml",
    "read_sources",
]

MAX_SOURCE_FILE_BYTES = 16 * 1024 * 1024


class FeedParseError(InputError):
    """A feed, OPML or source file that cannot be read; ``reason`` is the short cause."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One feed item: ``link`` is canonical; the rest fills gaps the page leaves."""

    link: str
    title: str | None = None
    published: str | None = None
    author: str | None = None
    summary: str | None = None
    entry_id: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A parsed feed; ``warnings`` are recoverable problems (e.g. XML fixed up leniently)."""

    url: str
    format: str
    title: str | None
    entries: tuple[FeedEntry, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FeedSource:
    """A feed to follow, and where it was named (a command line, a text file, an OPML file)."""

    url: str
    title: str | None = None
    origin: str | None = None


def is_url(text: str) -> bool:
    """Whether ``text`` is an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:  # urllib raises on e.g. "http://[::1/" (an unclosed IPv6 host)
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def canonical_url(url: str | None, base: str | None = None) -> str | None:
    """The normal form of an article URL, or ``None`` when it is not an http(s) URL.

    Relative URLs are resolved against ``base``; the fragment is dropped (it names a place
    in the same document); courlan normalises the rest and strips tracking parameters.
    """
    from courlan import normalize_url

    if not url or not url.strip():
        return None
    url = url.strip()
    if base:
        try:
            url = urljoin(base, url)
        except ValueError:  # an invalid IPv6 host in the link or the base
            return None
    if not is_url(url):
        return None
    try:
        normal = normalize_url(url, strict=False)
    except (ValueError, TypeError):
        return None
    parts = urlsplit(normal)
    path = parts.path or "/"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def _html_to_text(value: str | None) -> str | None:
    """Feed summaries are often HTML: keep their text only."""
    if not value or not value.strip():
        return None
    if "<" not in value:
        return " ".join(value.split()) or None
    import lxml.html
    from lxml.etree import ParserError

    try:
        text = lxml.html.fragment_fromstring(value, create_parent="div").text_content()
    except (ValueError, TypeError, ParserError):  # ParserError (not a ValueError): no content
        return None
    return " ".join(text.split()) or None


def _struct_to_iso(value: object) -> str | None:
    """feedparser's UTC ``time.struct_time`` as ISO 8601 that says it is UTC
    ("2024-03-07T10:00:00+00:00"), as HTML and WARC dates keep their offset: a naive time
    would read as the outlet's own clock."""
    if value is None:
        return None
    try:
        stamp = calendar.timegm(value)  # type: ignore[arg-type]
        return datetime.fromtimestamp(stamp, tz=UTC).isoformat(timespec="seconds")
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _iso_date(value: object) -> str | None:
    """An RFC 3339 date from a JSON Feed as ISO 8601 in UTC with its offset
    ("2024-03-07T10:00:00+00:00"); a naive time is taken as UTC, a day alone stays a day
    (as :func:`newsbrief.ingest.warc.crawl_date` keeps it); ``None`` when unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if len(text) <= 10:  # "2024-03-07": a day, not midnight UTC
        return when.date().isoformat()
    try:
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except OverflowError:  # e.g. "0001-01-01T00:00:00+01:00": its UTC instant is before year 1
        return None
    return when.isoformat(timespec="seconds")


def _looks_json(data: bytes, content_type: str | None) -> bool:
    if content_type in ("application/feed+json", "application/json"):
        return True
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def _parse_json_feed(data: bytes, url: str, charset: str | None) -> ParsedFeed:
    try:
        doc = json.loads(decode_bytes(data, charset or "utf-8"))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise FeedParseError(url, f"broken JSON feed ({exc})") from None
    if not isinstance(doc, dict) or "jsonfeed.org" not in str(doc.get("version", "")):
        raise FeedParseError(url, "JSON but not a JSON Feed (no jsonfeed.org version)")
    items = doc.get("items")
    if not isinstance(items, list):
        raise FeedParseError(url, "JSON Feed has no 'items' list")
    base = doc.get("home_page_url") if isinstance(doc.get("home_page_url"), str) else url
    entries, warnings = [], []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            warnings.append(f"item {i}: not an object")
            continue
        # Any JSON value may stand where the spec says string: only strings are used.
        urls = [item.get(key) for key in ("url", "external_url")]
        link = canonical_url(next((u for u in urls if isinstance(u, str) and u.strip()), None),
                             base)
        if link is None:
            warnings.append(f"item {i}: no usable url")
            continue
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        names = [a["name"] for a in (authors if isinstance(authors, list) else [])
                 if isinstance(a, dict) and isinstance(a.get("name"), str) and a["name"]]
        summary = item.get("summary") or item.get("content_text") or item.get("content_html")
        entries.append(FeedEntry(
            link=link,
            title=_html_to_text(item.get("title")) if isinstance(item.get("title"), str) else None,
            published=_iso_date(item.get("date_published") or item.get("date_modified")),
            author=", ".join(names) or None,
            summary=_html_to_text(summary) if isinstance(summary, str) else None,
            entry_id=str(item["id"]) if item.get("id") is not None else None,
        ))
    title = doc.get("title") if isinstance(doc.get("title"), str) else None
    return ParsedFeed(url, "json", title, tuple(entries), tuple(warnings))


def parse_feed(
    data: bytes, *, url: str, content_type: str | None = None, charset: str | None = None
) -> ParsedFeed:
    """Parse an RSS, Atom or JSON feed; raises :class:`FeedParseError` when nothing is usable.

    XML that is not well-formed but from which feedparser's lenient parser still recovers
    entries is kept, with a warning naming the XML error.
    """
    if _looks_json(data, content_type):
        return _parse_json_feed(data, url, charset)
    import feedparser

    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type + (f"; charset={charset}" if charset else "")
    # Always bytes: given a str, feedparser would treat it as a URL or file name to open.
    try:
        doc = feedparser.parse(bytes(data), response_headers=headers)
    except Exception as exc:  # noqa: BLE001 - feedparser's encoding sniffing raises
        # UnicodeDecodeError/ValueError on a bad <?xml encoding=...?> (found by fuzzing).
        raise FeedParseError(url, f"cannot parse feed ({exc.__class__.__name__})") from None
    warnings: list[str] = []
    if doc.bozo:
        exc = doc.get("bozo_exception")
        benign = isinstance(exc, (feedparser.CharacterEncodingOverride,
                                  feedparser.NonXMLContentType))
        if not benign:
            reason = f"broken XML ({exc})" if exc else "broken XML"
            if not doc.entries:
                raise FeedParseError(url, reason)
            warnings.append(f"{reason}; {len(doc.entries)} entries recovered leniently")
    if not doc.get("version") and not doc.entries:
        raise FeedParseError(url, "not an RSS, Atom or JSON feed")
    entries = []
    for i, item in enumerate(doc.entries):
        raw_link = item.get("feedburner_origlink") or item.get("link")
        if not raw_link:
            guid = item.get("id")
            raw_link = guid if guid and is_url(guid) else None
        link = canonical_url(raw_link, url)
        if link is None:
            warnings.append(f"entry {i}: no usable link")
            continue
        entries.append(FeedEntry(
            link=link,
            title=_html_to_text(item.get("title")),
            published=_struct_to_iso(item.get("published_parsed") or item.get("updated_parsed")),
            author=item.get("author") or None,
            summary=_html_to_text(item.get("summary")),
            entry_id=item.get("id") or None,
        ))
    feed = doc.get("feed", {})
    return ParsedFeed(url, doc.get("version") or "unknown", feed.get("title") or None,
                      tuple(entries), tuple(warnings))


def parse_opml(data: bytes, source: str) -> tuple[list[FeedSource], list[Problem]]:
    """The feeds of an OPML subscription list (every ``outline`` with an ``xmlUrl``)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             recover=False)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise FeedParseError(source, f"broken OPML ({exc})") from None
    if not isinstance(root.tag, str) or etree.QName(root).localname.lower() != "opml":
        raise FeedParseError(source, f"not an OPML file (root element {root.tag!r})")
    feeds, problems = [], []
    for outline in root.iter("{*}outline", "outline"):
        attrs = {k.lower(): v for k, v in outline.attrib.items()}
        url = attrs.get("xmlurl")
        if url is None:
            continue  # a folder, or a plain link
        if not is_url(url):
            problems.append(Problem(source, f"outline {attrs.get('text', '')!r}: "
                                            f"xmlUrl {url!r} is not an http(s) URL",
                                    line=outline.sourceline))
            continue
        title = attrs.get("title") or attrs.get("text") or None
        feeds.append(FeedSource(url.strip(), title, source))
    if not feeds and not problems:
        problems.append(Problem(source, "OPML file lists no feeds (no outline with xmlUrl)"))
    return feeds, problems


def _read_source_file(path: Path) -> tuple[list[FeedSource], list[Problem]]:
    source = str(path)
    try:
        if path.stat().st_size > MAX_SOURCE_FILE_BYTES:
            return [], [Problem(source, "file too large for a list of feeds")]
        data = path.read_bytes()
    except OSError as exc:
        return [], [Problem(source, f"cannot read: {exc.strerror or exc}")]
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        try:
            return parse_opml(data, source)
        except FeedParseError as exc:
            return [], [Problem(source, exc.reason)]
    feeds, problems = [], []
    for number, line in enumerate(decode_bytes(data).splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        words = text.split(maxsplit=1)
        if len(words) == 2 and words[1].startswith("#"):
            text = words[0]  # "URL  # a note": a comment after the URL
        # Whitespace cannot be part of a URL here: "URL URL" would be fetched as one wrong URL.
        if not is_url(text) or len(text.split()) > 1:
            problems.append(Problem(source, f"not a feed URL: {text[:80]!r}", line=number))
            continue
        feeds.append(FeedSource(text, None, source))
    if not feeds and not problems:
        problems.append(Problem(source, "no feed URLs in the file"))
    return feeds, problems


def read_sources(sources: list[str]) -> tuple[list[FeedSource], list[Problem]]:
    """Feeds named by URLs, text files (one URL a line, ``#`` comments) and OPML files.

    Each feed appears once (first occurrence wins); unusable items become problems naming the
    file and line.
    """
    feeds: list[FeedSource] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for source in sources:
        if is_url(source):
            found = [FeedSource(source.strip(), None, None)]
        else:
            path = Path(source)
            if not path.is_file():
                problems.append(Problem(source, "not a feed URL, and no such file"))
                continue
            found, more = _read_source_file(path)
            problems.extend(more)
        for feed in found:
            if feed.url not in seen:
                seen.add(feed.url)
                feeds.append(feed)
    return feeds, problems
