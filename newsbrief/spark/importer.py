"""Reading a Spark run's Parquet output back for ``newsbrief import-parquet``.

Read with pyarrow, so no Spark (and no Java) is needed to import. :func:`read_events` gives
the run's events in input order, each with its articles as cleaned for its brief, their
duplicate links and the brief, as :class:`newsbrief.store.imports.ImportedEvent` objects for
:meth:`newsbrief.store.Store.import_events`, which stores them as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from newsbrief.cluster import ClusterConfig
from newsbrief.errors import InputError, MissingDependency
from newsbrief.models import Article, Brief, Document, Sentence

__all__ = ["article_count", "read_briefs_table", "read_events", "run_min_similarity"]

_ARTICLE_FIELDS = ("id", "title", "outlet", "published", "url", "path", "language", "author")


def _table(folder: Path, name: str, columns: list[str] | None = None):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependency("pyarrow", "spark") from None
    path = folder / name
    if not path.is_dir():
        raise InputError(f"{folder}: no '{name}' table (is this the output of spark-run?)")
    try:
        return pq.read_table(path, columns=columns)
    except Exception as exc:  # noqa: BLE001  (pyarrow: ArrowInvalid, OSError, KeyError...)
        raise InputError(f"{path}: cannot read the Parquet table: {exc}") from None


def article_count(folder: str | Path) -> int:
    """How many articles the run wrote (its ``articles`` table's rows)."""
    return _table(Path(folder), "articles", ["id"]).num_rows


def run_min_similarity(folder: str | Path) -> float:
    """The floor under every join (``ClusterConfig.min_similarity``) the run clustered with,
    from its ``run.json`` (``run_json/`` when it was written to a distributed file system);
    the default for an output without one."""
    folder = Path(folder)
    parts = [folder / "run.json", *sorted((folder / "run_json").glob("part-*"))]
    manifest = next((p for p in parts if p.is_file()), None)
    default = ClusterConfig().min_similarity
    if manifest is None:
        return default
    try:
        value = json.loads(manifest.read_text(encoding="utf-8"))["config"]["cluster"].get(
            "min_similarity", default)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(f"{manifest}: not a spark-run manifest ({type(exc).__name__}: "
                         f"{exc})") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise InputError(f"{manifest}: config.cluster.min_similarity must be a number "
                         f"between 0 and 1, got {value!r}")
    return float(value)


def read_briefs_table(folder: str | Path) -> dict[str, dict]:
    """``event_id -> Brief.to_dict()`` of a run (the JSON column of the ``briefs`` table)."""
    table = _table(Path(folder), "briefs", ["event_id", "brief"])
    out = {}
    for row in table.to_pylist():
        try:
            out[row["event_id"]] = json.loads(row["brief"])
        except (TypeError, ValueError) as exc:
            raise InputError(f"{folder}/briefs: event {row['event_id']}: bad JSON: {exc}") from None
    return out


_EVENT_COLUMNS = list(_ARTICLE_FIELDS) + [
    "raw_text", "text", "sentences", "removed_lines", "duplicate_of", "event_id", "file_rank",
    "position",
]


def _document(row: dict) -> Document:
    article = Article(text=row["raw_text"], **{name: row[name] for name in _ARTICLE_FIELDS})
    sentences = tuple(
        Sentence(article.id, s["index"], s["text"], s["start"], s["end"], s["paragraph"])
        for s in row["sentences"] or ()
    )
    return Document(article, row["text"] or "", sentences, tuple(row["removed_lines"] or ()))


def read_events(folder: str | Path, batch_rows: int = 4096) -> Iterator:
    """The run's events in input order (of their first article), articles in input order.

    Yields :class:`newsbrief.store.imports.ImportedEvent`. Rows are converted a batch at a
    time, so only the Arrow tables are held whole. A brief that is not a valid
    ``Brief.to_dict`` is an :class:`InputError` naming the event.
    """
    import pyarrow as pa

    from newsbrief.store.imports import ImportedEvent

    folder = Path(folder)
    events = _table(folder, "events", ["event_id", "file_rank", "position"])
    articles = _table(folder, "articles")
    missing = set(_EVENT_COLUMNS) - set(articles.column_names)
    if missing:
        raise InputError(f"{folder}/articles: missing column(s) {', '.join(sorted(missing))}")
    briefs = read_briefs_table(folder)
    # Events in the order of their first article; articles in input order within each.
    ranked = events.sort_by([("file_rank", "ascending"), ("position", "ascending")])
    order = {event: i for i, event in enumerate(ranked.column("event_id").to_pylist())}
    try:
        keys = [order[e] for e in articles.column("event_id").to_pylist()]
    except KeyError as exc:
        raise InputError(f"{folder}/articles: event {exc} is not in the events table") from None
    joined = articles.select(_EVENT_COLUMNS).append_column("event_order", pa.array(keys)).sort_by([
        ("event_order", "ascending"), ("file_rank", "ascending"), ("position", "ascending"),
    ])
    current: str | None = None
    documents: list[Document] = []
    copies: dict[str, str] = {}

    def finish() -> ImportedEvent:
        data = briefs.get(current)
        try:
            brief = Brief.from_dict(data) if data is not None else None
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"{folder}/briefs: event {current}: not a brief: {exc}") from None
        return ImportedEvent(current, tuple(documents), dict(copies), brief)

    for batch in joined.to_batches(max_chunksize=batch_rows):
        for row in batch.to_pylist():
            if row["event_id"] != current:
                if current is not None:
                    yield finish()
                current, documents, copies = row["event_id"], [], {}
            documents.append(_document(row))
            if row["duplicate_of"]:
                copies[row["id"]] = row["duplicate_of"]
    if current is not None:
        yield finish()
