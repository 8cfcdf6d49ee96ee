"""The ASGI app: a factory, the per-thread store pool, security headers and one error shape.

Every route is a plain function in :mod:`newsbrief.web.api` (JSON under ``/api/v1``) or
:mod:`newsbrief.web.pages` (HTML); this module wires them together. Errors have one shape
everywhere: ``{"error": {"status", "code", "message", "field"}}`` for the API, and the same
fields on an HTML page for the browser routes. Nothing a client sees ever carries a stack trace
or a file path: unexpected exceptions are logged on the server and answered with a bare 500.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsbrief import __version__
from newsbrief.config import BriefConfig
from newsbrief.errors import InputError, NewsbriefError, NotFound, StoreError
from newsbrief.store.db import write_denied

__all__ = ["DEFAULT_MAX_BODY", "ApiError", "StorePool", "create_app", "error_body"]

log = logging.getLogger("newsbrief.web")

HERE = Path(__file__).resolve().parent
DEFAULT_MAX_BODY = 5 * 1024 * 1024

# No inline script or style anywhere: the pages load one CSS and one JS file from /static, so
# an article that smuggles markup past escaping still cannot run or restyle anything.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]

_STATUS_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 413: "body_too_large",
    415: "unsupported_media_type", 422: "invalid_input", 500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """A client-facing error: the status, a stable code, a message and the field at fault."""

    def __init__(
        self, status: int, message: str, *, code: str | None = None, field: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code or _STATUS_CODES.get(status, "error")
        self.message = message
        self.field = field
        self.headers = headers


def error_body(status: int, code: str, message: str, field: str | None = None,
               details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The one error shape every endpoint answers with."""
    error: dict[str, Any] = {"status": status, "code": code, "message": message, "field": field}
    if details:
        error["details"] = details
    return {"error": error}


