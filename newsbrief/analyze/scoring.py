"""Precision and recall of the analysis against hand labels (``tests/data/annotations``).

An annotation file is JSON with ``source`` (articles: a folder or JSON Lines file, relative to
the annotation file), and the expected ``entities``, ``quotes``, ``timeline`` and
``disagreements``; articles are named by a prefix of their id ("001", "w1"). Units:

- entities: a predicted entity is right when its name or an alias is a name or alias of a
  labelled entity not already matched (a second match is an unmerged variant: wrong);
  predictions matching ``optional`` labels count neither way;
- quotes: one unit per (article, quotation); right when the words match (difflib ratio >= 0.6
  or containment) and the speaker is the labelled one (``null``: no speaker must be given);
- timeline: one unit per (article, date, granularity);
- disagreements: a predicted item is right when two of its claims match two labelled claims of
  one labelled disagreement (an article in common and the same value).

Run ``python -m newsbrief.analyze.scoring tests/data/annotations/*.json`` for the table.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from newsbrief.analyze import Analysis, analyze_event
from newsbrief.analyze.entities import name_key
from newsbrief.analyze.quotes import quote_words
from newsbrief.errors import InputError
from newsbrief.models import Entity

__all__ = ["PartScore", "load_annotation", "main", "score", "score_file"]

PARTS = ("entities", "quotes", "timeline", "disagreements")
SCORED = (PARTS[0], "entity types", *PARTS[1:])


@dataclass(frozen=True, slots=True)
class PartScore:
    """Counts for one part; precision and recall are 1.0 when there is nothing to find."""

    true_positives: int
    predicted: int
    expected: int
    found: int  # expected items that were found (may differ from true_positives for merges)

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0

    def __add__(self, other: PartScore) -> PartScore:
        return PartScore(
            self.true_positives + other.true_positives,
            self.predicted + other.predicted,
            self.expected + other.expected,
            self.found + other.found,
        )


def load_annotation(path: str | Path) -> dict[str, Any]:
    """Read and check an annotation file; errors name the file and the field."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot read annotation: {exc}") from exc
    for key in ("source", *PARTS):
        if key not in data:
            raise InputError(f"{path}: missing field '{key}'")
    data["_path"] = path
    return data


def _article(prefix: str, ids: Iterable[str]) -> str | None:
    hits = [i for i in ids if i.startswith(prefix)]
    return hits[0] if len(hits) == 1 else None


def _keys(names: Iterable[str | None]) -> set[str]:
    return {name_key(n) for n in names if n}


def _match_entities(
    analysis: Analysis, gold: Sequence[dict[str, Any]]
) -> list[tuple[Entity, dict[str, Any] | None, bool]]:
    """Each predicted entity that counts (not an ``optional`` label), the labelled entity its
    name (else an alias) names, and whether it is the first match of that label."""
    forms = [(_keys([g["name"], *g.get("aliases", [])]), g) for g in gold]
    matched: set[int] = set()
    pairs = []
    for entity in analysis.entities:
        name, aliases = name_key(entity.name), _keys(entity.aliases)
        hit = next((i for i, (keys, _) in enumerate(forms) if name in keys), None)
        if hit is None:
            hit = next((i for i, (keys, _) in enumerate(forms) if aliases & keys), None)
        if hit is not None and forms[hit][1].get("optional"):
            continue
        first = hit is not None and hit not in matched
        if first:
            matched.add(hit)  # type: ignore[arg-type]
        pairs.append((entity, forms[hit][1] if hit is not None else None, first))
    return pairs


def _score_entities(analysis: Analysis, gold: Sequence[dict[str, Any]]) -> PartScore:
    pairs = _match_entities(analysis, gold)
    tp = sum(first for _, _, first in pairs)
    expected = sum(1 for g in gold if not g.get("optional"))
    return PartScore(tp, len(pairs), expected, tp)


def _score_entity_types(analysis: Analysis, gold: Sequence[dict[str, Any]]) -> PartScore:
    """Of the entities found (:func:`_score_entities`'s right ones), those of the labelled
    type: precision and recall are both that share."""
    found = [(e.type, g["type"]) for e, g, first in _match_entities(analysis, gold) if first]
    right = sum(got == want for got, want in found)  # type: ignore[index]
    return PartScore(right, len(found), len(found), right)


def _similar(a: str, b: str) -> float:
    wa, wb = quote_words(a), quote_words(b)
    if not wa or not wb:
        return 0.0
    short, long_ = sorted((wa, wb), key=len)
    if " ".join(short) in " ".join(long_) and len(short) >= 3:
        return 1.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


