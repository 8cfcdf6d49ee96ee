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
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from newsbrief.summarize import EventInput, Selection, register
from newsbrief.summarize.compress import HEADLINE_RULES
from newsbrief.summarize.concepts import (
    Candidate,
    ConceptOptions,
    ConceptSpace,
    antecedent_needs,
    build_space,
    overlap_pairs,
    quoted_sentences,
    restatement_pairs,
    same_quote_pairs,
    selections,
    shortlist,
)
from newsbrief.summarize.headline import choose_headline
from newsbrief.summarize.prior import PRIOR_SCALE, apply_prior

__all__ = ["ConceptILP", "solve_ilp"]


def solve_ilp(
    space: ConceptSpace,
    budget: int,
    bonus: np.ndarray,
    exclusive: Sequence[tuple[int, int]] = (),
    time_limit: float = 5.0,
    needs: Sequence[tuple[int, Sequence[int]]] = (),
) -> list[int]:
    """Indices of the candidates of the optimal summary within ``budget`` words; a pair
    ``(j, ps)`` of ``needs`` lets ``j`` in only with one of ``ps`` (never, where it is empty)."""
    from scipy.sparse import coo_matrix, vstack

    candidates = space.candidates
    barred = {j for j, ps in needs if not ps}
    fitting = [j for j, c in enumerate(candidates) if c.words <= budget and j not in barred]
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
    # s_j - sum of its s_p <= 0 (a p that does not fit counts as not chosen).
    links = [
        (position[j], [position[q] for q in ps if q in position]) for j, ps in needs if j in position
    ]
    if links:
        r = np.repeat(np.arange(len(links)), [1 + len(ps) for _, ps in links])
        c = [k for j, ps in links for k in (j, *ps)]
        v = [x for _, ps in links for x in (1.0, *([-1.0] * len(ps)))]
        blocks.append(coo_matrix((v, (r, c)), shape=(len(links), n_s + n_c)))
        lower.extend([-np.inf] * len(links))
        upper.extend([0.0] * len(links))
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
    # The programs are small (a few hundred binaries): a second thread costs more CPU in
    # hand-offs than it saves (190 against 250 ms of CPU on a 100-article event, same answer).
    solver.setOptionValue("threads", 1)
    # Cut separation dominates these small programs; a near-empty cut pool solves the
    # 100-article event in 130 instead of 215 ms of CPU, to the same optimum.
    solver.setOptionValue("mip_pool_soft_limit", 1)
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
    learned_headline: bool = True  # False: the central lede opens the headline (an ablation)
    redundancy: float = 0.65  # share of concepts two chosen sentences may have in common
    distinct_quotes: bool = True  # never two sentences quoting the same words
    # Never two sentences sharing a number and this share of their content words (one claim
    # restated in other words: concepts.restatement_pairs); 0 switches the rule off.
    restatement: float = 0.5
    restatement_numbers: bool = True  # the rule needs a shared number (False: any pair)
    antecedents: bool = True  # "Its president ..." only with the sentence before it
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
        if self.restatement:
            exclusive = sorted(set(exclusive) | set(restatement_pairs(
                space.candidates, self.restatement, self.restatement_numbers)))
        needs = (antecedent_needs(space.candidates, quoted_sentences(event.documents))
                 if self.antecedents else ())
        chosen = solve_ilp(
            space, words, self.bonus(space.candidates), exclusive, self.time_limit, needs
        )
        return selections(space, chosen)

    def headline(self, event: EventInput, words: int) -> Sequence[Selection]:
        """One sentence that tells the event, then its article's next ones while they fit.

        The opening sentence is the one the learned headline scorer rates best among the
        first prose sentences of each independent article (:mod:`newsbrief.summarize.headline`,
        fitted on wcep-train), or with ``learned_headline=False`` the lede covering most
        concept weight. A sentence over ``long_lede`` times the budget competes only when
        none is shorter. With no prose sentence at all, the ILP's own summary stands in.
        """
        chosen = choose_headline(
            event, self.space(event), words, learned=self.learned_headline,
            rules=HEADLINE_RULES if self.options.compress else (), long_lede=self.long_lede,
        )
        return chosen or self.summarize(event, words)


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
register("ilp-centrallede")(lambda: ConceptILP(learned_headline=False))  # the previous headline
register("ilp-repeatquotes")(lambda: ConceptILP(distinct_quotes=False))  # one quotation twice allowed
register("ilp-restatements")(lambda: ConceptILP(restatement=0.0))  # one figure twice allowed
register("ilp-anaphors")(lambda: ConceptILP(antecedents=False))  # "Its president" may stand alone
