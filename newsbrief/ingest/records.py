"""JSON and JSON Lines: evaluation clusters (``{"id", "articles": [...], "summary"}``),
clustering records (``{"id", "label", "title", "text"}``) and plain article records
(``{"title", "text", "url", "date", "source"}``)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newsbrief.errors import InputError
from newsbrief.ingest.decode import decode_bytes
from newsbrief.ingest.language import primary_language
from newsbrief.ingest.metadata import parse_date
from newsbrief.ingest.text import article_from_text
from newsbrief.models import Article, Problem

__all__ = [
    "array_item",
    "article_from_record",
    "articles_from_json_file",
    "is_cluster",
    "iter_json_file_articles",
    "iter_json_lines",
    "iter_json_objects",
    "read_dataset",
]

_TEXT_KEYS = ("text", "body", "content", "maintext", "article")
_DATE_KEYS = ("published", "date", "date_publish", "pubDate", "published_at", "timestamp")
MAX_PROBLEMS_PER_FILE = 20
_OUTLET_KEYS = ("outlet", "source", "source_domain", "site", "sitename", "publisher")


def is_cluster(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("articles"), list)


def _first(record: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = record.get(key)
        if value not in (None, ""):
            return value
    return None


def _author(value: Any) -> str | None:
    """A name, a list of names (news-please's ``authors``) or schema.org Person objects,
    as one string; names joined with "; " as trafilatura joins a page's authors."""
    values = value if isinstance(value, list) else [value]
    names = [v.get("name") if isinstance(v, dict) else v for v in values]
    names = [" ".join(n.split()) for n in names if isinstance(n, str) and n.strip()]
    return "; ".join(names) or None


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
    title = record.get("title")
    if title is not None and not isinstance(title, str):
        return Problem(where, f"field 'title' must be a string, got {type(title).__name__}")
    # A record's title is what the record says: guessing one from the text of scraped records
    # picks up chrome ("Please enable Javascript ...") as often as a headline.
    # Whitespace runs (newlines included) become one space: a title is one line everywhere it
    # is shown (Markdown heading, table row, <title>).
    title = " ".join((title or "").split())
    outlet = _first(record, _OUTLET_KEYS)
    if isinstance(outlet, dict):
        outlet = outlet.get("name") or outlet.get("title")
    published = _first(record, _DATE_KEYS)
    if isinstance(published, (int, float)) and not isinstance(published, bool):
        # A number is a Unix timestamp (seconds, or milliseconds when that large).
        seconds = published / 1000 if published > 1e11 else published
        try:
            # In UTC, and saying so: a naive time reads as the outlet's own clock.
            published = datetime.fromtimestamp(seconds, tz=UTC).isoformat(timespec="minutes")
        except (OverflowError, OSError, ValueError):
            return Problem(where, f"field 'date' is not a valid timestamp: {published!r}")
    elif published is not None and not isinstance(published, str):
        return Problem(where, f"field 'date' must be a string or a number, got "
                              f"{type(published).__name__}")
    if published:
        published = parse_date(published) or published
    record_id = record.get("id")
    if record_id is None or not str(record_id).strip():  # "id": null or "  ": no id given
        record_id = default_id
    language = record.get("language")
    fields = {
        "outlet": outlet if isinstance(outlet, str) else None,
        "published": published,
        "url": record.get("url") if isinstance(record.get("url"), str) else None,
        "language": primary_language(language) if isinstance(language, str) else None,
        "author": _author(_first(record, ("author", "authors", "byline"))),
    }
    article = article_from_text(
        text, path=path, article_id=str(record_id), title=title, **fields
    )
    if isinstance(article, Problem):
        return Problem(where, f"field 'text': {article.reason}")
    return article


def _loads(text: str) -> Any:
    """``json.loads`` that also turns too-deep nesting into a JSONDecodeError-like failure."""
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text[:1], 0) from None


def read_dataset(path: Path) -> bytes:
    """The bytes of a data set the whole run needs: an :class:`InputError` naming the file
    when it cannot be read (a bad file among many is a :class:`Problem` instead)."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None


def iter_json_objects(
    path: Path, data: bytes, problems: list[Problem]
) -> Iterator[tuple[int | None, Any]]:
    """Yield ``(line, object)`` from a JSON array/object or a JSON Lines file.

    A ``.json`` file is one JSON document (an object or an array of objects); anything else,
    or a ``.json`` file that is not one document but parses line by line, is JSON Lines,
    where a malformed line is reported with its number and the other lines still count.
    """
    text = decode_bytes(data)
    stripped = text.lstrip()
    if path.suffix.lower() == ".json" or stripped.startswith("["):
        try:
            obj = _loads(text)
        except json.JSONDecodeError as exc:
            # Many ".json" files are really JSON Lines; fall through to read them line by line
            # unless the first line alone is already broken.
            first = next((line for line in text.splitlines() if line.strip()), "")
            try:
                _loads(first)
            except json.JSONDecodeError:
                problems.append(Problem(str(path), f"malformed JSON: {exc.msg}", exc.lineno))
                return
        else:
            items = obj if isinstance(obj, list) else [obj]
            for item in items:
                yield None, item
            return
    yield from _parse_lines(path, enumerate(text.splitlines(), start=1), problems)


def array_item(line: int | None, position: int) -> str:
    """What a problem of the record at ``position`` (from 0) says before its reason: a JSON
    array's records have no line of their own, so they are named by their place instead."""
    return f"item {position + 1}: " if line is None else ""


