"""The JSON API, versioned under ``/api/v1``, and ``/healthz``.

Reads are sync routes (FastAPI runs them on worker threads, each with its own store); the one
write route reads its body on the event loop, with a size cap, and ingests on a worker thread
under the pool's write lock.
"""

from __future__ import annotations

import hmac
import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from newsbrief.errors import InputError, NoBriefYet, StoreError
from newsbrief.ingest import article_from_html, article_from_record
from newsbrief.ingest.text import content_id
from newsbrief.models import Article, Problem
from newsbrief.web.app import ApiError, validation_details
from newsbrief.web.views import safe_url

__all__ = ["ArticleIn", "parse_articles", "read_body", "router"]

MAX_ITEMS = 1000
MAX_LIMIT = 200
# Stored URLs become links on the pages: only absolute http(s) URLs may get there.
URL_RULE = "must be an absolute http:// or https:// URL"


class ErrorDetail(BaseModel):
    status: int
    code: str
    message: str
    field: str | None = None


class ErrorOut(BaseModel):
    error: ErrorDetail


class EventItem(BaseModel):
    id: str
    headline: str
    first_published: str | None = None
    last_published: str | None = None
    article_count: int
    outlet_count: int
    updated_at: str
    brief_stale: bool = False


class EventList(BaseModel):
    items: list[EventItem]
    next_cursor: str | None = None


class SentenceOut(BaseModel):
    index: int
    start: int
    end: int
    paragraph: int
    text: str


class ArticleOut(BaseModel):
    id: str
    title: str
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    author: str | None = None
    language: str | None = None
    text: str
    sentences: list[SentenceOut]
    content_hash: str
    duplicate_of: str | None = None
    event_id: str | None = None
    added_at: str


