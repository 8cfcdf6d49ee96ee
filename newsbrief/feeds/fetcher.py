"""A polite HTTP client for feeds and article pages, built on httpx.

Politeness: robots.txt is read once per host (protego, RFC 9309) for our User-Agent, every host
gets at most ``rate_limit`` requests a second (and no faster than its ``Crawl-delay``), and a
global semaphore bounds the requests in flight. Robustness: timeouts (per operation and in
total), bounded retries with exponential backoff on 429/5xx and broken connections (honouring
``Retry-After``), redirects followed by hand so that each hop is checked against robots.txt and
loops are caught, conditional requests (``If-None-Match``/``If-Modified-Since``), and a cap on
the *decoded* size of a response: gzip/deflate are inflated here in bounded steps, so a
compression bomb stops at the cap instead of filling memory.

Every failure is a :class:`FetchError` carrying one short reason (``"HTTP 404 Not Found"``,
``"connection refused"``, ``"timed out after 5s"``) that the watcher records per feed and URL.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Self
from urllib.parse import urljoin, urlsplit

from newsbrief import __version__
from newsbrief.errors import MissingDependency, NewsbriefError

try:
    import httpx
except ImportError:  # the "feeds" extra is not installed; Fetcher() says how to add it
    httpx = None  # type: ignore[assignment]

__all__ = [
    "DEFAULT_USER_AGENT",
    "FEED_TYPES",
    "PAGE_TYPES",
    "FetchConfig",
    "FetchError",
    "Fetcher",
    "Response",
    "Validators",
    "require_feeds_extra",
]

DEFAULT_USER_AGENT = f"newsbrief/{__version__} (+https://pypi.org/project/newsbrief/)"
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset({
    "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
    "text/xml", "application/feed+json", "application/json", "text/html", "text/plain",
    "application/x-rss+xml", "application/octet-stream",
})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309 section 2.5: parse at least 500 KiB
ROBOTS_CACHE_SECONDS = 24 * 3600  # RFC 9309 section 2.4: cache for at most 24 hours
# A robots.txt that answered 5xx disallows everything, but only until it is asked again: an
# outage of minutes must not block a host for a day (or fail its pages for good).
ROBOTS_ERROR_CACHE_SECONDS = 300
INFLATE_STEP = 64 * 1024
TOTAL_TIMEOUT_MARK = "request deadline passed"

# The end of the request in flight on this thread (``time.monotonic()``), for _DeadlineStream.
_deadline = threading.local()


class FetchError(NewsbriefError):
    """A request that gave no usable response; ``reason`` is short and shown to users.

    ``transient`` is true when trying again later may succeed (timeouts, 5xx, refused
    connections), false when it will not (404, robots.txt, wrong content type, too large).
    ``retry_after`` is the wait in seconds the server asked for with ``Retry-After`` on a
    429 or 5xx answer (``None`` when it asked for none), for callers that come back later.
    """

    def __init__(self, url: str, reason: str, *, transient: bool = False,
                 status: int | None = None, retry_after: float | None = None):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.transient = transient
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class FetchConfig:
    """How politely and how robustly to fetch. ``rate_limit`` is requests a second per host
    (0 turns the limit off); ``timeout`` is per network operation, ``total_timeout`` per request."""

    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 10.0
    total_timeout: float = 60.0
    retries: int = 2
    backoff: float = 1.0
    max_retry_after: float = 120.0
    max_redirects: int = 5
    max_bytes: int = 10 * 1024 * 1024
    rate_limit: float = 1.0
    concurrency: int = 8
    robots: bool = True
    max_crawl_delay: float = 30.0


@dataclass(frozen=True, slots=True)
class Validators:
    """What a server gave to make the next request conditional."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out


@dataclass(frozen=True, slots=True)
class Response:
    """A finished response: ``content`` is decoded from gzip/deflate but not from its charset."""

    url: str
    final_url: str
    status: int
    content: bytes = b""
    content_type: str | None = None
    charset: str | None = None
    validators: Validators = field(default_factory=Validators)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def require_feeds_extra() -> None:
    """Raise :class:`MissingDependency` unless the ``feeds`` extra's libraries import."""
    import importlib.util

    for module, name in (("httpx", "httpx"), ("feedparser", "feedparser"),
                         ("protego", "protego"), ("courlan", "courlan")):
        if importlib.util.find_spec(module) is None:
            raise MissingDependency(name, "feeds")


