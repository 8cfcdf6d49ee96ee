"""The keys that make re-ingesting an article a no-op: canonical URL, and content hash with
outlet (:func:`already_stored`, the one rule ingest, the feed watcher and the import follow)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from newsbrief.ingest.text import content_id
from newsbrief.models import Article

__all__ = ["SAME_CONTENT", "SAME_URL", "already_stored", "canonical_url", "content_hash",
           "distinct_outlets", "outlet_key"]

SAME_CONTENT = "already stored (same content)"
SAME_URL = "already stored (same URL)"

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


def outlet_key(outlet: str | None) -> str | None:
    """An outlet name compared as the same outlet: case-folded, runs of whitespace made one
    space; ``None`` for an unknown (missing or blank) outlet."""
    if not outlet or not isinstance(outlet, str):
        return None
    return " ".join(outlet.split()).casefold() or None


def distinct_outlets(outlets: Iterable[str | None]) -> list[str]:
    """The different outlets among ``outlets``, compared by :func:`outlet_key` ("AP" and
    "ap " are one), each as first spelled; unknown ones left out. What an event's and a copy
    group's outlet counts count."""
    seen: dict[str, str] = {}
    for outlet in outlets:
        key = outlet_key(outlet)
        if key is not None:
            seen.setdefault(key, outlet)  # type: ignore[arg-type]
    return list(seen.values())


def already_stored(outlet: str | None, same_content: Iterable[str | None],
                   same_url: bool) -> str | None:
    """Why an article counts as stored already (:data:`SAME_CONTENT`, :data:`SAME_URL`), or
    ``None`` when it is new and is to be stored.

    ``same_content``: the outlets of the stored articles with its content hash (none when
    the hash is new); ``same_url``: whether its canonical URL is stored. The same text is
    the same article unless it names an outlet (:func:`outlet_key`) that no stored article
    with that text names. Then it is a syndicated copy (wire copy carried word for word by
    several outlets) and is stored, linked to its original, so the story counts every outlet
    that carried it. With no outlet, or one already stored, it stays the repeat it was
    (re-ingest is a no-op). A stored copy with no outlet does not hide named ones: else the
    outlets counted would depend on which copy arrived first.
    """
    stored = [outlet_key(o) for o in same_content]
    if stored:
        mine = outlet_key(outlet)
        if mine is None or mine in stored:
            return SAME_CONTENT
    return SAME_URL if same_url else None
