"""Stage 1: inputs -> (ordinal, Article) pairs and Problems, read inside the executors.

Every file is read by one task with the same per-format readers as ``newsbrief brief``
(``newsbrief.ingest``); a WARC file is streamed record by record. Local paths are listed on
the driver with :func:`newsbrief.ingest.iter_files`, so files come in the same order as on one
machine; URIs with a scheme (``hdfs://``, ``s3a://``, ``gs://``, ...) are listed through
Spark's Hadoop file system and read with ``binaryFiles``.

Each article carries its *ordinal* ``(file rank, position in file)``: the single-machine
input order, which the later stages use wherever order matters (ids made unique, the stream
order of clustering, the order of articles in a brief).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from pathlib import Path

from newsbrief.ingest import (
    HTML_SUFFIXES,
    JSON_SUFFIXES,
    SUPPORTED_SUFFIXES,
    WARC_SUFFIXES,
    UniqueIds,
    article_from_html,
    article_from_text,
    file_suffix,
    id_root,
    iter_files,
    read_file,
)
from newsbrief.ingest.records import articles_from_json_file
from newsbrief.models import Article, Problem

__all__ = ["Ordinal", "is_uri", "list_inputs", "read_articles", "unique_ids"]

Ordinal = tuple[int, int]


def is_uri(path: str) -> bool:
    """True for ``scheme://...`` inputs other than ``file://``, read through Hadoop."""
    scheme, sep, _ = str(path).partition("://")
    return bool(sep) and scheme.isalnum() and scheme.lower() != "file"


def _local(path: str) -> str:
    return path[len("file://") :] if str(path).startswith("file://") else str(path)


def _hadoop_files(spark, uri: str) -> list[str]:
    """Supported files under ``uri`` (a file, a folder or a glob), via the JVM's file system."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    path = jvm.org.apache.hadoop.fs.Path(uri)
    fs = path.getFileSystem(conf)
    found: list[str] = []
    for status in fs.globStatus(path) or []:
        if status.isDirectory():
            files = fs.listFiles(status.getPath(), True)
            while files.hasNext():
                found.append(files.next().getPath().toString())
        else:
            found.append(status.getPath().toString())
    return sorted(f for f in found if file_suffix(Path(f)) in SUPPORTED_SUFFIXES
                  and not Path(f).name.startswith("."))


def list_inputs(spark, inputs: Sequence[str]) -> tuple[list[str], list[Problem]]:
    """Every input file in single-machine order; missing inputs become problems."""
    problems: list[Problem] = []
    files: list[str] = []
    if not any(is_uri(item) for item in inputs):
        # One walk over all of them, as read_paths does (a file named twice is read once).
        files = [str(p) for p in iter_files([_local(i) for i in inputs], problems)]
        return files, problems
    for item in inputs:
        if is_uri(item):
            try:
                found = _hadoop_files(spark, item)
            except Exception as exc:  # noqa: BLE001  (py4j wraps the JVM IOException)
                problems.append(Problem(item, f"cannot list: {str(exc).splitlines()[0]}"))
                continue
            if not found:
                problems.append(Problem(item, "no supported files found"))
            files.extend(found)
        else:
            files.extend(str(p) for p in iter_files([_local(item)], problems))
    return files, problems


def _articles_from_bytes(name: str, data: bytes, problems: list[Problem]) -> list[Article]:
    """The reader ``read_file`` would pick for ``name``, on bytes fetched by Spark."""
    path = Path(name)
    suffix = file_suffix(path)
    if suffix in WARC_SUFFIXES:
        from newsbrief.ingest.warc import articles_from_warc

        return list(articles_from_warc(io.BytesIO(data), problems, name=name))
    if not data.strip():
        problems.append(Problem(name, "empty file"))
        return []
    if suffix in JSON_SUFFIXES:
        return articles_from_json_file(path, data, problems)
    reader = article_from_html if suffix in HTML_SUFFIXES else article_from_text
    article = reader(data, path=name, article_id=path.stem)
    if isinstance(article, Problem):
        problems.append(article)
        return []
    return [article]


def _tagged(rank: int, articles: list[Article], problems: list[Problem]) -> Iterator[tuple]:
    for position, article in enumerate(articles):
        yield ("a", (rank, position), article)
    for problem in problems:
        yield ("p", None, problem)


def _read_local(item: tuple[int, str]) -> Iterator[tuple]:
    rank, name = item
    problems: list[Problem] = []
    articles = read_file(Path(name), problems)
    return _tagged(rank, articles, problems)


def read_articles(spark, files: list[str]):
    """An RDD of ``("a", ordinal, Article)`` and ``("p", None, Problem)`` items, one task per file."""
    sc = spark.sparkContext
    local = [(rank, name) for rank, name in enumerate(files) if not is_uri(name)]
    remote = {name: rank for rank, name in enumerate(files) if is_uri(name)}
    parts = []
    if local:
        parts.append(sc.parallelize(local, max(1, len(local))).flatMap(_read_local))
    if remote:
        ranks = sc.broadcast(remote)

        def read_remote(pair: tuple[str, bytes]) -> Iterator[tuple]:
            name, data = pair
            problems: list[Problem] = []
            articles = _articles_from_bytes(name, data, problems)
            return _tagged(ranks.value.get(name, len(ranks.value)), articles, problems)

        joined = ",".join(remote)
        parts.append(sc.binaryFiles(joined, minPartitions=len(remote)).flatMap(read_remote))
    if not parts:
        return sc.emptyRDD()
    return parts[0] if len(parts) == 1 else sc.union(parts)


def unique_ids(articles):
    """Make ids unique exactly as :func:`newsbrief.ingest.read_paths` does (later repeats get
    ``~N``, :class:`newsbrief.ingest.UniqueIds`).

    Only the ids that share a root (:func:`newsbrief.ingest.id_root`) with a repeated id
    travel to the driver, so this stays cheap when ids are unique (WARC record ids, most
    JSONL ids). Names made from one root never collide with another root's, so renaming
    those articles alone, in input order, gives the single machine's names, also where a new
    name is itself an id of the input and collides again ("x", "x", "x~1", "x~1").
    """
    from operator import add

    sc = articles.context
    repeated_roots = (
        articles.map(lambda item: (item[1].id, 1)).reduceByKey(add).filter(lambda kv: kv[1] > 1)
        .map(lambda kv: id_root(kv[0])).distinct().collect()
    )
    if not repeated_roots:
        return articles
    wanted = sc.broadcast(set(repeated_roots))
    places = (
        articles.filter(lambda item: id_root(item[1].id) in wanted.value)
        .map(lambda item: (tuple(item[0]), item[1].id)).collect()
    )
    unique_id = UniqueIds()
    renamed: dict[Ordinal, str] = {}
    for ordinal, article_id in sorted(places):
        unique = unique_id(article_id)
        if unique != article_id:
            renamed[ordinal] = unique
    table = sc.broadcast(renamed)

    def rename(item: tuple[Ordinal, Article]) -> tuple[Ordinal, Article]:
        new = table.value.get(tuple(item[0]))
        return (item[0], item[1].with_(id=new)) if new else item

    return articles.map(rename)