def host_key(url: str) -> str:
    """``scheme://host:port`` of a URL: the unit of robots.txt and of the rate limit."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class _RateLimiter:
    """Per-host spacing of request starts; slots are reserved under a lock, slept outside it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, host: str, interval: float, stop: threading.Event | None) -> None:
        if interval <= 0:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, now))
            self._next[host] = start + interval
        delay = start - now
        if delay > 0:
            if stop is not None:
                stop.wait(delay)
            else:
                time.sleep(delay)


class _Inflater:
    """gzip/deflate decoding in bounded steps (``max_length``) so a bomb cannot blow up."""

    def __init__(self, encoding: str, url: str):
        encoding = encoding.strip().lower()
        self.raw_fallback = False
        if encoding in ("", "identity"):
            self.z = None
        elif encoding in ("gzip", "x-gzip"):
            self.z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            # "deflate" should be zlib-wrapped (RFC 9110) but some servers send raw deflate.
            self.z = zlib.decompressobj()
            self.raw_fallback = True
        else:
            raise FetchError(url, f"unsupported content encoding {encoding!r}")
        self.url = url

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self.z is None:
            yield data
            return
        while data:
            try:
                out = self.z.decompress(data, INFLATE_STEP)
            except zlib.error as exc:
                if self.raw_fallback:
                    self.raw_fallback = False
                    self.z = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise FetchError(self.url, f"corrupt compressed body ({exc})") from None
            self.raw_fallback = False
            yield out
            data = self.z.unconsumed_tail

    def flush(self) -> bytes:
        return self.z.flush() if self.z is not None else b""


def _media_type(value: str | None) -> tuple[str | None, str | None]:
    """``"text/html; charset=ISO-8859-1"`` -> ``("text/html", "iso-8859-1")``."""
    if not value:
        return None, None
    parts = value.split(";")
    mime = parts[0].strip().lower() or None
    charset = None
    for param in parts[1:]:
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset":
            charset = val.strip().strip("\"'").lower() or None
    return mime, charset


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # str.isdigit() also takes "²", float() does not
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _deadline_transport(limits: httpx.Limits) -> httpx.HTTPTransport:
    """httpx's own transport, on a network backend whose reads end at the request's deadline.

    httpx's timeouts bound each network operation only: a server that sends its status line
    and headers one byte at a time, each within the read timeout, holds a request for hours
    (h11 accepts 16 KiB of headers). Reading the body in steps cannot catch that, so every
    read of the connection is given at most the time left before the total deadline.
    """
    import httpcore

    class _DeadlineStream(httpcore.NetworkStream):
        def __init__(self, stream: httpcore.NetworkStream):
            self._stream = stream

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            end = getattr(_deadline, "at", None)
            if end is None:
                return self._stream.read(max_bytes, timeout)
            left = end - time.monotonic()
            if left > 0:
                try:
                    return self._stream.read(max_bytes, left if timeout is None
                                             else min(timeout, left))
                except httpcore.ReadTimeout:
                    if time.monotonic() < end:
                        raise
            raise httpcore.ReadTimeout(TOTAL_TIMEOUT_MARK)

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            self._stream.write(buffer, timeout)

        def close(self) -> None:
            self._stream.close()

        def start_tls(self, ssl_context, server_hostname=None, timeout=None):  # type: ignore[no-untyped-def]
            return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, timeout))

        def get_extra_info(self, info: str) -> object:
            return self._stream.get_extra_info(info)

    class _DeadlineBackend(httpcore.SyncBackend):
        def connect_tcp(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return _DeadlineStream(super().connect_tcp(*args, **kwargs))

    transport = httpx.HTTPTransport(trust_env=False, limits=limits)
    # HTTPTransport takes no network backend, so its pool is rebuilt with the same settings.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=_DeadlineBackend(),
    )
    return transport


