"""JSON and JSON Lines: evaluation clusters (``{"id", "articles": [...], "summary"}``),
clustering records (``{"id", "label", "title", "text"}``) and plain article records
(``{"title", "text", "url", "date", "source"}``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from newsbrief.ingest.decode import decode_bytes
from newsbrief.ingest.metadata import parse_date
from newsbrief.ingest.text import article_from_text
from newsbrief.models import Article, Problem

__all__ = ["article_from_record", "articles_from_json_file", "iter_json_objects", "is_cluster"]

_TEXT_KEYS = ("text", "body", "content", "maintext", "article")
_DATE_KEYS = ("published", "date", "date_publish", "pubDate", "published_at", "timestamp")
_OUTLET_KEYS = ("outlet", "source", "source_domain", "site", "sitename", "publisher")


def is_cluster(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("articles"), list)


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = record.get(key)
        if value not in (None, ""):
            return value
    return None


def article_from_record(
    record: Any, *, default_id: str, path: str | None = None
) -> Article | Problem:
    """One plain article record; the error names the field that is wrong."""
    where = path or default_id
    if not isinstance(record, dict):
        return Problem(where, f"expected a JSON object, got {type(record).__name__}")
    text = _first(record, _TEXT_KEYS)
    if text is None:
        return Problem(where, "missing field 'text'")
    if not isinstance(text, str):
        return Problem(where, f"field 'text' must be a string, got {type(text).__name__}")
    title = record.get("title") or ""
    if not isinstance(title, str):
        return Problem(where, f"field 'title' must be a string, got {type(title).__name__}")
    outlet = _first(record, _OUTLET_KEYS)
    if isinstance(outlet, dict):
        outlet = outlet.get("name") or outlet.get("title")
    published = _first(record, _DATE_KEYS)
    if published is not None and not isinstance(published, str):
        published = str(published)
    if published:
        published = parse_date(published) or published
    record_id = record.get("id", default_id)
    fields = {
        "outlet": outlet if isinstance(outlet, str) else None,
        "published": published,
        "url": record.get("url") if isinstance(record.get("url"), str) else None,
        "language": record.get("language") if isinstance(record.get("language"), str) else None,
        "author": record.get("author") if isinstance(record.get("author"), str) else None,
    }
    article = article_from_text(
        text, path=path, article_id=str(record_id), title=title.strip(), **fields
    )
    if isinstance(article, Problem):
        return Problem(where, f"field 'text': {article.reason}")
    return article


def iter_json_objects(
    path: Path, data: bytes, problems: list[Problem]
) -> Iterator[tuple[int | None, Any]]:
    """Yield ``(line, object)`` from a JSON array/object or JSON Lines file."""
    text = decode_bytes(data)
    stripped = text.lstrip()
    if path.suffix.lower() == ".json" or stripped.startswith("["):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            if path.suffix.lower() == ".json":
                problems.append(Problem(str(path), f"malformed JSON: {exc.msg}", exc.lineno))
                return
        else:
            items = obj if isinstance(obj, list) else [obj]
            for item in items:
                yield None, item
            return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(str(path), f"malformed JSON line: {exc.msg}", number))


def articles_from_json_file(path: Path, data: bytes, problems: list[Problem]) -> list[Article]:
    """All articles in a JSON/JSONL file; clusters are flattened with ids ``cluster/index``."""
    articles: list[Article] = []
    for position, (line, obj) in enumerate(iter_json_objects(path, data, problems)):
        where = f"{path}:{line}" if line else str(path)
        if is_cluster(obj):
            cluster_id = str(obj.get("id", f"{path.stem}-{position}"))
            for i, record in enumerate(obj["articles"]):
                article = article_from_record(record, default_id=f"{cluster_id}/{i}", path=str(path))
                if isinstance(article, Problem):
                    problems.append(Problem(str(path), f"articles[{i}]: {article.reason}", line))
                else:
                    if "id" not in record:
                        article = article.with_(id=f"{cluster_id}/{i}")
                    articles.append(article)
            continue
        default_id = f"{path.stem}-{line or position}"
        article = article_from_record(obj, default_id=default_id, path=str(path))
        if isinstance(article, Problem):
            problems.append(Problem(str(path), article.reason, line))
        else:
            articles.append(article)
        del where
    return articles
