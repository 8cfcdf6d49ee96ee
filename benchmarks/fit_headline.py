"""Fit the learned headline scorer on wcep-train and report it cross-validated.

The scorer (:mod:`newsbrief.summarize.headline`) is a ridge regression from
:data:`~newsbrief.summarize.headline.HEADLINE_FEATURES` to the ROUGE the headline opening with
a candidate sentence earns: mean(R1, R2) F1 of that sentence and the article's next sentences
that fit, cut to 40 words, against the WCEP reference. Targets are centred within each cluster,
since only the ranking inside one event matters. It is fitted on
``../shared/eval/wcep-train.jsonl`` only (923 clusters): 5-fold cross-validation on it gives the
honest estimate, and the shipped weights are then fitted on all of it. ``--test`` scores a
held-out file (wcep-dev) with the weights fitted on all of train, never fitting on it.

Printed for each: the learned scorer, the previous rule (the lede of the article whose lede
covers most concept weight) and the whole-sentence oracle over the same candidates. Run from
the repository root:

    python benchmarks/fit_headline.py [--folds 5] [--test ../shared/eval/wcep-dev.jsonl] [--write]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsbrief.config import BriefConfig
from newsbrief.evaluate import load_clusters, rouge_scorer, score_summary, truncate_sentences
from newsbrief.pipeline import event_input, prepare_articles, without_copies
from newsbrief.summarize.compress import COMPRESSION_RULES, HEADLINE_RULES
from newsbrief.summarize.concepts import ConceptSpace
from newsbrief.summarize.headline import (
    HEADLINE_FEATURES,
    WEIGHTS_FILE,
    HeadlineCandidate,
    central_lede,
    eligible,
    fill,
    headline_candidates,
    headline_features,
)
from newsbrief.summarize.ilp import ConceptILP

EVAL = ROOT.parent / "shared" / "eval"
TRAIN = EVAL / "wcep-train.jsonl"
OUT = ROOT / "newsbrief" / "summarize" / WEIGHTS_FILE
WORDS = 40
METRICS = ("rouge1", "rouge2", "rougeLsum")


@dataclass
class Prepared:
    """One cluster: its candidates' features, the ROUGE of each candidate's headline, and the
    ROUGE of the previous rule's headline."""

    id: str
    features: np.ndarray  # candidates x features
    scores: np.ndarray  # candidates x (R1, R2, RLsum) F1, percent
    fits: np.ndarray  # candidate allowed to open the headline (headline.eligible)
    rule: int  # the candidate the previous rule chooses


def _rouge(texts: list[str], references: tuple[str, ...], words: int, scorer) -> list[float]:  # type: ignore[no-untyped-def]
    """(R1, R2, RLsum) F1 of ``texts`` cut to ``words``, as `newsbrief evaluate` scores."""
    found = score_summary(truncate_sentences(texts, words), references, scorer)
    return [found["f1"][m] for m in METRICS]


def prepare(
    path: Path, words: int = WORDS, rules: tuple[str, ...] = HEADLINE_RULES,
    require_standalone: bool = True,
) -> list[Prepared]:
    """Features and per-candidate ROUGE for every cluster of ``path``."""
    clusters, _ = load_clusters(path)
    scorer = rouge_scorer()
    config = BriefConfig()
    out = []
    for cluster in clusters:
        documents = prepare_articles(cluster.articles)
        if not documents:
            continue
        # What the summarizer sees in brief_documents: one document per text.
        event, _ = without_copies(event_input(documents, config))
        ilp = ConceptILP()
        space = ilp.space(event)
        candidates = headline_candidates(event, rules)
        if not candidates:
            continue

        scores = [
            _rouge([t for _, t in fill(c, words)], cluster.references, words, scorer)
            for c in candidates
        ]
        fits = np.zeros(len(candidates), dtype=bool)
        fits[eligible(candidates, words, 1.5, require_standalone)] = True
        out.append(Prepared(
            cluster.id, headline_features(candidates, space, words), np.array(scores), fits,
            _central(candidates, space, fits),
        ))
    return out


def _central(candidates: list[HeadlineCandidate], space: ConceptSpace, fits: np.ndarray) -> int:
    """The previous rule's choice among the eligible candidates, as the package applies it."""
    allowed = [k for k in range(len(candidates)) if fits[k]]
    return allowed[central_lede([candidates[k] for k in allowed], space)]


