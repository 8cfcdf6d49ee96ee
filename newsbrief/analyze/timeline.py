"""Dated statements: temporal expressions found, resolved to calendar dates, merged by happening.

Expressions are found with regular expressions (absolute dates, months, years, weekdays,
"yesterday"/"tomorrow", "last month", "in October last year", "Thursday last week",
"N days ago", and reference-relative "a day after"). They are resolved with ``dateparser``
(``languages=["en"]``; ``RELATIVE_BASE`` = the article's publication date;
``PREFER_DATES_FROM`` from the tense of the clause: future for "will/would/is to/expected to",
past otherwise; in a sentence with no past-tense verb either, a yearless month is the occurrence
nearest the publication date, "in <Month>" the next one), plus our own anchoring where
dateparser has no answer or a news-specific one is needed:

- "<X> last year" / "<X> next year" parse X against the publication date moved by a year;
- "<weekday> last/next week" is that weekday of the previous/next calendar week;
- a bare weekday equal to the publication's weekday is the publication day itself, and
  "this <weekday>" is that day of the publication's week (of the next week in a future clause
  when it has passed);
- "earlier/later this month/year" is the publication's month/year; "N days/weeks from today"
  counts from the publication day;
- "a day after/before", "N days later", "the next day" count from the reference time, the most
  recent day-precise date of the same article within the last three sentences (the temporal
  focus of the narrative, as in TimeML/TempEval anchoring). "X came a day after Y" dates Y,
  unless Y is a short noun phrase the reference sentence was about ("taken nine days before
  the bombings"); "two days later", "nine days earlier", "the previous day" and a
  clause-final "the day before" date the sentence's own event.

Relative expressions in an article without a publication date are left out, never guessed.
Granularity is ``day``, ``month`` or ``year``; week-level and vaguer phrases ("this week",
"recent months", "a week after") are skipped on purpose, and so is a weekday inside a name
("Good Friday", "the Sunday Times", '"Fox News Sunday"').

Mentions of the same date are one entry when they share a sentence group (near-identical
sentences), a named person, or two named participants (entities, nationality words mapped to
their country).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from newsbrief.dedup import UnionFind
from newsbrief.models import Document, TimelineEntry

__all__ = ["MONTHS", "DatedMention", "find_dates", "merge_timeline", "resolve"]

#: Month names as the patterns below match them (case-sensitively, so "may" is no month).
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_M = (
    r"(?-i:January|February|March|April|June|July|August|September|October|November|December|"
    r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_MAY = r"(?-i:May(?=\s+\d|,?\s+(?:19|20)\d\d|\s+(?:last|next|this)\s+year))"
_MONTH = rf"(?:{_M}|{_MAY})"
_WD = r"(?-i:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_NUM = r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_PART = r"(?:(?:early|mid|late)[- ]|the (?:start|end|beginning|middle) of )?"
_LEAD = r"(?:(?:in|on|since|until|from|between|during|of|by|a|an|the)\s+)"

# Ordered: the first alternative that matches at a position wins (longer forms first). A
# leading preposition or article is part of the match ("on Friday", "in 2016") and is dropped
# before parsing; bare months and years need one, so that "2000 people" is not a year.
_PATTERNS: list[tuple[str, str]] = [
    ("absolute", rf"{_LEAD}?(?:{_WD},?\s+)?{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+{_YEAR}"),
    ("absolute", rf"{_LEAD}?(?:{_WD},?\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+{_YEAR}"),
    ("absolute", r"(?:19|20)\d\d-[01]\d-[0-3]\d\b"),
    ("shifted", rf"{_LEAD}?{_PART}{_MONTH}\s+(?:of\s+)?(?:last|next|this)\s+year"),
    ("shifted", rf"{_LEAD}?{_WD}\s+(?:of\s+)?(?:last|next|this)\s+week"),
    ("absolute", rf"{_LEAD}?{_PART}{_MONTH}(?:,|\s+of)?\s+{_YEAR}"),
    ("relative", rf"{_LEAD}?(?:{_WD},?\s+)?{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?\b"),
    ("relative", rf"{_LEAD}?(?:{_WD},?\s+)?\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}"),
    ("relative", rf"(?:last|next|this)\s+(?:{_WD}|{_MONTH})"),
    ("relative", r"the\s+day\s+before\s+yesterday|the\s+day\s+after\s+tomorrow"),
    # "a week from today" is no mention of today (dateparser reads it as a week *ago*).
    (
        "relative",
        rf"{_NUM}\s+(?:days?|weeks?|months?|years?)\s+from\s+(?:today|tomorrow|yesterday)",
    ),
    ("relative", r"(?:yesterday|tomorrow|today|tonight)"),
    ("relative", rf"{_NUM}\s+(?:days?|months?|years?)\s+ago"),
    ("relative", r"(?:earlier|later)\s+this\s+(?:month|year)|(?:last|next|this)\s+(?:month|year)"),
    (
        "reference",
        rf"{_NUM}\s+days?\s+(?:after|before|later|earlier)|the\s+(?:next|following|previous)\s+day|the\s+day\s+(?:before|after)",
    ),
    ("relative", rf"(?:on\s+)?{_WD}"),
    (
        "relative",
        rf"(?:{_LEAD}|(?:early|late|mid)[- ]){_MONTH}\b",
    ),
    (
        "year",
        rf"(?:(?:in|since|until|from|during|of|by|the|before|after)\s+{_PART}|(?:early|late|mid)[- ]){_YEAR}\b",
    ),
]
# A match starts at a word start with one of _STARTS (case-insensitively; months and weekdays
# are capitalised) or, in the later branches of the alternatives with a top-level "|" (which
# have no leading \b), with one of _BARE_STARTS. The lookahead, a necessary condition of every
# alternative, turns most positions away at once instead of trying the 17 alternatives there.
# tests/test_analyze_timeline.py checks both sets against the parsed patterns.
_STARTS = r"[\dabdefijlmnostuwy]"
_BARE_STARTS = r"[lnt]"
# The patterns of a day of a month without a year ("July 7", "7 July").
_MONTH_DAY = frozenset(
    i for i, (kind, p) in enumerate(_PATTERNS) if kind == "relative" and p.count(_MONTH) == 1
    and r"\d{1,2}" in p
)
_FINDER = re.compile(
    rf"(?=\b{_STARTS}|{_BARE_STARTS})(?:"
    + "|".join(f"(?P<k{i}>\\b{p})" for i, (_, p) in enumerate(_PATTERNS))
    + ")",
    re.IGNORECASE,
)
_FUTURE = re.compile(
    r"\b(?:will|would|shall|'ll|going to|is to|are to|set to|due to|expected to|plans? to|"
    r"planned to|scheduled|upcoming|to prepare)\b",
    re.IGNORECASE,
)
# Anchor words, in lowercase: _ANCHOR finds on _fold(text) exactly what this pattern finds on
# text with re.IGNORECASE, a few times faster (case-sensitive literals let the regex engine
# reject a branch on its first character, and the lookahead of first characters rejects most
# positions at once).
_ANCHOR_WORDS = (
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"|\b(?:yesterday|tomorrow|today|tonight|ago|days?)\b|\b(?:19|20)\d\d\b|\b(?:month|year)\b"
)
_ANCHOR_STARTS = r"[adfjmnostwy12]"
_ANCHOR = re.compile(rf"(?={_ANCHOR_STARTS})(?:{_ANCHOR_WORDS})")
# With re.IGNORECASE an ASCII letter matches its other case and, besides, "i" matches "İ" and
# "ı", "s" matches "ſ" (long s) and "k" matches "K" (Kelvin sign). str.lower() would make "İ"
# two characters (shifting every later offset) and leave "ı" and "ſ" as they are, so non-ASCII
# text is mapped with this one-to-one table instead.
_FOLD = {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"} | {
    0x130: "i",
    0x131: "i",
    0x17F: "s",
    0x212A: "k",
}
# A reporting verb in the past: in "X said on Friday (that) Y will ...", the date is when X
# spoke, and the future of the reported clause after it is not the date's tense.
_REPORTED = re.compile(
    r"\b(?:said|told|announced|added|stated|confirmed|warned|reported|declared|insisted|claimed|"
    r"argued|wrote|tweeted|revealed|indicated|suggested|noted|explained|acknowledged|admitted|"
    r"denied|predicted|promised|pledged|vowed|urged|decided|agreed|unveiled)\b",
    re.IGNORECASE,
)
# What may follow a reference-relative "after" or "before" that has no object of its own:
# the clause ends, or "that" points back at the reference ("The day after that, ...").
# The object of a trailing "before"/"after" when it is a short noun phrase ending its clause
# ("before the bombings."; not "after a Spanish judge issued warrants"), and its common words
# of four letters or more, matched when one begins the other or the first six letters agree
# ("raid", "raided"); names are left out, since the same people take part in many of a
# story's events.
_OBJECT = re.compile(
    r"\s*(?:the|a|an|his|her|their|its)\s+(?:[\w'’-]+\s+){0,2}[\w'’-]+(?=\s*(?:[.,;:!?]|$))",
    re.IGNORECASE,
)
_CONTENT_WORD = re.compile(r"\b[a-z]{4,}\b")
_NO_OBJECT = re.compile(r"\s*(?:[.,;:!?)\]\"”’—–-]|that\b|$)", re.IGNORECASE)
# A clause about what happens as a rule names no day: "Farmers usually plant rice in April",
# "Every Friday, the market opens", "closes on Sundays".
_HABITUAL = re.compile(
    r"\b(?:usually|typically|normally|generally|traditionally|often|always|annually|"
    rf"routinely|(?:every|each)\s+(?:other\s+)?(?:day|week|month|year|season|morning|"
    rf"evening|night|weekend|summer|winter|spring|autumn|fall|{_WD}|{_M}))\b",
    re.IGNORECASE,
)
_CLAUSE_MARK = re.compile(r"[,;:.!?]")
_FOUR_DIGITS = re.compile(r"\b\d{4}\b")
_PAST_WORDS = re.compile(r"\b(?:since|last|ago|yesterday|previous|earlier)\b", re.IGNORECASE)
_CLAUSE = re.compile(r"[,;:–—]|\bbut\b|\band\b")
# A past-tense verb anywhere in the sentence: regular "-ed" forms and common irregular ones.
# A sentence with neither this nor a future word is in the present ("the trial begins on
# March 20"), and a yearless month there is the occurrence nearest the publication date.
_PAST_VERB = re.compile(
    r"\b(?:\w{2,}ed|was|were|had|did|said|told|came|went|met|began|took|made|gave|got|left|"
    r"held|saw|found|knew|thought|brought|fell|rose|won|lost|ran|spoke|wrote|sent|led|paid|"
    r"sold|struck|fought|flew|stood|kept|broke|chose|became|felt|heard|meant|sat|shot|drew|"
    r"grew|threw|ago|since|last|previous|earlier|yesterday)\b",
    re.IGNORECASE,
)


# A weekday can be part of a name rather than a date. The calendar's named days ("Good
# Friday", "Ash Wednesday", "Black Monday", "Cyber Monday", "Super Tuesday") are a closed set
# of first words. Any capitalised word before a weekday is no such sign: in news "told
# Reuters Friday", "traveled to Russia Thursday" and "the Coast Guard Tuesday night" are
# dates (about 30 of the 57 "Capitalised Weekday" pairs of multinews-dev and wcep-dev, date
# words such as "On" and "Late" left out).
_NAMED_DAY = re.compile(
    r"Good|Black|Holy|Maundy|Palm|Easter|Ash|Shrove|Whit|Low|Passion|Trinity|Mothering|Cyber|"
    r"Super|Bloody|Giving|Blue|Fat|Plough"
)
_BARE_WEEKDAY = re.compile(rf"(?:on\s+)?({_WD})", re.IGNORECASE)
_WORD_BEFORE = re.compile(r"([^\s\"“”‘’«»'(]+)([\"“‘'«(]?)\s+$")
_WORD_AFTER = re.compile(r"^\s+([A-Z][a-z][\w'’.&-]*)")
_CAPITALISED_RUN_BEFORE = re.compile(r"([\"“‘'«])(?:[A-Z][\w'’.&-]* )*$")
_CAPITALISED_RUN_AFTER = re.compile(r"^(?: [A-Z][\w'’.&-]*)*[,.!?]?[\"”’'»]")
_PRESENT_SCHEDULE = re.compile(rf"in\s+{_M}", re.IGNORECASE)
_MONTH_WORD = re.compile(rf"^{_M}$|^May$")
# Words before a weekday that make it a date ("On Friday", "Late Sunday", "said Sunday").
_DATE_LEAD = re.compile(
    r"on|by|since|until|till|from|before|after|through|to|for|at|of|during|over|and|or|but|as|"
    r"than|then|late|early|mid|last|next|this|that|every|each|past|coming|following|previous|"
    r"starting|beginning|ending|later|earlier|also|again|only|even|about|around|overnight|"
    r"published|asked",
    re.IGNORECASE,
)


def _weekday_in_name(text: str, start: int, end: int, bare: bool) -> bool:
    """Whether the weekday at ``text[start:end]`` is part of a name, not a date.

    A named day ("Good Friday"), a quoted title ('"Fox News Sunday"', "'Friendship Friday'"),
    or a title going on after the weekday ("the Sunday Times", "Monday Night Football",
    "Holy Thursday Mass"); a date word before it ("on", "late", "said") keeps it a date.
    ``bare`` is False when the match itself began with "on".
    """
    before = _WORD_BEFORE.search(text, max(0, start - 40), start)
    previous = before.group(1) if before and not before.group(2) else None
    if previous and _NAMED_DAY.fullmatch(previous):
        return True
    run = _CAPITALISED_RUN_BEFORE.search(text, max(0, start - 60), start)
    closing = _CAPITALISED_RUN_AFTER.match(text[end : end + 60])
    if run and closing and (run.end() - run.start() > 1 or closing.end() > 2):
        return True  # the whole capitalised run is in quotation marks: a title
    after = _WORD_AFTER.match(text[end : end + 40])
    if not bare or after is None or _MONTH_WORD.match(after.group(1).rstrip(".")):
        return False
    if previous is None or previous in ("the", "a", "an") or previous.endswith(("'s", "’s")):
        return True  # "Sunday Times reported", "the Sunday Times", "London's Sunday Times"
    return previous[:1].isupper() and not _DATE_LEAD.fullmatch(previous)


@dataclass(frozen=True, slots=True)
class DatedMention:
    """A temporal expression of one article resolved to a date."""

    article_id: str
    date: str
    granularity: str
    expression: str
    sentence: str
    sentence_index: int
    future: bool = False
    start: int = 0
    end: int = 0


# Numbers written as words, for counts ("four-day trip") and offsets ("two days after").
NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "a": 1,
    "an": 1,
    "dozen": 12,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
}


@lru_cache(maxsize=512)
def _parser(base: datetime, prefer: str):
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["en"],
        settings={
            "RELATIVE_BASE": base,
            "PREFER_DATES_FROM": prefer,
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )


# Articles of one event repeat expressions against the same publication date (92 dateparser
# calls, 60 distinct, on 100 multinews-dev articles), and each call costs about 0.4 ms.
@lru_cache(maxsize=4096)
def _parse(text: str, base: datetime, prefer: str) -> tuple[date, str] | None:
    data = _parser(base, prefer).get_date_data(text)
    if data is None or data.date_obj is None:
        return None
    period = {"time": "day", "day": "day", "month": "month", "year": "year"}.get(data.period or "")
    return (data.date_obj.date(), period) if period else None


def _iso(day: date, granularity: str) -> str:
    return {"day": day.isoformat(), "month": day.isoformat()[:7], "year": str(day.year)}[
        granularity
    ]


def _shift_year(base: datetime, years: int) -> datetime:
    try:
        return base.replace(year=base.year + years)
    except ValueError:  # 29 February
        return base.replace(year=base.year + years, day=28)


def _dates_the_object(expression: str, about_reference: bool) -> bool:
    """Whether a reference-relative expression dates its object ("a day after the vote"),
    not the sentence's own event ("two days later", "the day before.")."""
    return expression.lower().endswith(("after", "before")) and not about_reference


