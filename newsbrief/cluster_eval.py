"""Scoring event clusterings and reading the labelled clustering files.

B-cubed precision/recall/F1 and the adjusted Rand index against labels, the mistakes that cost
the most B-cubed F1 (:func:`bcubed_errors`, for error analysis), the batch baseline of the eval
README (agglomerative clustering on TF-IDF), and the reader of the
``../shared/eval/clustering-*.jsonl`` format. :mod:`newsbrief.cluster` re-exports the scores,
the baseline and the reader.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ClusterError",
    "adjusted_rand",
    "batch_agglomerative",
    "bcubed",
    "bcubed_errors",
    "clustering_text",
    "fallback_text",
    "iter_cluster_file",
    "prepare_for_clustering",
    "read_cluster_file",
]


def batch_agglomerative(texts: Sequence[str], distance_threshold: float) -> list[int]:
    """The batch baseline of the eval README: TF-IDF (sublinear tf, English stop words),
    cosine distance, average linkage, one distance threshold."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit_transform(texts).toarray()
    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=distance_threshold
    )
    return model.fit_predict(matrix).tolist()


def bcubed(truth: Sequence[Any], predicted: Sequence[Any]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 (Bagga & Baldwin 1998; Amigó et al. 2009)."""
    if len(truth) != len(predicted):
        raise ValueError("truth and predicted differ in length")
    if not truth:
        return 0.0, 0.0, 0.0
    pairs = Counter(zip(truth, predicted))
    by_truth = Counter(truth)
    by_pred = Counter(predicted)
    n = len(truth)
    # Each item of the cell (t, p) has precision |cell|/|p| and recall |cell|/|t|.
    precision = sum(c * c / by_pred[p] for (t, p), c in pairs.items()) / n
    recall = sum(c * c / by_truth[t] for (t, p), c in pairs.items()) / n
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


@dataclass(frozen=True, slots=True)
class ClusterError:
    """One mistake of a clustering and what fixing it alone would be worth.

    ``kind`` is ``"mixed"`` (a predicted cluster holding several labels; ``key`` is the
    predicted cluster, ``parts`` how many labels it holds) or ``"split"`` (a label spread over
    several predicted clusters; ``key`` is the label, ``parts`` how many clusters). ``size`` is
    the number of items involved and ``gain`` the B-cubed F1 gained if that one cluster were
    split by label, or that one label gathered into a cluster of its own.
    """

    kind: str
    key: Any
    size: int
    parts: int
    gain: float
    members: tuple[int, ...]


def bcubed_errors(truth: Sequence[Any], predicted: Sequence[Any]) -> list[ClusterError]:
    """Every mixed cluster and every split label, largest F1 gain first.

    The gains are measured one fix at a time against the given clustering, so they do not
    add up exactly; they rank which mistakes cost the most (B-cubed weighs each item, so a big
    cluster of many labels costs more than several small slips).
    """
    base = bcubed(truth, predicted)[2]
    by_pred: dict[Any, list[int]] = defaultdict(list)
    by_truth: dict[Any, list[int]] = defaultdict(list)
    for i, (t, p) in enumerate(zip(truth, predicted)):
        by_pred[p].append(i)
        by_truth[t].append(i)
    # Keys that cannot collide with the caller's labels: tuples tagged by the fix.
    errors = []
    for key, members in by_pred.items():
        labels = {truth[i] for i in members}
        if len(labels) > 1:
            fixed = list(predicted)
            for i in members:
                fixed[i] = ("split", key, truth[i])
            errors.append(ClusterError("mixed", key, len(members), len(labels),
                                       bcubed(truth, fixed)[2] - base, tuple(members)))
    for key, members in by_truth.items():
        clusters = {predicted[i] for i in members}
        if len(clusters) > 1:
            fixed = list(predicted)
            for i in members:
                fixed[i] = ("whole", key)
            errors.append(ClusterError("split", key, len(members), len(clusters),
                                       bcubed(truth, fixed)[2] - base, tuple(members)))
    errors.sort(key=lambda e: (-e.gain, e.kind, str(e.key)))
    return errors


def adjusted_rand(truth: Sequence[Any], predicted: Sequence[Any]) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985), via scikit-learn."""
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(list(map(str, truth)), list(map(str, predicted))))


