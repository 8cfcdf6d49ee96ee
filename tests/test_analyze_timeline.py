"""Timeline: temporal expressions resolved against publication dates, merged by happening."""

from __future__ import annotations

import re
import sys
from datetime import date, datetime
from re import _constants as sre
from re import _parser

import pytest
from analyze_helpers import analyse, by_prefix, document, event, paragraphs

from newsbrief.analyze import timeline
from newsbrief.analyze.timeline import find_dates, resolve

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


@pytest.mark.parametrize(("expression", "about_reference", "expected"), [
    ("two days later", False, "2017-11-17"),
    ("nine days earlier", False, "2017-11-06"),
    ("the next day", False, "2017-11-16"),
    ("the following day", False, "2017-11-16"),
    ("the previous day", False, "2017-11-14"),
    ("the day before", True, "2017-11-14"),
    ("the day after", True, "2017-11-16"),
])
def test_later_and_earlier_count_this_event_from_the_reference(expression, about_reference,
                                                               expected):
    """"Two days later" was dated two days before the reference and "nine days earlier" nine
    days after it: read like "a day after Y", which dates Y."""
    assert resolve(expression, "reference", THU, reference=date(2017, 11, 15),
                   about_reference=about_reference) == (expected, "day")


def test_reference_relative_dates_in_a_narrative():
    doc = document(paragraphs(
        "The bombers who attacked London on July 7, 2005 had rehearsed their plan nine days "
        "earlier, police said.",
        "A suspect was arrested on Friday, July 29, a day after police raided a flat.",
        "He was charged two days later.",
        "His brother had been questioned the day before.",
        "The day after that, both were released.",
    ), published="2005-09-20T10:00:00")
    assert [(m.date, m.expression) for m in find_dates(doc)] == [
        ("2005-07-07", "on July 7, 2005"),
        ("2005-06-28", "nine days earlier"),
        ("2005-07-29", "on Friday, July 29"),
        ("2005-07-28", "a day after"),
        ("2005-07-31", "two days later"),
        ("2005-07-30", "the day before"),
        ("2005-07-31", "The day after"),
    ]


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


# Every code point, for checks that must hold for any text.
EVERY_CHARACTER = "".join(map(chr, range(sys.maxunicode + 1)))


def _first_items(pattern: str, flags: int = 0) -> list[tuple[bool, tuple, int]]:
    """(after a \\b?, first character item, flags in force) for every way ``pattern`` can start.

    Lookaheads are skipped, which can only add items, so a set covering all items is a sound
    prefilter.
    """

    def walk(items, bounded: bool, flags: int) -> tuple[list, bool]:
        found = []
        for op, av in items:
            if op is sre.AT:
                bounded = bounded or av is sre.AT_BOUNDARY
                continue
            if op in (sre.ASSERT, sre.ASSERT_NOT):
                continue
            if op is sre.SUBPATTERN:
                _, add, remove, sub = av
                more, empty = walk(sub, bounded, (flags | add) & ~remove)
            elif op is sre.BRANCH:
                more, empty = [], False
                for branch in av[1]:
                    got, branch_empty = walk(branch, bounded, flags)
                    more += got
                    empty = empty or branch_empty
            elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
                more, empty = walk(av[2], bounded, flags)
                empty = empty or av[0] == 0
            else:
                more, empty = [(bounded, (op, av), flags)], False
            found += more
            if not empty:
                return found, False
        return found, True

    return walk(_parser.parse(pattern, flags), False, flags)[0]


def _covered(item: tuple, flags: int, charset: str, charset_flags: int) -> bool:
    """Whether every character ``item`` matches under ``flags`` is in ``charset``."""
    op, av = item
    if op is sre.LITERAL:
        matched = re.findall(re.escape(chr(av)), EVERY_CHARACTER, flags)
    elif op is sre.IN and av == [(sre.CATEGORY, sre.CATEGORY_DIGIT)]:
        matched = re.findall(r"\d", EVERY_CHARACTER)
    else:
        return False  # any other first item would need a wider prefilter
    return all(re.fullmatch(charset, c, charset_flags) for c in matched)


