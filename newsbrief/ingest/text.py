"""Plain-text articles: the first non-empty line is the title, unless it is metadata."""

from __future__ import annotations

import hashlib

from newsbrief.ingest.decode import decode_bytes, looks_binary
from newsbrief.ingest.metadata import find_text_metadata, read_metadata_line
from newsbrief.models import Article, Problem

__all__ = ["article_from_text", "content_id", "metadata_window"]

HEAD_LINES = 15
TAIL_LINES = 5


def content_id(text: str) -> str:
    """A short stable id from normalised content (the store's key beside the URL)."""
    normal = " ".join(text.split()).lower()
    return hashlib.sha1(normal.encode("utf-8")).hexdigest()[:16]


def metadata_window(lines: list[str]) -> list[str]:
    """The lines where outlets print datelines and stamps: the head and the tail."""
    nonblank = [line for line in lines if line.strip()]
    if len(nonblank) <= HEAD_LINES + TAIL_LINES:
        return nonblank
    return nonblank[:HEAD_LINES] + nonblank[-TAIL_LINES:]


def looks_like_title(line: str) -> bool:
    """Headlines are short and rarely end in a full stop; a lead sentence is neither."""
    words = line.split()
    return 0 < len(words) <= 30 and not line.rstrip().endswith((".", "?”", ".”", '."'))


def article_from_text(
    data: bytes | str,
    *,
    path: str | None = None,
    article_id: str | None = None,
    title: str | None = None,
    **fields: str | None,
) -> Article | Problem:
    """Build an article from plain text; returns a :class:`Problem` for unusable input."""
    source = path or article_id or "<text>"
    text = decode_bytes(data) if isinstance(data, bytes) else data
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if looks_binary(text):
        return Problem(source, "looks like binary data, not text")
    if not text.strip():
        return Problem(source, "no text")
    lines = text.split("\n")
    if title is None:
        title = ""
        for i, line in enumerate(lines):
            if not line.strip():
                continue
            if read_metadata_line(line) is not None:
                continue
            if looks_like_title(line):
                title = line.strip()
                lines = lines[:i] + lines[i + 1 :]
            break
    body = "\n".join(lines).strip("\n")
    if not body.strip() and not title:
        return Problem(source, "no text")
    found = find_text_metadata(metadata_window(lines))
    for key, value in found.items():
        if not fields.get(key):
            fields[key] = value
    return Article(
        id=article_id or content_id(title + "\n" + body),
        title=title,
        text=body,
        path=path,
        **{k: v for k, v in fields.items() if k in {"outlet", "published", "url", "language", "author"}},
    )
