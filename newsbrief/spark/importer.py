"""Loading a Spark run's Parquet output into the embedded store (``newsbrief import-parquet``).

Read with pyarrow, so no Spark (and no Java) is needed to import. The store's public API has
one way in, :meth:`newsbrief.store.Store.add_articles`, which cleans, links copies, clusters and
briefs on its own; so the import hands it the *raw* articles in the run's input order and the
store computes its events incrementally from them. The Spark run's own event assignment and
briefs stay in the Parquet tables (``events``, ``briefs``); storing them as they are needs a
store method for precomputed events (see docs/spark.md, "Importing").
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from newsbrief.errors import InputError, MissingDependency
from newsbrief.models import Article

__all__ = ["read_articles_table", "read_briefs_table"]

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


def read_articles_table(folder: str | Path) -> Iterator[Article]:
    """The articles of a run as read (raw text), in the run's input order."""
    folder = Path(folder)
    columns = list(_ARTICLE_FIELDS) + ["raw_text", "file_rank", "position"]
    table = _table(folder, "articles", columns)
    missing = set(columns) - set(table.column_names)
    if missing:
        raise InputError(f"{folder}/articles: missing column(s) {', '.join(sorted(missing))}")
    table = table.sort_by([("file_rank", "ascending"), ("position", "ascending")])
    for row in table.to_pylist():
        fields = {name: row[name] for name in _ARTICLE_FIELDS}
        yield Article(text=row["raw_text"], **fields)


def read_briefs_table(folder: str | Path) -> dict[str, dict]:
    """``event_id -> Brief.to_dict()`` of a run (the JSON column of the ``briefs`` table)."""
    import json

    table = _table(Path(folder), "briefs", ["event_id", "brief"])
    return {row["event_id"]: json.loads(row["brief"]) for row in table.to_pylist()}