def iter_json_lines(path: Path, problems: list[Problem]) -> Iterator[tuple[int, Any]]:
    """``(line number, object)`` of a JSON Lines file read one line at a time, for files too
    large to read whole: UTF-8 only (a line that is not is a problem, as a malformed one)."""

    def decoded(raw_lines: Iterable[bytes]) -> Iterator[tuple[int, str]]:
        for number, raw in enumerate(raw_lines, start=1):
            try:
                yield number, raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                problems.append(Problem(str(path), "line is not UTF-8", number))

    try:
        with path.open("rb") as raw_lines:
            yield from _parse_lines(path, decoded(raw_lines), problems)
    except OSError as exc:
        problems.append(Problem(str(path), f"cannot read: {exc.strerror or exc}"))


def _parse_lines(path: Path, lines: Iterable[tuple[int, str]],
                 problems: list[Problem]) -> Iterator[tuple[int, Any]]:
    """The objects of numbered JSON Lines; a malformed line is a problem, a blank one nothing."""
    for number, line in lines:
        if not line.strip():
            continue
        try:
            yield number, _loads(line)
        except json.JSONDecodeError as exc:
            problems.append(Problem(str(path), f"malformed JSON line: {exc.msg}", number))


def articles_from_json_file(path: Path, data: bytes, problems: list[Problem]) -> list[Article]:
    """All articles in a JSON/JSONL file; clusters are flattened with ids ``cluster/index``.

    A file holding a single article record gets the file's name as the article id.
    """
    return list(iter_json_file_articles(path, data, problems))


def iter_json_file_articles(path: Path, data: bytes | None,
                            problems: list[Problem]) -> Iterator[Article]:
    """:func:`articles_from_json_file`, one article at a time: each record is parsed and made
    an article when it is taken. ``data`` None: a JSON Lines file read line by line
    (:func:`iter_json_lines`)."""
    before = len(problems)
    objects = iter_json_lines(path, problems) if data is None \
        else iter_json_objects(path, data, problems)
    head = list(itertools.islice(objects, 2))  # is it the file's only record?
    position = -1
    for position, (line, obj) in enumerate(itertools.chain(head, objects)):
        item = array_item(line, position) if len(head) > 1 else ""
        if is_cluster(obj):
            cluster_id = str(obj.get("id", f"{path.stem}-{position}"))
            if not obj["articles"]:  # found by fuzzing: was skipped without a word
                problems.append(Problem(str(path), f"{item}field 'articles' is an empty list",
                                        line))
            for i, record in enumerate(obj["articles"]):
                article = article_from_record(record, default_id=f"{cluster_id}/{i}", path=str(path))
                if isinstance(article, Problem):
                    problems.append(Problem(str(path), f"{item}articles[{i}]: {article.reason}",
                                            line))
                else:
                    if not (isinstance(record, dict) and "id" in record):
                        article = article.with_(id=f"{cluster_id}/{i}")
                    yield article
            continue
        default_id = path.stem if len(head) == 1 else f"{path.stem}-{line or position}"
        article = article_from_record(obj, default_id=default_id, path=str(path))
        if isinstance(article, Problem):
            problems.append(Problem(str(path), item + article.reason, line))
        else:
            yield article
    if position < 0 and len(problems) == before:
        problems.append(Problem(str(path), "no JSON records in the file"))
    _cap_problems(problems, before, path)


def _cap_problems(problems: list[Problem], before: int, path: Path) -> None:
    """Keep the first ``MAX_PROBLEMS_PER_FILE`` problems of one file and count the rest, so
    that a binary or foreign file named ``.jsonl`` gives a few lines of report, not thousands."""
    extra = len(problems) - before - MAX_PROBLEMS_PER_FILE
    if extra > 0:
        del problems[before + MAX_PROBLEMS_PER_FILE:]
        problems.append(Problem(str(path), f"... and {extra} more bad lines or records"))
