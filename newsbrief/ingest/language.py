"""Language identification of article text with py3langid.

py3langid is the identifier trafilatura itself calls for its ``target_language`` option: a
modernised langid.py (Lui & Baldwin, "langid.py: An Off-the-shelf Language Identification
Tool", ACL 2012) whose naive Bayes model ships inside the wheel (no download), covers 97
languages and needs only numpy. fastText-based identifiers are more accurate on very short
strings but fetch or bundle a 1-130 MB model; on whole articles that accuracy gap does not
matter.

The library's model is used as it is; only its feature counting is done differently
(:class:`_ArrayWalkIdentifier`): reading a JSON Lines file spent most of its time there.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

__all__ = ["MIN_CHARS", "detect_language", "primary_language"]

# Below this many letters the guess is close to noise; the article keeps language None.
MIN_CHARS = 40
# The first 1,500 characters decide: as accurate on article text, a third of the time.
SAMPLE_CHARS = 1500


def automaton_depth(moves: np.ndarray, state_rows: np.ndarray) -> int:
    """The length of the longest byte string that the automaton's states stand for.

    ``moves[row, byte]`` is the next state and ``state_rows[state]`` the state's row. A
    breadth-first walk from the start state reaches each state first by its own string, so
    the number of layers is the longest one.
    """
    seen = np.zeros(len(state_rows), dtype=bool)
    seen[0] = True
    frontier = np.zeros(1, dtype=np.intp)
    depth = 0
    while True:
        rows = np.zeros(len(moves), dtype=bool)
        rows[state_rows[frontier]] = True
        reached = np.zeros(len(state_rows), dtype=bool)
        reached[moves[rows].ravel()] = True
        frontier = np.flatnonzero(reached & ~seen)
        if not frontier.size:
            return depth
        seen[frontier] = True
        depth += 1


class _ArrayWalkIdentifier(LanguageIdentifier):
    """py3langid's identifier with the feature counts taken on arrays.

    The library walks its automaton (Aho-Corasick over the model's byte n-grams) one byte at
    a time in Python, the largest cost of reading a JSON Lines article. After any byte the
    automaton stands for the longest end of the text read so far that begins a feature; no
    feature is longer than ``depth`` bytes, so walking only the last ``depth`` bytes from
    the start state reaches the same state. Every position is walked at once, in ``depth``
    array steps. The scores are the library's formula, with the float16 table rows widened
    to float32 before the product rather than inside it (NumPy's mixed-type product does
    not use BLAS). ``benchmarks/bench_language.py``: the same language and decision for
    every text, probabilities within 4e-5, 1.7 to 2.1 times faster.
    """

    __slots__ = ("_depth", "_moves", "_outputs", "_row_starts")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        moves = np.frombuffer(self.tk_nextmove, dtype=np.dtype(self.tk_nextmove.typecode))
        rows = np.frombuffer(self.tk_row, dtype=np.dtype(self.tk_row.typecode))
        self._moves = moves
        self._row_starts = rows.astype(np.intp) << 8
        self._outputs = np.asarray(self.tk_output, dtype=np.intp)
        self._depth = automaton_depth(moves.reshape(-1, 256), rows)

    def feature_ids(self, data: bytes) -> np.ndarray:
        """The model's feature at every byte of ``data`` that ends one, in order."""
        text = np.frombuffer(data, dtype=np.uint8)
        n, depth = len(text), self._depth
        moves, row_starts = self._moves, self._row_starts
        states = np.empty(n, dtype=np.intp)
        state = 0
        for i in range(min(depth - 1, n)):  # the first bytes have shorter pasts
            state = moves[row_starts[state] + text[i]]
            states[i] = state
        if n >= depth:
            walked = np.zeros(n - depth + 1, dtype=np.intp)
            for offset in range(depth):
                walked = moves[row_starts[walked] + text[offset: n - depth + 1 + offset]]
            states[depth - 1:] = walked
        features = self._outputs[states]
        return features[features >= 0]

    def _raw_score(self, text: bytes) -> np.ndarray:
        features, counts = np.unique(self.feature_ids(text), return_counts=True)
        if not features.size:
            return super()._raw_score(text)
        table = self.nb_ptc[features].astype(np.float32)
        return np.log1p(counts.astype(np.float32)) @ table + self.nb_pc


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    # The module-level classify() returns raw log scores; normalised probabilities let a
    # weak guess (mixed or garbled text) be refused.
    return _ArrayWalkIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE, norm_probs=True)


def primary_language(tag: str) -> str | None:
    """The language of a declared tag, as :func:`detect_language` names it: its primary
    subtag in lower case ("de-DE", "de_AT" -> "de"); ``None`` for an empty tag."""
    return re.split(r"[-_]", tag.strip())[0].lower() or None


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the language ``text`` is written in, or ``None`` if too short/unsure."""
    sample = text[:SAMPLE_CHARS]
    if sum(map(str.isalpha, sample)) < MIN_CHARS:
        return None
    language, probability = _identifier().classify(sample)
    return str(language) if probability >= 0.5 else None