def resolve(
    expression: str,
    kind: str,
    published: datetime | None,
    future: bool | None = False,
    reference: date | None = None,
    about_reference: bool = False,
) -> tuple[str, str] | None:
    """(ISO date, granularity) of a temporal expression, or ``None`` when it cannot be anchored.

    ``about_reference``: a trailing "after" or "before" has no object of its own, so the
    sentence's own event is the one dated: the clause ends ("he had arrived the day
    before.") or "that" points back at the reference ("the day after that").

    ``future`` is the clause's tense: ``True`` future, ``False`` past, ``None`` present (a
    yearless month then resolves to its occurrence nearest the publication date, except
    "in <Month>", which in the present tense is a schedule: "the law takes effect in
    January", published in March, is next January).
    """
    if future is None and _PRESENT_SCHEDULE.fullmatch(" ".join(expression.split())):
        future = True
    expr = re.sub(
        rf"^{_LEAD}+(?!day\b)",
        "",
        " ".join(expression.split()),
        flags=re.IGNORECASE,
    )
    low = expr.lower()
    part = re.match(r"^(?:(?:early|mid|late)[- ]|the (?:start|end|beginning|middle) of )", low)
    if part:
        expr, low = expr[part.end() :], low[part.end() :]
    if kind == "year":
        return (re.search(r"\d{4}", expr).group(), "year")
    if kind == "reference":
        if reference is None:
            return None
        words = low.split()
        n = int(words[0]) if words[0].isdigit() else NUMBER_WORDS.get(words[0], 1)
        if _dates_the_object(low, about_reference):
            # "X came N days after Y": the reference is X, so Y is N days earlier.
            sign = -1 if low.endswith("after") else 1
        else:
            # "Two days later", "the previous day", "had arrived the day before.": this
            # sentence's event, counted from the reference.
            sign = -1 if low.endswith(("earlier", "before")) or "previous" in low else 1
        return ((reference + timedelta(days=sign * n)).isoformat(), "day")
    if kind == "absolute":
        parsed = _parse(expr, published or datetime(2000, 1, 1), "past")
        return (_iso(*parsed), parsed[1]) if parsed else None
    if published is None:
        return None
    prefer = "future" if future else "past"
    if kind == "shifted":
        m = re.match(r"^(.*?)\s+(?:of\s+)?(last|next|this)\s+(year|week)$", low)
        if not m:
            return None
        head, which, unit = m.groups()
        step = {"last": -1, "next": 1, "this": 0}[which]
        if unit == "week":
            monday = published.date() - timedelta(days=published.weekday()) + timedelta(weeks=step)
            return ((monday + timedelta(days=_WEEKDAYS.index(head))).isoformat(), "day")
        parsed = _parse(head, _shift_year(published, step), "current_period")
        return (_iso(parsed[0], "month"), "month") if parsed else None
    # dateparser parses neither "earlier this month" nor "later this year".
    if low in {"this month", "earlier this month", "later this month"}:
        return (_iso(published.date(), "month"), "month")
    if low in {"this year", "earlier this year", "later this year"}:
        return (_iso(published.date(), "year"), "year")
    offset = re.match(
        r"^(?:(\S+)\s+)?(day|week|month|year)s?\s+from\s+(today|tomorrow|yesterday)$", low
    )
    if offset:
        count, unit, anchor = offset.groups()
        n = int(count) if count and count.isdigit() else NUMBER_WORDS.get(count or "a", 1)
        shift = {"today": 0, "tomorrow": 1, "yesterday": -1}[anchor]
        start = published.date() + timedelta(days=shift)
        if unit in ("day", "week"):
            return ((start + timedelta(days=n * (7 if unit == "week" else 1))).isoformat(), "day")
        return None  # calendar months and years from a day: left out rather than guessed
    # dateparser reads "this Friday" as the coming one even in the past tense ("the talks,
    # which ended this Friday", published on Saturday). It is that day of the publication's
    # week, or of the next week when a future clause would otherwise put it in the past.
    if low.startswith("this ") and low[5:] in _WEEKDAYS:
        day = published.date() + timedelta(days=_WEEKDAYS.index(low[5:]) - published.weekday())
        if future and day < published.date():
            day += timedelta(weeks=1)
        return (day.isoformat(), "day")
    if low.rstrip(",") in _WEEKDAYS and _WEEKDAYS.index(low.rstrip(",")) == published.weekday():
        return (published.date().isoformat(), "day")
    parsed = _parse(expr, published, prefer)
    if parsed is None:
        return None
    day, granularity = parsed
    if future and re.search(_MONTH, expr) and not re.search(r"\b(?:last|next)\b", low):
        # dateparser's "future" skips the publication's own day and month ("will reopen on
        # March 14" published on March 14 is not next year's), so the current one comes first.
        current = _parse(expr, published, "current_period")
        if current and _iso(*current) >= _iso(published.date(), current[1]):
            day, granularity = current
    if future is None and re.search(_MONTH, expr) and not re.search(r"\b(?:last|next)\b", low):
        ahead = _parse(expr, published, "future")
        pub = published.date()
        if ahead and ahead[1] == granularity and abs(ahead[0] - pub) < abs(day - pub):
            day = ahead[0]
    return (_iso(day, granularity), granularity)


