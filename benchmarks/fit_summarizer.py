"""Fit the small learned parts of the default summarizer and report them cross-validated.

Two things are fitted on ``../shared/eval/multinews-dev.jsonl`` and written to
``newsbrief/summarize/concept_weights.json`` (shipped in the package):

1. Concept weights (Li, Qian & Liu 2013, "Using supervised bigram-based ILP for extractive
   summarization", ACL): a logistic regression predicts whether a stemmed bigram of the
   input appears in the human summary, from the features in
   :data:`newsbrief.summarize.concepts.FEATURES` (source support, position, frequency, shape).
   The ILP then maximises the expected number of reference bigrams covered.
2. The length rule of :mod:`newsbrief.summarize.length`: a least-squares line through
   (ln input words, reference words).

Cross-validation: the clusters are split into 5 folds (seeded shuffle); for each fold the
regression is fitted on the other four and the summarizer scored on it with ROUGE. The
printed mean over folds is the honest estimate; the shipped weights are then fitted on all
clusters. Run from the repository root:

    python benchmarks/fit_summarizer.py [--folds 5] [--write]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbrief.config import BriefConfig
from newsbrief.evaluate import load_clusters, rouge_scorer, score_summary
from newsbrief.pipeline import _brief_sentences, event_input, prepare_articles
from newsbrief.summarize.concepts import (
    FEATURES,
    WEIGHTS_FILE,
    ConceptOptions,
    concept_table,
    sentence_concepts,
)
from newsbrief.summarize.ilp import ConceptILP

DEV = ROOT.parent / "shared" / "eval" / "multinews-dev.jsonl"
OUT = ROOT / "newsbrief" / "summarize" / WEIGHTS_FILE


def fit(tables, indices):  # type: ignore[no-untyped-def]
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([tables[i][0] for i in indices])
    y = np.concatenate([tables[i][1] for i in indices])
    model = LogisticRegression(C=1.0, max_iter=2000).fit(x, y)
    return tuple(float(c) for c in model.coef_[0]), float(model.intercept_[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default=str(DEV))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--words", type=int, default=280, help="budget for the CV scoring")
    parser.add_argument("--write", action="store_true", help=f"write {OUT.name}")
    args = parser.parse_args()

    clusters, _ = load_clusters(args.dataset)
    config = BriefConfig()
    options = ConceptILP().options
    prepared, tables = [], []
    for cluster in clusters:
        documents = prepare_articles(cluster.articles)
        event = event_input(documents, config)
        names, table = concept_table(event, options)
        reference = {c for r in cluster.references for c in sentence_concepts(r)}
        tables.append((table, np.array([n in reference for n in names])))
        prepared.append((cluster, documents, event))
    print(f"{len(clusters)} clusters, {sum(len(t[1]) for t in tables)} concepts")

    order = np.random.RandomState(0).permutation(len(clusters))
    scorer = rouge_scorer()
    folds = []
    for k in range(args.folds):
        test = order[k :: args.folds].tolist()
        train = sorted(set(range(len(clusters))) - set(test))
        model = fit(tables, train)
        summarizer = ConceptILP(options=ConceptOptions(**{
            **{f: getattr(options, f) for f in options.__dataclass_fields__},
            "weighting": "learned", "model": model,
        }))
        scores = []
        start = time.perf_counter()
        for i in test:
            cluster, documents, event = prepared[i]
            chosen = summarizer.summarize(event, args.words)
            text = [s.text for s in _brief_sentences(chosen, documents)]
            scores.append(score_summary(text, cluster.references, scorer)["f1"])
        mean = {m: sum(s[m] for s in scores) / len(scores) for m in scores[0]}
        folds.append(mean)
        print(f"fold {k}: " + " ".join(f"{m} {v:.2f}" for m, v in mean.items())
              + f" ({time.perf_counter() - start:.1f} s)")
    cv = {m: round(sum(f[m] for f in folds) / len(folds), 2) for m in folds[0]}
    print("cross-validated:", cv)

    coefficients, intercept = fit(tables, range(len(clusters)))
    sizes = np.array([math.log(max(sum(len(d.text.split()) for d in docs), 100))
                      for _, docs, _ in prepared])
    lengths = np.array([np.mean([len(r.split()) for r in c.references]) for c, _, _ in prepared])
    slope, line = np.polyfit(sizes, lengths, 1)
    result = {
        "trained_on": Path(args.dataset).name,
        "features": list(FEATURES),
        "coefficients": [round(c, 6) for c in coefficients],
        "intercept": round(intercept, 6),
        "length": {"intercept": round(float(line), 3), "slope": round(float(slope), 3)},
        "cross_validated_f1": cv,
        "cv_budget_words": args.words,
    }
    print(json.dumps(result, indent=2))
    if args.write:
        OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