def test_finder_prefilter_admits_every_start_of_a_date():
    bare = []
    for _, pattern in timeline._PATTERNS:
        for bounded, item, flags in _first_items(rf"\b{pattern}", re.IGNORECASE):
            charset = timeline._STARTS if bounded else timeline._BARE_STARTS
            assert _covered(item, flags, charset, re.IGNORECASE), (pattern, item)
            if not bounded:
                bare.append(chr(item[1]))
    # "yearlast month": branches after a top-level "|" have no \b and may start inside a word.
    assert {"l", "n", "t"} <= set(bare)


def test_anchor_prefilter_admits_every_anchor_start():
    items = _first_items(timeline._ANCHOR_WORDS)
    assert {chr(av) for _, (op, av), _ in items if op is sre.LITERAL} >= {"m", "j", "y", "1"}
    for _, item, flags in items:
        assert _covered(item, flags, timeline._ANCHOR_STARTS, 0), item


def test_fold_maps_each_character_to_the_ascii_letter_it_matches_case_insensitively():
    # All characters, all but "İ" (whose lowercase is longer), and ASCII alone.
    for text in (EVERY_CHARACTER, EVERY_CHARACTER.replace("İ", ""), EVERY_CHARACTER[:128]):
        folded = timeline._fold(text)
        assert len(folded) == len(text)
        for letter in "abcdefghijklmnopqrstuvwxyz":
            where = [m.start() for m in re.finditer(letter, folded)]
            assert where == [m.start() for m in re.finditer(letter, text, re.IGNORECASE)]
        for cls in (r"\w+", r"\d+"):  # \b and \d of the anchor see the same characters
            assert [m.span() for m in re.finditer(cls, folded)] == [
                m.span() for m in re.finditer(cls, text)
            ]
    assert timeline._fold("İzmir FRİDAY Tueſday") == "izmir friday tuesday"


def test_anchors_on_folded_text_are_the_case_insensitive_anchors(seeds):
    documents, _ = seeds
    texts = [s.text for d in documents for s in d.sentences] + [
        "İİİ İstanbul voted on FRİDAY, Frıday and Tueſday, two dayſ ago, in 1999 and May 2020.",
        "ſeptember? No: Sep 5, MONDAY, the DAY before yesterday, 2016; the YEAR; K months",
    ]
    reference = re.compile(timeline._ANCHOR_WORDS, re.IGNORECASE)
    for text in texts:
        found = [m.span() for m in timeline._ANCHOR.finditer(timeline._fold(text))]
        assert found == [m.span() for m in reference.finditer(text)]
    assert len(timeline._windows(texts[-2])) == 1


def test_offsets_stay_right_after_a_dotted_capital_i():
    # Anchors are found on folded text and their offsets used on the original text.
    doc = document(
        paragraphs(
            "İstanbul's mayor, Ekrem İmamoğlu, İİİ spoke on Monday in İzmir.",
            "Officials in İstanbul will reopen the port tomorrow, İnci Koç said.",
        ),
        published="2024-03-05T08:00:00",
    )
    found = find_dates(doc)
    assert [(d.date, d.expression) for d in found] == [
        ("2024-03-04", "on Monday"),
        ("2024-03-06", "tomorrow"),
    ]
    assert all(doc.text[d.start : d.end] == d.expression for d in found)


# Relative dates against the publication date: each case below was resolved wrongly (or not at
# all) before, and each answer follows from the calendar alone.
FRI = datetime(2025, 3, 14, 10)
SUN = datetime(2025, 3, 16, 10)


def test_earlier_and_later_this_month_or_year_are_the_publication_period():
    # dateparser parses none of these, so they used to be dropped.
    assert resolve("earlier this month", "relative", FRI) == ("2025-03", "month")
    assert resolve("later this month", "relative", FRI, True) == ("2025-03", "month")
    assert resolve("earlier this year", "relative", FRI) == ("2025", "year")