def target(item: Prepared) -> np.ndarray:
    """mean(R1, R2) of each candidate, centred within its cluster."""
    y = item.scores[:, :2].mean(axis=1)
    return y - y.mean()


def fit(items: list[Prepared], alpha: float = 1.0) -> tuple[tuple[float, ...], float]:
    from sklearn.linear_model import Ridge

    x = np.vstack([i.features for i in items])
    y = np.concatenate([target(i) for i in items])
    model = Ridge(alpha=alpha).fit(x, y)
    return tuple(float(c) for c in model.coef_), float(model.intercept_)


def pick(item: Prepared, model: tuple[tuple[float, ...], float]) -> int:
    """The candidate the scorer chooses (within the long-lede limit, as the package does)."""
    coefficients, intercept = model
    predicted = item.features @ np.asarray(coefficients) + intercept
    return int(np.argmax(np.where(item.fits, predicted, -np.inf)))


def report(items: list[Prepared], chosen: list[int]) -> dict[str, np.ndarray]:
    """Mean (R1, R2, RLsum) of each way of choosing, and the learned scorer's gain over the
    rule with its standard error (paired over clusters)."""
    gain = np.array([i.scores[k] - i.scores[i.rule] for i, k in zip(items, chosen)])
    return {
        "learned": np.mean([i.scores[k] for i, k in zip(items, chosen)], axis=0),
        "rule": np.mean([i.scores[i.rule] for i in items], axis=0),
        "first lede": np.mean([i.scores[0] for i in items], axis=0),
        "oracle": np.mean([i.scores[np.argmax(i.scores[:, :2].mean(axis=1))] for i in items],
                          axis=0),
        "gain": gain.mean(axis=0),
        "gain s.e.": gain.std(axis=0, ddof=1) / np.sqrt(len(items)),
    }


def cross_validate(items: list[Prepared], folds: int, alpha: float) -> dict[str, np.ndarray]:
    order = np.random.default_rng(0).permutation(len(items))
    chosen = [0] * len(items)
    for f in range(folds):
        held = set(order[f::folds].tolist())
        model = fit([items[i] for i in range(len(items)) if i not in held], alpha)
        for i in held:
            chosen[i] = pick(items[i], model)
    return report(items, chosen)


def _print(title: str, rows: dict[str, np.ndarray]) -> None:
    print(title)
    for name, values in rows.items():
        print(f"  {name:12s} R1 {values[0]:6.2f}  R2 {values[1]:6.2f}  RLsum {values[2]:6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", default=str(TRAIN))
    parser.add_argument("--test", default=None, help="a held-out file to score (not fitted on)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=1.0, help="ridge penalty")
    parser.add_argument("--allow-dependent", action="store_true",
                        help="let sentences opening with a quote or pronoun open the headline")
    parser.add_argument("--no-time", action="store_true",
                        help="keep weekday adjuncts (compress without the 'time' rule)")
    parser.add_argument("--write", action="store_true", help=f"write {OUT.name}")
    args = parser.parse_args()

    start = time.perf_counter()
    rules = COMPRESSION_RULES if args.no_time else HEADLINE_RULES
    train = prepare(Path(args.train), rules=rules, require_standalone=not args.allow_dependent)
    print(f"prepared {len(train)} training clusters in {time.perf_counter() - start:.0f} s")
    _print(f"{args.folds}-fold cross-validation on {Path(args.train).name}:",
           cross_validate(train, args.folds, args.alpha))
    model = fit(train, args.alpha)
    if args.test:
        test = prepare(Path(args.test), rules=rules, require_standalone=not args.allow_dependent)
        _print(f"fitted on all of {Path(args.train).name}, scored on {Path(args.test).name}:",
               report(test, [pick(i, model) for i in test]))
    if args.write:
        OUT.write_text(json.dumps({
            "trained_on": Path(args.train).name,
            "target": "mean(R1, R2) F1 of the headline cut to 40 words, centred per cluster",
            "features": list(HEADLINE_FEATURES),
            "coefficients": [float(f"{c:.6g}") for c in model[0]],
            "intercept": float(f"{model[1]:.6g}"),
        }, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
