"""The server-rendered pages: event list with search, event page, article page.

Jinja2 with autoescape on for every template, so article text is always escaped; links are
relative or http(s) only (:func:`newsbrief.web.views.safe_url`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import jinja2
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from newsbrief.errors import NoBriefYet, NotFound
from newsbrief.models import Brief
from newsbrief.render.markdown import carried_by, group_outlets
from newsbrief.web.api import list_events
from newsbrief.web.views import (
    cite_all,
    entity_groups,
    outlet_names,
    paragraphs,
    safe_url,
    short_date,
    timeline_chart,
)

__all__ = ["best_corroborated", "cited_ids", "event_context", "make_templates", "router"]

PAGE_SIZE = 25
QUOTES_SHOWN = 6  # more quotes than this fold away behind a <details> toggle
# A big story's brief can hold hundreds of dated facts and quotes (536 and 684 for an event of
# 63 articles in the 10,000-article load store). Rendering them all made an 860 KB page; the
# page shows the best-corroborated ones and the API keeps the full lists.
TIMELINE_MAX = 50
QUOTES_MAX = 50


def make_templates(directory: Path) -> Jinja2Templates:
    """Templates with autoescape on for every file, whatever its extension."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a typo in a template fails loudly in tests
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = safe_url
    env.filters["short_date"] = short_date
    # ids go into one path segment: "/" and "#" quoted too
    env.filters["pathq"] = lambda value: quote(str(value), safe="")
    return Jinja2Templates(env=env)


router = APIRouter(include_in_schema=False)


def _render(request: Request, name: str, context: dict[str, Any]) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, name, context)


@router.get("/", response_class=HTMLResponse)
def index(
    request: Request,
    q: Annotated[str | None, Query(max_length=500)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> HTMLResponse:
    items, next_cursor = list_events(request, None, q, PAGE_SIZE, cursor)
    return _render(request, "index.html", {
        "q": (q or "").strip(), "events": items, "next_cursor": next_cursor,
        "first_page": not cursor,
    })


def best_corroborated(items: Sequence[Any], limit: int) -> list[Any]:
    """At most ``limit`` of ``items``: those with the most sources, kept in their order."""
    if len(items) <= limit:
        return list(items)
    ranked = sorted(range(len(items)), key=lambda i: (-len(items[i].sources), i))[:limit]
    return [items[i] for i in sorted(ranked)]


def cited_ids(brief: Brief) -> list[str]:
    """The articles whose sentences the page quotes: the sources of the headline and summary."""
    return list(dict.fromkeys(a for s in (*brief.headline, *brief.summary) for a in s.sources))


def event_context(summary: Any, brief: Brief, stored: Sequence[Any]) -> dict[str, Any]:
    """Everything event.html shows, from the event row, its brief and its stored articles
    (those of :func:`cited_ids` suffice: the others are shown from the brief alone)."""
    by_id = {a.article.id: a for a in stored}
    headline, summary_sentences = cite_all(brief, by_id)
    refs = {r.id: r for r in brief.articles}
    names = outlet_names(brief.articles)

    def outlet(article_id: str) -> str:
        return names.get(article_id, article_id)

    timeline = best_corroborated(brief.timeline, TIMELINE_MAX)
    groups = []
    for group in brief.duplicate_groups:
        outlets = group_outlets(group) or list(dict.fromkeys(map(outlet, group.members)))
        groups.append({"group": group, "outlets": outlets, "carried": carried_by(group)})
    return {
        "event": summary, "brief": brief, "headline": headline, "summary": summary_sentences,
        "refs": refs, "outlet": outlet,
        "outlet_list": lambda ids: list(dict.fromkeys(map(outlet, ids))),
        "entities": entity_groups(brief.entities), "groups": groups,
        "timeline": timeline, "timeline_total": len(brief.timeline),
        "chart": timeline_chart(timeline, brief.articles),
        "quotes": best_corroborated(brief.quotes, QUOTES_MAX), "quotes_total": len(brief.quotes),
        "quotes_shown": QUOTES_SHOWN,
    }


@router.get("/events/{event_id:path}", response_class=HTMLResponse)
def event_page(request: Request, event_id: str) -> HTMLResponse:
    store = request.app.state.pool.get()
    summary = store.get_event(event_id)
    try:
        brief = store.get_brief(event_id)
    except NoBriefYet:
        # Listed events get their brief when the ingest that found them finishes; until then
        # the page shows what is known rather than an error.
        return _render(request, "event_pending.html",
                       {"event": summary, "articles": store.event_articles(event_id)})
    # Only the cited articles' sentences are shown: reading every article of a big event
    # (text and sentences, one query each) cost more than the rest of the page.
    stored = []
    for article_id in cited_ids(brief):
        try:
            stored.append(store.get_article(article_id))
        except NotFound:
            continue  # cite() says the source has no matching sentence
    return _render(request, "event.html", event_context(summary, brief, stored))


@router.get("/articles/{article_id:path}", response_class=HTMLResponse)
def article_page(request: Request, article_id: str) -> HTMLResponse:
    store = request.app.state.pool.get()
    stored = store.get_article(article_id)
    event = None
    if stored.event_id:
        try:
            event = store.get_event(stored.event_id)
        except NotFound:
            event = None
    return _render(request, "article.html", {
        "stored": stored, "article": stored.article, "event": event,
        "paragraphs": paragraphs(stored.text, stored.sentences),
    })