def _published(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value[:19])
    except ValueError:
        try:
            return datetime.fromisoformat(value[:10])
        except ValueError:
            return None


def _is_future(sentence: str, start: int, end: int) -> bool:
    """Whether the clause around ``[start, end)`` of ``sentence`` speaks of the future."""
    left = max((m.end() for m in _CLAUSE.finditer(sentence, 0, start)), default=0)
    right = next((m.start() for m in _CLAUSE.finditer(sentence, end)), len(sentence))
    before = sentence[left:start]
    if _REPORTED.search(before) and not _FUTURE.search(before):
        return False
    # "Ahmadinejad on Wednesday announced that he would ...": the date is when he spoke.
    if reported := _REPORTED.search(sentence, end, right):
        right = reported.start()
    return bool(_FUTURE.search(sentence, left, right))


def _fold(text: str) -> str:
    """``text`` with every character an ASCII letter matches case-insensitively mapped to that
    letter in lowercase; same length, so offsets carry over."""
    return text.lower() if text.isascii() else text.translate(_FOLD)


def _windows(text: str) -> list[tuple[int, int]]:
    """Stretches of ``text`` around anchor words, where the full pattern is worth trying.

    The full alternation is slow to try at every position of a long article; almost every
    position can be ruled out by the cheap anchor pattern first.
    """
    spans: list[tuple[int, int]] = []
    for m in _ANCHOR.finditer(_fold(text)):
        start = text.rfind(" ", 0, max(0, m.start() - 40)) + 1
        end = min(len(text), m.end() + 40)
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _habitual(text: str, start: int, end: int) -> bool:
    """Whether the expression at ``[start, end)`` names no year and says what happens as a
    rule: a plural weekday, or a habitual adverb or "every"/"each" before it in its clause."""
    if _FOUR_DIGITS.search(text, start, end):
        return False
    if text[end : end + 1] == "s" and _BARE_WEEKDAY.fullmatch(text, start, end):
        return True  # "on Sundays"
    # Only before it: in "told Channel 11 Wednesday that they ... always assumed" and
    # "Thursday's win didn't look like the team usually looks" the day is a day.
    clause_start = max((m.end() for m in _CLAUSE_MARK.finditer(text, 0, start)), default=0)
    return _HABITUAL.search(text, clause_start, end) is not None


