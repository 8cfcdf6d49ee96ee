"""Quality gate: precision and recall of each analysis part on the hand-labelled set.

The floors are what the analysis reached when this gate was set (``python -m
newsbrief.analyze.scoring tests/data/annotations/*.json``); a change that loses any of it fails.
"""

from __future__ import annotations

import json

import pytest
from analyze_helpers import ANNOTATIONS

from newsbrief.analyze import Analysis
from newsbrief.analyze.scoring import load_annotation, score, score_file
from newsbrief.errors import InputError
from newsbrief.models import Claim, Disagreement, Entity, Quote, TimelineEntry

# (precision, recall) reached, per file and part.
FLOORS = {
    "seeds": {
        "entities": (34 / 36, 34 / 36),
        "entity types": (33 / 34, 33 / 34),
        "quotes": (23 / 24, 23 / 24),
        "timeline": (20 / 20, 20 / 21),
        "disagreements": (1.0, 1.0),
    },
    "written": {
        "entities": (12 / 14, 12 / 14),
        "entity types": (12 / 12, 12 / 12),
        "quotes": (10 / 11, 10 / 11),
        "timeline": (9 / 9, 9 / 9),
        "disagreements": (3 / 3, 3 / 4),
    },
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_quality_floors(name, seeds_dir):
    scores = score_file(ANNOTATIONS / f"{name}.json")
    for part, (precision, recall) in FLOORS[name].items():
        got = scores[part]
        assert got.precision >= precision - 1e-9, (part, got)
        assert got.recall >= recall - 1e-9, (part, got)


def test_scores_count_right_and_wrong_items():
    annotation = {
        "entities": [
            {"name": "Ana Ruiz", "type": "PERSON", "aliases": ["Ruiz"]},
            {"name": "Brel", "type": "GPE"},
            {"name": "X Corp", "type": "ORG", "optional": True},
        ],
        "quotes": [
            {"article": "w1", "text": "We will rebuild the town", "speaker": "Ana Ruiz"},
            {"article": "w1", "text": "Nobody is left behind now", "speaker": None},
        ],
        "timeline": [{"article": "w1", "date": "2024-03-04", "granularity": "day"}],
        "disagreements": [
            {"claims": [{"articles": ["w1"], "value": "19"}, {"articles": ["w2"], "value": "14"}]}
        ],
    }
    analysis = Analysis(
        entities=(
            Entity("Ana Ruiz", "PERSON", (), 2, ("w1-a",)),
            Entity("Ruiz", "PERSON", (), 1, ("w1-a",)),
            Entity("X Corp", "ORG", (), 1, ("w1-a",)),
        ),
        quotes=(
            Quote("We will rebuild the town.", "Ana Ruiz", "", ("w1-a",)),
            Quote("Nobody is left behind now", "Ana Ruiz", "", ("w1-a",)),
        ),
        timeline=(
            TimelineEntry("2024-03-04", "day", "", ("w1-a",)),
            TimelineEntry("2024-03", "month", "", ("w1-a",)),
        ),
        disagreements=(
            Disagreement(
                "toll", (Claim("", ("w1-a",), None, "19"), Claim("", ("w2-b",), None, "14"))
            ),
        ),
    )
    s = score(analysis, annotation, ["w1-a", "w2-b"])
    # "Ruiz" on its own is an unmerged variant: wrong; the optional entity counts neither way.
    assert (s["entities"].true_positives, s["entities"].predicted, s["entities"].found) == (1, 2, 1)
    assert s["entities"].recall == 0.5
    # The second quote has a speaker where the text gives none.
    assert (s["quotes"].precision, s["quotes"].recall) == (0.5, 0.5)
    assert (s["timeline"].precision, s["timeline"].recall) == (0.5, 1.0)
    assert (s["disagreements"].precision, s["disagreements"].recall) == (1.0, 1.0)


def test_entity_types_are_scored_on_the_entities_found():
    annotation = {
        "entities": [
            {"name": "Ana Ruiz", "type": "PERSON", "aliases": ["Ruiz"]},
            {"name": "Brel", "type": "GPE"},
            {"name": "Sentra", "type": "GPE"},
        ],
        "quotes": [], "timeline": [], "disagreements": [],
    }
    analysis = Analysis(
        entities=(
            Entity("Ruiz", "PERSON", (), 2, ("w1-a",)),  # found by its alias, type right
            Entity("Brel", "PERSON", (), 1, ("w1-a",)),  # found, type wrong
            Entity("Ana Ruiz", "ORG", (), 1, ("w1-a",)),  # a second match: not scored again
        ),
    )
    s = score(analysis, annotation, ["w1-a"])["entity types"]
    assert (s.true_positives, s.predicted, s.expected) == (1, 2, 2)
    assert s.precision == s.recall == 0.5


def test_annotation_errors_name_file_and_field(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"source": "x", "entities": [], "quotes": [], "timeline": []}))
    with pytest.raises(InputError, match=r"bad\.json: missing field 'disagreements'"):
        load_annotation(bad)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(InputError, match=r"broken\.json"):
        load_annotation(broken)
