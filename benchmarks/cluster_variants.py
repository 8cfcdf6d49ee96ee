"""Variants of the event clusterer that were measured and not kept (see docs/events.md).

Each variant changes one thing of the default :class:`~newsbrief.cluster.ClusterConfig` run
(whole file as one batch, document frequencies of the whole file, as ``newsbrief cluster``
does) and prints B-cubed P/R/F1 and ARI on both labelled files. One batch with frequencies
counted up front makes the result independent of the order of the file, so these numbers are
also the mean over shuffled orders.

    python benchmarks/cluster_variants.py [--only NAME ...] [--list]

* ``bigrams``: adjacent content-word pairs as extra terms (weight 0.5 and 1.0);
* ``stems``: Porter stems (NLTK) instead of words, at ``cohesion_ratio`` 0.45 and 0.5;
* ``spacy-entities``: spaCy's named entities (``en_core_web_sm``, when installed) instead of
  capitalised phrases, with their CPU cost per article;
* ``background-df``: document frequencies counted over ``wcep-train.jsonl`` (1,000 other news
  articles) as well as the file (a larger background, as a long-running store has);
* ``local-scaling``: each article's similarities divided by the geometric mean of its and
  its partner's mean similarity to their 5 nearest neighbours (Zelnik-Manor & Perona, "Self-
  tuning spectral clustering", NIPS 2004; a hubness reduction, Radovanovic et al., JMLR 2010),
  at two ``cohesion_ratio`` values; applied as a scaling of the article vectors, exact here
  because one batch has no earlier events;
* ``second-pass``: after clustering, events whose centroids have cosine >= t are merged.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_clustering import EVAL, FILES, _load, _scores

import newsbrief.cluster as cluster_module
from newsbrief.cluster import (
    STOP_WORDS,
    ClusterConfig,
    EventClusterer,
    Features,
    extract_features,
)
from newsbrief.cluster_linkage import SparseRows

_WORD = cluster_module._WORD
_term_id = cluster_module._term_id
_is_term = cluster_module._is_term


def _run(documents, labels, config=None, features=extract_features,  # type: ignore[no-untyped-def]
         clusterer_class=EventClusterer, background=(), after=None) -> dict[str, float]:
    """The default path of ``cluster_records`` (one batch, frequencies counted first) with one
    part swapped; ``after(clusterer)`` may rewrite the labels."""
    clusterer = clusterer_class(config)
    feats = [features(d.article.title, d.text, clusterer.config) for d in documents]
    clusterer.observe_batch(list(background) + feats)
    clusterer.add_batch([(d.id, f, None) for d, f in zip(documents, feats)], observed=True)
    assigned = after(clusterer) if after else dict(clusterer.labels_)
    return _scores(documents, labels, assigned)


def _bigram_features(title: str, text: str, config: ClusterConfig, weight: float) -> Features:
    base = extract_features(title, text, config)
    pairs: Counter[str] = Counter()
    previous = None
    for word in _WORD.findall(text.lower()):
        content = word not in STOP_WORDS and len(word) > 2
        if content and previous:
            pairs[previous + " " + word] += 1
        previous = word if content else None
    terms = dict(base.terms)
    for pair, n in pairs.items():
        terms[_term_id("\x02" + pair)] = weight * (1.0 + math.log(n))
    return Features(terms, base.entities)


@functools.cache
def _stemmer():  # type: ignore[no-untyped-def]
    from nltk.stem.porter import PorterStemmer

    return functools.lru_cache(maxsize=None)(PorterStemmer().stem)


def _stem_features(title: str, text: str, config: ClusterConfig) -> Features:
    stem = _stemmer()
    counts: Counter[str] = Counter()
    for source, weight in ((text, 1), (title, config.title_weight)):
        for word, n in Counter(_WORD.findall(source.lower())).items():
            if _is_term(word):
                counts[stem(word)] += n * weight
    if len(counts) > config.max_terms:
        counts = Counter(dict(counts.most_common(config.max_terms)))
    terms = {_term_id(w): 1.0 + math.log(c) for w, c in counts.items()}
    return Features(terms, extract_features(title, text, config).entities)


def _spacy_features(nlp, cost: list[float]):  # type: ignore[no-untyped-def]
    kinds = {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT", "FAC", "PRODUCT", "WORK_OF_ART",
             "LAW"}

    def features(title: str, text: str, config: ClusterConfig) -> Features:
        start = time.process_time()
        doc = nlp((title + "\n" + text)[:20000])
        names = Counter(e.text.lower() for e in doc.ents if e.label_ in kinds)
        cost.append(time.process_time() - start)
        base = extract_features(title, text, config)
        return Features(base.terms, {_term_id("\x01" + k): 1.0 + math.log(c)
                                     for k, c in names.items()})
    return features


class _LocallyScaled(EventClusterer):
    """Article vectors scaled by sqrt(median r / r), r the mean similarity to the k nearest
    other articles of the batch: a pair's similarity is divided by sqrt(r_a r_b)."""

    k = 5

    def add_batch(self, items, *, observed=False):  # type: ignore[no-untyped-def,override]
        rows = EventClusterer.vector_rows(self, [f for _, f, _ in items])
        vectors = [dict(zip(keys, values)) for keys, values in rows.split()]
        keys = {k: i for i, k in enumerate(sorted({k for v in vectors for k in v}))}
        matrix = np.zeros((len(vectors), len(keys)))
        for i, v in enumerate(vectors):
            for k, w in v.items():
                matrix[i, keys[k]] = w
        sims = matrix @ matrix.T
        np.fill_diagonal(sims, -1.0)
        r = np.maximum(-np.partition(-sims, self.k - 1, axis=1)[:, :self.k].mean(axis=1), 1e-3)
        scale = np.sqrt(np.median(r) / r)
        self._scaled = {id(f): {k: w * s for k, w in v.items()}
                        for (_, f, _), v, s in zip(items, vectors, scale)}
        return super().add_batch(items, observed=observed)

    def vector_rows(self, features, idf=None):  # type: ignore[no-untyped-def,override]
        scaled = getattr(self, "_scaled", {})
        if all(id(f) in scaled for f in features):
            return SparseRows.from_dicts([scaled[id(f)] for f in features])
        return EventClusterer.vector_rows(self, features, idf)