def test_future_month_or_day_of_the_publication_is_not_next_year():
    dec = datetime(2025, 12, 10, 10)
    assert resolve("in December", "relative", dec, True) == ("2025-12", "month")
    assert resolve("on March 14", "relative", FRI, True) == ("2025-03-14", "day")
    # A month or day already past in a future clause is still next year's.
    assert resolve("in March", "relative", dec, True) == ("2026-03", "month")
    assert resolve("on March 10", "relative", FRI, True) == ("2026-03-10", "day")
    assert resolve("on March 20", "relative", FRI, True) == ("2025-03-20", "day")


def test_this_weekday_is_that_day_of_the_publication_week():
    # Published on Sunday: "ended this Friday" is two days before, not the Friday to come.
    assert resolve("this Friday", "relative", SUN, False) == ("2025-03-14", "day")
    assert resolve("this Friday", "relative", SUN, True) == ("2025-03-21", "day")
    assert resolve("this Friday", "relative", FRI, True) == ("2025-03-14", "day")
    assert resolve("this Friday", "relative", datetime(2025, 3, 12), False) == ("2025-03-14", "day")


def test_a_week_from_today_is_not_today():
    doc = document(
        paragraphs("The port will reopen a week from today, officials said."),
        published="2025-03-14T23:30:00-05:00",
    )
    assert [(m.date, m.granularity, m.expression) for m in find_dates(doc)] == [
        ("2025-03-21", "day", "a week from today")
    ]
    assert resolve("two days from tomorrow", "relative", FRI, True) == ("2025-03-17", "day")
    assert resolve("a week from today", "relative", None, True) is None


def test_yearless_date_in_a_present_tense_sentence_is_the_nearest_occurrence():
    # No past-tense verb and no future word: "begins on March 20", six days after publication,
    # used to be read as last year's March 20.
    doc = document(
        paragraphs(
            "The trial begins on March 20 in the capital.",
            "The new law takes effect in April.",
            "The trial was adjourned on March 10.",
        ),
        published="2025-03-14T10:00:00",
    )
    assert [(m.date, m.expression) for m in find_dates(doc)] == [
        ("2025-03-20", "on March 20"),
        ("2025-04", "in April"),
        ("2025-03-10", "on March 10"),
    ]
    # A past-tense sentence keeps the past reading.
    past = document("The deal was signed on March 20.", published="2025-03-14T10:00:00")
    assert [m.date for m in find_dates(past)] == ["2024-03-20"]


def test_date_of_a_reporting_verb_keeps_its_past_tense():
    # "said on Wednesday the minister will ...": the date is when the ministry spoke; the
    # reported clause's "will" used to send it to the next Wednesday.
    doc = document(
        paragraphs(
            "The ministry said on Wednesday the minister will visit Paris.",
            "Officials told reporters on March 10 that the port would reopen.",
            "The ministry said the minister will visit Rome on Thursday.",
            # The reporting verb after the date: "would" was taken for the date's tense.
            "The president on Tuesday announced that he would free the crew.",
            "The crew will be freed on Monday, officials said.",
        ),
        published="2025-03-14T10:00:00",  # a Friday
    )
    assert [(m.date, m.expression, m.future) for m in find_dates(doc)] == [
        ("2025-03-12", "on Wednesday", False),
        ("2025-03-10", "on March 10", False),
        ("2025-03-20", "on Thursday", True),
        ("2025-03-11", "on Tuesday", False),
        ("2025-03-17", "on Monday", True),
    ]


