"""Disagreements: incompatible values for one slot across outlets, and what is not a conflict."""

from __future__ import annotations

import pytest
from analyze_helpers import ANNOTATIONS, analyse, by_prefix, document, event

from newsbrief.analyze.conflicts import ClaimMention, compatible


def claim(
    value: str,
    low: float,
    high: float,
    article: str = "a",
    published: str | None = None,
    kind: str = "count",
    cumulative: bool = False,
    future: bool = False,
) -> ClaimMention:
    return ClaimMention(
        (kind, "x"),
        "x",
        value,
        low,
        high,
        article,
        "",
        published,
        future=future,
        cumulative=cumulative,
    )


def test_intervals_and_updates():
    assert compatible(claim("at least 12", 12, float("inf")), claim("15", 15, 15))
    assert not compatible(claim("12", 12, 12), claim("15", 15, 15))
    # A tally that grows in a later report is an update, one that shrinks is a conflict.
    early, late = "2024-03-05T08:00", "2024-03-06T08:00"
    assert compatible(
        claim("12", 12, 12, published=early, cumulative=True),
        claim("19", 19, 19, published=late, cumulative=True),
    )
    assert not compatible(
        claim("19", 19, 19, published=early, cumulative=True),
        claim("14", 14, 14, published=late, cumulative=True),
    )
    # A planned length against the actual one: the later report knows more.
    assert compatible(
        claim("3 days", 3, 3, kind="duration", future=True), claim("4 days", 4, 4, kind="duration")
    )
    assert compatible(claim("2016", 0, 0, kind="previous"), claim("2016-10", 0, 0, kind="previous"))
    assert not compatible(
        claim("2016-02", 0, 0, kind="previous"), claim("2016-10", 0, 0, kind="previous")
    )


@pytest.fixture(scope="module")
def seeds(seeds_dir):
    return event(str(seeds_dir))


def test_seed_previous_visit_is_the_one_disagreement(seeds):
    documents, analysis = seeds
    ids = [d.id for d in documents]
    assert len(analysis.disagreements) == 1
    item = analysis.disagreements[0]
    assert "previous visit" in item.about
    by_value = {c.value: c for c in item.claims}
    assert set(by_value) == {"2016-10", "2016-02"}
    assert set(by_value["2016-10"].sources) == {by_prefix(ids, "000"), by_prefix(ids, "001")}
    assert by_value["2016-10"].published == "2017-11-16"
    assert by_value["2016-02"].sources == (by_prefix(ids, "004"),)
    assert by_value["2016-02"].published == "2017-11-18T20:09:00"
    # "not clear how long he will be there" (004) against "a four-day trip" (002) is no conflict.
    assert not any("long" in d.about for d in analysis.disagreements)


def test_written_event_conflicts():
    _, analysis = event(str(ANNOTATIONS / "written.jsonl"))
    found = {d.about: {c.value: c.sources for c in d.claims} for d in analysis.disagreements}
    assert found["how many were killed"] == {"19": ("w2-wire",), "14": ("w3-daily",)}
    assert found["who is the Interior Minister"] == {
        "Tomas Weller": ("w1-ledger", "w2-wire"),
        "Hanna Lind": ("w3-daily",),
    }
    assert found["how long the visit lasted"] == {"3 days": ("w2-wire",), "2 days": ("w3-daily",)}
    # "at least 12" (w1) and the later 19 (w2) agree; "not yet clear how many" gives no claim.
    killed = found["how many were killed"]
    assert "at least 12" not in killed


def test_a_sized_group_disagreement_says_what_was_counted():
    docs = [
        document("The minister will lead a 12-member delegation to Kessel.", id="a"),
        document("The minister will head a 15-member delegation to Kessel.", id="b"),
        document("Ruiz said the 26-country alliance would send aid.", id="c"),
        document("Aid is coming from a 27-country alliance, officials in Brel said.", id="d"),
    ]
    found = {d.about: {c.value for c in d.claims} for d in analyse(docs).disagreements}
    assert found == {
        "members in the delegation": {"12", "15"},
        "countries in the alliance": {"26", "27"},
    }


def test_copies_of_one_story_never_disagree():
    body = (
        "Fire crews fought the blaze at the timber yard through the night, the regional "
        "fire service said in a statement on its website. Residents of nearby streets were "
        "told to keep their windows closed because of the thick smoke over the town. The "
        "cause of the fire is not yet known and an inquiry will begin next week."
    )
    original = document(
        f"At least 20 people were killed in the fire. {body}\n\nTwelve were injured.",
        id="wire",
        published="2024-01-01T10:00:00",
    )
    copy = document(
        f"At least 20 people were killed in the fire. {body}\n\nEleven were injured.",
        id="copy",
        published="2024-01-01T12:00:00",
    )
    other = document(
        "Police said 20 people were killed in the blaze and 5 were injured.",
        id="other",
        published="2024-01-01T14:00:00",
    )
    analysis = analyse([original, copy, other])
    # The wire copy's 11 against the original's 12 is not reported (one story, one source);
    # the later, lower count of another outlet is.
    assert [d.about for d in analysis.disagreements] == ["how many were injured"]
    (item,) = analysis.disagreements
    pairs = {c.value: set(c.sources) for c in item.claims}
    assert pairs["5"] == {"other"}
    assert not ({"wire"} <= pairs.get("11", set()) or {"copy"} <= pairs.get("12", set()))


def test_a_hyphenated_number_is_read_whole():
    """"Fifty-two people were killed" was read as 2 and disagreed with "52 people were
    killed" (two Wikinews articles on the London bombings)."""
    docs = [
        document("Fifty-two people were killed in the attacks on the city's trains.", id="a"),
        document("Police said on Friday that 52 people were killed when the bombs went off.",
                 id="b"),
        document("Twenty-two people were injured at the depot, a spokesman told reporters.",
                 id="c"),
        document("Hospitals across the region treated patients after 25 people were injured.",
                 id="d"),
    ]
    found = {d.about: {c.value for c in d.claims} for d in analyse(docs).disagreements}
    assert found == {"how many were injured": {"22", "25"}}


def test_a_part_of_a_tally_is_no_tally():
    """"Six of those arrested are Klan supporters" is part of the 12 arrested, not another
    count of them."""
    docs = [
        document("Police said 12 people were arrested after the rally in the park on Saturday.",
                 id="a"),
        document("A police spokesman says six of those arrested are supporters of the group.",
                 id="b"),
        document("Twelve people were arrested, and four of the injured were taken to hospital.",
                 id="c"),
    ]
    assert analyse(docs).disagreements == ()


def test_ages_and_increments_are_no_tallies():
    """An age after a name ("Kevin Johnson, 25, were arrested") and "two other men" or "three
    more" are not counts of everyone arrested or killed."""
    docs = [
        document("Police said four people were arrested after the shooting at the car wash.",
                 id="a"),
        document("Dwight Smith, 30, and Kevin Johnson, 25, were arrested last week on suspicion "
                 "of murder. Two other men were arrested on Friday.", id="b"),
        document("Antheyst Jarrett, 27, who was arrested the day of the killing, faces charges. "
                 "Police have arrested four people.", id="c"),
    ]
    assert analyse(docs).disagreements == ()
