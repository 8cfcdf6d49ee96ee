"""ROUGE evaluation of the summarizer on clusters with human reference summaries.

Scoring follows ``../shared/eval/README.md`` so numbers compare with published work:
ROUGE-1, ROUGE-2 and ROUGE-Lsum (Lin 2004) from the ``rouge-score`` rules, Porter stemming
on, F1 (and recall, for DUC-style reporting) averaged over clusters; a cluster with several
references ("summaries") scores the mean over its references. For ROUGE-Lsum each system
sentence goes on its own line and the reference is scored as given (the sets' references are
one paragraph): this is the convention behind the calibration numbers in the README of the
evaluation sets (the centroid extractor's RLsum 28.6), so our numbers compare with them.
Scores are computed with ``rouge-score-rs``, a native re-implementation that gives the same
numbers as ``rouge-score`` (``tests/test_evaluate.py`` checks this on a slice) about a
hundred times faster.

The summaries are made by the same code path as ``newsbrief brief``: each cluster's articles
are cleaned and split (:func:`newsbrief.pipeline.prepare_articles`) and briefed
(:func:`newsbrief.pipeline.brief_documents`) with analysis turned off.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from newsbrief.config import BriefConfig
from newsbrief.errors import InputError, NoUsableInput
from newsbrief.ingest.records import (
    array_item,
    article_from_record,
    iter_json_objects,
    read_dataset,
)
from newsbrief.models import Article, Brief, Problem

__all__ = [
    "ROUGE_TYPES",
    "Cluster",
    "ClusterScore",
    "EvaluationResult",
    "evaluate",
    "load_clusters",
    "rouge_scorer",
    "score_summary",
    "truncate_sentences",
]

ROUGE_TYPES = ("rouge1", "rouge2", "rougeLsum")
MODES = ("summary", "headline")

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Cluster:
    """One evaluation cluster: its articles and one or more reference summaries."""

    id: str
    articles: tuple[Article, ...]
    references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClusterScore:
    """The output and scores (in percent) of one cluster."""

    id: str
    sentences: tuple[str, ...]
    sources: tuple[tuple[str, ...], ...]
    f1: dict[str, float]
    recall: dict[str, float]
    precision: dict[str, float]
    seconds: float


@dataclass(frozen=True, slots=True)
class EvaluationResult:
    """Mean ROUGE scores (percent) over a dataset, speed and peak memory."""

    dataset: str
    method: str
    mode: str
    words: int | None
    truncate: int | None
    clusters: int
    f1: dict[str, float]
    recall: dict[str, float]
    precision: dict[str, float]
    seconds: float
    peak_memory_mb: float
    mean_words: float
    problems: tuple[Problem, ...] = ()
    per_cluster: tuple[ClusterScore, ...] = field(default=(), repr=False)

    @property
    def clusters_per_second(self) -> float:
        return self.clusters / self.seconds if self.seconds > 0 else float("inf")

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "method": self.method,
            "mode": self.mode,
            "words": self.words,
            "truncate": self.truncate,
            "clusters": self.clusters,
            "f1": {k: round(v, 2) for k, v in self.f1.items()},
            "recall": {k: round(v, 2) for k, v in self.recall.items()},
            "precision": {k: round(v, 2) for k, v in self.precision.items()},
            "seconds": round(self.seconds, 3),
            "clusters_per_second": round(self.clusters_per_second, 2),
            "peak_memory_mb": round(self.peak_memory_mb, 1),
            "mean_words": round(self.mean_words, 1),
            "problems": [str(p) for p in self.problems],
        }


def _references(obj: dict[str, Any]) -> list[str] | str:
    """The reference texts of a cluster record, or an error message."""
    many = obj.get("summaries")
    if many is not None:
        if not isinstance(many, list) or not many or not all(isinstance(s, str) for s in many):
            return "field 'summaries' must be a non-empty list of strings"
        refs = [s for s in many if s.strip()]
    else:
        one = obj.get("summary")
        if not isinstance(one, str):
            return "missing field 'summary' (a string) or 'summaries' (a list of strings)"
        refs = [one] if one.strip() else []
    return refs or "the reference summary is empty"


def load_clusters(
    path: str | os.PathLike[str], limit: int | None = None
) -> tuple[list[Cluster], list[Problem]]:
    """Read an evaluation JSONL file; malformed lines and clusters become problems.

    Raises :class:`InputError` when the file cannot be read at all.
    """
    path = Path(path)
    data = read_dataset(path)
    problems: list[Problem] = []
    clusters: list[Cluster] = []
    for position, (line, obj) in enumerate(iter_json_objects(path, data, problems)):
        if limit is not None and len(clusters) >= limit:
            break
        item = array_item(line, position)
        if not isinstance(obj, dict) or not isinstance(obj.get("articles"), list):
            problems.append(
                Problem(str(path), f"{item}not a cluster: needs a list field 'articles'", line)
            )
            continue
        refs = _references(obj)
        if isinstance(refs, str):
            problems.append(Problem(str(path), item + refs, line))
            continue
        cluster_id = str(obj.get("id", f"{path.stem}-{line or position}"))
        articles = []
        for i, record in enumerate(obj["articles"]):
            article = article_from_record(record, default_id=f"{cluster_id}/{i}", path=str(path))
            if isinstance(article, Problem):
                problems.append(Problem(str(path), f"{item}articles[{i}]: {article.reason}",
                                        line))
            else:
                articles.append(article.with_(id=f"{cluster_id}/{i}"))
        if not articles:
            reason = f"{item}cluster {cluster_id!r} has no usable article"
            problems.append(Problem(str(path), reason, line))
            continue
        clusters.append(Cluster(cluster_id, tuple(articles), tuple(refs)))
    return clusters, problems


def truncate_sentences(sentences: Sequence[str], words: int | None) -> list[str]:
    """Keep the first ``words`` whitespace-separated words, sentence boundaries intact."""
    if words is None:
        return list(sentences)
    out: list[str] = []
    left = words
    for sentence in sentences:
        if left <= 0:
            break
        tokens = sentence.split()
        out.append(" ".join(tokens[:left]))
        left -= len(tokens)
    return [s for s in out if s]


def rouge_scorer() -> Any:
    """The scorer used everywhere: rouge-score-rs with Porter stemming."""
    from rouge_score_rs.rouge_scorer import RougeScorer

    return RougeScorer(list(ROUGE_TYPES), use_stemmer=True)


def score_summary(
    sentences: Sequence[str], references: Sequence[str], scorer: Any = None
) -> dict[str, dict[str, float]]:
    """ROUGE F1, recall and precision (percent) of one summary, averaged over references."""
    scorer = scorer or rouge_scorer()
    prediction = "\n".join(" ".join(s.split()) for s in sentences)
    totals = {m: dict.fromkeys(ROUGE_TYPES, 0.0) for m in ("f1", "recall", "precision")}
    for reference in references:
        scores = scorer.score(reference, prediction)
        for rouge_type in ROUGE_TYPES:
            totals["f1"][rouge_type] += scores[rouge_type].fmeasure
            totals["recall"][rouge_type] += scores[rouge_type].recall
            totals["precision"][rouge_type] += scores[rouge_type].precision
    n = len(references)
    return {m: {k: 100.0 * v / n for k, v in d.items()} for m, d in totals.items()}


def _peak_memory_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # ru_maxrss is in kilobytes on Linux and bytes on macOS.
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _output(brief: Brief, mode: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    part = brief.headline if mode == "headline" else brief.summary
    return tuple(s.text for s in part), tuple(s.sources for s in part)


def iter_scores(
    clusters: Sequence[Cluster],
    config: BriefConfig,
    mode: str = "summary",
    truncate: int | None = None,
) -> Iterator[ClusterScore]:
    """Summarize and score each cluster in turn."""
    from newsbrief.pipeline import brief_documents, prepare_articles

    scorer = rouge_scorer()
    for cluster in clusters:
        start = time.perf_counter()
        documents = prepare_articles(cluster.articles)
        if documents:
            sentences, sources = _output(brief_documents(documents, config), mode)
        else:  # every article was boilerplate: an empty summary scores zero
            sentences, sources = (), ()
        seconds = time.perf_counter() - start
        scored = truncate_sentences(sentences, truncate)
        result = score_summary(scored, cluster.references, scorer)
        yield ClusterScore(
            cluster.id, tuple(scored), sources[: len(scored)],
            result["f1"], result["recall"], result["precision"], seconds,
        )


def evaluate(
    path: str | os.PathLike[str],
    config: BriefConfig | None = None,
    *,
    mode: str = "summary",
    truncate: int | None = None,
    limit: int | None = None,
    progress: Progress | None = None,
    predictions: TextIO | None = None,
) -> EvaluationResult:
    """Summarize every cluster of the JSONL file at ``path`` and score it against its references.

    ``config.words`` is the summary budget (``None``, the default without a ``config``: chosen
    from each cluster's input, or ``truncate`` when that is set); in
    ``headline`` mode the headline (``config.headline_words``) is scored instead. ``truncate``
    cuts each output to that many words before scoring (40 for WCEP, 100 for DUC 2004).
    ``predictions``, when given, receives one ``{"id", "summary", "sentences", "sources"}``
    JSON line per cluster. Raises :class:`NoUsableInput` when the file holds no usable cluster.
    """
    if mode not in MODES:
        raise InputError(f"unknown mode {mode!r}; choose one of: {', '.join(MODES)}")
    config = (config or BriefConfig(words=None)).with_(analyze=False)
    if truncate is not None and config.words is None and mode == "summary":
        # Scored on the first ``truncate`` words only: let the summarizer plan for exactly
        # that many rather than cut a longer summary planned for another length.
        config = config.with_(words=truncate)
    clusters, problems = load_clusters(path, limit)
    if not clusters:
        detail = "; ".join(str(p) for p in problems[:3])
        raise NoUsableInput(f"{path}: no usable cluster" + (f" ({detail})" if detail else ""))
    per_cluster: list[ClusterScore] = []
    for score in iter_scores(clusters, config, mode, truncate):
        per_cluster.append(score)
        if predictions is not None:
            predictions.write(json.dumps({
                "id": score.id,
                "summary": "\n".join(score.sentences),
                "sentences": list(score.sentences),
                "sources": [list(s) for s in score.sources],
            }, ensure_ascii=False) + "\n")
        if progress:
            progress(1)
    n = len(per_cluster)

    def mean(metric: str) -> dict[str, float]:
        return {k: sum(getattr(c, metric)[k] for c in per_cluster) / n for k in ROUGE_TYPES}

    words = sum(sum(len(s.split()) for s in c.sentences) for c in per_cluster) / n
    return EvaluationResult(
        dataset=str(path),
        method=config.method,
        mode=mode,
        words=config.headline_words if mode == "headline" else config.words,
        truncate=truncate,
        clusters=n,
        f1=mean("f1"),
        recall=mean("recall"),
        precision=mean("precision"),
        seconds=sum(c.seconds for c in per_cluster),
        peak_memory_mb=_peak_memory_mb(),
        mean_words=words,
        problems=tuple(problems),
        per_cluster=tuple(per_cluster),
    )
