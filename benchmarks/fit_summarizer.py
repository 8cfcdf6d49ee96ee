"""Fit the small learned parts of the default summarizer and report them cross-validated.

Three things are fitted on ``../shared/eval/multinews-dev.jsonl`` and written to
``newsbrief/summarize/concept_weights.json`` (shipped in the package):

1. Concept weights (Li, Qian & Liu 2013, "Using supervised bigram-based ILP for extractive
   summarization", ACL): a classifier predicts whether a stemmed bigram of the input appears
   in the human summary, from the features in :data:`newsbrief.summarize.concepts.FEATURES`
   (source support, position, frequency, shape). The default is boosted trees (100 rounds of
   depth 3, exported as arrays, :mod:`newsbrief.summarize.trees`); Li et al.'s logistic
   regression is kept for the ``ilp-logistic`` ablation. The ILP then maximises the expected
   number of reference bigrams covered.
2. The sentence prior (:mod:`newsbrief.summarize.prior`): a ridge regression from the
   features in :data:`newsbrief.summarize.prior.PRIOR_FEATURES` (position, length, title
   overlap, quotes, pronouns, names and numbers, support, covered concept weight under the
   concept weights of step 1) to each candidate sentence's ROUGE-1 precision against the
   human summary.
3. The length rule of :mod:`newsbrief.summarize.length`: a least-squares plane through
   (ln input words, ln articles, reference words).

Cross-validation: the clusters are split into 5 folds (seeded shuffle); for each fold both
regressions are fitted on the other four and the summarizer scored on it with ROUGE, with the
sentence prior off and on. The printed mean over folds is the honest estimate; the shipped
weights are then fitted on all clusters. Run from the repository root:

    python benchmarks/fit_summarizer.py [--folds 5] [--write]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbrief.config import BriefConfig
from newsbrief.evaluate import load_clusters, rouge_scorer, score_summary
from newsbrief.pipeline import _brief_sentences, event_input, prepare_articles, without_copies
from newsbrief.summarize.concepts import (
    FEATURES,
    WEIGHTS_FILE,
    ConceptOptions,
    build_space,
    concept_table,
    sentence_concepts,
)
from newsbrief.summarize.ilp import ConceptILP
from newsbrief.summarize.length import choose_length, length_features
from newsbrief.summarize.prior import (
    PRIOR_FEATURES,
    PRIOR_SCALE,
    precision_target,
    sentence_features,
)
from newsbrief.summarize.trees import TreeEnsemble

DEV = ROOT.parent / "shared" / "eval" / "multinews-dev.jsonl"
OUT = ROOT / "newsbrief" / "summarize" / WEIGHTS_FILE


def fit_logistic(tables, indices):  # type: ignore[no-untyped-def]
    """Logistic regression of "bigram in the reference" on the concept features."""
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([tables[i][0] for i in indices])
    y = np.concatenate([tables[i][1] for i in indices])
    model = LogisticRegression(C=1.0, max_iter=2000).fit(x, y)
    return tuple(float(c) for c in model.coef_[0]), float(model.intercept_[0])


# With --monotone: features in which the probability may only rise (more sources, more
# occurrences, an earlier place). Multi-News clusters hold 2.8 articles (9 at most); a
# 10-article event shows support counts those clusters never did, where unconstrained trees
# answer arbitrarily. Measured in docs/quality.md; off by default (it cost 0.1 R1 on the folds).
MONOTONE = ("source_share", "log_sources", "first_position", "mean_position", "log_count",
            "in_lead")


def fit_trees(tables, indices, monotone: bool = False) -> TreeEnsemble:  # type: ignore[no-untyped-def]
    """Boosted trees (100 rounds of depth 3; with ``monotone``, non-decreasing in
    :data:`MONOTONE`) for the same target, exported to plain arrays and checked against
    scikit-learn's own predictions."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    x = np.vstack([tables[i][0] for i in indices])
    y = np.concatenate([tables[i][1] for i in indices])
    model = HistGradientBoostingClassifier(
        max_iter=100, max_depth=3, learning_rate=0.1, early_stopping=False, random_state=0,
        monotonic_cst=[int(monotone and f in MONOTONE) for f in FEATURES],
    ).fit(x, y)
    trees = TreeEnsemble.from_sklearn(model, x)
    # Every training row goes the way scikit-learn sends it, also after the JSON round trip
    # that shipping the trees takes.
    expected = model.predict_proba(x)[:, 1]
    assert np.allclose(trees.predict_proba(x), expected, rtol=0, atol=1e-9)
    shipped = TreeEnsemble.from_json(json.loads(json.dumps(trees.to_json())))
    assert np.array_equal(shipped.predict_proba(x), trees.predict_proba(x))
    return trees


def fit_prior(prepared, targets, indices, concept_model, options):  # type: ignore[no-untyped-def]
    """Ridge regression of candidate ROUGE-1 precision on the sentence features, with the
    candidates' concept weights from ``concept_model``."""
    from sklearn.linear_model import Ridge

    with_model = ConceptOptions(**{**_fields(options), "weighting": "learned",
                                   "model": concept_model})
    rows, ys = [], []
    for i in indices:
        _, documents, event = prepared[i]
        space = build_space(event, with_model)
        if space.candidates:
            rows.append(sentence_features(space, documents))
            ys.append(targets[i])
    model = Ridge(alpha=1.0).fit(np.vstack(rows), np.concatenate(ys))
    return tuple(float(c) for c in model.coef_), float(model.intercept_)


