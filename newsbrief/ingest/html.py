"""HTML pages: article body, title, date and site name extracted with trafilatura.

trafilatura was chosen by measurement (docs/extraction.md); its ``bare_extraction`` gives the
main text without navigation, related links or reader comments, and its metadata pass finds
the title, site name and publication date (through htmldate).
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime
from html import unescape

from newsbrief.ingest.decode import decode_bytes, looks_binary
from newsbrief.ingest.language import detect_language, primary_language
from newsbrief.ingest.metadata import find_text_metadata, outlet_from_url
from newsbrief.ingest.text import MAX_ARTICLE_CHARS, content_id, metadata_window
from newsbrief.models import Article, Problem

__all__ = ["article_from_html", "declared_charset"]

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.IGNORECASE)
MAX_HTML_CHARS = 20_000_000
# htmldate's output format: the time and UTC offset the page states are kept, not just the day.
_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
# <html lang="de-AT">: the primary language subtag.
_HTML_LANG = re.compile(r"""<html\b[^>]*?(?<![\w-])lang\s*=\s*["']?([a-z]{2,3})\b""",
                        re.IGNORECASE)

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)


def declared_charset(data: bytes) -> str | None:
    match = _CHARSET.search(data[:4096])
    return match.group(1).decode("ascii", "ignore") if match else None


def article_from_html(
    data: bytes | str,
    *,
    url: str | None = None,
    path: str | None = None,
    article_id: str | None = None,
    encoding: str | None = None,
) -> Article | Problem:
    """Extract an article from an HTML page; a :class:`Problem` when there is no article."""
    from trafilatura import bare_extraction
    from trafilatura.utils import load_html

    source = url or path or "<html>"
    if isinstance(data, bytes):
        html = decode_bytes(data, encoding or declared_charset(data))
    else:
        html = data
    if looks_binary(html):
        return Problem(source, "looks like binary data, not HTML")
    if len(html) > MAX_HTML_CHARS:
        return Problem(source, f"page too large ({len(html)} characters)")
    try:
        tree = load_html(html)
        if tree is None or not _has_content_text(tree):
            # Nothing but menus, banners and footers: trafilatura's fallback would return the
            # menu ("Home World Sport") as a one-line article that cleaning then drops.
            return Problem(source, "no article text found in the page")
        doc = bare_extraction(
            tree,
            url=url,
            include_comments=False,
            include_tables=False,
            with_metadata=True,
            favor_precision=True,
            date_extraction_params=_date_params(),
        )
    except Exception as exc:  # noqa: BLE001 - untrusted markup can break any parser layer
        # (lxml, htmldate, courlan); one bad page must not stop a batch.
        return Problem(source, f"cannot parse HTML: {exc.__class__.__name__}")
    if doc is None or not (getattr(doc, "text", None) or "").strip():
        return Problem(source, "no article text found in the page")
    title = _headline((doc.title or "").strip(), (doc.sitename or "").strip(), html)
    text = doc.text.strip()
    if len(text) > MAX_ARTICLE_CHARS:
        return Problem(source, f"text too long for one article ({len(text):,} characters, "
                               f"limit {MAX_ARTICLE_CHARS:,})")
    # What the page's markup does not say, its text may ("Publié le 19/02/2024", a dateline).
    # trafilatura leaves doc.language empty (it sets it only for target_language), so the
    # page's own lang attribute names the language where the text is too short to tell.
    language = primary_language(doc.language or "") or detect_language(text)
    if not language and (declared := _HTML_LANG.search(html[:4096])):
        language = declared.group(1).lower()
    found = find_text_metadata(metadata_window(text.split("\n")), language)
    return Article(
        id=article_id or content_id(title + "\n" + text),
        title=title,
        text=text,
        outlet=(doc.sitename or found.get("outlet") or outlet_from_url(url or doc.url)),
        published=_earliest(_page_date(doc.date, html, url), found.get("published")),
        url=url or (doc.url or None),
        path=path,
        language=language or None,
        author=(doc.author or found.get("author") or None),
    )


# Page chrome: text inside these is never article text. A <header> or <footer> inside the
# <article> or <main> element may hold the headline or the byline, so only the page's own
# count as chrome.
_CONTENT_TEXT = (
    "//body//text()[normalize-space()][not(ancestor::nav or ancestor::menu or ancestor::aside"
    " or ancestor::script or ancestor::style or ancestor::noscript or ancestor::template"
    " or ancestor::*[@role='navigation' or @role='menu' or @role='menubar'"
    " or @role='banner' or @role='contentinfo']"
    " or ancestor::header[not(ancestor::article or ancestor::main)]"
    " or ancestor::footer[not(ancestor::article or ancestor::main)])]"
)


def _has_content_text(tree) -> bool:
    """Whether the page's body has any text outside navigation, banners and footers."""
    return any(any(ch.isalnum() for ch in text) for text in tree.xpath(_CONTENT_TEXT))


def _date_params() -> dict[str, object]:
    """trafilatura's own date settings (original date, extensive search), with the time."""
    return {"original_date": True, "extensive_search": True,
            "max_date": date.today().isoformat(), "outputformat": _DATE_FORMAT}


def _page_date(found: str | None, html: str, url: str | None = None) -> str | None:
    """htmldate's date as ISO 8601: the day alone, or with the time and its UTC offset.

    With nothing better, htmldate's extensive search falls back to a copyright year or a
    lone year ("© 2024" in a footer) as 1 January, or a month and year as its first day:
    not a publication date. A first-of-month date is kept only when the page's markup or
    URL (the search without those fallbacks) gives it too.
    """
    if not found:
        return None
    try:
        moment = datetime.fromisoformat(found)  # Python 3.11 reads "+0500" offsets too
    except ValueError:
        return found
    if moment.day == 1:
        from htmldate import find_date

        if not find_date(html, url=url, original_date=True, extensive_search=False):
            return None
    if moment.tzinfo is None and moment.time() == datetime.min.time():
        return moment.date().isoformat()
    return moment.isoformat()


def _headline(title: str, sitename: str, html: str) -> str:
    """The headline, not the outlet.

    trafilatura takes the first part of a split ``<title>``, which in "Outlet - Headline" is
    the site name (the other part is the headline then), and an ``og:title`` as the site
    wrote it ("Headline | Outlet"), where the site name is cut off.
    """
    if not title or not sitename:
        return title
    if title.casefold() == sitename.casefold():
        from trafilatura.metadata import HTMLTITLE_REGEX

        match = _TITLE.search(html)
        text = " ".join(unescape(match.group(1)).split()) if match else ""
        parts = HTMLTITLE_REGEX.match(text)
        if parts and parts[1] and parts[2]:
            first, second = parts[1].strip(), parts[2].strip()
            return second if first.casefold() == sitename.casefold() else first
        return title
    name = re.escape(sitename)
    bare = re.sub(rf"^{name}\s*[|:–—•·»-]\s+|\s+[|:–—•·«-]\s*{name}$", "", title,
                  flags=re.IGNORECASE).strip()
    return bare or title


def _earliest(markup: str | None, stamp: str | None) -> str | None:
    """The markup's date unless the text's stamp is an earlier day.

    htmldate gives a page's modified date when its markup states no other
    (``article:modified_time`` alone), while the text may say "Published March 10, 2024".
    An article is published before any other date it carries, so the earlier day wins.
    """
    if markup and stamp and stamp[:10] < markup[:10]:
        return stamp
    return markup or stamp or None