def _transport_reason(exc: httpx.TransportError, config: FetchConfig) -> tuple[str, bool]:
    """A short reason for a network failure, and whether retrying the request may help."""
    text = str(exc)
    if TOTAL_TIMEOUT_MARK in text:
        return f"timed out after {config.total_timeout:g}s in total", True
    if isinstance(exc, httpx.TimeoutException):
        kind = "connect " if isinstance(exc, httpx.ConnectTimeout) else ""
        return f"{kind}timed out after {config.timeout:g}s", True
    if isinstance(exc, httpx.ConnectError):
        lowered = text.lower()
        if any(s in lowered for s in ("name or service not known", "nodename nor servname",
                                      "temporary failure in name resolution",
                                      "no address associated", "name resolution", "getaddrinfo")):
            return "DNS lookup failed", False
        if "refused" in lowered:
            return "connection refused", False
        return f"cannot connect ({text or exc.__class__.__name__})", False
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.LocalProtocolError)):
        return f"invalid request ({text or exc.__class__.__name__})", False
    return f"connection broken ({text or exc.__class__.__name__})", True


def _sniff_ok(content: bytes, accept: frozenset[str]) -> bool:
    """For responses without a Content-Type: does the start look like what we asked for?"""
    head = content[:1024].lstrip().lower()
    if accept is PAGE_TYPES:
        return head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in head
    return head.startswith((b"<?xml", b"<rss", b"<feed", b"<rdf", b"{")) or b"<rss" in head


