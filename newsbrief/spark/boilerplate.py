"""Site boilerplate found over the whole corpus (opt-in: ``SparkJobConfig.boilerplate_min_articles``).

One machine removes lines repeated across *unrelated articles of one batch*
(:func:`newsbrief.clean.repeated_lines`); an event's articles rarely show a site's furniture
(an ownership line, a newsroom contact, a newsletter box) often enough for that. A corpus
does: a line found in at least ``N`` different articles of one site is that site's
furniture. Spark counts it with one aggregation, and the lines of each site reach the
cleaning through :func:`newsbrief.pipeline.prepare_articles`' ``boilerplate`` argument, for
the clustering (each article: its site's lines) and for the briefs (an event's articles are
cleaned together, so the lines of every site among them are removed from all of them).
Copies of one article (same raw text) count once, so a syndicated story repeated on a site
does not make its sentences boilerplate.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from operator import add
from urllib.parse import urlsplit

from newsbrief.clean import normal_key
from newsbrief.ingest.text import content_id
from newsbrief.models import Article

__all__ = ["lines_for", "site_boilerplate", "site_key"]


def site_key(article: Article) -> str | None:
    """The site an article comes from: its outlet, else its URL's host, else unknown."""
    if article.outlet:
        return article.outlet.lower()
    if article.url:
        try:
            host = urlsplit(article.url).hostname
        except ValueError:  # "http://[x": the reader keeps any string as the URL
            return None
        return host.removeprefix("www.") if host else None
    return None


def _site_lines(article: Article) -> Iterator[tuple[tuple[str, str], str]]:
    site = site_key(article)
    if site is None:
        return
    digest = content_id(article.text)
    for key in {normal_key(line) for line in article.text.split("\n")}:
        if key:
            yield (site, key), digest


def site_boilerplate(articles, min_articles: int) -> dict[str, frozenset[str]]:
    """Per site, the normalised lines found in at least ``min_articles`` distinct articles.

    ``articles`` is an RDD of :class:`Article`. Only the lines that pass reach the driver
    (sized by the sites' furniture, not by the articles).
    """
    found = (
        articles.flatMap(_site_lines).distinct()
        .map(lambda pair: (pair[0], 1)).reduceByKey(add)
        .filter(lambda kv: kv[1] >= min_articles).keys().collect()
    )
    table: dict[str, set[str]] = {}
    for site, key in found:
        table.setdefault(site, set()).add(key)
    return {site: frozenset(keys) for site, keys in table.items()}


def lines_for(articles: Iterable[Article], table: Mapping[str, frozenset[str]] | None) -> frozenset[str]:
    """The boilerplate lines of the sites of ``articles`` (empty without a table)."""
    if not table:
        return frozenset()
    out: set[str] = set()
    for article in articles:
        out |= table.get(site_key(article) or "", frozenset())
    return frozenset(out)
