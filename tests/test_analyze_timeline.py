"""Timeline: temporal expressions resolved against publication dates, merged by happening."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from analyze_helpers import analyse, by_prefix, document, event, paragraphs

from newsbrief.analyze.timeline import resolve

THU = datetime(2017, 11, 16)
SAT = datetime(2017, 11, 18, 20, 9)
TUE = datetime(2017, 11, 21, 0, 51)


@pytest.mark.parametrize(
    "expression, kind, published, future, expected",
    [
        ("tomorrow", "relative", THU, True, ("2017-11-17", "day")),
        ("yesterday", "relative", THU, False, ("2017-11-15", "day")),
        ("on Friday", "relative", SAT, False, ("2017-11-17", "day")),
        ("on Friday", "relative", THU, True, ("2017-11-17", "day")),
        ("on Monday", "relative", TUE, False, ("2017-11-20", "day")),
        ("on Tuesday", "relative", TUE, True, ("2017-11-21", "day")),  # the publication day itself
        ("last month", "relative", THU, False, ("2017-10", "month")),
        ("since October last year", "shifted", THU, False, ("2016-10", "month")),
        ("in February last year", "shifted", SAT, False, ("2016-02", "month")),
        ("on Thursday last week", "shifted", THU, False, ("2017-11-09", "day")),
        ("a December", "relative", TUE, True, ("2017-12", "month")),
        ("in October 2016", "absolute", None, False, ("2016-10", "month")),
        ("November 17, 2017", "absolute", None, False, ("2017-11-17", "day")),
        ("in late 2011", "year", None, False, ("2011", "year")),
        ("two days ago", "relative", THU, False, ("2017-11-14", "day")),
    ],
)
def test_resolve(expression, kind, published, future, expected):
    assert resolve(expression, kind, published, future) == expected


def test_relative_dates_need_a_publication_date():
    assert resolve("on Friday", "relative", None) is None
    assert resolve("last month", "relative", None) is None
    assert resolve("October last year", "shifted", None) is None


def test_a_day_after_counts_from_the_reference_time():
    # "X came a day after Y": X is the reference, Y one day earlier.
    assert resolve("a day after", "reference", THU, reference=date(2017, 11, 15)) == (
        "2017-11-14",
        "day",
    )
    assert resolve("the day before", "reference", THU, reference=date(2017, 11, 15)) == (
        "2017-11-16",
        "day",
    )
    assert resolve("a day after", "reference", THU, reference=None) is None


@pytest.fixture(scope="module")
def seeds(seeds_dir):
    return event(str(seeds_dir))


def test_seed_arrival_is_one_entry_on_the_17th(seeds):
    documents, analysis = seeds
    ids = [d.id for d in documents]
    arrival = [t for t in analysis.timeline if t.date == "2017-11-17"]
    assert len(arrival) == 1
    assert set(arrival[0].sources) == {by_prefix(ids, p) for p in ("001", "003", "004")}
    assert arrival[0].granularity == "day"


def test_seed_trip_end_and_other_dates(seeds):
    documents, analysis = seeds
    ids = [d.id for d in documents]
    dated = {(t.date, s) for t in analysis.timeline for s in t.sources}
    assert ("2017-11-20", by_prefix(ids, "002")) in dated  # "on Monday ended a four-day trip"
    assert ("2016-02", by_prefix(ids, "004")) in dated
    assert ("2016-10", by_prefix(ids, "000")) in dated  # absolute: fine without a date
    # 000 has no publication date: none of its relative expressions is resolved.
    assert {d for d, s in dated if s == by_prefix(ids, "000")} == {"2016-10"}
    assert [t.date for t in analysis.timeline] == sorted(t.date for t in analysis.timeline)
    assert {t.granularity for t in analysis.timeline} <= {"day", "month", "year"}


def test_different_happenings_on_one_day_stay_apart(seeds):
    _, analysis = seeds
    monday = [t for t in analysis.timeline if t.date == "2017-11-20"]
    assert len(monday) == 2  # the trip's end (002) and the intelligence briefing (003)


def test_written_article_dates():
    doc = document(
        paragraphs(
            "The storm reached the coast on Monday, the weather office said.",
            "Officials will reopen the port tomorrow.",
            "The last storm this strong hit the region in June 2011.",
        ),
        published="2024-03-05T08:00:00",
    )
    dates = {(t.date, t.granularity, t.expression) for t in analyse([doc]).timeline}
    assert dates == {
        ("2024-03-04", "day", "on Monday"),
        ("2024-03-06", "day", "tomorrow"),
        ("2011-06", "month", "in June 2011"),
    }
