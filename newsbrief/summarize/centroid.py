"""TF-IDF centroid scoring with maximal marginal relevance (Radev et al. 2004;
Carbonell & Goldstein 1998): the baseline the quality work is measured against."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from newsbrief.summarize import EventInput, Selection, register
from newsbrief.summarize.util import content_terms, word_count


class Centroid:
    def __init__(self, redundancy: float = 0.7):
        self.redundancy = redundancy

    def summarize(self, event: EventInput, words: int) -> Sequence[Selection]:
        from sklearn.feature_extraction.text import TfidfVectorizer

        groups = [g for g in event.groups if 6 <= word_count(g.text) <= 80]
        if not groups:
            groups = list(event.groups)
        if not groups:
            return []
        vectorizer = TfidfVectorizer(analyzer=content_terms, sublinear_tf=True)
        try:
            matrix = vectorizer.fit_transform([g.text for g in groups])
        except ValueError:
            return []
        centroid = np.asarray(matrix.mean(axis=0)).ravel()
        relevance = matrix @ centroid
        support = np.array([len(set(g.sources) - set(event.duplicates)) or 1 for g in groups])
        position = np.array([1.0 / (1 + min(s.index for s in g.sentences)) for g in groups])
        score = relevance * (1 + 0.2 * np.log1p(support)) * (1 + 0.5 * position)
        similarity = (matrix @ matrix.T).toarray()
        chosen: list[int] = []
        total = 0
        candidates = set(range(len(groups)))
        while candidates and total < words:
            best = max(
                candidates,
                key=lambda i: score[i] - self.redundancy * max((similarity[i, j] for j in chosen), default=0),
            )
            candidates.discard(best)
            if chosen and max(similarity[best, j] for j in chosen) > 0.5:
                continue
            chosen.append(best)
            total += word_count(groups[best].text)
        return [Selection(groups[i], float(score[i])) for i in chosen]


register("centroid")(Centroid)