class StorePool:
    """Read-only stores, one per worker thread, and one writer store behind a lock.

    FastAPI runs the sync routes on a pool of long-lived worker threads; a thread-local store
    gives each worker its own SQLite connection, so reads never wait on each other. Readers
    open the database read-only: a bug in a read route cannot write. WAL mode (set by the
    store) lets them go on while another process, or this server's writer, ingests. Writes go
    through one store under ``write_lock``, because event assignment reads, then writes.

    ``read_only``: never open a writer. Without it, a database this process may read but not
    write (a read-only file, folder or file system) is served read-only too; the attribute
    :attr:`read_only` then says why, and writes are refused (:meth:`require_writable`).
    """

    def __init__(self, path: str | Path, config: BriefConfig | None = None, *,
                 read_only: bool = False):
        self.path = Path(path)
        self.config = config
        self.forced_read_only = read_only
        #: Why writes are refused (a phrase without the path, shown to clients), or ``None``.
        self.read_only: str | None = None
        self.write_lock = threading.Lock()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[Any] = []
        self._writer: Any = None
        self._writer_file: tuple[int, int] | None = None
        self._migrated: tuple[int, int] | None = None

    def open(self) -> None:
        """Create or migrate the database once, before any reader opens it read-only; in
        read-only mode, or where this process cannot write the database but can read it,
        check that it reads instead (:class:`StoreError` when it does not)."""
        from newsbrief.store import Store

        if self.forced_read_only:
            Store(self.path, config=self.config, readonly=True).close()
            self.read_only = "the server was started read-only"
        else:
            try:
                Store(self.path, config=self.config).close()
                self.read_only = None
            except StoreError as denied:
                if write_denied(self.path) is None:
                    raise  # not a matter of permissions: refuse to start, as before
                try:
                    Store(self.path, config=self.config, readonly=True).close()
                except StoreError:
                    raise denied from None  # "cannot write" says more than "no such database"
                log.warning("serving %s read-only: %s", self.path, denied)
                self.read_only = "the server cannot write the database file"
        self._migrated = self._file()

    def require_writable(self) -> None:
        """Refuse a write with 503 ``read_only_database`` while the database is read-only."""
        if self.read_only is not None:
            raise ApiError(503, f"the database is read-only, writes are refused: "
                           f"{self.read_only}", code="read_only_database")

    def _file(self) -> tuple[int, int]:
        """The identity (device, inode) of the database file now at ``path``.

        An open connection keeps reading the file it opened even after that file is replaced
        (a restored backup moved into place) or deleted; comparing identities on each request
        lets the pool reopen, or answer 503, instead of serving the old file forever.
        """
        try:
            info = os.stat(self.path)
        except OSError as exc:
            raise StoreError(f"{self.path}: database file is gone: {exc}") from None
        return info.st_dev, info.st_ino

    def _current(self) -> tuple[int, int]:
        """The file's identity, migrated once when a new file has replaced the one opened."""
        found = self._file()
        if found != self._migrated:
            with self._lock:
                if found != self._migrated:
                    self.open()
                    found = self._migrated or found
        return found

    def _forget(self, store: Any) -> None:
        with self._lock:
            self._opened = [s for s in self._opened if s is not store]
        try:
            store.close()
        except Exception:
            log.debug("could not close a store", exc_info=True)

    def _remember(self, store: Any) -> Any:
        with self._lock:
            self._opened.append(store)
        return store

    def get(self) -> Any:
        """The calling thread's read-only store, opened on first use."""
        # The identity is taken before opening: a file swapped in between is caught next time.
        current = self._current()
        store = getattr(self._local, "store", None)
        if store is not None and self._local.file != current:
            self._forget(store)
            store = None
        if store is None:
            from newsbrief.store import Store

            store = self._remember(Store(self.path, config=self.config, readonly=True))
            self._local.store, self._local.file = store, current
        return store

    def writer(self) -> Any:
        """The one writable store; call it only while holding ``write_lock``."""
        current = self._current()
        self.require_writable()  # checked after _current(): a replaced file is judged anew
        if self._writer is not None and self._writer_file != current:
            self._forget(self._writer)
            self._writer = None
        if self._writer is None:
            from newsbrief.store import Store

            self._writer = self._remember(Store(self.path, config=self.config))
            self._writer_file = current
        return self._writer

    def close(self) -> None:
        """Close every store opened so far (at shutdown)."""
        with self._lock:
            stores, self._opened = self._opened, []
        self._writer = None
        for store in stores:
            try:
                store.close()
            except Exception:
                log.debug("could not close a store", exc_info=True)


class SecurityHeaders:
    """Pure ASGI middleware: security headers on every response, and the last-resort 500.

    It sits outside the routing and the exception handlers, so even a crash inside a handler
    is answered in the one error shape, with the headers, and without a traceback (the
    traceback goes to the server log).
    """

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        # FastAPI routes GET only, so HEAD (which every server must support, RFC 9110 9.1) was
        # a 405: it is answered as the GET, headers and all, without the body.
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [h for h in message.get("headers", []) if h[0] not in _HEADER_NAMES]
                if message["status"] == 405:  # a GET route answers HEAD too (above)
                    headers = [(k, v + b", HEAD") if k == b"allow" and b"GET" in v.split(b", ")
                               and b"HEAD" not in v else (k, v) for k, v in headers]
                message = {**message, "headers": headers + SECURITY_HEADERS}
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception("unexpected error on %s", scope.get("path"))
            if started:
                raise
            await _internal_error(scope)(scope, receive, send_with_headers)


def _internal_error(scope: Scope) -> Response:
    """The last-resort 500: an error page for the browser routes, JSON for the API."""
    request = Request(scope)
    if "app" in scope and not wants_json(request):
        try:
            return _error_response(request, 500, "internal_error", "internal error")
        except Exception:  # the page itself could not be rendered: JSON still tells the client
            log.exception("could not render the error page")
    return JSONResponse(error_body(500, "internal_error", "internal error"), 500)


_HEADER_NAMES = {name for name, _ in SECURITY_HEADERS}


