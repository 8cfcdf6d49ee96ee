"""One article page: fetched politely, extracted with the core's HTML path, completed from its
feed entry, and given its canonical URL.

Runs on worker threads: no database access here.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from newsbrief.feeds.fetcher import PAGE_TYPES, Fetcher, FetchError, Validators
from newsbrief.feeds.parse import FeedEntry, canonical_url
from newsbrief.ingest import article_from_html
from newsbrief.ingest.html import declared_charset
from newsbrief.ingest.text import content_id
from newsbrief.models import Article, Problem

__all__ = ["MIN_ARTICLE_WORDS", "MIN_SUMMARY_WORDS", "PageResult", "canonical_link", "content_hash", "load_page"]

# A feed summary this long stands in for a page with no extractable text (e.g. a page that
# renders its body with scripts); shorter teasers do not make an article.
MIN_SUMMARY_WORDS = 40
# Extracted text shorter than this is a headline, a teaser or a paywall notice, not an article.
MIN_ARTICLE_WORDS = 25
HEAD_BYTES = 256 * 1024



@dataclass(frozen=True, slots=True)
class PageResult:
    """A fetched page's article, or the reason there is none."""

    url: str
    article: Article | None = None
    final_url: str | None = None
    validators: Validators | None = None
    error: str | None = None
    transient: bool = False


def content_hash(article: Article) -> str:
    """The key the store gives an article's content, for ``Store.has_content``."""
    from newsbrief.store import content_hash as store_hash  # the store's own definition

    return store_hash(article)


def canonical_link(html: bytes, base: str) -> str | None:
    """The normalised ``<link rel="canonical">`` of a page, if it has a usable one.

    A canonical link to a site's home page (a common misconfiguration) is ignored when the
    page itself is deeper, or every article of that site would look like one.
    """
    import lxml.html
    from lxml.etree import ParserError

    head_end = html.find(b"</head")
    chunk = html[: head_end + 7] if 0 <= head_end < HEAD_BYTES else html[:HEAD_BYTES]
    try:
        tree = lxml.html.document_fromstring(chunk)
    except (ValueError, TypeError, ParserError):  # ParserError: an empty page or head
        return None
    for link in tree.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        href = link.get("href")
        if "canonical" in rels and href:
            url = canonical_url(href, base)
            if url is None:
                return None
            if urlsplit(url).path in ("", "/") and urlsplit(base).path not in ("", "/"):
                return None
            return url
    return None


def _pick_date(page: str | None, feed: str | None) -> str | None:
    """The page's date unless it lacks one: none at all, or only a year.

    htmldate falls back to January 1st of a year it found (often the copyright line) when
    the page states no date; a feed date in that year is then the better one. On the same
    day, the feed's timestamp adds the time (or the seconds) the page lacks; its UTC offset
    ("+00:00", always there) does not count, so a page's own time of day wins.
    """
    if not feed:
        return page
    if not page:
        return feed
    if page[:10] == feed[:10]:
        return feed if len(feed[:19]) > len(page[:19]) else page
    if len(page) == 10 and page.endswith("-01-01") and feed[:4] == page[:4]:
        return feed
    return page


def _complete(article: Article, entry: FeedEntry | None, outlet: str | None, url: str) -> Article:
    """Fill what the page lacks from the feed entry; the page wins where it has a value."""
    changes: dict[str, str | None] = {"url": url}
    if entry is not None:
        if not article.title.strip() and entry.title:
            changes["title"] = entry.title
        published = _pick_date(article.published, entry.published)
        if published != article.published:
            changes["published"] = published
        if not article.author and entry.author:
            changes["author"] = entry.author
    if not article.outlet:
        changes["outlet"] = outlet or urlsplit(url).hostname
    return article.with_(**changes)


def _from_summary(entry: FeedEntry | None, url: str, outlet: str | None) -> Article | None:
    if entry is None or not entry.summary or len(entry.summary.split()) < MIN_SUMMARY_WORDS:
        return None
    title = entry.title or ""
    return Article(
        id=content_id(title + "\n" + entry.summary), title=title, text=entry.summary,
        outlet=outlet or urlsplit(url).hostname, published=entry.published, url=url,
        author=entry.author,
    )


def load_page(
    fetcher: Fetcher,
    url: str,
    *,
    entry: FeedEntry | None = None,
    outlet: str | None = None,
    validators: Validators | None = None,
    previous: str | None = None,
) -> PageResult:
    """Fetch ``url`` and extract its article; failures come back as ``error`` reasons.

    ``validators``/``previous`` are those of an earlier fetch that gave no article: a 304
    then repeats that earlier reason without downloading or extracting anything.
    """
    try:
        response = fetcher.get(url, validators=validators, accept=PAGE_TYPES)
    except FetchError as exc:
        return PageResult(url, error=exc.reason, transient=exc.transient)
    if response.not_modified:
        return PageResult(url, final_url=response.final_url, validators=validators,
                          error=f"unchanged since last fetch: {previous or 'no article'}")
    # HTTP charset first, then the page's own <meta> (HTML spec order).
    encoding = response.charset or declared_charset(response.content)
    canonical = (canonical_link(response.content, response.final_url)
                 or canonical_url(response.final_url) or url)
    article = article_from_html(response.content, url=response.final_url, encoding=encoding)
    if isinstance(article, Article) and len(article.text.split()) < MIN_ARTICLE_WORDS:
        words = len(article.text.split())
        article = Problem(url, f"not an article (only {words} words of text)")
    if isinstance(article, Problem):
        fallback = _from_summary(entry, canonical, outlet)
        if fallback is None:
            return PageResult(url, final_url=response.final_url, validators=response.validators,
                              error=article.reason)
        article = fallback
    article = _complete(article, entry, outlet, canonical)
    return PageResult(url, article, response.final_url, response.validators)
