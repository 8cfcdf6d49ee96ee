"""Boilerplate removal by general rules.

Each line of an article body is kept or dropped with a reason. The rules are about the shape
of a line, not about particular strings from particular sites: metadata (datelines, stamps,
bylines), repeats of the title, calls to share/comment/read more, photo captions, lines with
no sentence in them, and lines repeated within the article or across unrelated articles.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from newsbrief.ingest.metadata import read_metadata_line
from newsbrief.models import Article, Document
from newsbrief.segment import segment_text

__all__ = ["clean_text", "clean_article", "prepare", "repeated_lines", "line_reason"]

_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*\s*$|[\"”’»]\s*$")
_CHROME = re.compile(
    r"^\W*(share|share this|tweet|email|print|comments?|discuss this( article)?|related|"
    r"related (articles?|stories|news|coverage|content)|read more|more on this|see also|"
    r"other reports( by| from)?|more (stories|news) from|recommended|advertisement|"
    r"sponsored|click here|subscribe|sign up|follow us|watch|video|listen|"
    r"you may also like|trending( now| news)?|most read|top stories|back to top|"
    r"skip to|log ?in|register|newsletter|copyright|all rights reserved|©)\b",
    re.IGNORECASE,
)
_CHROME_ANYWHERE = re.compile(
    r"(share (this|on)|follow (us|@)|sign up for|subscribe to|click here|all rights reserved|"
    r"tweet with a location|add location information|this article (is|was) (archived|saved)|"
    r"leave a comment|\d+ comments?$|javascript|cookies? (policy|settings))",
    re.IGNORECASE,
)
_CAPTION = re.compile(
    r"^\W*((this |a |the |file )?(photo|picture|image|video|graphic)s?\b.{0,80}\b"
    r"(shows?|taken|provided|released|distributed|courtesy|credit)|"
    r"(photo|image|picture|file photo|credit|source)\s*[:|/]|\((photo|image|file)\b)",
    re.IGNORECASE,
)
_CAPTION_MARK = re.compile(r"\((?:[RL]|left|right|center|centre|C)\)|\b(AFP|Reuters|AP|Getty)( Photo| Images)?\s*$")


def _normal(line: str) -> str:
    return " ".join(_WORD.findall(line.lower()))


def line_reason(line: str, title_key: str = "") -> str | None:
    """Why ``line`` is boilerplate, or ``None`` when it is article text."""
    stripped = line.strip()
    if not stripped:
        return None
    key = _normal(stripped)
    words = key.split()
    if not words:
        return "no words"
    if title_key and (key == title_key or (len(words) >= 4 and key in title_key)):
        return "repeats the title"
    if read_metadata_line(stripped) is not None:
        return "metadata"
    if len(words) <= 12 and (_CHROME.match(stripped) or _CHROME_ANYWHERE.search(stripped)):
        return "site chrome"
    if _CHROME_ANYWHERE.search(stripped) and len(words) <= 25:
        return "site chrome"
    if _CAPTION.match(stripped) or (_CAPTION_MARK.search(stripped) and "photo" in key):
        return "photo caption"
    if not _SENTENCE_END.search(stripped) and len(words) < 20:
        return "no sentence"
    return None


def clean_text(
    text: str, title: str = "", boilerplate: frozenset[str] = frozenset()
) -> tuple[str, list[tuple[str, str]]]:
    """Return the cleaned text and the removed lines with their reasons."""
    title_key = _normal(title)
    kept: list[str] = []
    removed: list[tuple[str, str]] = []
    seen: set[str] = set()
    for line in text.split("\n"):
        stripped = line.strip().lstrip("•·▪●-–—*").strip() if line.strip()[:1] in "•·▪●*" else line.strip()
        if not stripped:
            continue
        reason = line_reason(stripped, title_key)
        key = _normal(stripped)
        if reason is None and key in boilerplate:
            reason = "repeated across unrelated articles"
        if reason is None and key in seen:
            reason = "repeated within the article"
        if reason is not None:
            removed.append((stripped, reason))
            continue
        seen.add(key)
        kept.append(stripped)
    return "\n".join(kept), removed


def repeated_lines(articles: Iterable[Article], min_articles: int = 3) -> frozenset[str]:
    """Normalised lines that appear in at least ``min_articles`` different articles.

    Used on large mixed inputs (the store, Spark): a line carried by many articles of
    different stories is site furniture. Within one event the callers pass a high
    ``min_articles`` or skip it, since syndicated copies legitimately share whole paragraphs.
    """
    counts: Counter[str] = Counter()
    for article in articles:
        counts.update({_normal(line) for line in article.text.split("\n") if line.strip()})
    return frozenset(k for k, n in counts.items() if n >= min_articles and k)


def clean_article(article: Article, boilerplate: frozenset[str] = frozenset()) -> Document:
    """Clean and segment one article into a :class:`Document`."""
    text, removed = clean_text(article.text, article.title, boilerplate)
    return Document(
        article=article,
        text=text,
        sentences=segment_text(article.id, text),
        removed_lines=tuple(f"{reason}: {line}" for line, reason in removed),
    )


def prepare(articles: Sequence[Article]) -> list[Document]:
    """Clean and segment a batch of articles (the per-article stage every path shares)."""
    return [clean_article(article) for article in articles]
