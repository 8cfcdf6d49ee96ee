"""WARC and WARC.gz archives (ISO 28500): every HTML response becomes an article.

Web archives such as Common Crawl News hold one HTTP response per record. Each record whose
status is 200 and whose content type is HTML goes through :func:`article_from_html`, the same
extraction as a single ``.html`` file; records of other kinds (requests, metadata, images,
redirects) are passed over silently because they are not articles, while HTML pages with no
article text become :class:`Problem` entries naming the archive, the record and the reason.

fastwarc (fast, C++) reads the archive when installed, warcio (pure Python) otherwise; both
detect gzip on their own, so ``.warc`` and ``.warc.gz`` take the same path and the archive is
streamed record by record, never loaded whole.

The article id is the record's ``WARC-Record-ID`` (unique within a crawl), its url the
``WARC-Target-URI``. A page whose own date cannot be found gets the record's ``WARC-Date``
as ``published``, in UTC with its offset ("2024-03-07T10:00:00+00:00"): a news crawl fetches
pages within hours or days of publication, and a date is what lets the Spark job place the
article in a time window.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

from newsbrief.errors import MissingDependency
from newsbrief.ingest.html import article_from_html
from newsbrief.models import Article, Problem

__all__ = ["WARC_SUFFIXES", "WarcPage", "articles_from_warc", "crawl_date", "is_warc",
           "iter_warc_pages"]

WARC_SUFFIXES = (".warc", ".warc.gz")
MAX_PAGE_BYTES = 20 * 1024 * 1024


def is_warc(name: str) -> bool:
    """True when ``name`` (a path or URI) ends like a WARC archive."""
    return name.lower().endswith(WARC_SUFFIXES)


@dataclass(frozen=True, slots=True)
class WarcPage:
    """The parts of one HTTP response record that article extraction needs."""

    record_id: str
    url: str | None
    date: str | None
    charset: str | None
    body: bytes
    offset: int | None = None
    skipped: str | None = None  # why the page was not read (too large, bad compression)


def crawl_date(value: str | None) -> str | None:
    """A ``WARC-Date`` as ISO 8601 that says it is UTC ("2024-03-07T10:00:00+00:00").

    The standard writes it in UTC with a "Z" (fractions of a second allowed in WARC 1.1);
    keeping the offset says so, as HTML dates keep theirs and record timestamps say
    ``+00:00``, where a naive time would read as the outlet's own clock. A day alone stays a
    day, an offset other than "Z" is kept as written, and a value that is no ISO 8601 date
    is no date.
    """
    text = (value or "").strip()
    try:
        moment = datetime.fromisoformat(text)  # Python 3.11 reads the "Z"
    except ValueError:
        return None
    if len(text) <= 10:  # "2024-03-07", "20240307": no time
        return moment.date().isoformat()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the standard's zone, where the "Z" is missing
    return moment.isoformat(timespec="seconds")


def _record_id(raw: str | None, position: int) -> str:
    value = (raw or "").strip().strip("<>")
    value = value.removeprefix("urn:uuid:")
    return value or f"record-{position}"


def _is_html(content_type: str | None) -> bool:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    return kind in ("text/html", "application/xhtml+xml")


def _charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def _too_large(length: int) -> str:
    return f"record too large ({length:,} bytes, limit {MAX_PAGE_BYTES:,})"


def _decode_body(body: bytes, encoding: str | None) -> tuple[bytes, str | None]:
    """Undo an HTTP ``Content-Encoding`` kept in the archive, inflating at most
    ``MAX_PAGE_BYTES`` so that a compression bomb stops at the cap; ``(body, problem)``."""
    encoding = (encoding or "").strip().lower()
    if encoding in ("", "identity"):
        return body, None
    if encoding not in ("gzip", "x-gzip", "deflate"):
        return b"", f"unsupported content encoding {encoding!r}"
    # 47 = 32 + 15: zlib detects a gzip or zlib header by itself.
    inflater = zlib.decompressobj(47 if encoding != "deflate" else 15)
    try:
        out = inflater.decompress(body, MAX_PAGE_BYTES + 1)
    except zlib.error:
        try:
            out = zlib.decompressobj(-15).decompress(body, MAX_PAGE_BYTES + 1)  # raw deflate
        except zlib.error as exc:
            return b"", f"corrupt {encoding} body ({exc})"
    if len(out) > MAX_PAGE_BYTES:
        return b"", f"{encoding} body inflates beyond {MAX_PAGE_BYTES:,} bytes"
    return out, None


def _pages_fastwarc(stream: IO[bytes]) -> Iterator[WarcPage]:
    from fastwarc.warc import ArchiveIterator, WarcRecordType

    records = ArchiveIterator(stream, record_types=WarcRecordType.response, parse_http=True)
    for position, record in enumerate(records):
        status = record.http_headers.status_code if record.http_headers else None
        content_type = record.http_headers.get("Content-Type") if record.http_headers else None
        if status != 200 or not _is_html(content_type):
            continue
        skipped = None
        if record.content_length > MAX_PAGE_BYTES:
            # Not read: the iterator skips the unread rest of the record in bounded steps.
            body, skipped = b"", _too_large(record.content_length)
        else:
            body, skipped = _decode_body(
                record.reader.read(), record.http_headers.get("Content-Encoding"))
        yield WarcPage(
            record_id=_record_id(record.headers.get("WARC-Record-ID"), position),
            url=record.headers.get("WARC-Target-URI") or None,
            date=record.headers.get("WARC-Date") or None,
            charset=_charset(content_type),
            body=body,
            offset=record.stream_pos,
            skipped=skipped,
        )


def _pages_warcio(stream: IO[bytes]) -> Iterator[WarcPage]:
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    try:
        yield from _warcio_records(ArchiveIterator(stream))
    except ArchiveLoadFailed as exc:
        raise ValueError(" ".join(str(exc).split())) from exc


def _warcio_records(records) -> Iterator[WarcPage]:
    for position, record in enumerate(records):
        if record.rec_type != "response" or record.http_headers is None:
            continue
        status = record.http_headers.get_statuscode()
        content_type = record.http_headers.get_header("Content-Type")
        if status != "200" or not _is_html(content_type):
            continue
        length = int(record.rec_headers.get_header("Content-Length") or 0)
        if length > MAX_PAGE_BYTES:
            body, skipped = b"", _too_large(length)
        else:
            # content_stream undoes chunking and Content-Encoding itself; reading one byte
            # past the cap bounds what a compression bomb can inflate to.
            body, skipped = record.content_stream().read(MAX_PAGE_BYTES + 1), None
            if len(body) > MAX_PAGE_BYTES:
                body, skipped = b"", f"body inflates beyond {MAX_PAGE_BYTES:,} bytes"
        yield WarcPage(
            record_id=_record_id(record.rec_headers.get_header("WARC-Record-ID"), position),
            url=record.rec_headers.get_header("WARC-Target-URI") or None,
            date=record.rec_headers.get_header("WARC-Date") or None,
            charset=_charset(content_type),
            body=body,
            skipped=skipped,
        )


def _reader(engine: str | None):
    """The page iterator of ``engine`` ('fastwarc', 'warcio' or None for the first installed)."""
    engines = {"fastwarc": _pages_fastwarc, "warcio": _pages_warcio}
    if engine is not None:
        if engine not in engines:
            raise ValueError(f"unknown WARC engine {engine!r}; use one of {sorted(engines)}")
        return engines[engine]
    for name in ("fastwarc", "warcio"):
        try:
            __import__(name)
        except ImportError:
            continue
        return engines[name]
    raise MissingDependency("fastwarc or warcio", "warc")


def iter_warc_pages(
    stream: IO[bytes], source: str, problems: list[Problem], *, engine: str | None = None
) -> Iterator[WarcPage]:
    """HTML pages (HTTP 200) of a WARC stream; a broken archive ends in a Problem, not a crash."""
    pages = _reader(engine)(stream)
    while True:
        try:
            page = next(pages)
        except StopIteration:
            return
        except (OSError, ValueError, EOFError) as exc:
            # A truncated or corrupt archive: keep what was read, report where it broke.
            problems.append(Problem(source, f"unreadable WARC data: {exc}"))
            return
        except Exception as exc:  # noqa: BLE001 - the parsers fail on corrupt headers in many
            # ways (warcio: AttributeError on a header line without a colon, found by fuzzing).
            problems.append(Problem(source, f"unreadable WARC data ({exc.__class__.__name__})"))
            return
        yield page


def articles_from_warc(
    source: str | os.PathLike[str] | IO[bytes],
    problems: list[Problem],
    *,
    name: str | None = None,
    engine: str | None = None,
) -> Iterator[Article]:
    """Articles of a WARC/WARC.gz archive (a path or a binary stream), in record order.

    ``name`` labels the archive in problems and in ``Article.path`` when ``source`` is a
    stream. Pages without an article become problems (``archive#record-id: reason``).
    """
    if isinstance(source, (str, os.PathLike)):
        label = name or os.fspath(source)
        try:
            stream: IO[bytes] = open(source, "rb")  # noqa: SIM115 (closed below, when ours)
        except OSError as exc:
            problems.append(Problem(label, f"cannot read: {exc.strerror or exc}"))
            return
        close = True
    else:
        label = name or getattr(source, "name", None) or "<warc>"
        stream, close = source, False
    before, found = len(problems), 0
    try:
        for page in iter_warc_pages(stream, label, problems, engine=engine):
            found += 1
            if page.skipped:
                problems.append(Problem(f"{label}#{page.record_id}", page.skipped))
                continue
            article = article_from_html(
                page.body, url=page.url, path=label, article_id=page.record_id,
                encoding=page.charset,
            )
            if isinstance(article, Problem):
                problems.append(Problem(f"{label}#{page.record_id}", article.reason))
                continue
            if not article.published and (crawled := crawl_date(page.date)):
                article = article.with_(published=crawled)
            yield article
        if not found and len(problems) == before:
            # Nothing read and nothing wrong: still say why the archive gave no article.
            problems.append(Problem(label, "no HTML pages (HTTP 200 responses) in the archive"))
    finally:
        if close:
            stream.close()
