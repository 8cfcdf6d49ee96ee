"""The embedded store: SQLite (WAL, migrations) holding articles, sentences, duplicate
groups, events and versioned briefs. See :class:`Store` and docs/events.md."""

from newsbrief.store.changes import BriefChanges, brief_changes
from newsbrief.store.db import default_db_path
from newsbrief.store.models import EventSummary, IngestReport, StoredArticle
from newsbrief.store.store import Store
from newsbrief.store.urls import canonical_url, content_hash

__all__ = [
    "BriefChanges",
    "EventSummary",
    "IngestReport",
    "Store",
    "StoredArticle",
    "brief_changes",
    "canonical_url",
    "content_hash",
    "default_db_path",
]
