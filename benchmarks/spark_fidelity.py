"""Spark events against ``newsbrief cluster`` on the whole clustering evaluation files.

    python benchmarks/spark_fidelity.py

Runs the Spark job in local[2] mode on ``clustering-dev.jsonl``, ``clustering-wikiref220.jsonl``
and a dated copy of ``clustering-dev.jsonl`` (article ``i`` published on day ``i // 25``; the
labels are not used), and prints B-cubed precision/recall/F1 between the Spark events and the
single-machine clusterer (the same calls as ``newsbrief cluster``), the number of events with
exactly the same articles, and both F1 scores against the labels. Briefs without analysis.
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq

from newsbrief.cluster import bcubed, cluster_documents, prepare_for_clustering, read_cluster_file
from newsbrief.config import BriefConfig
from newsbrief.spark import SparkJobConfig, run_job, spark_session

EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval"


def dated_copy(source: Path, target: Path, per_day: int = 25) -> Path:
    with open(target, "w", encoding="utf-8") as out:
        for i, line in enumerate(source.read_text(encoding="utf-8").splitlines()):
            record = json.loads(line)
            day = date(2024, 1, 1) + timedelta(days=i // per_day)
            record["published"] = f"{day.isoformat()}T{i % 24:02d}:00:00"
            out.write(json.dumps(record) + "\n")
    return target


def partition(labels: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for item, label in labels.items():
        groups.setdefault(label, set()).add(item)
    return {frozenset(g) for g in groups.values()}


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="spark-fidelity-"))
    dev = EVAL / "clustering-dev.jsonl"
    dated = dated_copy(dev, work / "dev-dated.jsonl")
    brief = BriefConfig(analyze=False)
    runs = [
        ("clustering-dev", dev, SparkJobConfig(brief=brief)),
        ("clustering-wikiref220", EVAL / "clustering-wikiref220.jsonl", SparkJobConfig(brief=brief)),
        ("dev dated, stride 3", dated, SparkJobConfig(brief=brief)),
        ("dev dated, stride 1", dated, SparkJobConfig(brief=brief, window_days=1.0)),
    ]
    spark = spark_session("local[2]", shuffle_partitions=4)
    for name, path, config in runs:
        articles, labels, _ = read_cluster_file(str(path))
        reference = cluster_documents([prepare_for_clustering([a])[0] for a in articles])
        start = time.perf_counter()
        run_job(spark, [str(path)], str(work / "out"), config, overwrite=True)
        table = pq.read_table(work / "out" / "articles", columns=["id", "event_id"]).to_pydict()
        ours = dict(zip(table["id"], table["event_id"]))
        ids = sorted(reference)
        p, r, f = bcubed([reference[i] for i in ids], [ours[i] for i in ids])
        same = len(partition(reference) & partition(ours))
        f_ours = bcubed([labels[i] for i in ids], [ours[i] for i in ids])[2]
        f_ref = bcubed([labels[i] for i in ids], [reference[i] for i in ids])[2]
        print(f"{name}: {len(ids)} articles; vs newsbrief cluster P/R/F1 {p:.4f}/{r:.4f}/{f:.4f}; "
              f"same events {same} of {len(partition(ours))} (reference {len(partition(reference))}); "
              f"F1 vs labels {f_ours:.4f} (one machine {f_ref:.4f}); "
              f"{time.perf_counter() - start:.0f}s", flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