class ArticleIn(BaseModel):
    """One article to ingest. Only ``text`` is required; unknown fields are rejected."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2_000_000)
    title: str = Field("", max_length=2000)
    id: str | None = Field(None, min_length=1, max_length=200)
    outlet: str | None = Field(None, max_length=500)
    published: str | None = Field(None, max_length=100,
                                  description="ISO 8601 date or any common date format")
    url: str | None = Field(None, max_length=4000, description="absolute http(s) URL")
    author: str | None = Field(None, max_length=500)
    language: str | None = Field(None, max_length=20)

    @field_validator("text")
    @classmethod
    def _has_words(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and safe_url(value) is None:
            raise ValueError(URL_RULE)
        return value


_ARTICLES = TypeAdapter(ArticleIn | list[ArticleIn])


class Added(BaseModel):
    article_id: str
    event_id: str


class Skipped(BaseModel):
    id: str
    reason: str


class ProblemOut(BaseModel):
    source: str
    reason: str


class IngestOut(BaseModel):
    added: list[Added]
    skipped: list[Skipped]
    problems: list[ProblemOut]
    events_created: list[str]
    events_updated: list[str]


router = APIRouter()
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 413, 415, 422)
}


@router.get("/healthz", tags=["meta"], responses={503: {"model": ErrorOut}})
def healthz(request: Request) -> dict[str, Any]:
    """Liveness, the database's size and whether writes are refused (``read_only``: started
    with ``--read-only``, or a database this process cannot write); 503 when the database
    cannot be read."""
    pool = request.app.state.pool
    counts = pool.get().counts()  # first: a replaced database file is judged anew here
    return {"status": "ok", "counts": counts, "read_only": pool.read_only is not None}


def _check_since(since: str | None) -> str | None:
    if since is None or since == "":
        return None
    try:
        datetime.fromisoformat(since)
    except ValueError:
        raise ApiError(422, f"since: not an ISO 8601 date or time: {since[:40]!r}",
                       field="since") from None
    return since


def list_events(request: Request, since: str | None, q: str | None, limit: int,
                cursor: str | None) -> tuple[list[Any], str | None]:
    """``Store.list_events`` with its input errors turned into 4xx naming the field."""
    store = request.app.state.pool.get()
    query = (q or "").strip() or None
    try:
        return store.list_events(since=_check_since(since), query=query, limit=limit,
                                 cursor=cursor or None)
    except (InputError, StoreError) as exc:
        # The store reports an undecodable cursor as an error naming the cursor; that is the
        # client's input, not a database failure.
        text = str(exc)
        if cursor and "cursor" in text.lower():
            raise ApiError(422, "cursor: not a cursor this server returned",
                           field="cursor") from None
        if isinstance(exc, InputError):
            field = "since" if text.startswith("since") else "q" if query else None
            raise ApiError(422, text, field=field) from None
        raise


def event_item(summary: Any) -> dict[str, Any]:
    return {
        "id": summary.id, "headline": summary.headline,
        "first_published": summary.first_published, "last_published": summary.last_published,
        "article_count": summary.article_count, "outlet_count": summary.outlet_count,
        "updated_at": summary.updated_at, "brief_stale": summary.brief_stale,
    }


@router.get("/api/v1/events", response_model=EventList, tags=["events"], responses=_ERRORS)
def get_events(
    request: Request,
    since: Annotated[str | None, Query(description="only events with articles since this "
                                                   "ISO 8601 date or time")] = None,
    q: Annotated[str | None, Query(max_length=500, description="full-text search over "
                                   "headlines and article titles")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    cursor: Annotated[str | None, Query(max_length=500, description="next_cursor of the "
                                        "previous page")] = None,
) -> dict[str, Any]:
    """Events, newest first (by their latest article), one page at a time."""
    items, next_cursor = list_events(request, since, q, limit, cursor)
    return {"items": [event_item(s) for s in items], "next_cursor": next_cursor}


@router.get("/api/v1/events/{event_id:path}", tags=["events"], responses=_ERRORS,
            response_model=None)
def get_event(request: Request, event_id: str) -> JSONResponse:
    """One event: its summary row and its latest brief (the brief JSON contract).

    An event is listed as soon as its articles are stored, and gets its first brief when the
    ingest that found it refreshes the briefs (``ingest --refresh none`` leaves that for
    later). Until then it answers 200 with ``"brief": null``, ``"brief_pending": true`` and
    its ``articles``, as the event page shows them, not a 404 for an event the list gave.
    """
    store = request.app.state.pool.get()
    summary = store.get_event(event_id)
    try:
        brief = store.get_brief(event_id)
    except NoBriefYet:
        # NotFound here (the event merged away meanwhile) is a plain 404.
        articles = store.event_articles(event_id)
        return JSONResponse({"event": event_item(summary), "brief": None,
                             "brief_pending": True,
                             "articles": [article_ref(a) for a in articles]})
    # Already plain JSON types: serialized directly, not walked by FastAPI's encoder (which
    # took longer than the rest of the request for a brief of thousands of items).
    return JSONResponse({"event": event_item(summary), "brief": brief.to_dict(),
                         "brief_pending": False})


def article_ref(stored: Any) -> dict[str, Any]:
    """An article as an event without a brief lists it (the brief's ``articles`` fields)."""
    a = stored.article
    return {"id": a.id, "title": a.title, "outlet": a.outlet, "published": a.published,
            "url": a.url, "duplicate_of": stored.duplicate_of}


def article_dict(stored: Any) -> dict[str, Any]:
    a = stored.article
    return {
        "id": a.id, "title": a.title, "outlet": a.outlet, "published": a.published,
        "url": a.url, "author": a.author, "language": a.language,
        "text": stored.text,
        "sentences": [
            {"index": s.index, "start": s.start, "end": s.end, "paragraph": s.paragraph,
             "text": s.text}
            for s in stored.sentences
        ],
        "content_hash": stored.content_hash, "duplicate_of": stored.duplicate_of,
        "event_id": stored.event_id, "added_at": stored.added_at,
    }


@router.get("/api/v1/articles/{article_id:path}", response_model=ArticleOut, tags=["articles"],
            responses=_ERRORS)
def get_article(request: Request, article_id: str) -> dict[str, Any]:
    """One stored article: cleaned text, and each sentence with its character offsets."""
    return article_dict(request.app.state.pool.get().get_article(article_id))


def check_token(request: Request) -> None:
    """Writes need ``Authorization: Bearer <token>``; a server without a token is read-only."""
    expected = request.app.state.token
    if not expected:
        raise ApiError(403, "this server is read-only: start it with --token or "
                       "NEWSBRIEF_TOKEN to accept writes", code="read_only")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    challenge = {"WWW-Authenticate": 'Bearer realm="newsbrief"'}
    if scheme.lower() != "bearer" or not given.strip():
        raise ApiError(401, "missing bearer token", field="Authorization", headers=challenge)
    # compare_digest takes the same time wherever the strings differ: no timing oracle.
    if not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise ApiError(401, "invalid bearer token", field="Authorization", headers=challenge)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise ApiError(400, "Content-Length is not a number", field="Content-Length")
        if int(declared) > limit:
            raise ApiError(413, f"request body of {int(declared)} bytes is over the limit of "
                           f"{limit} bytes", field="body")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:  # a chunked body that never declared its length
            raise ApiError(413, f"request body is over the limit of {limit} bytes", field="body")
        chunks.append(chunk)
    return b"".join(chunks)


def _media_type(request: Request) -> tuple[str, str | None]:
    raw = request.headers.get("content-type", "")
    media, _, params = raw.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip().strip('"')
    return media.strip().lower(), charset


def parse_articles(body: bytes, media: str, charset: str | None,
                   url: str | None = None) -> list[Article]:
    """Articles from a JSON (object or array) or HTML request body; ApiError names the field."""
    if not body.strip():
        raise ApiError(422, "request body is empty", field="body")
    if media in ("text/html", "application/xhtml+xml"):
        if url is not None and safe_url(url) is None:
            raise ApiError(422, f"url: {URL_RULE}", field="url")
        found = article_from_html(body, url=url, encoding=charset)
        if isinstance(found, Problem):
            raise ApiError(422, f"body: {found.reason}", field="body")
        return [found]
    if media != "application/json" and not media.endswith("+json"):
        raise ApiError(415, f"unsupported Content-Type {media or '(none)'!r}: send "
                       "application/json or text/html", field="Content-Type")
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        where = (f" at line {exc.lineno} column {exc.colno}"
                 if isinstance(exc, json.JSONDecodeError) else "")
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise ApiError(400, f"malformed JSON{where}: {reason}", code="bad_json",
                       field="body") from None
    if isinstance(data, list) and not data:
        raise ApiError(422, "expected an article object or a non-empty array", field="body")
    if isinstance(data, list) and len(data) > MAX_ITEMS:
        raise ApiError(422, f"at most {MAX_ITEMS} articles per request", field="body")
    try:
        parsed = _ARTICLES.validate_python(data)
    except ValidationError as exc:
        raise _first_problem(exc, isinstance(data, list)) from None
    items = parsed if isinstance(parsed, list) else [parsed]
    articles = []
    for i, item in enumerate(items):
        record = item.model_dump(exclude_none=True)
        default_id = (item.id or "").strip() or content_id(item.title + "\n" + item.text)
        found = article_from_record(record, default_id=default_id)
        if isinstance(found, Problem):
            where = f"[{i}].text" if isinstance(data, list) else "text"
            raise ApiError(422, f"{where}: {found.reason}", field=where)
        articles.append(found)
    return articles


def _first_problem(exc: ValidationError, is_list: bool) -> ApiError:
    """The union's errors for the shape that was sent (object or array), first one first."""
    errors = [e for e in exc.errors() if e["loc"] and (e["loc"][0] != "ArticleIn") == is_list]
    errors = [{**e, "loc": e["loc"][1:]} for e in errors] or list(exc.errors())
    details = validation_details(errors)
    if not details or details[0]["field"] in ("body", "ArticleIn", "list[ArticleIn]"):
        return ApiError(422, "expected an article object or an array of them", field="body")
    first = details[0]
    return ApiError(422, f"{first['field']}: {first['message']}", field=first["field"])


_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"oneOf": [
                {"$ref": "#/components/schemas/ArticleIn"},
                {"type": "array", "items": {"$ref": "#/components/schemas/ArticleIn"}},
            ]}},
            "text/html": {"schema": {"type": "string"}},
        },
    },
}


