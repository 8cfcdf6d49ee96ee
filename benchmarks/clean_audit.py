"""Audit the cleaner on real scraped news: what it removes, by reason, with samples to read.

Reads a cluster file (default ../shared/eval/multinews-dev.jsonl), cleans every article the
way ``newsbrief brief`` does per cluster, and also with :func:`newsbrief.clean.repeated_lines`
over the whole file (as the store and the Spark job see a large mixed batch). Prints the
count of removed lines and words per reason and a random sample of each reason's lines.

    python benchmarks/clean_audit.py [FILE] [--sample 8] [--seed 0] [--similarity]

``--similarity`` also prints the TF-IDF cosine of article pairs from the same cluster and
from different clusters, the measurement behind ``newsbrief.clean.RELATED_SIMILARITY``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from newsbrief.clean import clean_lines, normal_key, repeated_lines
from newsbrief.ingest import article_from_record
from newsbrief.models import Article

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "multinews-dev.jsonl"


def load(path: Path) -> list[list[Article]]:
    clusters = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        obj = json.loads(line)
        articles = []
        for i, record in enumerate(obj["articles"]):
            article = article_from_record(record, default_id=f"{obj['id']}/{i}", path=str(path))
            if isinstance(article, Article):
                articles.append(article)
        clusters.append(articles)
    return clusters


def similarity_report(clusters: list[list[Article]], seed: int) -> None:
    """Quantiles of TF-IDF cosine for same-cluster and different-cluster article pairs."""
    import statistics

    from sklearn.feature_extraction.text import TfidfVectorizer

    items = [(c, a.text) for c, cluster in enumerate(clusters) for a in cluster]
    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(
        [text for _, text in items])
    same = [float(matrix[i].multiply(matrix[j]).sum())
            for i in range(len(items)) for j in range(i + 1, len(items))
            if items[i][0] == items[j][0]]
    rng = random.Random(seed)
    other = []
    while len(other) < 5000:
        i, j = rng.sample(range(len(items)), 2)
        if items[i][0] != items[j][0]:
            other.append(float(matrix[i].multiply(matrix[j]).sum()))
    for name, values in (("same cluster", same), ("different clusters", other)):
        q = statistics.quantiles(values, n=100)
        print(f"{name:20} pairs={len(values):5}  p5={q[4]:.3f} p10={q[9]:.3f} "
              f"median={q[49]:.3f} p90={q[89]:.3f} p99={q[98]:.3f}")
    print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--sample", type=int, default=8, help="lines shown per reason")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--similarity", action="store_true", help="print pair similarities")
    args = parser.parse_args()
    clusters = load(args.file)
    if args.similarity:
        similarity_report(clusters, args.seed)
    everything = [a for cluster in clusters for a in cluster]
    started = time.perf_counter()
    furniture = repeated_lines(everything)
    repeat_s = time.perf_counter() - started
    lines_in = words_in = 0
    lines_out: Counter[str] = Counter()
    words_out: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    started = time.perf_counter()
    for article in everything:
        body = [line for line in article.text.split("\n") if line.strip()]
        lines_in += len(body)
        words_in += sum(len(normal_key(line).split()) for line in body)
        _, removed = clean_lines(article.text, article.title, furniture)
        for line, reason in removed:
            lines_out[reason] += 1
            words_out[reason] += len(normal_key(line).split())
            examples[reason].append(line)
    clean_s = time.perf_counter() - started
    print(f"{args.file.name}: {len(clusters)} clusters, {len(everything)} articles, "
          f"{lines_in} non-blank lines, {words_in} words")
    print(f"repeated_lines over the whole file: {len(furniture)} keys in {repeat_s:.2f}s; "
          f"cleaning: {clean_s:.2f}s")
    print(f"\n{'reason':40} {'lines':>6} {'words':>7} {'% words':>8}")
    for reason, count in lines_out.most_common():
        print(f"{reason:40} {count:6} {words_out[reason]:7} "
              f"{100 * words_out[reason] / words_in:7.2f}%")
    total_lines, total_words = sum(lines_out.values()), sum(words_out.values())
    print(f"{'total':40} {total_lines:6} {total_words:7} {100 * total_words / words_in:7.2f}%")
    rng = random.Random(args.seed)
    for reason in sorted(examples):
        print(f"\n== {reason} (sample of {min(args.sample, len(examples[reason]))})")
        for line in rng.sample(examples[reason], min(args.sample, len(examples[reason]))):
            print("   ", line[:160])
    return 0


if __name__ == "__main__":
    sys.exit(main())
