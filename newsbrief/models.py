"""Plain data types passed between the pipeline stages.

Everything here is a frozen dataclass with slots: cheap to create, safe to share between
threads and processes (the Spark job pickles them), and serialisable with ``to_dict``.
Dates are ISO 8601 strings (``"2017-11-16"`` or ``"2017-11-18T20:09:00"``) so they travel
unchanged through JSON, SQLite and Parquet.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, date, datetime
from typing import Any

__all__ = [
    "Article",
    "ArticleRef",
    "Brief",
    "BriefSentence",
    "Claim",
    "Disagreement",
    "Document",
    "DuplicateGroup",
    "Entity",
    "Problem",
    "Quote",
    "Sentence",
    "TimelineEntry",
    "parse_day",
    "publication_key",
]


def _fields(obj: Any) -> dict[str, Any]:
    """A flat dataclass's fields by name: ``asdict`` for fields of immutable values, without
    its recursive deep copy (which made ``Brief.to_dict`` most of an event API request)."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}


def parse_day(value: str | None) -> float | None:
    """Days since the epoch of an ISO date or date-time (None when missing or unreadable).

    A time with a UTC offset is that instant ("10:00+09:00" is 01:00 UTC); naive times are
    read as UTC, so every machine computes the same day numbers.
    """
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        try:
            moment = datetime.fromisoformat(value[:19])
        except ValueError:
            try:
                moment = datetime.combine(date.fromisoformat(value[:10]), datetime.min.time())
            except ValueError:
                return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp() / 86400.0


def publication_key(published: str | None) -> tuple[bool, float, str]:
    """Sorts publication times as instants: outlets write their own offsets, and as text
    "20:09+08:00" (12:09 UTC) came after "15:00+00:00". Missing or unreadable times go last;
    the text breaks ties, so the order is the same on every machine."""
    day = parse_day(published)
    return (day is None, 0.0 if day is None else day, published or "")


_SURROGATE = re.compile("[\ud800-\udfff]")
_TEXT_FIELDS = ("id", "title", "text", "outlet", "published", "url", "path", "language",
                "author")


@dataclass(frozen=True, slots=True)
class Article:
    """One news article as read from its source, before cleaning."""

    id: str
    title: str
    text: str
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    path: str | None = None
    language: str | None = None
    author: str | None = None

    def __post_init__(self) -> None:
        # A lone surrogate cannot be written as UTF-8 (SQLite, Parquet, JSON output, HTML):
        # JSON's "\ud800" escapes and file names that are not UTF-8 (Python decodes their
        # bytes to surrogates) carry them in. One such article stopped a whole ingest; each
        # becomes U+FFFD here, where every reader's articles pass.
        for name in _TEXT_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str) and not value.isascii():
                try:
                    value.encode("utf-8")  # in C, four times as fast as searching for them
                except UnicodeEncodeError:
                    object.__setattr__(self, name, _SURROGATE.sub("\ufffd", value))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def with_(self, **changes: Any) -> Article:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a cleaned article; ``start``/``end`` index into ``Document.text``."""

    article_id: str
    index: int
    text: str
    start: int
    end: int
    paragraph: int = 0


@dataclass(frozen=True, slots=True)
class Document:
    """An article after cleaning and sentence splitting: the unit every later stage reads."""

    article: Article
    text: str
    sentences: tuple[Sentence, ...]
    removed_lines: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.article.id


@dataclass(frozen=True, slots=True)
class BriefSentence:
    """A sentence of a brief, with the articles that carry it (the sentence or a near copy)."""

    text: str
    sources: tuple[str, ...]
    score: float = 0.0
    article_id: str | None = None
    sentence_index: int | None = None
    # The whole sentence as ``article_id`` prints it; ``text`` is this sentence or a shortening
    # of it that only deletes words (see newsbrief.summarize.compress).
    source_text: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "sources": list(self.sources),
            "score": round(self.score, 6),
            "article_id": self.article_id,
            "sentence_index": self.sentence_index,
            "source_text": self.source_text or self.text,
        }


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """What a brief says about each input article."""

    id: str
    title: str
    outlet: str | None = None
    published: str | None = None
    path: str | None = None
    url: str | None = None
    duplicate_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Entity:
    name: str
    type: str
    aliases: tuple[str, ...]
    mentions: int
    sources: tuple[str, ...]
    roles: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = _fields(self)
        d["aliases"], d["sources"] = list(self.aliases), list(self.sources)
        d["roles"] = list(self.roles)
        return d


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    speaker: str | None
    sentence: str
    sources: tuple[str, ...]
    first_seen: str | None = None
    variants: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = _fields(self)
        d["sources"], d["variants"] = list(self.sources), list(self.variants)
        return d


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    date: str
    granularity: str
    text: str
    sources: tuple[str, ...]
    expression: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = _fields(self)
        d["sources"] = list(self.sources)
        return d


@dataclass(frozen=True, slots=True)
class Claim:
    text: str
    sources: tuple[str, ...]
    published: str | None = None
    value: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = _fields(self)
        d["sources"] = list(self.sources)
        return d


@dataclass(frozen=True, slots=True)
class Disagreement:
    about: str
    claims: tuple[Claim, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"about": self.about, "claims": [c.to_dict() for c in self.claims]}


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Articles that are copies of one story; ``original`` is the earliest or first seen."""

    original: str
    members: tuple[str, ...]
    outlets: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "original": self.original,
            "members": list(self.members),
            "outlets": list(self.outlets),
        }