def _names_focus(after: str, focus_sentence: str) -> bool:
    """Whether the object of a trailing "before"/"after" is what the reference sentence is
    about: "footage taken nine days before the bombings", after "The July 7 bombings were
    ...", counts back from the bombings' day; "a day after the end of Trump's tour", after
    a sentence about China's announcement, dates the end of the tour."""
    head = _OBJECT.match(after)
    if head is None:
        return False
    focus_words = _CONTENT_WORD.findall(focus_sentence.lower())
    return any(
        f.startswith(o) or o.startswith(f) or f[:6] == o[:6]
        for o in _CONTENT_WORD.findall(head.group())
        for f in focus_words
    )


def _years_of_days(
    found: list[list[re.Match]], published: datetime | None
) -> dict[str, set[str]]:
    """For each month and day ("07-07") the article writes with a year, those years (read
    as the main pass reads them, so that its dateparser calls come from the cache)."""
    years: dict[str, set[str]] = {}
    for matches in found:
        for m in matches:
            if int(m.lastgroup[1:]) < 2:  # "July 7, 2005", "7 July 2005"
                resolved = resolve(m.group(), "absolute", published)
                if resolved is not None and resolved[1] == "day":
                    years.setdefault(resolved[0][5:], set()).add(resolved[0][:4])
    return years


