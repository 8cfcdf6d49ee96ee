"""Scoring event clusterings and reading the labelled clustering files.

B-cubed precision/recall/F1 and the adjusted Rand index against labels, the batch baseline of
the eval README (agglomerative clustering on TF-IDF), and the reader of the
``../shared/eval/clustering-*.jsonl`` format. :mod:`newsbrief.cluster` re-exports all of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

__all__ = [
    "adjusted_rand",
    "batch_agglomerative",
    "bcubed",
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


def adjusted_rand(truth: Sequence[Any], predicted: Sequence[Any]) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985), via scikit-learn."""
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(list(map(str, truth)), list(map(str, predicted))))


def read_cluster_file(path: str) -> tuple[list[Any], dict[str, str], list[Any]]:
    """Articles, labels (id -> label, where present) and problems of a clustering JSONL file.

    Each line is ``{"id", "title", "text"}`` with an optional ``"label"`` (and any field an
    article record may have, e.g. ``"published"``); bad lines become problems with their
    line numbers.
    """
    from pathlib import Path

    from newsbrief.errors import InputError
    from newsbrief.ingest.records import article_from_record, iter_json_objects
    from newsbrief.models import Problem

    file = Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    problems: list[Problem] = []
    articles, labels, seen = [], {}, set()
    for line, obj in iter_json_objects(file, data, problems):
        article = article_from_record(obj, default_id=f"{file.stem}-{line}", path=str(file))
        if isinstance(article, Problem):
            problems.append(Problem(str(file), article.reason, line))
            continue
        if article.id in seen:
            problems.append(Problem(str(file), f"duplicate id {article.id!r}", line))
            continue
        seen.add(article.id)
        articles.append(article)
        if isinstance(obj, dict) and obj.get("label") is not None:
            labels[article.id] = str(obj["label"])
    return articles, labels, problems


def prepare_for_clustering(articles: Sequence[Any]) -> list[Any]:
    """Clean articles with the pipeline; one left empty by cleaning keeps its raw text."""
    from newsbrief.models import Document
    from newsbrief.pipeline import prepare_articles

    out = []
    for article in articles:
        prepared = prepare_articles([article])
        out.append(prepared[0] if prepared else Document(article, article.text, ()))
    return out