def iter_cluster_file(path: str, problems: list[Any]) -> Iterator[tuple[Any, str | None]]:
    """``(article, label or None)`` of each good line of a clustering JSONL file, read as the
    caller goes (a large file is never held whole); bad lines are appended to ``problems``
    with their line numbers.

    Each line is ``{"id", "title", "text"}`` with an optional ``"label"`` (and any field an
    article record may have, e.g. ``"published"``).
    """
    from pathlib import Path

    from newsbrief.ingest import JSON_LINES_SUFFIXES, MAX_FILE_BYTES, file_suffix
    from newsbrief.ingest.records import (
        array_item,
        article_from_record,
        iter_json_lines,
        iter_json_objects,
        read_dataset,
    )
    from newsbrief.models import Problem

    file = Path(path)
    # As ``newsbrief ingest`` does: a large JSON Lines file is read a line at a time.
    streamed = file_suffix(file) in JSON_LINES_SUFFIXES and file.is_file() \
        and file.stat().st_size > MAX_FILE_BYTES
    objects = iter_json_lines(file, problems) if streamed \
        else iter_json_objects(file, read_dataset(file), problems)
    seen: set[str] = set()
    for position, (line, obj) in enumerate(objects, start=1):
        # A JSON array has no line numbers: its records are numbered (all were "stem-None").
        article = article_from_record(obj, default_id=f"{file.stem}-{line or position}",
                                      path=str(file))
        item = array_item(line, position - 1)
        if isinstance(article, Problem):
            problems.append(Problem(str(file), item + article.reason, line))
            continue
        if article.id in seen:
            problems.append(Problem(str(file), f"{item}duplicate id {article.id!r}", line))
            continue
        seen.add(article.id)
        label = obj.get("label") if isinstance(obj, dict) else None
        yield article, None if label is None else str(label)


def read_cluster_file(path: str) -> tuple[list[Any], dict[str, str], list[Any]]:
    """Articles, labels (id -> label, where present) and problems of a clustering JSONL
    file (:func:`iter_cluster_file`, all at once)."""
    problems: list[Any] = []
    articles, labels = [], {}
    for article, label in iter_cluster_file(path, problems):
        articles.append(article)
        if label is not None:
            labels[article.id] = label
    return articles, labels, problems


def clustering_text(article: Any) -> str:
    """The text an article is clustered on, as :func:`prepare_for_clustering` gives it (its
    cleaned text, or the raw text when cleaning leaves no sentence) without splitting every
    sentence."""
    from newsbrief.clean import clean_text
    from newsbrief.segment import sentence_spans

    text, _ = clean_text(article.text, article.title)
    return text if next(sentence_spans(text), None) else fallback_text(article.text)


def fallback_text(text: str) -> str:
    """What an article left without a sentence by cleaning is clustered on: its raw text,
    unless that is a web archive's notice, which holds nothing of the story (ten identical
    notices under eight labels made one event of clustering-dev)."""
    from newsbrief.clean import is_archive_notice

    return "" if is_archive_notice(text) else text


def prepare_for_clustering(articles: Sequence[Any],
                           boilerplate: frozenset[str] | None = None) -> list[Any]:
    """Clean articles with the pipeline, each alone (``boilerplate``: lines known to be site
    furniture, removed as well); one left empty by cleaning keeps its raw text
    (:func:`fallback_text`)."""
    from newsbrief.models import Document
    from newsbrief.pipeline import prepare_articles

    out = []
    for article in articles:
        prepared = prepare_articles([article], boilerplate=boilerplate)
        out.append(prepared[0] if prepared else Document(article, fallback_text(article.text), ()))
    return out
