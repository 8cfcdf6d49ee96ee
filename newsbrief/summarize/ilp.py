"""Concept-coverage summarization solved exactly as an integer linear program.

Gillick & Favre (2009), "A scalable global model for summarization" (ILP for NLP workshop):
choose sentences ``s_j`` and concepts ``c_i`` (binary) to

    maximise   sum_i w_i c_i  +  sum_j b_j s_j
    subject to sum_j len_j s_j <= budget
               s_j <= c_i           for every concept i of sentence j
               c_i <= sum_j s_j     over the sentences j containing concept i
               s_a + s_b <= 1       for near-repeats a, b

The concept weights come from :mod:`newsbrief.summarize.concepts` (support across independent
sources, weighted by position). ``b_j`` is a small bonus for sentences that come early in
their articles (Gillick et al. 2008 found the first sentences of news the best single
feature): it breaks ties toward lead sentences and lets the budget fill.
The program is solved to optimality by HiGHS (Huangfu & Hall 2018, ``highspy``); a time limit
guards against pathological inputs, and the best solution found by then is used.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from newsbrief.summarize import EventInput, Selection, register
from newsbrief.summarize.concepts import (
    Candidate,
    ConceptOptions,
    ConceptSpace,
    build_space,
    overlap_pairs,
)

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
    # Only the concepts of fitting candidates take part; renumber them densely.
    used = sorted({i for j in fitting for i in candidates[j].concepts})
    index = {concept: k for k, concept in enumerate(used)}
    n_s, n_c = len(fitting), len(used)
    position = {j: k for k, j in enumerate(fitting)}
    rows, cols = [], []
    for k, j in enumerate(fitting):
        for concept in candidates[j].concepts:
            rows.append(k)
            cols.append(index[concept])
    rows_a, cols_a = np.asarray(rows), np.asarray(cols)
    n_links = len(rows)
    # Variables: [s_0 .. s_{n_s-1}, c_0 .. c_{n_c-1}]
    cost = np.concatenate([-bonus[fitting], -space.weights[used]])
    blocks = []
    lower, upper = [], []
    # Budget.
    lengths = np.array([candidates[j].words for j in fitting], dtype=float)
    blocks.append(coo_matrix((lengths, (np.zeros(n_s), np.arange(n_s))), shape=(1, n_s + n_c)))
    lower.append(-np.inf)
    upper.append(float(budget))
    # s_j - c_i <= 0 for each link.
    link = np.arange(n_links)
    blocks.append(coo_matrix(
        (np.concatenate([np.ones(n_links), -np.ones(n_links)]),
         (np.concatenate([link, link]), np.concatenate([rows_a, n_s + cols_a]))),
        shape=(n_links, n_s + n_c),
    ))
    lower.extend([-np.inf] * n_links)
    upper.extend([0.0] * n_links)
    # c_i - sum_j s_j <= 0 for each concept.
    blocks.append(coo_matrix(
        (np.concatenate([np.ones(n_c), -np.ones(n_links)]),
         (np.concatenate([np.arange(n_c), cols_a]), np.concatenate([n_s + np.arange(n_c), rows_a]))),
        shape=(n_c, n_s + n_c),
    ))
    lower.extend([-np.inf] * n_c)
    upper.extend([0.0] * n_c)
    pairs = [(position[a], position[b]) for a, b in exclusive if a in position and b in position]
    if pairs:
        pa = np.array(pairs)
        r = np.arange(len(pairs))
        blocks.append(coo_matrix(
            (np.ones(2 * len(pairs)), (np.concatenate([r, r]), np.concatenate([pa[:, 0], pa[:, 1]]))),
            shape=(len(pairs), n_s + n_c),
        ))
        lower.extend([-np.inf] * len(pairs))
        upper.extend([1.0] * len(pairs))
    matrix = vstack(blocks).tocsr()
    x = _solve(cost, matrix, np.array(lower), np.array(upper), time_limit)
    if x is None:
        return []
    return [fitting[k] for k in range(n_s) if x[k] > 0.5]


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
    solver.passModel(lp)
    solver.run()
    if solver.getInfo().primal_solution_status != 2:  # no feasible solution found in time
        return None
    return np.asarray(solver.getSolution().col_value)


@dataclass
class ConceptILP:
    """The Gillick & Favre summarizer with position terms (the default method)."""

    options: ConceptOptions = field(default_factory=ConceptOptions)
    lead_bonus: float = 0.0  # bonus of a first sentence, in concept-weight units
    lead_decay: float = 3.0
    redundancy: float = 0.65  # share of concepts two chosen sentences may have in common
    time_limit: float = 5.0

    def bonus(self, candidates: Sequence[Candidate]) -> np.ndarray:
        return np.array(
            [self.lead_bonus * math.exp(-c.position / self.lead_decay) for c in candidates]
        )

    def summarize(self, event: EventInput, words: int) -> Sequence[Selection]:
        space = build_space(event, self.options)
        if not space.candidates:
            return []
        exclusive = overlap_pairs(space.candidates, self.redundancy)
        chosen = solve_ilp(
            space, words, self.bonus(space.candidates), exclusive, self.time_limit
        )
        weights = space.weights
        return [
            Selection(
                space.candidates[j].group,
                float(weights[list(space.candidates[j].concepts)].sum()),
                space.candidates[j].text if space.candidates[j].text != space.candidates[j].group.text else None,
            )
            for j in chosen
        ]


register("ilp")(ConceptILP)