def _years_in(text: str) -> set[str]:
    return set(_A_YEAR.findall(text))


_A_YEAR = re.compile(rf"\b{_YEAR}\b")
_RANGE_START = re.compile(r"\b(?:between|from)\s+$", re.IGNORECASE)
_RANGE_OPENER = re.compile(r"(?:between|from)\s", re.IGNORECASE)
_RANGE_END = re.compile(r"\s*(?:and|to|through|until|till|[-–—])\s*", re.IGNORECASE)
# A year that names a law: "the 1977 Act", "the Misuse of Drugs Act 1977", "the 1998 Human
# Rights Act" (a year the act was passed, not a happening of the story).
_LAW_AFTER = re.compile(r"\s+(?:[A-Z][a-z]+\s+){0,3}Acts?\b")
_LAW_BEFORE = re.compile(r"\bAct,?\s+(?:of\s+)?(?:the\s+)?$")
# "— Donald J. Trump (@realDonaldTrump) April 1, 2017": the signature of an embedded tweet.
_TWEET_SIGNATURE = re.compile(r"\(@\w{1,15}\)\s*,?\s*$")
# A range's start written as a bare month or weekday, and its end's, with what follows it.
_RANGE_NAME = re.compile(rf"(?:(?:from|between|on|in)\s+)?(?P<name>{_M}|{_WD})", re.IGNORECASE)
_DAY_WITHOUT_YEAR = re.compile(
    rf"{_LEAD}?(?:{_WD},?\s+)?(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH})"
)
_ENDS_WITH_YEAR = re.compile(rf"(?:\d(?:st|nd|rd|th)?|{_MONTH}),?\s+({_YEAR})$")
_NAME_FIRST = re.compile(rf"(?P<name>{_M}|{_WD})\b(?P<rest>.+)", re.IGNORECASE | re.DOTALL)


