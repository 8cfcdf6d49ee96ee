"""Plain-text articles: the first non-empty line is the title, unless it is not a title.

A first line that is metadata (a dateline such as "date 2017-11-16 AFP, BEIJING", a stamp, a
byline) is skipped; a first line that is a lead sentence (long, or ending like a sentence) means
the text has no title; a short kicker ("North Korea nuclear crisis") directly above a longer
headline gives way to that headline. Outlet, date and author the text states in its head or
tail fill whatever metadata the caller did not give.
"""

from __future__ import annotations

import hashlib
import re

from newsbrief.ingest.decode import decode_bytes, looks_binary
from newsbrief.ingest.language import detect_language
from newsbrief.ingest.metadata import find_text_metadata, outlet_from_url, read_metadata_line
from newsbrief.models import Article, Problem

__all__ = [
    "MAX_ARTICLE_CHARS",
    "article_from_text",
    "content_id",
    "looks_like_title",
    "metadata_window",
    "split_title",
]

HEAD_LINES = 15
TAIL_LINES = 5
MAX_TITLE_WORDS = 25
MAX_KICKER_WORDS = 4
# The longest article in the evaluation sets has 57,478 characters. Briefing one article of
# 200,000 characters (2,900 sentences) took 54 s and 208 MB, one of 1,000,000 characters 281 s
# and 2.1 GB (docs/reliability.md): longer "articles" are dumps, logs or attacks, refused.
MAX_ARTICLE_CHARS = 200_000
_FIELDS = ("outlet", "published", "url", "language", "author")
_ENDS_SENTENCE = re.compile(r"[.;:][\"'”’»)]*\s*$")
_INNER_SENTENCE = re.compile(r"\w{2,}[.!?][\"'”’»]?\s+[A-Z\"“‘]")


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
    """Headlines are short, hold one clause and do not end like a sentence ("?" and "!" may).

    A long lead sentence (seed 001 opens with one after its dateline) is not a title.
    """
    stripped = line.strip()
    words = stripped.split()
    if not 0 < len(words) <= MAX_TITLE_WORDS:
        return False
    if _ENDS_SENTENCE.search(stripped) or _INNER_SENTENCE.search(stripped):
        return False
    return any(ch.isalpha() for ch in stripped)


def _is_kicker(first: str, second: str) -> bool:
    """A section label above the real headline: a few words, the next line clearly longer."""
    n_first, n_second = len(first.split()), len(second.split())
    return (
        n_first <= MAX_KICKER_WORDS
        and looks_like_title(second)
        and read_metadata_line(second) is None
        and n_second >= n_first + 4
    )


def split_title(lines: list[str]) -> tuple[str, list[str]]:
    """The title and the remaining lines (the title line taken out, everything else kept)."""
    candidates = [i for i, line in enumerate(lines) if line.strip()][:4]
    for position, i in enumerate(candidates):
        line = lines[i]
        if read_metadata_line(line) is not None:
            continue
        if not looks_like_title(line):
            return "", lines
        chosen = i
        following = candidates[position + 1: position + 2]
        if following and _is_kicker(line, lines[following[0]]):
            chosen = following[0]
        return lines[chosen].strip(), lines[:chosen] + lines[chosen + 1:]
    return "", lines


def article_from_text(
    data: bytes | str,
    *,
    path: str | None = None,
    article_id: str | None = None,
    title: str | None = None,
    **fields: str | None,
) -> Article | Problem:
    """Build an article from plain text; returns a :class:`Problem` for unusable input.

    ``title=None`` takes the title from the text; any given field (``outlet``, ``published``,
    ``url``, ``language``, ``author``) wins over what the text says.
    """
    source = path or article_id or "<text>"
    text = decode_bytes(data) if isinstance(data, bytes) else data
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if looks_binary(text):
        return Problem(source, "looks like binary data, not text")
    if not text.strip():
        return Problem(source, "no text")
    if len(text) > MAX_ARTICLE_CHARS:
        return Problem(source, f"text too long for one article ({len(text):,} characters, "
                               f"limit {MAX_ARTICLE_CHARS:,})")
    lines = text.split("\n")
    if title is None:
        title, lines = split_title(lines)
    body = "\n".join(lines).strip("\n")
    if not body.strip():
        return Problem(source, "no article text (only a title)" if title else "no text")
    if not fields.get("language"):
        fields["language"] = detect_language(body)
    found = find_text_metadata(metadata_window(lines), fields.get("language"))
    for key, value in found.items():
        if not fields.get(key):
            fields[key] = value
    if not fields.get("outlet"):
        fields["outlet"] = outlet_from_url(fields.get("url"))
    return Article(
        id=article_id or content_id(title + "\n" + body),
        title=title,
        text=body,
        path=path,
        **{k: v for k, v in fields.items() if k in _FIELDS},
    )