def test_a_weekday_in_a_name_is_not_a_date():
    """"Good Friday" and "Sunday Times" were read as the Friday and Sunday nearest the
    publication. Names are the calendar's named days, quoted titles and titles that go on
    after the weekday; a date word before the weekday keeps it a date."""
    names = document(
        paragraphs(
            "The Good Friday Agreement ended decades of violence in the province.",
            "She told the Sunday Times that the deal was off.",
            'Graham said on "Fox News Sunday" that the talks went well.',
            "Shoppers queued overnight for Black Friday deals at the mall.",
            "The pope will celebrate Holy Thursday Mass at a detention centre.",
            "Ash Wednesday services drew large crowds across the city.",
        ),
        published="2025-03-14T10:00:00",  # a Friday
    )
    assert find_dates(names) == []
    dates = document(
        paragraphs(
            "The council voted on Friday to close the bridge.",
            "Friday's vote was close, officials said.",
            "The talks broke up late Friday without a deal.",
            "Friday, March 7, the talks had resumed.",
            "On Sunday, police closed the road to the port.",
            "On Sunday Trump said the talks had failed.",
            "Ban Ki-moon traveled to Russia Thursday, where he met Putin.",
            "Police notified the Coast Guard Tuesday night that the men were missing.",
        ),
        published="2025-03-14T10:00:00",
    )
    assert [(m.date, m.expression) for m in find_dates(dates)] == [
        ("2025-03-14", "on Friday"),
        ("2025-03-14", "Friday"),
        ("2025-03-14", "Friday"),
        ("2025-03-07", "Friday, March 7"),
        ("2025-03-09", "On Sunday"),
        ("2025-03-09", "On Sunday"),
        ("2025-03-13", "Thursday"),
        ("2025-03-11", "Tuesday"),
    ]


def test_in_a_month_in_the_present_tense_is_the_next_one():
    """"The law takes effect in January", published in March, was read as the January
    before (the nearest); a present-tense "in <Month>" is a schedule, like the future."""
    doc = document(
        paragraphs(
            "The new law takes effect in January.",
            "The second stage starts in March.",
            "The first stage took effect in January.",
        ),
        published="2025-03-14T10:00:00",
    )
    assert [(m.date, m.expression) for m in find_dates(doc)] == [
        ("2026-01", "in January"),
        ("2025-03", "in March"),
        ("2025-01", "in January"),
    ]


def test_captions_and_tweet_signatures_are_not_happenings():
    """Photo captions and embedded tweets' signature lines carry dates but say nothing
    happened then: of 263 dated sentences in 40 events each of the Multi-News, MultiLing and
    WCEP files, 24 had no verb, all captions or "— Name (@handle) June 20, 2017"."""
    doc = document(
        paragraphs(
            "The frigate HMS Cornwall left Portsmouth on Monday.",
            "HMS Cornwall at Zeebrugge in 2006.",
            "All hands on deck! — Jane Doerr (@janedoerr) June 20, 2017",
        )
    )
    timeline = analyse([doc]).timeline
    assert [(e.date, e.text) for e in timeline] == [
        ("2024-03-04", "The frigate HMS Cornwall left Portsmouth on Monday.")
    ]


def test_what_happens_as_a_rule_names_no_day():
    doc = document(
        paragraphs(
            "Farmers in the valley usually plant rice in April.",
            "Every Friday, the market opens at dawn. It typically closes on Sundays.",
            "The minister will visit the valley in April.",
            # A habitual word after the date, or "each" not before a time word, is no sign.
            "Neighbours told the radio Wednesday that they always assumed she was an aunt.",
            "Each of the victims died on Monday.",
            "Fridays for Future marched through the city.",
        )
    )
    assert [(m.date, m.expression) for m in find_dates(doc)] == [
        ("2024-04", "in April"),
        ("2024-02-28", "Wednesday"),
        ("2024-03-04", "on Monday"),
    ]


def test_the_end_of_a_range_is_no_happening_of_its_own():
    doc = document(
        paragraphs(
            "Police are investigating the deaths of 17 babies between March 2015 and July 2016.",
            "All of her results from July 26, 2010 to Aug. 19, 2013, are disqualified.",
            "The minister arrived in March 2015 and left in July 2016.",
        )
    )
    assert [(m.date, m.expression) for m in find_dates(doc)] == [
        ("2015-03", "between March 2015"),
        ("2010-07-26", "from July 26, 2010"),
        ("2015-03", "in March 2015"),
        ("2016-07", "in July 2016"),
    ]