def _second_pass(threshold: float):  # type: ignore[no-untyped-def]
    """Merge live events whose centroids have cosine >= threshold (single link)."""
    def after(clusterer: EventClusterer) -> dict[str, str]:
        live = [e for e in clusterer.events.values() if e.size and e.merged_into is None]
        parent = {e.id: e.id for e in live}

        def find(x: str) -> str:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x
        for i, a in enumerate(live):
            for b in live[i + 1:]:
                small, large = sorted((a.vector, b.vector), key=len)
                dot = sum(w * large.get(k, 0.0) for k, w in small.items())
                if dot / math.sqrt(a.norm2 * b.norm2) >= threshold:
                    parent[find(a.id)] = find(b.id)
        return {doc: find(event) for doc, event in clusterer.labels_.items()}
    return after


def _background() -> list[Features]:
    config = ClusterConfig()
    out = []
    with open(EVAL / "wcep-train.jsonl", encoding="utf-8") as lines:
        for line in lines:
            for article in json.loads(line)["articles"]:
                out.append(extract_features(article.get("title", ""), article["text"], config))
    return out


def _variants() -> dict[str, list[tuple[str, dict]]]:
    ratio = ClusterConfig().with_
    return {
        "default": [("default", {})],
        "bigrams": [(f"word bigrams, weight {w}",
                     {"features": functools.partial(_bigram_features, weight=w)})
                    for w in (0.5, 1.0)],
        "stems": [(f"Porter stems, cohesion_ratio {r}",
                   {"features": _stem_features, "config": ratio(cohesion_ratio=r)})
                  for r in (0.45, 0.5)],
        "background-df": [("frequencies also over wcep-train (1,000 articles)",
                           {"background": "wcep"})],
        "local-scaling": [(f"local scaling k=5, cohesion_ratio {r}",
                           {"clusterer_class": _LocallyScaled, "config": ratio(cohesion_ratio=r)})
                          for r in (0.45, 0.55)],
        "second-pass": [(f"second pass, centroid cosine >= {t}", {"after": _second_pass(t)})
                        for t in (0.25, 0.27, 0.3)],
        "spacy-entities": [("spaCy entities instead of capitalised phrases", {"spacy": True})],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", default=None, help="variant names to run")
    parser.add_argument("--list", action="store_true", help="list the variant names")
    args = parser.parse_args(argv)
    variants = _variants()
    if args.list:
        print("\n".join(variants))
        return 0
    chosen = args.only or list(variants)
    unknown = [name for name in chosen if name not in variants]
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(unknown)}; --list shows them")
    data = {name: _load(name) for name in FILES}
    background: list[Features] | None = None
    for name in chosen:
        for label, options in variants[name]:
            options = dict(options)
            cost: list[float] = []
            if options.pop("spacy", False):
                try:
                    import spacy

                    model = next(iter(spacy.util.get_installed_models()))
                    nlp = spacy.load(model, disable=["parser", "lemmatizer", "tagger",
                                                     "attribute_ruler"])
                except (ImportError, StopIteration, OSError):
                    print(f"{label}: skipped (no spaCy model installed)")
                    continue
                options["features"] = _spacy_features(nlp, cost)
            if options.get("background") == "wcep":
                background = background if background is not None else _background()
                options["background"] = background
            cells = []
            for file, (_, documents, labels) in data.items():
                s = _run(documents, labels, **options)
                cells.append(f"{file.split('-', 1)[1].split('.')[0]} P {s['p']:.3f} "
                             f"R {s['r']:.3f} F1 {s['f1']:.3f} ARI {s['ari']:.3f}")
            extra = f" ({1000 * sum(cost) / len(cost):.1f} ms/article CPU)" if cost else ""
            print(f"{label}: " + "; ".join(cells) + extra, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
