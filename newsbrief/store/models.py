"""The store's record types (the API the web app and the feed watcher code against)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from newsbrief.models import Article, Problem, Sentence

__all__ = ["EventSummary", "IngestReport", "StoredArticle"]


@dataclass(frozen=True, slots=True)
class EventSummary:
    """One event as listed: the headline of its latest brief and its span in time."""

    id: str
    headline: str
    first_published: str | None
    last_published: str | None
    article_count: int
    outlet_count: int
    updated_at: str
    # Articles arrived since its latest brief (or it has none yet: its headline is then its
    # first article's title); the next refresh rebuilds it.
    brief_stale: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "brief_stale", bool(self.brief_stale))  # SQLite gives 0/1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class StoredArticle:
    """An article as stored: the original, its cleaned text and sentences, its links."""

    article: Article
    text: str
    sentences: tuple[Sentence, ...]
    content_hash: str
    duplicate_of: str | None
    event_id: str | None
    added_at: str

    @property
    def id(self) -> str:
        return self.article.id

    def to_dict(self) -> dict[str, Any]:
        return {
            "article": self.article.to_dict(),
            "text": self.text,
            "sentences": [asdict(s) for s in self.sentences],
            "content_hash": self.content_hash,
            "duplicate_of": self.duplicate_of,
            "event_id": self.event_id,
            "added_at": self.added_at,
        }


@dataclass(slots=True)
class IngestReport:
    """What one :meth:`Store.add_articles` call did."""

    added: list[tuple[str, str]] = field(default_factory=list)  # (article_id, event_id)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (article id or source, reason)
    problems: list[Problem] = field(default_factory=list)
    events_created: set[str] = field(default_factory=set)
    events_updated: set[str] = field(default_factory=set)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (copy, original)
    merged: list[tuple[str, str]] = field(default_factory=list)  # (gone, kept)
    briefs_refreshed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": [list(p) for p in self.added],
            "skipped": [list(p) for p in self.skipped],
            "problems": [str(p) for p in self.problems],
            "events_created": sorted(self.events_created),
            "events_updated": sorted(self.events_updated),
            "duplicates": [list(p) for p in self.duplicates],
            "merged": [list(p) for p in self.merged],
            "briefs_refreshed": self.briefs_refreshed,
        }

    def follow(self, moved: dict[str, str], retired: dict[str, str]) -> None:
        """Point the report at the surviving events: events merged during the run, open
        articles ``moved`` (article -> event) and events ``retired`` (emptied by moves)."""
        target = dict(self.merged)
        gone = set(retired)

        def live(event_id: str) -> str:
            while event_id in target:
                event_id = target[event_id]
            return event_id

        self.added = [(a, live(moved.get(a, e))) for a, e in self.added]
        self.events_created = {live(e) for e in self.events_created} - gone
        self.events_updated = ({live(e) for e in self.events_updated} - gone
                               - self.events_created)
