"""Event clustering quality on the labelled eval sets, beside the batch baseline.

For each of ``clustering-dev.jsonl`` and ``clustering-wikiref220.jsonl``:

* the default :class:`~newsbrief.cluster.ClusterConfig` (one configuration for both files):
  B-cubed precision/recall/F1 and ARI in file order, and F1 over shuffled orders of arrival,
  with the whole file as one batch (as ``newsbrief cluster`` does for files up to 1,024
  articles) and as a stream of smaller batches with document frequencies counted as articles
  arrive, both with the default open window (``reopen``) and with final decisions
  (``reopen=0``);
* a dated stream: the file in its order, article ``i`` published on day ``i // 25`` (the
  variant of ``benchmarks/spark_fidelity.py``), in batches of 256;
* cross-file: ``cohesion_ratio`` tuned on the other file, scored on this one;
* sensitivity: F1 as the two parameters of the relative rule move around their defaults;
* the batch baseline of the eval README (TF-IDF, average linkage, one distance threshold):
  the best threshold per file, and each file scored with the other file's best threshold;
* 2-fold cross-validation over labels (half of the events tune, the other half test) for the
  baseline's threshold and for our ``cohesion_ratio``, averaged over 3 random splits.

    python benchmarks/bench_clustering.py [--shuffles 5] [--json]
    python benchmarks/bench_clustering.py --compare '{}' '{"reopen": 0}' '{"entity_weight": 0}'

    python benchmarks/bench_clustering.py --cost 3000 [--compare '{"reopen": 0}']

    python benchmarks/bench_clustering.py --store [--shuffles 3] [--compare '{"reopen": 0}']

    python benchmarks/bench_clustering.py --errors 6

    python benchmarks/bench_clustering.py --select [--shuffles 3]

``--errors N`` analyses the default configuration's mistakes on both files (file as one
batch): the N mixed events and N split labels that cost the most F1 (one article per label or
event shown), the F1 with every mixed event split and with every split label gathered, how
often an article's nearest neighbour has its label, and identical texts under different
labels. Variants that were measured and not kept are in ``benchmarks/cluster_variants.py``.

``--select`` measures the thresholds chosen by silhouette (``newsbrief.cluster_select``, the
default of ``newsbrief cluster`` and ``evaluate-clusters``) on both files and on the articles
of ``wcep-train.jsonl`` labelled by their WCEP event (one day's happening each; read from
../shared/eval, not stored): F1 with the default thresholds, with the chosen ones and with the
grid's best pair (what a choice could reach at most), the same over shuffled orders in
batches of 256 (a choice per order), and over the two halves of the labels in 3 random
splits (each half a collection of its own).

``--store`` ingests each file through the store (:class:`newsbrief.store.Store`, a fresh
temporary database per order) in shuffled orders, one transaction of 256 articles each, and
prints its B-cubed F1 beside the in-memory clusterer's on the same order and batches (the
store links near-duplicate copies to their originals' events; both are scored over the
articles the store kept).

``--cost N`` times, without a profiler, ``extract_features`` and ``EventClusterer.add_batch``
(in memory, batches of 1,024, frequencies counted as articles arrive) per article over the
first N articles of ``benchmarks/bench_scale.py``'s synthetic stream, best of 3 runs, for the
default configuration or each ``--compare`` one. ``--compare`` scores each configuration (overrides of the default, as JSON) on both files:
F1 in file order, and mean/min F1 over shuffled orders in batches of 256 with document
frequencies counted as articles arrive.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbrief.cluster import (
    ClusterConfig,
    EventClusterer,
    adjusted_rand,
    batch_agglomerative,
    bcubed,
    cluster_documents,
    cluster_records,
    extract_features,
    prepare_for_clustering,
    read_cluster_file,
)
from newsbrief.cluster_eval import bcubed_errors

EVAL = ROOT.parent / "shared" / "eval"
FILES = ("clustering-dev.jsonl", "clustering-wikiref220.jsonl")
THRESHOLDS = [round(0.5 + 0.01 * i, 2) for i in range(50)]


def _load(name: str):  # type: ignore[no-untyped-def]
    articles, labels, _ = read_cluster_file(str(EVAL / name))
    return articles, prepare_for_clustering(articles), labels


def _ours(documents, labels, config, prefit=True) -> dict[str, float]:  # type: ignore[no-untyped-def]
    assigned = cluster_documents(documents, config, prefit=prefit)
    return _scores(documents, labels, assigned)


def _scores(documents, labels, assigned) -> dict[str, float]:  # type: ignore[no-untyped-def]
    truth = [labels[d.id] for d in documents]
    pred = [assigned[d.id] for d in documents]
    p, r, f = bcubed(truth, pred)
    return {"p": p, "r": r, "f1": f, "ari": adjusted_rand(truth, pred)}


def _shuffled(documents, labels, config, seeds: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """F1 over shuffled orders; below one batch, frequencies grow with the stream."""
    f1s = []
    prefit = config.batch_size >= len(documents)
    for seed in range(1, seeds + 1):
        order = list(documents)
        random.Random(seed).shuffle(order)
        f1s.append(_ours(order, labels, config, prefit=prefit)["f1"])
    return {"mean": sum(f1s) / len(f1s), "min": min(f1s), "max": max(f1s)}


def _dated(documents, labels, config) -> float:  # type: ignore[no-untyped-def]
    """The file in its order as a dated stream: article ``i`` on day ``i // 25``."""
    records = []
    for i, d in enumerate(documents):
        day = date(2024, 1, 1) + timedelta(days=i // 25)
        records.append((d.id, d.article.title, d.text, f"{day.isoformat()}T{i % 24:02d}:00:00"))
    assigned = cluster_records(records, config, prefit=False)
    return _scores(documents, labels, assigned)["f1"]


def _baseline(articles, labels, threshold: float) -> float:  # type: ignore[no-untyped-def]
    texts = [a.title + "\n" + a.text for a in articles]
    return bcubed([labels[a.id] for a in articles], batch_agglomerative(texts, threshold))[2]


def _split(labels: dict[str, str], seed: int) -> tuple[set[str], set[str]]:
    names = sorted(set(labels.values()))
    random.Random(seed).shuffle(names)
    half = len(names) // 2
    return set(names[:half]), set(names[half:])


def _wcep_as_clustering() -> tuple[list, dict[str, str]]:
    """The articles of wcep-train.jsonl, each labelled by its WCEP event."""
    from newsbrief.models import Article

    articles, labels = [], {}
    with (EVAL / "wcep-train.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            cluster = json.loads(line)
            for i, record in enumerate(cluster["articles"]):
                article = Article(id=f"{cluster['id']}-{i}", title=record.get("title", ""),
                                  text=record["text"])
                articles.append(article)
                labels[article.id] = cluster["id"]
    return articles, labels


def _select(shuffles: int) -> int:
    """Default, chosen and best-of-grid thresholds on three kinds of labels."""
    from newsbrief.cluster import cluster_features, clustering_text, featurize
    from newsbrief.cluster_select import GRID, choose_thresholds

    collections = {name: read_cluster_file(str(EVAL / name))[:2] for name in FILES}
    collections["wcep-train.jsonl (articles by event)"] = _wcep_as_clustering()

    def scores(items, labels, config):  # type: ignore[no-untyped-def]
        ids = [i for i, _, _ in items]
        truth = [labels[i] for i in ids]
        default = cluster_features(items, config)
        chosen = choose_thresholds(items, config)
        partitions = (cluster_features(items, config.with_(cohesion_ratio=r, min_similarity=m))
                      for r, m in GRID)
        best = max(bcubed(truth, [partition[i] for i in ids])[2] for partition in partitions)
        return (bcubed(truth, [default[i] for i in ids])[2],
                bcubed(truth, [chosen.labels[i] for i in ids])[2], best, chosen)

    out = {}
    for name, (articles, labels) in collections.items():
        config = ClusterConfig()
        records = [(a.id, a.title, clustering_text(a), a.published) for a in articles]
        items = list(featurize(records, config))
        default, chosen, best, choice = scores(items, labels, config)
        row = {"articles": len(items), "labels": len(set(labels.values())),
               "default_f1": round(default, 4), "chosen_f1": round(chosen, 4),
               "best_of_grid_f1": round(best, 4), "chosen": choice.to_dict()}
        batched = config.with_(batch_size=256)
        pairs = []
        for seed in range(1, shuffles + 1):
            order = list(items)
            random.Random(seed).shuffle(order)
            d, c, _, _ = scores(order, labels, batched)
            pairs.append((d, c))
        row["shuffled_batches_of_256"] = {
            "default_f1_mean": round(sum(d for d, _ in pairs) / len(pairs), 4),
            "chosen_f1_mean": round(sum(c for _, c in pairs) / len(pairs), 4)}
        halves = []
        for seed in range(3):
            for half in _split(labels, seed):
                sub = [item for item in items if labels[item[0]] in half]
                d, c, _, _ = scores(sub, labels, config)
                halves.append((d, c))
        row["label_halves"] = {
            "default_f1_mean": round(sum(d for d, _ in halves) / len(halves), 4),
            "chosen_f1_mean": round(sum(c for _, c in halves) / len(halves), 4),
            "worst_change": round(min(c - d for d, c in halves), 4)}
        out[name] = row
        print(json.dumps({name: row}), flush=True)
    return 0


def _cost(n: int, overrides: list[str]) -> int:
    """CPU milliseconds per article of features and of clustering (best of 3 runs)."""
    import itertools

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_scale import stream

    documents = prepare_for_clustering(list(itertools.islice(stream(), n)))
    for text in overrides:
        config = ClusterConfig().with_(**json.loads(text))
        best_features = best_batches = float("inf")
        for _ in range(3):
            start = time.process_time()
            features = [extract_features(d.article.title, d.text, config) for d in documents]
            best_features = min(best_features, time.process_time() - start)
            clusterer = EventClusterer(config)
            items = [(d.id, f, d.article.published) for d, f in zip(documents, features)]
            start = time.process_time()
            for first in range(0, len(items), config.batch_size):
                clusterer.add_batch(items[first:first + config.batch_size])
            best_batches = min(best_batches, time.process_time() - start)
        print(f"{text}: {len(documents)} articles, extract_features "
              f"{1000 * best_features / len(documents):.3f} ms/article, add_batch "
              f"{1000 * best_batches / len(documents):.3f} ms/article, "
              f"{len(set(clusterer.labels_.values()))} events", flush=True)
    return 0


def _compare(overrides: list[str], shuffles: int) -> int:
    """One line per configuration: F1 in file order and over shuffled batches of 256."""
    data = {name: _load(name) for name in FILES}
    for text in overrides:
        config = ClusterConfig().with_(**json.loads(text))
        cells = []
        for name, (_, documents, labels) in data.items():
            f = _ours(documents, labels, config)["f1"]
            s = _shuffled(documents, labels, config.with_(batch_size=256), shuffles)
            cells.append(f"{name.split('-', 1)[1].split('.')[0]} {f:.3f}, "
                         f"shuffled/256 {s['mean']:.3f} (min {s['min']:.3f})")
        print(f"{text}: " + "; ".join(cells), flush=True)
    return 0


def _store_f1(overrides: list[str], shuffles: int) -> int:
    """One line per file, order and configuration: the store's F1 and the in-memory one."""
    import tempfile

    from newsbrief.config import BriefConfig
    from newsbrief.store import Store

    quick = BriefConfig(analyze=False, method="lead")  # briefs are not built (refresh="none")
    for name in FILES:
        articles, documents, labels = _load(name)
        by_id = {d.id: d for d in documents}
        for text in overrides:
            config = ClusterConfig().with_(**json.loads(text)).with_(batch_size=256)
            pairs = []
            for seed in range(1, shuffles + 1):
                order = list(articles)
                random.Random(seed).shuffle(order)
                with tempfile.TemporaryDirectory() as folder:
                    start = time.perf_counter()
                    with Store(Path(folder) / "f1.db", config=quick, cluster_config=config,
                               batch_size=256) as store:
                        store.add_articles(order, refresh="none")
                        stored = dict(store.conn.execute("SELECT id, event_id FROM articles"))
                    seconds = time.perf_counter() - start
                memory = cluster_documents([by_id[a.id] for a in order if a.id in by_id],
                                           config, prefit=False)
                ids = sorted(set(stored) & set(memory))
                truth = [labels[i] for i in ids]
                f_store = bcubed(truth, [stored[i] for i in ids])[2]
                f_memory = bcubed(truth, [memory[i] for i in ids])[2]
                pairs.append((f_store, f_memory))
                print(f"{name} {text} order {seed}: store F1 {f_store:.3f}, in-memory "
                      f"{f_memory:.3f} ({len(ids)} articles, store {seconds:.1f} s)", flush=True)
            mean_s = sum(p[0] for p in pairs) / len(pairs)
            mean_m = sum(p[1] for p in pairs) / len(pairs)
            print(f"{name} {text}: mean store F1 {mean_s:.3f} (min "
                  f"{min(p[0] for p in pairs):.3f}), in-memory {mean_m:.3f}", flush=True)
    return 0


def _nearest_in_own_event(documents, labels, config) -> float:  # type: ignore[no-untyped-def]
    """Share of articles (of labels with 2 or more) whose nearest neighbour by the
    clusterer's own vectors (cosine, frequencies of the whole file) has their label."""
    import numpy as np
    from scipy.sparse import csr_matrix

    clusterer = EventClusterer(config)
    features = [extract_features(d.article.title, d.text, config) for d in documents]
    for f in features:
        clusterer.observe(f)
    vectors = [clusterer.vectorize(f) for f in features]
    keys = {k: i for i, k in enumerate(sorted({k for v in vectors for k in v}))}
    rows = [i for i, v in enumerate(vectors) for _ in v]
    cols = [keys[k] for v in vectors for k in v]
    vals = [w for v in vectors for w in v.values()]
    matrix = csr_matrix((vals, (rows, cols)), shape=(len(vectors), max(1, len(keys))))
    sims = (matrix @ matrix.T).toarray()
    np.fill_diagonal(sims, -1.0)
    truth = [labels[d.id] for d in documents]
    sizes = Counter(truth)
    nearest = sims.argmax(axis=1)
    hits = [truth[int(j)] == truth[i] for i, j in enumerate(nearest) if sizes[truth[i]] > 1]
    return sum(hits) / max(1, len(hits))


def _errors(top: int) -> int:
    """Error analysis of the default configuration (file order, one batch): the mistakes
    that cost the most F1, the ceilings with every mixed cluster split or every split label
    gathered, and how often an article's nearest neighbour shares its label."""
    config = ClusterConfig()
    for name in FILES:
        _, documents, labels = _load(name)
        assigned = cluster_documents(documents, config)
        truth = [labels[d.id] for d in documents]
        pred = [assigned[d.id] for d in documents]
        p, r, f = bcubed(truth, pred)
        errors = bcubed_errors(truth, pred)
        pure_p = bcubed(truth, [(pred[i], truth[i]) for i in range(len(truth))])[2]
        whole = {e.key for e in errors if e.kind == "split"}
        pure_r = bcubed(truth, [("whole", t) if t in whole else pred[i]
                                for i, t in enumerate(truth)])
        duplicates = Counter(" ".join(d.text.split()) for d in documents)
        shared = [t for t, n in duplicates.items() if n > 1
                  and len({labels[d.id] for d in documents if " ".join(d.text.split()) == t}) > 1]
        print(f"{name}: P {p:.3f} R {r:.3f} F1 {f:.3f}; every mixed cluster split: F1 "
              f"{pure_p:.3f}; every split label gathered: F1 {pure_r[2]:.3f} (P {pure_r[0]:.3f})")
        print(f"  nearest neighbour (cosine of the clusterer's vectors) in its own label: "
              f"{_nearest_in_own_event(documents, labels, config):.3f}; identical texts under "
              f"different labels: {len(shared)} texts, {sum(duplicates[t] for t in shared)} articles")
        for kind in ("mixed", "split"):
            chosen = [e for e in errors if e.kind == kind]
            print(f"  {kind}: {len(chosen)}, F1 gain one at a time summed "
                  f"{sum(e.gain for e in chosen):.3f}; largest:")
            for e in chosen[:top]:
                print(f"    {e.key} ({e.size} articles, {e.parts} "
                      f"{'labels' if kind == 'mixed' else 'clusters'}): +{e.gain:.4f}")
                # One article per label (mixed) or per cluster (split) first.
                group = truth if kind == "mixed" else pred
                firsts = {group[i]: i for i in reversed(e.members)}
                for i in sorted(firsts.values())[:6]:
                    d = documents[i]
                    words = " ".join(d.text.split()[:14])
                    print(f"      {truth[i]} -> {pred[i]} ({len(d.text.split())} words): {words}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shuffles", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--compare", nargs="+", metavar="JSON", default=None,
                        help="only compare these configurations (JSON overrides)")
    parser.add_argument("--cost", type=int, default=0, metavar="N",
                        help="only time features and clustering per article over N articles")
    parser.add_argument("--errors", type=int, default=0, metavar="N",
                        help="only analyse the default configuration's errors (N largest)")
    parser.add_argument("--select", action="store_true",
                        help="only measure the thresholds chosen by silhouette")
    parser.add_argument("--store", action="store_true",
                        help="only compare the store's F1 with the in-memory clusterer's "
                             "over shuffled orders in batches of 256")
    args = parser.parse_args(argv)
    default = ClusterConfig()
    if args.errors:
        return _errors(args.errors)
    if args.select:
        return _select(args.shuffles)
    if args.store:
        return _store_f1(args.compare or ["{}"], args.shuffles)
    if args.cost:
        return _cost(args.cost, args.compare or ["{}"])
    if args.compare:
        return _compare(args.compare, args.shuffles)
    out: dict = {"config": {"cohesion_ratio": default.cohesion_ratio,
                            "lone_prior": default.lone_prior,
                            "entity_weight": default.entity_weight,
                            "reopen": default.reopen}}
    data = {name: _load(name) for name in FILES}
    best_threshold = {}
    for name, (articles, documents, labels) in data.items():
        t0 = time.perf_counter()
        row: dict = {"articles": len(documents), "labels": len(set(labels.values()))}
        row["file_order"] = _ours(documents, labels, default)
        row["seconds"] = round(time.perf_counter() - t0, 2)
        row["streaming_df"] = _ours(documents, labels, default, prefit=False)["f1"]
        row["shuffled_one_batch"] = _shuffled(documents, labels, default, args.shuffles)
        for size in (256, 64):
            row[f"shuffled_batches_of_{size}"] = _shuffled(
                documents, labels, default.with_(batch_size=size), args.shuffles)
            row[f"shuffled_batches_of_{size}_final"] = _shuffled(
                documents, labels, default.with_(batch_size=size, reopen=0), args.shuffles)
        row["dated_batches_of_256"] = _dated(documents, labels, default.with_(batch_size=256))
        row["dated_batches_of_256_final"] = _dated(
            documents, labels, default.with_(batch_size=256, reopen=0))
        row["sensitivity"] = {
            f"ratio={ratio} prior={prior}": round(
                _ours(documents, labels, default.with_(cohesion_ratio=ratio, lone_prior=prior))["f1"], 4)
            for ratio in (0.35, 0.45, 0.55) for prior in (0.1, 0.15, 0.2)
        }
        sweep = {t: _baseline(articles, labels, t) for t in THRESHOLDS}
        best = max(sweep, key=sweep.__getitem__)
        best_threshold[name] = best
        row["baseline"] = {"best_threshold": best, "best_f1": sweep[best]}
        # 2-fold CV over labels: tune on one half of the events, score the other half.
        cv_base, cv_ours = [], []
        for seed in range(3):
            for tune, test in (_split(labels, seed), _split(labels, seed)[::-1]):
                tune_a = [a for a in articles if labels[a.id] in tune]
                test_a = [a for a in articles if labels[a.id] in test]
                t = max(THRESHOLDS[::5], key=lambda x: _baseline(tune_a, labels, x))
                cv_base.append(_baseline(test_a, labels, t))
                tune_d = [d for d in documents if labels[d.id] in tune]
                test_d = [d for d in documents if labels[d.id] in test]
                ratio = max((0.35, 0.45, 0.55), key=lambda x: _ours(
                    tune_d, labels, default.with_(cohesion_ratio=x))["f1"])
                cv_ours.append(_ours(test_d, labels, default.with_(cohesion_ratio=ratio))["f1"])
        row["cv_2fold_f1"] = {"baseline": sum(cv_base) / len(cv_base),
                              "ours": sum(cv_ours) / len(cv_ours)}
        out[name] = row
        if not args.json:
            s = row["file_order"]
            print(f"{name}: {row['articles']} articles, {row['labels']} labels")
            print(f"  ours (default)  P {s['p']:.3f} R {s['r']:.3f} F1 {s['f1']:.3f} "
                  f"ARI {s['ari']:.3f}  ({row['seconds']} s)")
            print(f"  ours, streaming document frequencies: F1 {row['streaming_df']:.3f}")
            print(f"  dated stream, batches of 256: F1 {row['dated_batches_of_256']:.3f} "
                  f"(final decisions: {row['dated_batches_of_256_final']:.3f})")
            for key in ("shuffled_one_batch", "shuffled_batches_of_256",
                        "shuffled_batches_of_256_final", "shuffled_batches_of_64",
                        "shuffled_batches_of_64_final"):
                v = row[key]
                print(f"  {key} ({args.shuffles} orders): F1 mean {v['mean']:.3f} "
                      f"min {v['min']:.3f} max {v['max']:.3f}")
            print(f"  baseline best threshold {best}: F1 {sweep[best]:.3f}")
            print("  sensitivity: " + ", ".join(f"{k}: {v:.3f}" for k, v in row["sensitivity"].items()))
            print(f"  2-fold CV over labels: baseline {row['cv_2fold_f1']['baseline']:.3f}, "
                  f"ours {row['cv_2fold_f1']['ours']:.3f}", flush=True)
    names = list(data)
    ratios = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
    for name, other in ((names[0], names[1]), (names[1], names[0])):
        # Tune the rule on the other file only, then score this one.
        _, other_docs, other_labels = data[other]
        tuned = max(ratios, key=lambda x: _ours(
            other_docs, other_labels, default.with_(cohesion_ratio=x))["f1"])
        _, documents, labels = data[name]
        f = _ours(documents, labels, default.with_(cohesion_ratio=tuned))["f1"]
        out[name]["tuned_on_other_file"] = {"cohesion_ratio": tuned, "f1": f}
        if not args.json:
            print(f"{name}: cohesion_ratio tuned on {other} ({tuned}): F1 {f:.3f}")
    for name, other in ((names[0], names[1]), (names[1], names[0])):
        articles, _, labels = data[name]
        f = _baseline(articles, labels, best_threshold[other])
        out[name]["baseline"]["with_other_files_threshold"] = {"threshold": best_threshold[other],
                                                               "f1": f}
        if not args.json:
            print(f"{name}: baseline with {other}'s threshold {best_threshold[other]}: F1 {f:.3f}")
    if args.json:
        print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
