"""How an article becomes a stored row, and back: the per-article work of ingest.

:func:`prepare_article` is the pure part (cleaning, sentence spans, MinHash signature and band
keys, clustering features, the raw text packed): it runs in worker processes and returns a
:class:`PreparedArticle` that is cheap to send back, with no :class:`Sentence` objects, since
the store keeps only the spans. The cleaning is :func:`newsbrief.clean.clean_article`'s for a
single article (:func:`newsbrief.pipeline.prepare_articles` of a batch of one), split into its
two halves: :func:`newsbrief.clean.clean_text` and :func:`newsbrief.segment.sentence_spans`.

Row formats (schema 4, see ``migrations/0004_compact_articles.sql``): ``articles.sentences``
is JSON ``[[start, end, paragraph], ...]`` (a fourth element holds a sentence's text where it is
not ``text[start:end]``); ``articles.raw_text`` is NULL when the text as read equals the
cleaned text, else its zlib-compressed UTF-8 (older rows: the text itself).
``briefs.brief`` is :meth:`Brief.to_dict` as JSON, zlib-compressed (:func:`pack_brief`; rows
written before the evening of 3 December 2026: the JSON text itself). Every refresh keeps a
version, and the versions were half of a briefed store's size; compressed they take about a
sixth.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any

from newsbrief.clean import clean_text
from newsbrief.cluster import ClusterConfig, extract_features
from newsbrief.config import BriefConfig
from newsbrief.models import Article, Brief, Document, Problem, Sentence
from newsbrief.segment import sentence_spans
from newsbrief.store.neardup import band_keys, signature

__all__ = [
    "DUPLICATE_THRESHOLD",
    "PreparedArticle",
    "pack_brief",
    "pack_brief_json",
    "pack_document",
    "pack_raw",
    "prepare_article",
    "prepare_or_problem",
    "unpack_brief",
    "unpack_raw",
    "unpack_sentences",
]

# Stored band keys depend on it, so the store keeps the brief's default whatever a run's
# BriefConfig says.
DUPLICATE_THRESHOLD = BriefConfig().duplicate_threshold
# zlib level 1: 0.06 ms for a 4 KB article and about half its size; higher levels gain ~5%
# for 60% more time (measured on the scale benchmark's stream).
_ZLIB_LEVEL = 1
# A brief is written once per refresh and read far more often than written: level 6 packs
# 5.7 times (level 1: 5.0) in 0.3 ms, against the 0.1 to 0.2 s a brief takes to make.
_BRIEF_ZLIB_LEVEL = 6


@dataclass(frozen=True, slots=True)
class PreparedArticle:
    """Everything the store writes for one article, computed outside its transaction."""

    text: str  # cleaned
    sentences: str  # packed spans (JSON)
    removed_lines: str  # JSON list of "reason: line"
    raw: bytes | None  # pack_raw of the text as read
    values: Any  # MinHash signature (numpy array)
    keys: list[int]  # LSH band keys of the signature
    features: Any  # clustering features (newsbrief.cluster.Features)


def pack_raw(raw: str, text: str) -> bytes | None:
    """``None`` when the text as read is the cleaned text, else its compressed UTF-8."""
    return None if raw == text else zlib.compress(raw.encode("utf-8"), _ZLIB_LEVEL)


def unpack_raw(value: str | bytes | None, text: str) -> str:
    """The text as read, from any stored form (NULL, compressed BLOB, or plain TEXT)."""
    if value is None:
        return text
    if isinstance(value, bytes):
        return zlib.decompress(value).decode("utf-8")
    return value


def pack_brief(brief: Brief) -> bytes:
    """The stored form of a brief: its :meth:`Brief.to_dict` as compressed JSON (the same
    brief gives the same bytes, so a refresh can tell an unchanged brief)."""
    return pack_brief_json(json.dumps(brief.to_dict()))


def pack_brief_json(text: str) -> bytes:
    """:func:`pack_brief` of a brief given as its JSON (as older rows hold it)."""
    return zlib.compress(text.encode("utf-8"), _BRIEF_ZLIB_LEVEL)


def unpack_brief(value: str | bytes) -> Brief:
    """A stored brief, from either form (compressed BLOB, or the JSON text of older rows)."""
    if isinstance(value, bytes):
        value = zlib.decompress(value).decode("utf-8")
    return Brief.from_dict(json.loads(value))


def _pack(spans: list[list[Any]]) -> str:
    return json.dumps(spans, ensure_ascii=False, separators=(",", ":"))


def pack_document(document: Document) -> str:
    """The packed spans of a :class:`Document`'s sentences (their texts kept where they are not
    the slice of the document's text they point at)."""
    spans: list[list[Any]] = []
    for s in document.sentences:
        span: list[Any] = [s.start, s.end, s.paragraph]
        if document.text[s.start : s.end] != s.text:
            span.append(s.text)
        spans.append(span)
    return _pack(spans)


def unpack_sentences(article_id: str, text: str, packed: str) -> tuple[Sentence, ...]:
    """The :class:`Sentence` objects of a stored article, in order."""
    return tuple(
        Sentence(article_id, index, span[3] if len(span) > 3 else text[span[0] : span[1]],
                 span[0], span[1], span[2])
        for index, span in enumerate(json.loads(packed))
    )


def prepare_or_problem(article: Article,
                       cluster_config: ClusterConfig) -> PreparedArticle | Problem | None:
    """:func:`prepare_article`, with a failure on this one article returned as a
    :class:`Problem` naming it. An article that trips a bug (ours or a library's) must not
    stop a bulk ingest, nor block it for good: a re-run would meet the same article again."""
    try:
        return prepare_article(article, cluster_config)
    except Exception as exc:  # noqa: BLE001 - reported with the article, the rest goes on
        return Problem(article.path or article.id,
                       f"article {article.id}: cannot be prepared ({type(exc).__name__}: {exc})")


def prepare_article(article: Article, cluster_config: ClusterConfig) -> PreparedArticle | None:
    """Clean, split, sign and featurize one article (pure); ``None`` when no sentence is left."""
    text, removed = clean_text(article.text, article.title)
    spans = [[start, end, paragraph] for start, end, paragraph in sentence_spans(text)]
    if not spans:
        return None
    values = signature(article.title, text)
    return PreparedArticle(
        text=text,
        sentences=_pack(spans),
        removed_lines=json.dumps([f"{reason}: {line}" for line, reason in removed]),
        raw=pack_raw(article.text, text),
        values=values,
        keys=band_keys(values, DUPLICATE_THRESHOLD),
        features=extract_features(article.title, text, cluster_config),
    )