def _is_range_end(text: str, previous: re.Match | None, m: re.Match) -> bool:
    """Whether ``m`` ends a range that ``previous`` opens ("between May 2010 and May 2011")."""
    return previous is not None and _RANGE_END.fullmatch(
        text, previous.end(), m.start()
    ) is not None and (
        _RANGE_START.search(text, max(0, previous.start() - 9), previous.start()) is not None
        or _RANGE_OPENER.match(previous.group()) is not None
    )


def _range_start(start: str, end: str) -> str | None:
    """The start of a range written without the year or week its end gives: "between June
    and August this year" starts in "June this year", "from January through April of 2012"
    in "January of 2012", "between January 1 and December 31, 2014" on "January 1, 2014".
    ``None`` when the start says all it needs, or when its name and the end's are not both
    months or both weekdays."""
    if (day := _DAY_WITHOUT_YEAR.fullmatch(start)) and (year := _ENDS_WITH_YEAR.search(end)):
        return f"{day.group()}, {year.group(1)}"
    first, last = _RANGE_NAME.fullmatch(start), _NAME_FIRST.fullmatch(end)
    if first is None or last is None:
        return None
    weekdays = [n.lower() in _WEEKDAYS for n in (first.group("name"), last.group("name"))]
    if weekdays[0] != weekdays[1]:
        return None
    return first.group("name") + last.group("rest")