@dataclass(frozen=True, slots=True)
class Brief:
    """The brief of one event. ``to_dict`` gives the documented JSON contract."""

    articles: tuple[ArticleRef, ...]
    headline: tuple[BriefSentence, ...]
    summary: tuple[BriefSentence, ...]
    duplicate_groups: tuple[DuplicateGroup, ...] = ()
    entities: tuple[Entity, ...] = ()
    quotes: tuple[Quote, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    disagreements: tuple[Disagreement, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def headline_text(self) -> str:
        return " ".join(s.text for s in self.headline)

    @property
    def summary_text(self) -> str:
        return " ".join(s.text for s in self.summary)

    def to_dict(self) -> dict[str, Any]:
        return {
            "articles": [a.to_dict() for a in self.articles],
            "headline": [s.to_dict() for s in self.headline],
            "summary": [s.to_dict() for s in self.summary],
            "duplicate_groups": [g.to_dict() for g in self.duplicate_groups],
            "entities": [e.to_dict() for e in self.entities],
            "quotes": [q.to_dict() for q in self.quotes],
            "timeline": [t.to_dict() for t in self.timeline],
            "disagreements": [d.to_dict() for d in self.disagreements],
            "meta": dict(self.meta),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Brief:
        def sentences(items: list[dict[str, Any]]) -> tuple[BriefSentence, ...]:
            return tuple(
                BriefSentence(
                    text=s["text"],
                    sources=tuple(s.get("sources", ())),
                    score=s.get("score", 0.0),
                    article_id=s.get("article_id"),
                    sentence_index=s.get("sentence_index"),
                    source_text=s.get("source_text"),
                )
                for s in items
            )

        return cls(
            articles=tuple(ArticleRef(**a) for a in data.get("articles", ())),
            headline=sentences(data.get("headline", [])),
            summary=sentences(data.get("summary", [])),
            duplicate_groups=tuple(
                DuplicateGroup(g["original"], tuple(g["members"]), tuple(g.get("outlets", ())))
                for g in data.get("duplicate_groups", ())
            ),
            entities=tuple(
                Entity(
                    e["name"], e["type"], tuple(e["aliases"]), e["mentions"], tuple(e["sources"]),
                    tuple(e.get("roles", ())),
                )
                for e in data.get("entities", ())
            ),
            quotes=tuple(
                Quote(
                    q["text"], q.get("speaker"), q["sentence"], tuple(q["sources"]),
                    q.get("first_seen"), tuple(q.get("variants", ())),
                )
                for q in data.get("quotes", ())
            ),
            timeline=tuple(
                TimelineEntry(
                    t["date"], t["granularity"], t["text"], tuple(t["sources"]), t.get("expression")
                )
                for t in data.get("timeline", ())
            ),
            disagreements=tuple(
                Disagreement(
                    d["about"],
                    tuple(
                        Claim(c["text"], tuple(c["sources"]), c.get("published"), c.get("value"))
                        for c in d["claims"]
                    ),
                )
                for d in data.get("disagreements", ())
            ),
            meta=dict(data.get("meta", {})),
        )

    def to_json(self, indent: int | None = 2) -> str:
        from newsbrief.render import to_json

        return to_json(self, indent=indent)

    def to_markdown(self) -> str:
        from newsbrief.render import to_markdown

        return to_markdown(self)

    def to_html(self) -> str:
        from newsbrief.render import to_html

        return to_html(self)


@dataclass(frozen=True, slots=True)
class Problem:
    """A per-item failure in bulk work: which input, and why it was skipped."""

    source: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.reason}"
