"""Reading articles from files, folders, records and web pages.

``read_paths`` walks files and folders and reads :class:`Article` objects (``iter_articles``
yields them as it goes); every input that cannot be used becomes a :class:`Problem` naming
the file (and line) and the reason, and the rest goes on. The per-format readers (``text``,
``html``, ``records``) are plain functions the store, the feed watcher and the Spark job call
directly.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newsbrief.ingest.html import article_from_html
from newsbrief.ingest.records import article_from_record, iter_json_file_articles
from newsbrief.ingest.text import article_from_text
from newsbrief.models import Article, Problem

__all__ = [
    "SUPPORTED_SUFFIXES",
    "IngestResult",
    "UniqueIds",
    "article_from_html",
    "article_from_record",
    "article_from_text",
    "count_articles",
    "file_suffix",
    "id_root",
    "iter_articles",
    "iter_file_articles",
    "iter_files",
    "read_file",
    "read_paths",
]

TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
JSON_SUFFIXES = {".json", ".jsonl", ".ndjson"}
JSON_LINES_SUFFIXES = {".jsonl", ".ndjson"}
# WARC archives stream record by record (newsbrief.ingest.warc), so no size limit applies.
WARC_SUFFIXES = {".warc", ".warc.gz"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | WARC_SUFFIXES
# Files are read whole up to this size; a larger JSON Lines file is read line by line.
MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(slots=True)
class IngestResult:
    articles: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def file_suffix(path: Path) -> str:
    """The lower-case suffix that picks the reader; ``.warc.gz`` counts as one suffix."""
    name = path.name.lower()
    return ".warc.gz" if name.endswith(".warc.gz") else path.suffix.lower()


def iter_files(paths: Iterable[str | os.PathLike[str]], problems: list[Problem]) -> Iterator[Path]:
    """Yield supported files under ``paths`` (recursively, sorted, symlink loops avoided)."""
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            problems.append(Problem(str(path), "no such file or folder"))
            continue
        if not path.is_dir():
            # A file, or a FIFO/device/socket that read_file refuses with a reason; once,
            # even if named twice or also found in a folder given too ("brief a a/x.txt").
            real = path.resolve()
            if real not in seen:
                seen.add(real)
                yield path
            continue
        found = False
        unlisted: list[OSError] = []  # folders os.walk could not list (it skips them silently)
        for root, dirs, files in os.walk(path, onerror=unlisted.append, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                file = Path(root, name)
                if file_suffix(file) in SUPPORTED_SUFFIXES and not name.startswith("."):
                    try:
                        real = file.resolve()
                    except (OSError, RuntimeError):
                        problems.append(Problem(str(file), "cannot resolve path (symlink loop?)"))
                        continue
                    if real in seen:
                        continue
                    seen.add(real)
                    found = True
                    yield file
        problems.extend(Problem(str(exc.filename or path),
                                f"cannot read folder: {exc.strerror or exc}") for exc in unlisted)
        if not found and not unlisted:
            problems.append(Problem(str(path), "folder holds no supported files"))


def read_file(path: Path, problems: list[Problem]) -> list[Article]:
    """Read one file into articles; anything unusable is added to ``problems``."""
    return list(iter_file_articles(path, problems))


def iter_file_articles(path: Path, problems: list[Problem]) -> Iterator[Article]:
    """:func:`read_file`, yielding a JSON file's or an archive's articles as they are made."""
    suffix = file_suffix(path)
    if suffix not in SUPPORTED_SUFFIXES:
        problems.append(Problem(str(path), f"unsupported file type {suffix or '(none)'}"))
        return
    kind = _not_regular(path)
    if kind:
        problems.append(Problem(str(path), kind))
        return
    if suffix in WARC_SUFFIXES:
        from newsbrief.ingest.warc import articles_from_warc

        yield from articles_from_warc(path, problems)
        return
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            if suffix in JSON_LINES_SUFFIXES:  # records one per line: read as they are taken
                yield from iter_json_file_articles(path, None, problems)
                return
            problems.append(Problem(str(path), f"file too large ({size} bytes)"))
            return
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(str(path), f"cannot read: {exc.strerror or exc}"))
        return
    if not data.strip():
        problems.append(Problem(str(path), "empty file"))
        return
    if suffix in JSON_SUFFIXES:
        yield from iter_json_file_articles(path, data, problems)
        return
    if suffix in HTML_SUFFIXES:
        article = article_from_html(data, path=str(path), article_id=path.stem)
    else:
        article = article_from_text(data, path=str(path), article_id=path.stem)
    if isinstance(article, Problem):
        problems.append(article)
        return
    yield article


def _not_regular(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file, or None for a regular file.

    Opening a FIFO blocks until a writer comes and a device can stream forever, so only
    regular files (after following symlinks) are read.
    """
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    except RuntimeError:  # pathlib's own symlink-loop detection on some versions
        return "cannot read: symlink loop"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    kind = "FIFO" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode) else "device"
    return f"not a regular file ({kind})"


class UniqueIds:
    """Ids made unique in input order: a later repeat of ``id`` becomes ``id~N``.

    That name may itself be an id already given out ("x", "x", "x~1": the third becomes
    "x~1~1"), so the rule is applied to it again. Every name made from an id keeps the part
    before its first ``~`` (:func:`id_root`), so ids of different roots never interact:
    the Spark job renames only the roots that repeat, with this same rule.
    """

    def __init__(self) -> None:
        self._used: dict[str, int] = {}  # how often each name has been given out so far

    def __call__(self, article_id: str) -> str:
        unique = article_id
        while count := self._used.get(unique, 0):
            self._used[unique] = count + 1
            unique = f"{unique}~{count}"
        self._used[unique] = 1
        return unique


def id_root(article_id: str) -> str:
    """The part of an id that :class:`UniqueIds` never changes."""
    return article_id.split("~", 1)[0]


def iter_articles(paths: Iterable[str | os.PathLike[str]],
                  problems: list[Problem]) -> Iterator[Article]:
    """Yield the articles of every supported file under ``paths``, file after file, with ids
    made unique across files (:class:`UniqueIds`); anything unusable is added to
    ``problems``. Lazy, so a long ingest can store early files while later ones are read."""
    unique_id = UniqueIds()
    for file in iter_files(paths, problems):
        for article in iter_file_articles(file, problems):
            unique = unique_id(article.id)
            yield article if unique == article.id else article.with_(id=unique)


def count_articles(files: Iterable[Path]) -> int | None:
    """How many articles ``files`` hold, where that is known without parsing them (one per
    text or HTML file, one per non-blank line of a JSON Lines file), for a progress bar's
    total; None if a JSON document or a WARC archive is among them. Lines that turn out to
    be bad records are counted too. Counting lines reads at disk speed, hundreds of times
    faster than the articles are stored."""
    total = 0
    for path in files:
        suffix = file_suffix(path)
        if suffix in TEXT_SUFFIXES | HTML_SUFFIXES:
            total += 1
        elif suffix in JSON_LINES_SUFFIXES:
            try:
                with path.open("rb") as handle:
                    total += sum(1 for line in handle if not line.isspace())
            except OSError:
                pass  # reported by the reader
        elif suffix in SUPPORTED_SUFFIXES:
            return None
    return total


def read_paths(paths: Iterable[str | os.PathLike[str]]) -> IngestResult:
    """Read every supported file under ``paths``; ids are made unique across files."""
    result = IngestResult()
    result.articles.extend(iter_articles(paths, result.problems))
    return result
