"""Budgeted submodular maximisation with the cost-scaled greedy (Lin & Bilmes).

Two objectives over the same candidates as the ILP (:mod:`newsbrief.summarize.concepts`):

- ``submodular``: Lin & Bilmes (2011), "A class of submodular functions for document
  summarization" (ACL): ``F(S) = L(S) + lambda * R(S)`` with the saturated coverage
  ``L(S) = sum_i min(C_i(S), alpha * C_i(V))``, ``C_i(S) = sum_{j in S} sim(i, j)`` over
  TF-IDF cosine similarities, and the diversity reward
  ``R(S) = sum_k sqrt(sum_{j in S ∩ P_k} r_j)`` over a k-means partition ``P`` of the
  sentences, ``r_j`` being sentence j's mean similarity to the event.
- ``greedy``: the ILP's own weighted concept coverage, maximised greedily instead of exactly,
  which isolates what exact solving buys.

Both use the modified greedy of Lin & Bilmes (2010, NAACL): repeatedly add the candidate
with the best ``gain / cost**r`` that still fits, then compare with the best single
candidate; for monotone submodular objectives this carries a constant-factor guarantee
((1 - 1/e)/2 in general, close to 1 - 1/e in practice).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from newsbrief.summarize import EventInput, Selection, register
from newsbrief.summarize.concepts import ConceptOptions, ConceptSpace, build_space
from newsbrief.summarize.util import content_terms

__all__ = ["ConceptGreedy", "LinBilmes", "budgeted_greedy"]


def budgeted_greedy(
    gain: Callable[[list[int], int], float],
    costs: Sequence[int],
    budget: int,
    scale: float = 0.3,
) -> list[int]:
    """Lin & Bilmes (2010) cost-scaled greedy; ``gain(chosen, j)`` is the marginal gain."""
    chosen: list[int] = []
    left = set(range(len(costs)))
    used = 0
    while left:
        best, best_value = -1, 0.0
        for j in left:
            if used + costs[j] > budget:
                continue
            value = gain(chosen, j) / (costs[j] ** scale)
            if value > best_value:
                best, best_value = j, value
        if best < 0:
            break
        chosen.append(best)
        used += costs[best]
        left.discard(best)
    fits = [j for j in range(len(costs)) if costs[j] <= budget]
    if fits:
        single = max(fits, key=lambda j: gain([], j))
        if gain([], single) > sum(gain(chosen[:k], chosen[k]) for k in range(len(chosen))):
            return [single]
    return chosen


def _selections(space: ConceptSpace, chosen: list[int], scores: Sequence[float]) -> list[Selection]:
    return [
        Selection(
            space.candidates[j].group,
            float(scores[j]),
            space.candidates[j].text if space.candidates[j].text != space.candidates[j].group.text
            else None,
        )
        for j in chosen
    ]


@dataclass
class ConceptGreedy:
    """The ILP's concept-coverage objective, maximised greedily."""

    options: ConceptOptions = field(default_factory=ConceptOptions)
    scale: float = 0.3

    def summarize(self, event: EventInput, words: int) -> Sequence[Selection]:
        space = build_space(event, self.options)
        if not space.candidates:
            return []
        covered: set[int] = set()
        weights = space.weights
        concepts = [c.concepts for c in space.candidates]

        def gain(chosen: list[int], j: int) -> float:
            seen = covered if chosen else set()
            return float(sum(weights[i] for i in concepts[j] if i not in seen))

        # Keep ``covered`` in step with the greedy's choices.
        chosen: list[int] = []

        def tracked(current: list[int], j: int) -> float:
            if len(current) != len(chosen):
                covered.clear()
                for k in current:
                    covered.update(concepts[k])
                chosen[:] = current
            return gain(current, j)

        picked = budgeted_greedy(tracked, [c.words for c in space.candidates], words, self.scale)
        totals = [float(weights[list(c)].sum()) for c in concepts]
        return _selections(space, picked, totals)


@dataclass
class LinBilmes:
    """Lin & Bilmes (2011) coverage + diversity objective."""

    options: ConceptOptions = field(default_factory=ConceptOptions)
    alpha: float = 0.15
    diversity: float = 6.0
    cluster_size: int = 5  # sentences per k-means cluster of the diversity partition
    scale: float = 0.3

    def summarize(self, event: EventInput, words: int) -> Sequence[Selection]:
        from sklearn.cluster import KMeans
        from sklearn.feature_extraction.text import TfidfVectorizer

        space = build_space(event, self.options)
        n = len(space.candidates)
        if not n:
            return []
        try:
            matrix = TfidfVectorizer(analyzer=content_terms).fit_transform(
                [c.text for c in space.candidates]
            )
        except ValueError:  # no content word anywhere
            return []
        similarity = (matrix @ matrix.T).toarray()
        saturation = self.alpha * similarity.sum(axis=0)
        reward = similarity.mean(axis=0)
        k = max(1, n // self.cluster_size)
        if k > 1:
            parts = KMeans(n_clusters=k, n_init=1, random_state=0).fit_predict(matrix)
        else:
            parts = np.zeros(n, dtype=int)
        state = {"cover": np.zeros(n), "part": np.zeros(k), "size": 0}

        def value(cover: np.ndarray, part: np.ndarray) -> float:
            return float(np.minimum(cover, saturation).sum() + self.diversity * np.sqrt(part).sum())

        def gain(chosen: list[int], j: int) -> float:
            if len(chosen) != state["size"]:
                cover, part = np.zeros(n), np.zeros(k)
                for c in chosen:
                    cover += similarity[c]
                    part[parts[c]] += reward[c]
                state.update(cover=cover, part=part, size=len(chosen))
            cover, part = state["cover"], state["part"]
            if not chosen:
                cover, part = np.zeros(n), np.zeros(k)
            after = part.copy()
            after[parts[j]] += reward[j]
            return value(cover + similarity[j], after) - value(cover, part)

        picked = budgeted_greedy(gain, [c.words for c in space.candidates], words, self.scale)
        return _selections(space, picked, [float(reward[j]) for j in range(n)])


register("greedy")(ConceptGreedy)
register("submodular")(LinBilmes)
