"""Concept-coverage summarization solved exactly as an integer linear program.

Gillick & Favre (2009), "A scalable global model for summarization" (ILP for NLP workshop):
choose sentences ``s_j`` and concepts ``c_i`` (binary) to

    maximise   sum_i w_i c_i  +  sum_j b_j s_j
    subject to sum_j len_j s_j <= budget
               c_i <= sum_j s_j     over the sentences j containing concept i
               s_a + s_b <= 1       for near-repeats a, b

(Gillick & Favre also add ``s_j <= c_i``; with positive weights those rows hold at the
optimum anyway, and dropping them, plus folding concepts that only one sentence holds into
that sentence's own term, makes the program several times smaller without changing its
optimum.) The concept weights come from :mod:`newsbrief.summarize.concepts`: by default the
learned probability that a concept appears in a human summary (Li, Qian & Liu 2013; boosted
trees over source support, position and shape features), which already rewards support across
independent sources and early position. ``b_j`` is the learned sentence prior of
:mod:`newsbrief.summarize.prior` (position, length, titles, quotes, pronouns: what concept
weights cannot see), plus an optional bonus for sentences early in their articles (Gillick et
al. 2008 found the first sentences of news the best single feature), which helps the counted
``support`` weights (the ``ilp-support`` ablation) and is off by default (docs/quality.md).
The program is solved to optimality by HiGHS (Huangfu & Hall 2018, ``highspy``); a time limit
guards against pathological inputs, and the best solution found by then is used.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from newsbrief.dedup import SentenceGroup
from newsbrief.models import Document
from newsbrief.summarize import EventInput, Selection, register
from newsbrief.summarize.compress import compress
from newsbrief.summarize.concepts import (
    Candidate,
    ConceptOptions,
    ConceptSpace,
    build_space,
    is_prose,
    overlap_pairs,
    same_quote_pairs,
    selections,
    shortlist,
)
from newsbrief.summarize.prior import PRIOR_SCALE, apply_prior
from newsbrief.summarize.util import group_index, word_count

__all__ = ["ConceptILP", "solve_ilp"]


def solve_ilp(
    space: ConceptSpace,
    budget: int,
    bonus: np.ndarray,
    exclusive: Sequence[tuple[int, int]] = (),
    time_limit: float = 5.0,
) -> list[int]:
    """Indices of the candidates of the optimal summary within ``budget`` words."""
    from scipy.sparse import coo_matrix, vstack

    candidates = space.candidates
    fitting = [j for j, c in enumerate(candidates) if c.words <= budget]
    if not fitting:
        return []
    # Only the concepts of fitting candidates take part. A concept found in one candidate
    # only is covered exactly when that candidate is chosen, so its weight moves into the
    # candidate's own objective term and it needs no variable of its own.
    holders: dict[int, list[int]] = {}
    for k, j in enumerate(fitting):
        for concept in candidates[j].concepts:
            holders.setdefault(concept, []).append(k)
    n_s = len(fitting)
    own = np.array(bonus[fitting], dtype=float)
    shared = []
    for concept, ks in holders.items():
        if len(ks) == 1:
            own[ks[0]] += space.weights[concept]
        else:
            shared.append(concept)
    n_c = len(shared)
    position = {j: k for k, j in enumerate(fitting)}
    rows = np.fromiter((k for i in shared for k in holders[i]), dtype=np.int64)
    cols = np.repeat(np.arange(n_c), [len(holders[i]) for i in shared])
    # Variables: [s_0 .. s_{n_s-1}, c_0 .. c_{n_c-1}]
    cost = np.concatenate([-own, -space.weights[shared]])
    blocks = []
    lower, upper = [], []
    # Budget.
    lengths = np.array([candidates[j].words for j in fitting], dtype=float)
    blocks.append(coo_matrix((lengths, (np.zeros(n_s), np.arange(n_s))), shape=(1, n_s + n_c)))
    lower.append(-np.inf)
    upper.append(float(budget))
    # c_i - sum_j s_j <= 0: a concept counts only when a chosen sentence holds it. Gillick &
    # Favre's s_j <= c_i rows are implied at the optimum, since every weight is positive.
    blocks.append(coo_matrix(
        (np.concatenate([np.ones(n_c), -np.ones(len(rows))]),
         (np.concatenate([np.arange(n_c), cols]), np.concatenate([n_s + np.arange(n_c), rows]))),
        shape=(n_c, n_s + n_c),
    ))
    lower.extend([-np.inf] * n_c)
    upper.extend([0.0] * n_c)
    pairs = [(position[a], position[b]) for a, b in exclusive if a in position and b in position]
    if pairs:
        pa = np.array(pairs)
        r = np.arange(len(pairs))
        blocks.append(coo_matrix(
            (np.ones(2 * len(pairs)),
             (np.concatenate([r, r]), np.concatenate([pa[:, 0], pa[:, 1]]))),
            shape=(len(pairs), n_s + n_c),
        ))
        lower.extend([-np.inf] * len(pairs))
        upper.extend([1.0] * len(pairs))
    matrix = vstack(blocks).tocsr()
    x = _solve(cost, matrix, np.array(lower), np.array(upper), time_limit)
    if x is None:
        return []
    return [fitting[k] for k in range(n_s) if x[k] > 0.5]


MIP_GAP = 1e-4  # HiGHS's default relative optimality gap


def _highs():  # type: ignore[no-untyped-def]
    import highspy

    # highspy.Highs prints a licence banner on stdout the first time one is made, which would
    # corrupt `--format json` output; the core class it wraps solves the same way, silently.
    core = getattr(getattr(highspy, "_core", None), "_Highs", None)
    solver = core() if core is not None else highspy.Highs()
    solver.setOptionValue("output_flag", False)
    return solver


def _solve(
    cost: np.ndarray, matrix: object, lower: np.ndarray, upper: np.ndarray, time_limit: float
) -> np.ndarray | None:
    """Minimise ``cost @ x`` over binary ``x`` with ``lower <= matrix @ x <= upper`` (HiGHS)."""
    import highspy

    n = len(cost)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = matrix.shape[0]  # type: ignore[attr-defined]
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.ones(n)
    lp.row_lower_ = lower
    lp.row_upper_ = upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = matrix.indptr  # type: ignore[attr-defined]
    lp.a_matrix_.index_ = matrix.indices  # type: ignore[attr-defined]
    lp.a_matrix_.value_ = matrix.data  # type: ignore[attr-defined]
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n
    solver = _highs()
    solver.setOptionValue("time_limit", float(time_limit))
    solver.setOptionValue("mip_rel_gap", MIP_GAP)
    solver.passModel(lp)
    solver.run()
    if solver.getInfo().primal_solution_status != 2:  # no feasible solution found in time
        return None
    return np.asarray(solver.getSolution().col_value)


@dataclass
class ConceptILP:
    """The Gillick & Favre summarizer with learned concept weights and sentence prior (the
    default method)."""

    options: ConceptOptions = field(default_factory=ConceptOptions)
    lead_bonus: float = 0.0  # bonus of a first sentence, in concept-weight units
    lead_decay: float = 3.0
    long_lede: float = 1.5  # a headline lede over this many times the budget is a last resort
    redundancy: float = 0.65  # share of concepts two chosen sentences may have in common
    distinct_quotes: bool = True  # never two sentences quoting the same words
    time_limit: float = 5.0
    # Big events: the ILP sees the best candidates only, and ignores near-weightless concepts.
    max_candidates: int = 120
    min_weight: float = 0.02
    # The learned sentence prior (summarize/prior.py): its scale, and coefficients other than
    # the shipped ones (for cross-validation).
    prior_scale: float = PRIOR_SCALE
    prior_model: tuple[tuple[float, ...], float] | None = None
    _last: tuple[EventInput, ConceptSpace] | None = field(default=None, repr=False, compare=False)

    def bonus(self, candidates: Sequence[Candidate]) -> np.ndarray:
        return np.array([
            self.lead_bonus * math.exp(-c.position / self.lead_decay) + c.prior
            for c in candidates
        ])

    def space(self, event: EventInput) -> ConceptSpace:
        """The event's concept space, built once for the summary and the headline."""
        if self._last is None or self._last[0] is not event:
            full = apply_prior(
                build_space(event, self.options), event.documents, self.prior_scale,
                self.prior_model,
            )
            space = shortlist(full, self.max_candidates, self.min_weight)
            self._last = (event, space)
        return self._last[1]

    def summarize(self, event: EventInput, words: int) -> Sequence[Selection]:
        space = self.space(event)
        if not space.candidates:
            return []
        if len(space.candidates) > words:
            # A short budget (the headline) holds a few sentences: the best ``words`` of
            # the shortlist by weight per word contain them, and the program stays small.
            space = shortlist(space, max(words, 1))
        exclusive = overlap_pairs(space.candidates, self.redundancy)
        if self.distinct_quotes:
            exclusive = sorted(set(exclusive) | set(same_quote_pairs(space.candidates)))
        chosen = solve_ilp(
            space, words, self.bonus(space.candidates), exclusive, self.time_limit
        )
        return selections(space, chosen)

    def headline(self, event: EventInput, words: int) -> Sequence[Selection]:
        """The lede of the most central article, then its next sentences while they fit.

        News puts the event in its first sentence, and the article whose lede covers the
        most concept weight tells the event as the sources jointly do. The lede is the
        article's first prose sentence of six words or more (scraped pages open with
        captions and bylines), compressed (datelines, attribution tails), and taken up to
        ``long_lede`` times the budget: a long lede is still the best one-sentence account,
        but one far longer is a run-on the splitter could not cut, used only when no
        article has a lede within that length. The article's
        following sentences are added while the whole stays within ``words``. Chosen on
        wcep-train (923 clusters, 40 words): R1 29.5 against 28.2 for the ILP's best lede
        among 6-to-40-word candidates and 29.4 for lead's first 40 words (docs/quality.md).
        """
        space = self.space(event)
        index = group_index(event.groups)

        def body(document: Document) -> Iterator[tuple[SentenceGroup, str]]:
            """The article's prose sentences of six words or more, each as its group (what
            the summary shows and cites) and the group's compressed text."""
            for sentence in document.sentences:
                group = index[(document.id, sentence.index)]
                if word_count(group.text) >= self.options.min_words and is_prose(group.text):
                    yield group, compress(group.text) if self.options.compress else group.text

        # A lede far over the budget is no headline (often a run-on list or caption block
        # the splitter could not cut); such articles compete only when no other has a lede.
        longest = int(self.long_lede * words)
        ledes, long_ledes = [], []
        for position, document in enumerate(event.documents):
            if document.id in event.duplicates:  # a syndicated copy: its original competes
                continue
            first = next(body(document), None)
            if first is not None:
                fits = word_count(first[1]) <= longest
                (ledes if fits else long_ledes).append(
                    (space.value(first[1]), -position, document))
        ledes = ledes or long_ledes
        if not ledes:
            return self.summarize(event, words)
        chosen, used = [], 0
        for group, text in body(max(ledes, key=lambda lede: lede[:2])[2]):
            size = word_count(text)
            if chosen and used + size > words:
                break
            chosen.append(Selection(group, space.value(text), text if text != group.text else None))
            used += size
        return chosen


register("ilp")(ConceptILP)
# Ablations, registered so that every row of docs/quality.md is one `--method` away.
register("ilp-support")(lambda: ConceptILP(
    options=ConceptOptions(weighting="support", max_words=60), lead_bonus=1.5, prior_scale=0.0
))  # Gillick & Favre weights (sources, position-weighted) + lead bonus: the README's system
register("ilp-plain")(lambda: ConceptILP(
    options=ConceptOptions(weighting="support", position_boost=0.0, max_words=60),
    prior_scale=0.0,
))  # Gillick & Favre without position terms
register("ilp-noprior")(lambda: ConceptILP(prior_scale=0.0))  # boosted-tree concepts only
register("ilp-logistic")(lambda: ConceptILP(
    options=ConceptOptions(weighting="logistic"), prior_scale=0.0
))  # logistic-regression concept weights, no prior: the previous default
register("ilp-nocompress")(lambda: ConceptILP(options=ConceptOptions(compress=False)))
register("ilp-repeatquotes")(lambda: ConceptILP(distinct_quotes=False))  # one quotation twice allowed
