"""A small gradient-boosted tree ensemble, evaluated with numpy from plain arrays.

The concept weights of the default summarizer come from boosted regression trees (Friedman
2001, "Greedy function approximation: a gradient boosting machine") fitted by scikit-learn's
``HistGradientBoostingClassifier`` in ``benchmarks/fit_summarizer.py``. Shipping a pickle
would tie the package to one scikit-learn version and run code on load; instead the fitted
trees are exported as a few flat arrays (a few hundred nodes) in ``concept_weights.json`` and
evaluated here: every row walks all trees at once, one level per step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["TreeEnsemble"]


@dataclass(frozen=True, slots=True)
class TreeEnsemble:
    """Binary-classification trees: ``P(y=1) = sigmoid(baseline + sum of leaf values)``.

    Node arrays are concatenated over trees; ``roots`` gives each tree's first node and
    ``left``/``right`` are absolute node indices. Rows go left when
    ``x[feature] <= threshold``, as in scikit-learn's predictor.
    """

    baseline: float
    roots: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    leaf: np.ndarray
    value: np.ndarray
    depth: int

    def raw(self, x: np.ndarray) -> np.ndarray:
        """The ensemble's log-odds for each row of ``x``."""
        x = np.asarray(x, dtype=float)
        if x.ndim != 2 or not len(x):
            return np.zeros(len(x))
        rows = np.arange(len(x))[:, None]
        node = np.broadcast_to(self.roots, (len(x), len(self.roots))).copy()
        for _ in range(self.depth):
            at_leaf = self.leaf[node]
            go_left = x[rows, self.feature[node]] <= self.threshold[node]
            step = np.where(go_left, self.left[node], self.right[node])
            node = np.where(at_leaf, node, step)
        return self.baseline + self.value[node].sum(axis=1)

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """P(y = 1) for each row of ``x``."""
        x = np.ascontiguousarray(x, dtype=float)
        if x.ndim == 2 and len(x) > 1000:
            # Most concepts of a big event share their feature row (seen once, in one
            # source, at one position): walking the trees for distinct rows only is ~5x less.
            rows = x.view(np.dtype((np.void, x.dtype.itemsize * x.shape[1]))).ravel()
            _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
            return 1.0 / (1.0 + np.exp(-self.raw(x[first])[inverse.ravel()]))
        return 1.0 / (1.0 + np.exp(-self.raw(x)))

    def to_json(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline, "roots": self.roots.tolist(),
            "feature": self.feature.tolist(),
            # Full precision: a split often sits exactly on a feature value (exp(-k/5)), and
            # a threshold rounded to fewer digits sends every row with that value the other
            # way (the shipped model then differs from the fitted one).
            "threshold": [float(t) for t in self.threshold],
            "left": self.left.tolist(), "right": self.right.tolist(),
            "leaf": self.leaf.astype(int).tolist(),
            "value": [float(v) for v in self.value], "depth": self.depth,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TreeEnsemble:
        return cls(
            baseline=float(data["baseline"]),
            roots=np.asarray(data["roots"], dtype=np.int64),
            feature=np.asarray(data["feature"], dtype=np.int64),
            threshold=np.asarray(data["threshold"], dtype=float),
            left=np.asarray(data["left"], dtype=np.int64),
            right=np.asarray(data["right"], dtype=np.int64),
            leaf=np.asarray(data["leaf"], dtype=bool),
            value=np.asarray(data["value"], dtype=float),
            depth=int(data["depth"]),
        )

    @classmethod
    def from_sklearn(cls, model: Any, data: np.ndarray | None = None) -> TreeEnsemble:
        """Export a fitted binary ``HistGradientBoostingClassifier`` on numeric features
        without missing values (what the fit script trains).

        scikit-learn puts a split on a feature with many distinct values exactly *on* a
        training value (a quantile), so a value computed one rounding step higher elsewhere
        (another libm, another numpy) would go the other way. With ``data`` (the training
        rows), each threshold moves to the midpoint between that value and the next larger
        value of the feature in ``data``: every training row still goes the same way, and
        the split now has a margin on both sides.
        """
        roots, parts, offset = [], [], 0
        for (predictor,) in model._predictors:  # one tree per boosting round (binary)
            nodes = predictor.nodes
            roots.append(offset)
            parts.append((nodes, offset))
            offset += len(nodes)
        nodes = np.concatenate([n for n, _ in parts])
        shift = np.concatenate([np.full(len(n), o) for n, o in parts])
        leaf = nodes["is_leaf"].astype(bool)
        threshold = nodes["num_threshold"].astype(float)
        if data is not None:
            threshold = _mid_gap(threshold, nodes["feature_idx"].astype(np.int64), leaf,
                                 np.asarray(data, dtype=float))
        return cls(
            baseline=float(np.ravel(model._baseline_prediction)[0]),
            roots=np.asarray(roots, dtype=np.int64),
            feature=nodes["feature_idx"].astype(np.int64),
            threshold=threshold,
            left=np.where(leaf, 0, nodes["left"] + shift).astype(np.int64),
            right=np.where(leaf, 0, nodes["right"] + shift).astype(np.int64),
            leaf=leaf,
            value=np.where(leaf, nodes["value"], 0.0).astype(float),
            depth=int(nodes["depth"].max()),
        )


def _mid_gap(
    threshold: np.ndarray, feature: np.ndarray, leaf: np.ndarray, data: np.ndarray
) -> np.ndarray:
    """Each split threshold moved halfway to the next larger value of its feature in
    ``data`` (unchanged where no larger value exists, or none fits between)."""
    out = threshold.copy()
    for f in np.unique(feature[~leaf]):
        values = np.unique(data[:, f])
        nodes = np.nonzero(~leaf & (feature == f))[0]
        above = np.searchsorted(values, threshold[nodes], side="right")
        inside = above < len(values)
        upper = values[np.minimum(above, len(values) - 1)]
        middle = (threshold[nodes] + upper) / 2
        # Two values one rounding step apart have no float between them: keep the split.
        out[nodes] = np.where(inside & (middle < upper), middle, threshold[nodes])
    return out