def _score_quotes(
    analysis: Analysis, gold: Sequence[dict[str, Any]], ids: Sequence[str]
) -> PartScore:
    expected = [(_article(g["article"], ids), g) for g in gold]
    used: set[int] = set()
    tp = predicted = 0
    for quote in analysis.quotes:
        for source in quote.sources:
            predicted += 1
            best, best_score = None, 0.6
            for i, (article, g) in enumerate(expected):
                if article != source or i in used:
                    continue
                s = max(_similar(t, g["text"]) for t in (quote.text, *quote.variants))
                if s >= best_score:
                    best, best_score = i, s
            if best is None:
                continue
            g = expected[best][1]
            if g["speaker"] is None:
                right = quote.speaker is None
            else:
                right = name_key(quote.speaker or "") in _keys(
                    [g["speaker"], *g.get("speaker_aliases", [])]
                )
            if right:
                used.add(best)
                tp += 1
    return PartScore(tp, predicted, len(expected), len(used))


def _score_timeline(
    analysis: Analysis, gold: Sequence[dict[str, Any]], ids: Sequence[str]
) -> PartScore:
    expected = {(_article(g["article"], ids), g["date"], g["granularity"]) for g in gold}
    predicted = {(s, t.date, t.granularity) for t in analysis.timeline for s in t.sources}
    hits = len(expected & predicted)
    return PartScore(hits, len(predicted), len(expected), hits)


def _score_disagreements(
    analysis: Analysis, gold: Sequence[dict[str, Any]], ids: Sequence[str]
) -> PartScore:
    def same_value(predicted: str | None, expected: str) -> bool:
        return bool(predicted) and name_key(predicted).endswith(name_key(expected))

    found: set[int] = set()
    tp = 0
    for item in analysis.disagreements:
        hit = False
        for i, g in enumerate(gold):
            sides = [({_article(p, ids) for p in c["articles"]}, c["value"]) for c in g["claims"]]
            matched = [
                any(set(c.sources) & articles and same_value(c.value, value) for c in item.claims)
                for articles, value in sides
            ]
            if sum(matched) >= 2:
                hit = True
                found.add(i)
        tp += hit
    return PartScore(tp, len(analysis.disagreements), len(gold), len(found))


def score(
    analysis: Analysis, annotation: dict[str, Any], ids: Sequence[str]
) -> dict[str, PartScore]:
    """Scores of each part of ``analysis`` against one annotation (``ids``: the article ids)."""
    return {
        "entities": _score_entities(analysis, annotation["entities"]),
        "entity types": _score_entity_types(analysis, annotation["entities"]),
        "quotes": _score_quotes(analysis, annotation["quotes"], ids),
        "timeline": _score_timeline(analysis, annotation["timeline"], ids),
        "disagreements": _score_disagreements(analysis, annotation["disagreements"], ids),
    }


def score_file(path: str | Path) -> dict[str, PartScore]:
    """Run the analysis on an annotation file's articles and score it."""
    from newsbrief.config import BriefConfig
    from newsbrief.dedup import find_duplicates, group_sentences
    from newsbrief.pipeline import load_articles, prepare_articles

    annotation = load_annotation(path)
    source = (annotation["_path"].parent / annotation["source"]).resolve()
    if not source.exists():
        raise InputError(f"{annotation['_path']}: source {source} not found")
    articles, _ = load_articles([source])
    documents = prepare_articles(articles)
    config = BriefConfig()
    analysis = analyze_event(
        documents,
        find_duplicates(documents, config.duplicate_threshold),
        group_sentences(documents, config.sentence_similarity),
    )
    return score(analysis, annotation, [d.id for d in documents])


def main(argv: Sequence[str] | None = None) -> int:
    """Print precision and recall per part for each annotation file and in total."""
    paths = list(argv if argv is not None else sys.argv[1:])
    if not paths:
        print("usage: python -m newsbrief.analyze.scoring ANNOTATION.json...", file=sys.stderr)
        return 2
    total: dict[str, PartScore] = {p: PartScore(0, 0, 0, 0) for p in SCORED}
    print(f"{'file':<14}{'part':<15}{'P':>7}{'R':>7}{'tp/pred':>10}{'found/exp':>11}")
    for path in paths:
        scores = score_file(path)
        for part in SCORED:
            s = scores[part]
            total[part] = total[part] + s
            print(
                f"{Path(path).stem:<14}{part:<15}{s.precision:7.3f}{s.recall:7.3f}"
                f"{s.true_positives:>5}/{s.predicted:<4}{s.found:>6}/{s.expected:<4}"
            )
    for part in SCORED:
        s = total[part]
        print(
            f"{'total':<14}{part:<15}{s.precision:7.3f}{s.recall:7.3f}"
            f"{s.true_positives:>5}/{s.predicted:<4}{s.found:>6}/{s.expected:<4}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