def find_dates(document: Document) -> list[DatedMention]:
    """The resolvable temporal expressions of one document, in reading order (patterns only:
    no model, so they are found while the NER model reads)."""
    published = _published(document.article.published)
    out: list[DatedMention] = []
    # (sentence index, date) of the day-precise dates of the narrative's own events, which
    # anchor the reference-relative expressions after them.
    focus: list[tuple[int, str, str]] = []
    found = [
        [m for start, end in _windows(s.text) for m in _FINDER.finditer(s.text, start, end)]
        for s in document.sentences
    ]
    years = _years_of_days(found, published)
    for sentence, matches in zip(document.sentences, found):
        text = sentence.text
        ends = [_is_range_end(text, previous, m) for previous, m in zip([None, *matches], matches)]
        for i, m in enumerate(matches):
            if ends[i]:
                # The end of a range ("between May 2010 and May 2011", "from 1925 to 1950")
                # is no happening of its own: the range is dated by its start.
                continue
            kind = _PATTERNS[int(m.lastgroup[1:])][0]
            expression = written = m.group()
            if i + 1 < len(matches) and ends[i + 1] and (
                whole := _range_start(written, matches[i + 1].group())
            ):
                expression, kind = whole, _PATTERNS[int(matches[i + 1].lastgroup[1:])][0]
            if (bare := _BARE_WEEKDAY.fullmatch(expression)) and _weekday_in_name(
                text, m.start() + bare.start(1), m.end(), bare.start(1) == 0
            ):
                continue
            if _habitual(text, m.start(), m.end()):
                continue
            if _TWEET_SIGNATURE.search(text, max(0, m.start() - 24), m.start()):
                continue  # an embedded tweet's time stamp, not a happening in its text
            if kind == "year" and (
                _LAW_AFTER.match(text, m.end())
                or _LAW_BEFORE.search(text, max(0, m.end() - 16), m.end() - 4)
            ):
                continue  # the year of a law's name
            # "since October last year" stays in the past whatever the clause's tense.
            future = not _PAST_WORDS.search(expression) and _is_future(text, m.start(), m.end())
            tense = None if not future and not _PAST_VERB.search(text) else future
            reference = None
            about_reference = False
            if kind == "reference" and focus and sentence.index - focus[-1][0] <= 3:
                reference = date.fromisoformat(focus[-1][1])
                about_reference = _NO_OBJECT.match(text, m.end()) is not None or (
                    focus[-1][0] < sentence.index and _names_focus(text[m.end() :], focus[-1][2])
                )
            resolved = resolve(expression, kind, published, tense, reference, about_reference)
            if resolved is None:
                continue
            if (
                int(m.lastgroup[1:]) in _MONTH_DAY
                and len(known := years.get(resolved[0][5:], ())) == 1
                and (m.group().lower().startswith("the ") or known & _years_in(text))
            ):
                # "the July 7 bombers", or "on July 7" beside "July 7, 2005": the year the
                # article gives that day elsewhere, not the last July 7 before publication.
                resolved = (f"{next(iter(known))}-{resolved[0][5:]}", resolved[1])
            if resolved[1] == "day" and not (
                kind == "reference" and _dates_the_object(expression, about_reference)
            ):
                focus.append((sentence.index, resolved[0], text))
            out.append(
                DatedMention(
                    document.id,
                    resolved[0],
                    resolved[1],
                    written,
                    text,
                    sentence.index,
                    future,
                    sentence.start + m.start(),
                    sentence.start + m.end(),
                )
            )
    return out


