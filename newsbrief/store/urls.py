"""The two keys that make re-ingesting an article a no-op: canonical URL and content hash."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from newsbrief.ingest.text import content_id
from newsbrief.models import Article

__all__ = ["canonical_url", "content_hash"]

# Query parameters that track the reader rather than select the page.
_TRACKING = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid", "ref", "src",
             "smid", "partner", "ito", "at_medium", "at_campaign", "taid", "guccounter")


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme and host, no ``www.``, default port, fragment or tracking
    parameters, sorted query, no trailing slash; None for anything that is not http(s)."""
    if not url or not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    host = host.removeprefix("www.")
    try:
        port = parts.port
    except ValueError:
        return None
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING)
    )
    path = parts.path.rstrip("/") or "/"
    # http and https copies of a page are one page.
    return urlunsplit(("https", host, path, urlencode(query), ""))


def content_hash(article: Article) -> str:
    """Hash of the article's whitespace- and case-normalised text (the ingest's content id)."""
    return content_id(article.text)