def fit_length(prepared, indices) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    """``(intercept, words slope, articles slope)`` of reference words against ln(input
    words) and ln(articles), least squares."""
    x = np.array([(*length_features(prepared[i][1]), 1.0) for i in indices])
    lengths = np.array([np.mean([len(r.split()) for r in prepared[i][0].references])
                        for i in indices])
    slope, articles_slope, intercept = np.linalg.lstsq(x, lengths, rcond=None)[0]
    return float(intercept), float(slope), float(articles_slope)


def _fields(options):  # type: ignore[no-untyped-def]
    return {f: getattr(options, f) for f in options.__dataclass_fields__}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default=str(DEV))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--words", type=int, default=None,
                        help="fixed budget for the CV scoring (default: the length rule, "
                             "its line fitted on the training folds)")
    parser.add_argument("--monotone", action="store_true",
                        help="trees non-decreasing in support and position features")
    parser.add_argument("--write", action="store_true", help=f"write {OUT.name}")
    args = parser.parse_args()

    clusters, _ = load_clusters(args.dataset)
    config = BriefConfig()
    options = ConceptILP().options
    prepared, tables, targets = [], [], []
    for cluster in clusters:
        # What the summarizer sees in brief_documents: one document per text.
        event, _ = without_copies(event_input(prepare_articles(cluster.articles), config))
        documents = list(event.documents)
        names, table = concept_table(event, options)
        reference = {c for r in cluster.references for c in sentence_concepts(r)}
        tables.append((table, np.array([n in reference for n in names])))
        prepared.append((cluster, documents, event))
        # The candidate set does not depend on the weights: one precision per candidate.
        space = build_space(event, ConceptOptions(**{**_fields(options), "weighting": "support"}))
        targets.append(np.array([precision_target(c.text, cluster.references)
                                 for c in space.candidates]))
    print(f"{len(clusters)} clusters, {sum(len(t[1]) for t in tables)} concepts, "
          f"{sum(len(t) for t in targets)} candidate sentences")

    order = np.random.RandomState(0).permutation(len(clusters))
    scorer = rouge_scorer()
    # (concept weighting, sentence prior scale): the default first, then its ablations.
    configs = (("learned", PRIOR_SCALE), ("learned", 0.0), ("logistic", PRIOR_SCALE),
               ("logistic", 0.0))
    folds: dict[tuple[str, float], list[dict[str, float]]] = {c: [] for c in configs}
    for k in range(args.folds):
        test = order[k :: args.folds].tolist()
        train = sorted(set(range(len(clusters))) - set(test))
        models = {"learned": fit_trees(tables, train, args.monotone),
                  "logistic": fit_logistic(tables, train)}
        priors = {w: fit_prior(prepared, targets, train, m, options) for w, m in models.items()}
        line = fit_length(prepared, train)
        for weighting, scale in configs:
            summarizer = ConceptILP(
                options=ConceptOptions(**{**_fields(options), "weighting": weighting,
                                          "model": models[weighting]}),
                prior_scale=scale, prior_model=priors[weighting],
            )
            scores = []
            start = time.perf_counter()
            for i in test:
                cluster, documents, event = prepared[i]
                chosen = summarizer.summarize(event, args.words or choose_length(documents, line))
                text = [s.text for s in _brief_sentences(chosen, documents)]
                scores.append(score_summary(text, cluster.references, scorer)["f1"])
            mean = {m: sum(s[m] for s in scores) / len(scores) for m in scores[0]}
            folds[(weighting, scale)].append(mean)
            print(f"fold {k} {weighting} prior {scale}: "
                  + " ".join(f"{m} {v:.2f}" for m, v in mean.items())
                  + f" ({time.perf_counter() - start:.1f} s)", flush=True)
    cv = {
        config: {m: round(sum(f[m] for f in runs) / len(runs), 2) for m in runs[0]}
        for config, runs in folds.items()
    }
    for (weighting, scale), result in cv.items():
        print(f"cross-validated, {weighting} concept weights, sentence prior {scale}:", result)

    everything = range(len(clusters))
    trees = fit_trees(tables, everything, args.monotone)
    coefficients, intercept = fit_logistic(tables, everything)
    prior_coefficients, prior_intercept = fit_prior(prepared, targets, everything, trees, options)
    length_intercept, slope, articles_slope = fit_length(prepared, everything)
    result = {
        "trained_on": Path(args.dataset).name,
        "features": list(FEATURES),
        "concept_trees": trees.to_json(),
        "coefficients": [round(c, 6) for c in coefficients],
        "intercept": round(intercept, 6),
        "sentence_prior": {
            "features": list(PRIOR_FEATURES),
            "coefficients": [round(c, 6) for c in prior_coefficients],
            "intercept": round(prior_intercept, 6),
            "target": "ROUGE-1 precision of the candidate against the references",
        },
        "length": {"intercept": round(length_intercept, 3), "slope": round(slope, 3),
                   "articles_slope": round(articles_slope, 3)},
        "cross_validated_f1": {f"{w}, prior {p}": r for (w, p), r in cv.items()},
        "cv_budget_words": args.words or "length rule",
    }
    print(json.dumps({k: v for k, v in result.items() if k != "concept_trees"}, indent=2))
    if args.write:
        # The trees go on one line: a thousand-odd numbers, not worth a line each.
        rest = json.dumps({k: v for k, v in result.items() if k != "concept_trees"}, indent=2)
        trees = json.dumps(result["concept_trees"], separators=(",", ":"))
        OUT.write_text(rest[:-2] + f',\n  "concept_trees": {trees}\n}}\n', encoding="utf-8")
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