def wants_json(request: Request) -> bool:
    """API, health and OpenAPI paths answer errors in JSON; the browser pages in HTML."""
    path = request.url.path
    if path.startswith(("/api/", "/healthz", "/openapi")):
        return True
    accept = request.headers.get("accept", "")
    return "text/html" not in accept and "application/json" in accept


def _error_response(request: Request, status: int, code: str, message: str,
                    field: str | None = None, details: list[dict[str, Any]] | None = None,
                    headers: dict[str, str] | None = None) -> Response:
    if wants_json(request):
        return JSONResponse(error_body(status, code, message, field, details), status, headers)
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request, "error.html",
        {"status": status, "code": code, "message": message, "field": field},
        status_code=status, headers=headers,
    )


def _field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("query", "limit")`` -> ``limit``; ``("body", 2, "text")`` -> ``[2].text``."""
    parts = list(loc)
    if parts and parts[0] in ("query", "path", "header", "body", "cookie"):
        parts = parts[1:]
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "body"


def validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic errors as ``{"field", "message"}`` pairs, without echoing the input back."""
    return [{"field": _field_name(e.get("loc", ())), "message": str(e.get("msg", "invalid"))}
            for e in errors]


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> Response:
        return _error_response(request, exc.status, exc.code, exc.message, exc.field,
                               headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        details = validation_details(list(exc.errors()))
        first = details[0] if details else {"field": None, "message": "invalid request"}
        message = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
        return _error_response(request, 422, "invalid_input", message, first["field"], details)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        status = exc.status_code
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if status == 404 and message == "Not Found":
            message = f"no page at {request.url.path}"
        return _error_response(request, status, _STATUS_CODES.get(status, "error"), message,
                               headers=getattr(exc, "headers", None))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _error_response(request, 404, "not_found", str(exc))

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError) -> Response:
        return _error_response(request, 422, "invalid_input", str(exc))

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: StoreError) -> Response:
        log.error("store error on %s: %s", request.url.path, exc)
        return _error_response(request, 503, "unavailable", "the database is unavailable")

    @app.exception_handler(NewsbriefError)
    async def other_error(request: Request, exc: NewsbriefError) -> Response:
        log.error("error on %s: %s", request.url.path, exc)
        return _error_response(request, 500, "internal_error", "internal error")


def create_app(
    store_path: str | Path,
    token: str | None = None,
    *,
    max_body: int = DEFAULT_MAX_BODY,
    config: BriefConfig | None = None,
    read_only: bool = False,
) -> FastAPI:
    """Build the app over the database at ``store_path`` (created when missing).

    ``token``: the bearer token that write endpoints require; ``None`` (or empty) makes the
    server read-only. ``max_body``: the largest request body accepted, in bytes.
    ``read_only``: serve the database without ever opening it for writing (it must exist);
    a database this process cannot write is served that way too. Then the write endpoints
    answer 503 ``read_only_database`` and ``app.state.pool.read_only`` says why.
    """
    from newsbrief.web import api, pages

    if max_body < 1:
        raise InputError(f"max_body must be positive, got {max_body}")
    pool = StorePool(store_path, config, read_only=read_only)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        pool.close()

    app = FastAPI(
        title="newsbrief",
        version=__version__,
        summary="Attributed event briefs from many news articles.",
        # Swagger UI and ReDoc load scripts from a CDN and inline code: neither fits the
        # loopback-only, no-inline-script policy. The OpenAPI document stays at /openapi.json.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    pool.open()
    app.state.pool = pool
    app.state.token = token or None
    app.state.max_body = max_body
    app.state.templates = pages.make_templates(HERE / "templates")
    app.add_middleware(SecurityHeaders)
    _install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    return app


def token_from_env() -> str | None:
    """The token from ``NEWSBRIEF_TOKEN`` (empty counts as unset)."""
    return os.environ.get("NEWSBRIEF_TOKEN") or None