def test_a_range_starts_in_the_year_or_week_its_end_gives():
    doc = document(
        paragraphs(
            "The city will host the parade between June and August this year.",
            "The song charted from January through April of 2012.",
            "The survey asked brides married between January 1 and December 31, 2014.",
            "He was born in July of 1986.",
        ),
        published="2005-01-20T10:00:00",
    )
    assert [(m.date, m.expression) for m in find_dates(doc)] == [
        ("2005-06", "between June"),
        ("2012-01", "from January"),
        ("2014-01-01", "between January 1"),
        ("1986-07", "in July of 1986"),
    ]


def test_a_day_named_without_its_year_takes_the_year_the_article_gives_it():
    doc = document(
        paragraphs(
            "A court has been shown footage of the bombers that attacked London on July 7, 2005.",
            "Three of the July 7 bombers were shown in the video.",
            "The court will sit again on July 9.",
        ),
        published="2008-05-01T10:00:00",
    )
    assert [(m.date, m.expression) for m in find_dates(doc)] == [
        ("2005-07-07", "on July 7, 2005"),
        ("2005-07-07", "the July 7"),
        ("2008-07-09", "on July 9"),
    ]


def test_before_an_event_the_reference_sentence_named_counts_back_from_it():
    doc = document(paragraphs(
        "The bombings struck London on the morning of July 7, 2005.",
        "The jury were told that the footage was taken just nine days before the bombings.",
        "Police raided a flat in Leeds on July 12, 2005.",
        "The arrests came a day after the raid.",
    ), published="2008-05-01T10:00:00")
    assert [(m.date, m.expression) for m in find_dates(doc)] == [
        ("2005-07-07", "of July 7, 2005"),
        ("2005-06-28", "nine days before"),
        ("2005-07-12", "on July 12, 2005"),
        ("2005-07-13", "a day after"),
    ]


def test_a_yearless_day_beside_the_same_day_with_its_year_takes_that_year():
    doc = document(
        "The scenes after the bombings on July 7 show the attack on London on July 7, 2005.",
        published="2008-05-01T10:00:00",
    )
    assert [(m.date, m.expression) for m in find_dates(doc)] == [
        ("2005-07-07", "on July 7"),
        ("2005-07-07", "on July 7, 2005"),
    ]


def test_an_embedded_posts_time_stamp_is_no_happening():
    doc = document(
        paragraphs(
            "I have been asked to run for Congress by many people, and it would be a great honor "
            "to serve. Would be sad for U.S. — Donald J. Trump (@realDonaldTrump) April 1, 2017",
            "Rest in peace to a true legend of the music, we will miss you every single day of our "
            "lives. A post shared by Nasir Jones (@nas) on Jun 20, 2017 at 10:33am PDT",
            "Takei said he would run for Congress on April 3, 2017.",
        ),
        published="2017-04-04T10:00:00",
    )
    assert [(m.date, m.expression) for m in find_dates(doc)] == [
        ("2017-04-03", "on April 3, 2017"),
    ]


def test_the_year_in_a_laws_name_is_no_happening():
    """Multi-News dev: "the 1977 Act" gave seven 1977 entries to a 2018 court ruling's
    timeline."""
    doc = document(
        paragraphs(
            "The court found on Monday that the 1977 Act was being added to by ministerial order.",
            "Mercer has called the Civil Rights Act of 1964 a mistake.",
            "Biden, who wrote the 1994 Violence Against Women Act, sent the letter.",
            "The law was passed in 1977 after a long debate.",
        )
    )
    assert [(m.date, m.expression) for m in find_dates(doc)] == [
        ("2024-03-04", "on Monday"),
        ("1977", "in 1977"),
    ]
