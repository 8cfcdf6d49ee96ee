"""HTML pages: article body, title, date and site name extracted with trafilatura.

trafilatura was chosen by measurement (docs/extraction.md); its ``bare_extraction`` gives the
main text without navigation, related links or reader comments, and its metadata pass finds
the title, site name and publication date (through htmldate).
"""

from __future__ import annotations

import logging
import re

from newsbrief.ingest.decode import decode_bytes, looks_binary
from newsbrief.ingest.language import detect_language
from newsbrief.ingest.metadata import find_text_metadata
from newsbrief.ingest.text import MAX_ARTICLE_CHARS, content_id, metadata_window
from newsbrief.models import Article, Problem

__all__ = ["article_from_html", "declared_charset"]

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.IGNORECASE)
MAX_HTML_CHARS = 20_000_000

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
        doc = bare_extraction(
            html,
            url=url,
            include_comments=False,
            include_tables=False,
            with_metadata=True,
            favor_precision=True,
        )
    except Exception as exc:  # noqa: BLE001 - untrusted markup can break any parser layer
        # (lxml, htmldate, courlan); one bad page must not stop a batch.
        return Problem(source, f"cannot parse HTML: {exc.__class__.__name__}")
    if doc is None or not (getattr(doc, "text", None) or "").strip():
        return Problem(source, "no article text found in the page")
    title = (doc.title or "").strip()
    text = doc.text.strip()
    if len(text) > MAX_ARTICLE_CHARS:
        return Problem(source, f"text too long for one article ({len(text):,} characters, "
                               f"limit {MAX_ARTICLE_CHARS:,})")
    # What the page's markup does not say, its text may ("Publié le 19/02/2024", a dateline).
    language = (doc.language or "").split("-")[0].lower() or detect_language(text)
    found = find_text_metadata(metadata_window(text.split("\n")), language)
    return Article(
        id=article_id or content_id(title + "\n" + text),
        title=title,
        text=text,
        outlet=(doc.sitename or found.get("outlet") or None),
        published=(doc.date or found.get("published") or None),
        url=url or (doc.url or None),
        path=path,
        language=language or None,
        author=(doc.author or found.get("author") or None),
    )