def merge_timeline(
    mentions: Sequence[DatedMention],
    order: Mapping[str, int],
    participants: Mapping[tuple[str, int], frozenset[str]] | None = None,
    people: frozenset[str] | set[str] = frozenset(),
    group_of: Mapping[tuple[str, int], int] | None = None,
) -> tuple[TimelineEntry, ...]:
    """One :class:`TimelineEntry` per happening, sorted by date.

    Mentions of one date are one happening when they share a sentence group, a named person,
    or two named participants (``participants`` maps (article, sentence) to canonical names;
    ``people`` are the names of persons).
    """
    participants = participants or {}
    group_of = group_of or {}
    sets = UnionFind(range(len(mentions)))
    for i, a in enumerate(mentions):
        key_a = (a.article_id, a.sentence_index)
        for j in range(i + 1, len(mentions)):
            b = mentions[j]
            key_b = (b.article_id, b.sentence_index)
            if (a.date, a.granularity) != (b.date, b.granularity):
                continue
            shared = participants.get(key_a, frozenset()) & participants.get(key_b, frozenset())
            if (
                key_a == key_b
                or (key_a in group_of and group_of[key_a] == group_of.get(key_b))
                or shared & people
                or len(shared) >= 2
            ):
                sets.union(i, j)
    clusters: dict[int, list[DatedMention]] = {}
    for i, m in enumerate(mentions):
        clusters.setdefault(sets.find(i), []).append(m)
    entries = []
    for members in clusters.values():
        members.sort(key=lambda m: (order.get(m.article_id, 0), m.sentence_index))
        first = members[0]
        sources = tuple(dict.fromkeys(m.article_id for m in members))
        entries.append(
            TimelineEntry(first.date, first.granularity, first.sentence, sources, first.expression)
        )
    entries.sort(key=lambda e: (e.date, order.get(e.sources[0], 0)))
    return tuple(entries)