@router.post("/api/v1/articles", status_code=201, response_model=IngestOut, tags=["articles"],
             responses={**_ERRORS, 503: {"model": ErrorOut}}, openapi_extra=_BODY_DOC)
async def post_articles(
    request: Request,
    url: Annotated[str | None, Query(max_length=4000, description="source URL of an HTML "
                                     "body")] = None,
) -> JSONResponse:
    """Ingest one article or an array of them (JSON), or one web page (``text/html``).

    Needs ``Authorization: Bearer <token>``. Answers the ids added with the event each joined,
    what was skipped (already stored, no usable text) and why; 503 ``read_only_database``,
    before the body is read, while the server serves its database read-only.
    """
    request.app.state.pool.require_writable()
    check_token(request)
    media, charset = _media_type(request)
    body = await read_body(request, request.app.state.max_body)
    articles = parse_articles(body, media, charset, url)
    pool = request.app.state.pool

    def ingest() -> Any:
        with pool.write_lock:
            return pool.writer().add_articles(articles)

    report = await run_in_threadpool(ingest)
    if not report.added and not report.skipped and report.problems:
        # nothing was usable: that is the client's input, not a success
        first = report.problems[0]
        raise ApiError(422, f"no usable article: {first.reason}", field="body")
    out = {
        "added": [{"article_id": a, "event_id": e} for a, e in report.added],
        "skipped": [{"id": i, "reason": r} for i, r in report.skipped],
        "problems": [{"source": p.source, "reason": p.reason} for p in report.problems],
        "events_created": sorted(report.events_created),
        "events_updated": sorted(report.events_updated),
    }
    return JSONResponse(out, status_code=201 if report.added else 200)