class Fetcher:
    """A thread-safe polite client. Use as a context manager, or call :meth:`close`.

    ``transport`` lets tests and benchmarks plug in an httpx transport; ``stop`` is an event
    that cuts retry backoffs and rate-limit waits short when the user interrupts.
    """

    def __init__(
        self,
        config: FetchConfig | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        stop: threading.Event | None = None,
    ):
        require_feeds_extra()
        self.config = config or FetchConfig()
        self.stop = stop
        limits = httpx.Limits(
            max_connections=max(4, self.config.concurrency * 2),
            max_keepalive_connections=max(4, self.config.concurrency * 2),
        )
        self._client = httpx.Client(
            headers={"User-Agent": self.config.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(self.config.timeout),
            follow_redirects=False,
            # Never take proxies from the environment: loopback must stay loopback.
            trust_env=False,
            transport=transport or _deadline_transport(limits),
            limits=limits,
        )
        self._slots = threading.BoundedSemaphore(max(1, self.config.concurrency))
        self._limiter = _RateLimiter()
        self._robots: dict[str, tuple[float, object]] = {}  # host -> (expires, rules)
        self._robots_locks: dict[str, threading.Lock] = {}
        self._robots_guard = threading.Lock()
        self._count_lock = threading.Lock()
        self.requests = 0  # HTTP requests sent, for reports and benchmarks

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    # -- public ---------------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        validators: Validators | None = None,
        accept: frozenset[str] = PAGE_TYPES,
    ) -> Response:
        """GET ``url`` politely; a 304 comes back as a :class:`Response` with no content.

        Raises :class:`FetchError` for every failure: network, HTTP status, robots.txt,
        redirects, size, content type.
        """
        current = url
        seen = {url}
        conditional = validators.headers() if validators else {}
        try:
            urlsplit(url)
        except ValueError as exc:  # e.g. "http://[::1/": urllib raises on an unclosed IPv6 host
            raise FetchError(url, f"invalid URL ({exc})") from None
        for _hop in range(self.config.max_redirects + 1):
            if self.config.robots and not self.allowed(current):
                # RFC 9309 2.3.1.4: an unreachable (5xx) robots.txt disallows for now; the page
                # may be allowed once it answers again, so that failure is transient.
                unavailable = self._robots.get(host_key(current), (0.0, None))[1] is False
                raise FetchError(current, "disallowed by robots.txt"
                                 + (" (robots.txt server error)" if unavailable else ""),
                                 transient=unavailable)
            response = self._request(current, conditional, self.config.max_bytes)
            if response.status in REDIRECT_STATUSES:
                location = response.headers.get("location")
                if not location:
                    raise FetchError(current, f"HTTP {response.status} redirect without Location")
                target = urljoin(current, location.strip())
                if urlsplit(target).scheme not in ("http", "https"):
                    raise FetchError(current, f"redirect to unsupported URL {target}")
                if target in seen:
                    raise FetchError(url, f"redirect loop at {target}")
                seen.add(target)
                # Validators kept for a URL came from where its redirects ended last time. A
                # permanent redirect (moved feed, http -> https) leads there again, so they go
                # on to the target; a temporary one may lead elsewhere, so they are dropped.
                if response.status not in (301, 308):
                    conditional = {}
                current = target
                continue
            response = Response(
                url=url, final_url=current, status=response.status, content=response.content,
                content_type=response.content_type, charset=response.charset,
                validators=response.validators, headers=response.headers,
            )
            self._check(response, accept)
            return response
        raise FetchError(url, f"more than {self.config.max_redirects} redirects")

    def allowed(self, url: str) -> bool:
        """Whether robots.txt of ``url``'s host lets our User-Agent fetch it.

        RFC 9309: a 4xx robots.txt allows everything, a 5xx (after retries) disallows
        everything. A network failure is raised as the page's own failure, since the page
        cannot be reached either.
        """
        robots = self._robots_for(url)
        if robots is None:
            return True
        if robots is False:
            return False
        return robots.can_fetch(url, self.config.user_agent)  # type: ignore[attr-defined]

    # -- internals ------------------------------------------------------------------------

    def _check(self, response: Response, accept: frozenset[str]) -> None:
        if response.status == 304:
            return
        if not 200 <= response.status < 300:
            phrase = httpx.codes.get_reason_phrase(response.status)
            retry = response.status in RETRY_STATUSES
            raise FetchError(
                response.final_url, f"HTTP {response.status} {phrase}".rstrip(),
                transient=retry or response.status >= 500, status=response.status,
                # Retries spent: the server's Retry-After still says when to come back.
                retry_after=_retry_after(response.headers.get("retry-after")) if retry else None,
            )
        if response.content_type is None:
            if not _sniff_ok(response.content, accept):
                raise FetchError(response.final_url, "no content type and content not recognised")
        elif response.content_type not in accept:
            raise FetchError(response.final_url, f"unsupported content type {response.content_type}")

    def _interval(self, url: str) -> float:
        interval = 1.0 / self.config.rate_limit if self.config.rate_limit > 0 else 0.0
        robots = self._robots.get(host_key(url), (0.0, None))[1]
        if robots not in (None, False) and self.config.robots:
            delay = robots.crawl_delay(self.config.user_agent)  # type: ignore[attr-defined]
            if delay:
                interval = max(interval, min(float(delay), self.config.max_crawl_delay))
        return interval

    def _robots_for(self, url: str) -> object:
        host = host_key(url)
        with self._robots_guard:
            cached = self._robots.get(host)
            if cached is not None and cached[0] > time.monotonic():
                return cached[1]
            lock = self._robots_locks.setdefault(host, threading.Lock())
        with lock:
            cached = self._robots.get(host)
            if cached is not None and cached[0] > time.monotonic():
                return cached[1]
            result = self._load_robots(host + "/robots.txt")
            keep = ROBOTS_ERROR_CACHE_SECONDS if result is False else ROBOTS_CACHE_SECONDS
            with self._robots_guard:
                self._robots[host] = (time.monotonic() + keep, result)
            return result

    def _load_robots(self, robots_url: str) -> object:
        from protego import Protego

        current = robots_url
        for _ in range(5):  # RFC 9309 section 2.3.1.2: follow at least five redirects
            response = self._request(current, {}, ROBOTS_MAX_BYTES, truncate=True)
            if response.status in REDIRECT_STATUSES and response.headers.get("location"):
                current = urljoin(current, response.headers["location"])
                continue
            if 200 <= response.status < 300:
                text = response.content.decode("utf-8", errors="replace")
                return Protego.parse(text)
            if response.status >= 500:
                return False
            return None  # 4xx (and anything else): no rules, everything allowed
        return None

    def _request(
        self, url: str, extra: dict[str, str], max_bytes: int, *, truncate: bool = False
    ) -> Response:
        """One URL with retries; redirects are returned, not followed."""
        attempt = 0
        while True:
            self._limiter.wait(host_key(url), self._interval(url), self.stop)
            try:
                with self._slots:
                    response = self._once(url, extra, max_bytes, truncate)
            except httpx.TransportError as exc:
                reason, retry = _transport_reason(exc, self.config)
                # A server that dripped past the total deadline would only drip again.
                if (not retry or attempt >= self.config.retries or self._stopping()
                        or reason.endswith(" in total")):
                    raise FetchError(url, reason, transient=True) from None
                self._sleep(self._backoff(attempt))
                attempt += 1
                continue
            except (httpx.InvalidURL, UnicodeError) as exc:
                # UnicodeError: a host name IDNA cannot encode ("a..b", "xn--"), raised by
                # the socket layer, which httpx does not wrap.
                raise FetchError(url, f"invalid URL ({exc})") from None
            if response.status in RETRY_STATUSES and attempt < self.config.retries:
                wait = _retry_after(response.headers.get("retry-after"))
                if wait is not None and wait > self.config.max_retry_after:
                    raise FetchError(
                        url, f"HTTP {response.status}, Retry-After {wait:.0f}s is too long",
                        transient=True, status=response.status, retry_after=wait,
                    )
                if not self._stopping():
                    self._sleep(max(wait or 0.0, self._backoff(attempt)))
                    attempt += 1
                    continue
            return response

    def _once(self, url: str, extra: dict[str, str], max_bytes: int, truncate: bool) -> Response:
        with self._count_lock:
            self.requests += 1
        deadline = time.monotonic() + self.config.total_timeout
        _deadline.at = deadline
        try:
            with self._client.stream("GET", url, headers=extra) as raw:
                headers = {k.lower(): v for k, v in raw.headers.items()}
                status = raw.status_code
                content = b""
                if status not in REDIRECT_STATUSES and status != 304:
                    content = self._read_body(raw, url, headers, max_bytes, deadline, truncate)
        finally:
            _deadline.at = None
        mime, charset = _media_type(headers.get("content-type"))
        return Response(
            url=url, final_url=url, status=status, content=content, content_type=mime,
            charset=charset,
            validators=Validators(headers.get("etag"), headers.get("last-modified")),
            headers=headers,
        )

    def _read_body(
        self, raw: httpx.Response, url: str, headers: dict[str, str], max_bytes: int,
        deadline: float, truncate: bool,
    ) -> bytes:
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > max_bytes and not truncate:
            raise FetchError(url, f"response too large ({int(length)} bytes, limit {max_bytes})")
        inflater = _Inflater(headers.get("content-encoding", ""), url)
        chunks: list[bytes] = []
        size = 0

        def add(piece: bytes) -> bool:
            nonlocal size
            if size + len(piece) > max_bytes:
                if truncate:
                    chunks.append(piece[: max_bytes - size])
                    return False
                raise FetchError(url, f"response too large (over {max_bytes} bytes decoded)")
            chunks.append(piece)
            size += len(piece)
            return True

        for part in raw.iter_raw():
            if time.monotonic() > deadline:
                raise FetchError(
                    url, f"timed out after {self.config.total_timeout:g}s in total", transient=True
                )
            for piece in inflater.feed(part):
                if not add(piece):
                    return b"".join(chunks)
        add(inflater.flush())
        return b"".join(chunks)

    def _backoff(self, attempt: int) -> float:
        # Exponential backoff with "equal jitter" (Brooker, AWS Architecture Blog, 2015) so
        # that many clients retrying one host do not come back in lockstep.
        ceiling = self.config.backoff * (2**attempt)
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _sleep(self, seconds: float) -> None:
        if self.stop is not None:
            self.stop.wait(seconds)
        else:
            time.sleep(seconds)

    def _stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()
