"""What the text itself says about its outlet, date and author.

Scraped and pasted articles carry their metadata as lines of text: datelines ("date 2017-11-16
AFP, BEIJING"), publication and update stamps in any language ("PUBLISHED : Saturday, 18
November, 2017, 8:09pm", "Güncelleme Tarihi: 21 Kasım 2017, 00:51"), bylines ("By Jane Doe", or
a lone "Jane Doe" beside a date), desk lines ("World Bulletin / News Desk"), credit lines
("Additional reporting by ...") and dateline prefixes at the start of the first sentence
("Beijing, China | AFP | China will ...", "BEIJING (Reuters) - China will ...", "KESSEL,
March 14, 2024 (Reuters) - ..."). A byline may name the outlet after the author ("By Jane Roe,
Harbour Times").

The rules are about the *shape* of a line (a short label followed by a date, a date with almost
nothing else, two or three capitalised words next to a date), so they work for outlets and
languages never seen. Dates are parsed with dateparser and returned as ISO 8601 strings;
English is tried first (fast and reliable) and dateparser's language detection only on the
few short lines that look like stamps.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "AGENCIES",
    "CAPS_PLACE",
    "Dateline",
    "LineMetadata",
    "find_text_metadata",
    "leading_dateline",
    "outlet_from_url",
    "parse_date",
    "read_metadata_line",
    "read_metadata_lines",
]

# Wire agencies and their spellings in datelines ("| AFP |", "(Reuters) -").
AGENCIES = {
    "afp": "AFP", "agence france-presse": "AFP", "agence france presse": "AFP",
    "ap": "AP", "associated press": "AP", "the associated press": "AP",
    "reuters": "Reuters", "thomson reuters": "Reuters", "xinhua": "Xinhua", "yonhap": "Yonhap",
    "dpa": "dpa", "efe": "EFE", "ansa": "ANSA", "upi": "UPI", "pti": "PTI", "ians": "IANS",
    "bloomberg": "Bloomberg", "kyodo": "Kyodo", "tass": "TASS", "anadolu": "Anadolu",
    "aa": "Anadolu", "cnn": "CNN", "bbc": "BBC", "kcna": "KCNA", "bernama": "Bernama",
    "antara": "Antara", "apa": "APA", "ani": "ANI", "rtrs": "Reuters",
}

_MONTHS = (
    "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|"
    "july|august|september|october|november|december"
)
_ISO_DATE = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?"
_NUMERIC_DATE = r"\d{1,2}[./]\d{1,2}[./]\d{4}|\d{4}[./]\d{1,2}[./]\d{1,2}"
_WORD_DATE = (
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
    rf"(?:\d{{1,2}}\s+(?:{_MONTHS})\.?,?\s+\d{{4}}|(?:{_MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}})"
    r"(?:,?\s+(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?)?"
)
# "2024年3月14日": how Chinese and Japanese pages print a date.
_CJK_DATE = r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
DATE_IN_TEXT = re.compile(rf"({_ISO_DATE}|{_NUMERIC_DATE}|{_WORD_DATE}|{_CJK_DATE})",
                          re.IGNORECASE)
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s*[A-Z]{2,4}\b)?",
                   re.IGNORECASE)
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_FOUR_DIGITS = re.compile(r"\d{4}")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)]*\s*$")

# "date 2017-11-16 AFP, BEIJING"
_DATELINE = re.compile(
    rf"^\s*(?:date\s+)?({_ISO_DATE})\s+([A-Za-z][\w .&-]{{1,40}}?)\s*,\s*([A-Z][A-Za-z .'-]{{1,40}})\s*$",
    re.IGNORECASE,
)
# Stamps with a known label. The label's language tells dateparser which month names to read.
_STAMP_LABELS = {
    "en": r"(?:first |last )?(?:published|posted|updated|modified|update|date|created)"
          r"(?: on| at| date)?",
    "tr": r"güncelleme tarihi|güncellenme tarihi|yayın tarihi|yayınlanma tarihi|güncelleme",
    "de": r"aktualisiert(?: am)?|veröffentlicht(?: am)?|zuletzt aktualisiert(?: am)?|stand",
    "fr": r"mis à jour(?: le)?|publié(?: le)?|mise à jour(?: le)?",
    "es": r"actualizado(?: el)?|publicado(?: el)?|actualización",
    "it": r"aggiornato(?: il)?|pubblicato(?: il)?|ultimo aggiornamento",
    "nl": r"bijgewerkt(?: op)?|gepubliceerd(?: op)?",
    "pt": r"atualizado(?: em)?|publicado(?: em)?|atualização",
    "ru": r"обновлено|опубликовано",
}
_STAMP = re.compile(
    r"^\s*(" + "|".join(_STAMP_LABELS.values()) + r")\s*[:：|]?\s*(.+?)\s*$", re.IGNORECASE
)
# Any short label followed by a colon and something with a year: a stamp in a language the
# table above does not know ("Son dakika: ...", "Päivitetty: ...").
_LABELLED = re.compile(r"^\s*([^\d:：|]{2,40}?)\s*[:：|]\s*(.*\b(?:19|20)\d{2}\b.*?)\s*$")
_UPDATE_WORDS = re.compile(
    r"updat|modif|güncel|aktualis|mis à jour|mise à jour|actualiz|aggiorn|bijgewerkt|atualiz|"
    r"обновл|päivit|uppdater|oppdater|opdater|zaktualiz|aktualiz",
    re.IGNORECASE,
)
_BYLINE = re.compile(
    r"^\s*(?i:by|written by|words by|von|par|por|di|door|av|af)\s+"
    r"([A-Z][\w.'’-]+(?:\s+(?:[A-Z][\w.'’-]+|de|van|von|da|del|bin|al))?(?:\s+[A-Z][\w.'’-]+){0,2})"
    r"(?:\s*(,|\||/|-|–|—|and|&|in|for)\s*(.*))?$"
)
_BY_WORD = re.compile(r"^\s*(?i:by|written by|words by)\s+")
# What follows a byline's name ("By Jane Roe, Harbour Times") names the outlet only when it
# is a wire agency, a web address, or a title built like a masthead: capitalised words with
# a newspaper noun. A role ("Staff Writer"), a place ("in Paris", "Kessel") or a second
# author ("and John Doe") is not an outlet; after "for" ("By Jane Roe for The Guardian") any
# capitalised title is.
_MASTHEAD_WORDS = frozenset({
    "times", "news", "post", "herald", "journal", "tribune", "gazette", "telegraph", "express",
    "mirror", "star", "guardian", "chronicle", "observer", "press", "review", "magazine",
    "weekly", "daily", "standard", "independent", "mail", "sun", "record", "courier",
    "bulletin", "ledger", "examiner", "inquirer", "enquirer", "sentinel", "dispatch",
    "register", "globe", "monitor", "today", "online", "media", "network", "radio",
    "television", "tv", "broadcasting", "agency", "wire", "digest", "insider", "advertiser",
    "argus", "beacon", "leader", "pioneer", "citizen", "week", "newspaper", "gazeta", "zeitung",
    "tageblatt", "tagblatt", "kurier", "presse", "nachrichten", "rundschau", "anzeiger",
    "monde", "figaro", "quotidien", "país", "mundo", "diario", "periódico", "corriere",
    "gazzetta", "stampa", "repubblica", "krant", "dagblad", "tidning", "avis",
})
_ROLE_WORDS = frozenset({
    "writer", "reporter", "correspondent", "editor", "columnist", "contributor", "journalist",
    "photographer", "staff", "intern", "producer", "analyst", "critic", "bureau", "desk",
    "chief", "senior",
})
_TITLE_WORD = re.compile(r"[A-Z0-9][\w.'’&-]*|&|of|the|de|du|la|le|el|di|der|die|das")
_WEB_ADDRESS = re.compile(r"^[\w-]{2,}(?:\.[\w-]+)*\.[a-z]{2,24}$", re.IGNORECASE)
_CREDIT = re.compile(
    r"^\W*(?:additional |extra )?(?:reporting|writing|editing|research|compiled|translated|"
    r"contributed|contributing|reported)\b.{0,80}\bby\b|contributed to this (?:report|story)\W*$|"
    r"^\W*(?:editing|reporting) by\b",
    re.IGNORECASE,
)
# "World Bulletin / News Desk", "Daily Star News Desk", "Staff Reporter"
_DESK = re.compile(
    r"^\s*(?:(.{2,50}?)\s*(?:/|\||-|–|—)?\s*)?\b((?:[a-z]+ )?desk|newsdesk|"
    r"staff reporter|staff writer|staff and agencies|agencies|news service|wire services?)\s*$",
    re.IGNORECASE,
)
# "Other reports by Iphone Fresh", "More stories from The Daily Ledger": the site's own name.
_SITE_LINE = re.compile(
    r"^\W*(?i:(?:other|more|latest) (?:reports|stories|articles|news|posts) (?:by|from)) "
    r"([A-Z][\w.&' -]{1,40}?)\W*$"
)
# Two to four capitalised words and nothing else: a name, when it sits beside a date or byline.
_NAME_LINE = re.compile(
    r"^\s*[A-Z][a-zà-ÿ'’-]+(?:\s+(?:[A-Z]\.|[A-Z][a-zà-ÿ'’-]+|de|van|von|da|bin|al)){1,3}\s*$"
)

# What a lone name must sit next to, to be read as a byline.
_NAME_NEIGHBOURS = {"dateline", "published", "updated", "stamp", "byline"}

_HOST = re.compile(r"[a-z0-9-]+(?:\.[a-z0-9-]+)+")

# Dateline prefixes opening the first sentence.
_PREFIX_BAR = re.compile(r"^\s*([A-Z][^|\n]{1,60}?)\s*\|\s*([A-Za-z][\w .&-]{1,30}?)\s*\|\s*(?=\S)")
# The date a dateline may carry: "March 14", "Nov. 16", with or without the year
# ("March 14, 2024"), or day first with the year ("14 March 2024").
_PREFIX_DATE = (r"(?P<date>[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?"
                r"|\d{1,2}\s+[A-Z][a-z]{2,8}\.?,?\s+\d{4})")
_PREFIX_PAREN = re.compile(
    r"^\s*(?:(?P<place>[A-Z][A-Za-z .,'-]{1,60}?)\s*)?(?:(?:,|(?<!\S))\s*" + _PREFIX_DATE + r"\s*)?"
    # AP's ASCII copy writes its dash as an underscore: "WASHINGTON (AP) _ The ...".
    # A dash may come twice ("Wellington, Feb 27, 2018 (AFP) - - New Zealand's ..."), or after a
    # full stop ("(MIRROR.CO.UK).–Hurricane Irma ...").
    r"\((?P<source>[A-Za-z][\w .&-]{1,30})\)\.?\s*(?:(?:[-–—:]+\s*)+|_(?=\s)\s*)(?=\S)"
)
# The source alone, with no place and no dash, as CNN opens every story ("(CNN) A Detroit man
# pleaded ...", "(CNN)Microsoft co-founder ..."): a wire agency, or a name in capitals of three
# letters or more ("(THE CONVERSATION) A record-breaking cold wave ..."), so that neither a
# picture's position mark ("(R) Song Tao meets ...", "(L-R)") nor a parenthesis that opens
# a sentence is taken for one.
_PREFIX_SOURCE_ALONE = re.compile(r"^\s*\((?P<source>[A-Za-z][\w .&-]{1,30})\)\s*(?=[A-Z\"“‘])")
# A place in brackets: "[LAUSANNE] Usain Bolt lost ...", "[India], May 12 (ANI): The Election
# Commission ..." (a place in mixed case only with a date or a source after it).
_PREFIX_BRACKET = re.compile(
    r"^\s*\[(?P<place>[A-Z][A-Za-z .,'-]{1,40})\]"
    r"(?P<more>(?:,\s*" + _PREFIX_DATE + r")?\s*(?:\((?P<source>[A-Za-z][\w .&-]{1,30})\))?)"
    r"\s*[:,]?\s*(?=[A-Z\"“])"
)
# An update's time run into the first sentence: "Updated at 1:28 a.m. ET The federal
# government is now in a partial shutdown ...".
_PREFIX_STAMP = re.compile(
    r"^\s*(?:Updated|Posted|Published|Last updated)(?: at| on)?\s+\d{1,2}[:.]\d{2}\s*"
    r"(?i:[ap]\.?m\.?)?(?:\s+[A-Z]{2,4})?\s+(?=[\"“]|[A-Z][a-z]|[A-Z]\s)"
)
# A wire placeline in capitals, with an optional state or country: "WASHINGTON", "NEW YORK",
# "MAKASSAR, Indonesia" (also read inside a paragraph by newsbrief.clean).
CAPS_PLACE = r"[A-Z]{3,}(?:[ .'-]+[A-Z]{2,})*\.?(?:,\s*[A-Z][A-Za-z.]+(?:\s+[A-Z][A-Za-z.]+){0,2})?"
_PREFIX_CAPS = re.compile(
    rf"^\s*(?P<place>{CAPS_PLACE})"
    r"(?:,\s*" + _PREFIX_DATE + r")?\s*(?:\((?P<source>[A-Za-z][\w .&-]{1,30})\))?\s*"
    # "WASHINGTON — The", or an em dash with no space after it: "WASHINGTON—The".
    r"(?:[-–—_]+\s+(?=\S)|[—–]+(?=[A-Z\"“]))"
)
# A placeline in mixed case, with a spaced dash: "Kabul, Afghanistan -- The", "Meadow Lake,
# Saskatchewan – The", "Tehran — Iran's" (not "Brussels: ", which a title shares: "Kong:
# Skull Island is ...").
_PLACE_WORDS = r"[A-Z][a-z]+(?:[ .'-][A-Z][a-z]+){0,2}\.?"
_PREFIX_PLACE = re.compile(
    rf"^\s*(?P<place>{_PLACE_WORDS}(?:,\s*{_PLACE_WORDS})?)\s+(?:--|[—–-])\s+(?=[A-Z\"“])"
)
# A full date and nothing else before the first sentence, as Wikinews prints it ("Saturday,
# January 8, 2005 U.S. citizens donating ..."; scraped, sometimes with no space left before
# the first word). A capitalised word right after the year tells it from prose that starts
# with a date ("March 14, 2024 was a Thursday.").
_PREFIX_DATE_ONLY = re.compile(
    # A photo caption may come first, up to the weekday ("Countries affected by the 2004
    # Indian Ocean tsunami Tuesday, January 18, 2005Through a telethon, ...").
    r"^\s*(?:[A-Z][^.!?\n]{2,110}?\s(?=(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,))?"
    r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
    r"(?P<date>[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+[A-Z][a-z]{2,8}\.?,?\s+\d{4})"
    # A dash may follow, as in a press release: "30 June 2011 – The United Nations ...".
    r"\s*(?:[-–—]+\s+)?(?=[\"“‘']?[A-Z])"
)


@lru_cache(maxsize=4096)
def parse_date(text: str, languages: tuple[str, ...] | None = ("en",)) -> str | None:
    """Parse an absolute date written in ``text`` into ISO 8601, or ``None``.

    ``languages=None`` lets dateparser detect the language (slower; used only on short lines
    that already look like stamps). Day, month and year must all be present.
    """
    import dateparser

    cleaned = re.sub(r"(\d)\s*([ap])\.?m\.?(?=\W|$)", r"\1\2m", text.strip(), flags=re.IGNORECASE)
    cleaned = re.sub(r"\s*/\s*", " ", cleaned).strip(" ,.|-")
    # Year, month and day in CJK order and units, as ISO: read the same in any language.
    cleaned = re.sub(_CJK_DATE + r"\s*", r"\1-\2-\3 ", cleaned).strip()
    if not cleaned or not re.search(r"\d", cleaned) or len(cleaned) > 80:
        return None
    # A time keeps the UTC offset it was written with ("...T10:00:00+09:00"): outlets in
    # different zones stamp the same moment differently, and only the offset tells which
    # came first. Without one the time stays naive (the outlet's own clock).
    parsed = dateparser.parse(
        cleaned,
        languages=list(languages) if languages else None,
        settings={"STRICT_PARSING": False, "REQUIRE_PARTS": ["day", "month", "year"]},
    )
    if parsed is None or not 1900 <= parsed.year <= 2100:
        return None
    if parsed.hour == 0 and parsed.minute == 0 and not re.search(r"\d[:.]\d\d", cleaned):
        return parsed.date().isoformat()
    return parsed.replace(second=0, microsecond=0).isoformat()


def _parse_any(text: str, *languages: str | None) -> str | None:
    """English first, then the stamp's or the article's own language.

    dateparser's automatic language detection is not used: it took about 0.2 s a line on
    the dev set, and a stamp's language is known from its label or from the article.
    """
    tried: list[tuple[str, ...]] = [("en",)]
    for language in languages:
        if language and language != "en" and (language,) not in tried:
            tried.append((language,))
    for choice in tried:
        try:
            date = parse_date(text, choice)
        except ValueError:  # a language dateparser does not know
            continue
        if date:
            return date
    return None


@dataclass(frozen=True, slots=True)
class LineMetadata:
    """What one line says about the article.

    ``kind`` is one of ``dateline``, ``published``, ``updated``, ``stamp`` (a date whose role
    the label does not say), ``byline``, ``credit``, ``desk`` or ``site`` (a "other reports
    by SITE" link naming the publisher).
    """

    kind: str
    published: str | None = None
    outlet: str | None = None
    author: str | None = None
    place: str | None = None


@dataclass(frozen=True, slots=True)
class Dateline:
    """A dateline prefix at the start of a sentence: ``text[:length]`` is the prefix."""

    length: int
    outlet: str | None
    place: str | None
    published: str | None = None  # ISO date, when the dateline gives the year


def agency(name: str) -> str | None:
    """The canonical spelling of a wire agency's name, or ``None`` when it is not one."""
    return AGENCIES.get(name.strip().lower().rstrip(".").strip())


def _byline_outlet(separator: str | None, tail: str | None) -> str | None:
    """The outlet named after a byline's author ("By Jane Roe, Harbour Times"), or ``None``.

    ``separator`` is what stands between the name and ``tail`` ("," "|" "/" a dash or "for").
    """
    tail = (tail or "").strip().strip(" .,;:|/–—-")
    if not tail or separator in (None, "and", "&", "in"):
        return None  # a second author, or a place ("By Jane Roe in Paris")
    if known := agency(tail):
        return known
    if _WEB_ADDRESS.match(tail):
        return tail
    words = tail.split()
    if not 1 <= len(words) <= 6 or not words[0][:1].isupper():
        return None  # "in Paris", "with additional reporting": not a title
    if not all(_TITLE_WORD.fullmatch(w) for w in words):
        return None
    lowered = {w.lower().strip(".'’") for w in words}
    if lowered & _ROLE_WORDS:
        return None  # "Staff Writer", "Chief Correspondent", "Beijing Bureau"
    if separator == "for" or lowered & _MASTHEAD_WORDS:
        return tail
    return None


def _stamp_language(label: str) -> str | None:
    for language, pattern in _STAMP_LABELS.items():
        if re.fullmatch(pattern, label, re.IGNORECASE):
            return language
    return None


def _date_only(line: str) -> str | None:
    """A line that is a date (and perhaps a time, a weekday, a zone) with at most 3 other words."""
    words = len(line.split())
    # Every form DATE_IN_TEXT knows has a four-digit year: most lines end at this cheap test.
    if words > 12 or not _FOUR_DIGITS.search(line):
        return None
    match = DATE_IN_TEXT.search(line)
    if not match or _SENTENCE_END.search(line.rstrip(")")) and words > 6:
        return None
    rest = _TIME.sub(" ", line[: match.start()] + " " + line[match.end():])
    if re.search(r"[\"“”«»]", rest):
        return None  # '"Disturbia," Sept. 13, 2008' is a list item, not a stamp
    if len(re.findall(r"[^\W\d_]{2,}", rest)) > 3:
        return None
    return parse_date(match.group(1))


def read_metadata_line(line: str, language: str | None = None) -> LineMetadata | None:
    """Recognise one line that is metadata rather than article text (no context needed).

    ``language`` (ISO 639-1, the article's) lets stamps with unknown labels be read in it.
    """
    stripped = line.strip()
    if not stripped or len(stripped) > 160:
        return None
    if m := _DATELINE.match(stripped):
        outlet = agency(m.group(2)) or m.group(2).strip()
        return LineMetadata("dateline", published=parse_date(m.group(1)), outlet=outlet,
                            place=m.group(3).strip().title())
    words = len(stripped.split())
    if words <= 16 and (m := _STAMP.match(stripped)):
        label = m.group(1)
        date = _parse_any(m.group(2), _stamp_language(label), language)
        if date is not None:
            kind = "updated" if _UPDATE_WORDS.search(label) else "published"
            return LineMetadata(kind, published=date)
    if words <= 12 and (m := _LABELLED.match(stripped)) and len(m.group(1).split()) <= 4:
        date = _parse_any(m.group(2), language)
        if date is None and (inner := DATE_IN_TEXT.search(m.group(2))):
            date = parse_date(inner.group(1))  # "21.11.2017 klo 14.05": the date part alone
        if date is not None:
            label = m.group(1)
            kind = "updated" if _UPDATE_WORDS.search(label) else "stamp"
            return LineMetadata(kind, published=date)
    if (date := _date_only(stripped)) is not None:
        return LineMetadata("published", published=date)
    if words <= 25 and _CREDIT.search(stripped):
        return LineMetadata("credit")
    if words <= 8 and (m := _DESK.match(stripped)):
        raw = (m.group(1) or "").strip(" /|-–—")
        role = m.group(2).lower()
        # "By Jane Roe, Staff Writer", "Jane Roe, Staff Reporter": a person and a role;
        # "By Daily Star Staff Reporter": the outlet after the "By".
        if role in ("staff reporter", "staff writer") and raw.endswith(","):
            return LineMetadata("byline", author=_BY_WORD.sub("", raw + " ").strip(" ,") or None)
        outlet = _BY_WORD.sub("", raw + " ").strip(" ,") or None
        return LineMetadata("desk", outlet=outlet)
    if words <= 10 and (m := _SITE_LINE.match(stripped)):
        return LineMetadata("site", outlet=m.group(1).strip())
    if words <= 10 and (m := _BYLINE.match(stripped)) and not _SENTENCE_END.search(stripped):
        author = m.group(1).strip()
        # "By Reuters": the agency is the outlet too.
        outlet = agency(author) or _byline_outlet(m.group(2), m.group(3))
        return LineMetadata("byline", author=author, outlet=outlet)
    return None


def read_metadata_lines(
    lines: Sequence[str], language: str | None = None
) -> list[LineMetadata | None]:
    """Metadata of every line, with the rules that need context.

    A lone "Firstname Lastname" line is a byline when the nearest non-blank line before or
    after it is a date, stamp or byline (seed 003 prints "Lester Mason" above its date).
    """
    found = [read_metadata_line(line, language) for line in lines]
    nonblank = [i for i, line in enumerate(lines) if line.strip()]
    for position, i in enumerate(nonblank):
        if found[i] is not None or not _NAME_LINE.match(lines[i]):
            continue
        neighbours = nonblank[max(0, position - 1): position] + nonblank[position + 1: position + 2]
        if any(found[j] is not None and found[j].kind in _NAME_NEIGHBOURS for j in neighbours):
            found[i] = LineMetadata("byline", author=" ".join(lines[i].split()))
    return found


def leading_dateline(text: str) -> Dateline | None:
    """A dateline prefix opening ``text`` ("Beijing, China | AFP | ", "BEIJING (Reuters) - ",
    "KESSEL, March 14, 2024 (Reuters) - ", "(CNN) ", "Saturday, January 8, 2005 "); its date
    when it gives day, month and year."""
    head = text[:160]
    if m := _PREFIX_BAR.match(head):
        place, source = m.group(1).strip(), m.group(2).strip()
        # The first field must look like a place (a few capitalised words), not a sentence.
        if len(place.split()) <= 5 and len(source.split()) <= 4:
            return Dateline(m.end(), agency(source) or source, place)
    if m := _PREFIX_PAREN.match(head):
        source = m["source"].strip()
        if agency(source) or len(source.split()) <= 3 and source[:1].isupper():
            place = (m["place"] or "").strip(" ,") or None
            if place is None or len(place.split()) <= 6:
                return Dateline(m.end(), agency(source) or source, place, _prefix_date(m))
    if m := _PREFIX_SOURCE_ALONE.match(head):
        source = m["source"].strip()
        if agency(source) or (source.isupper() and sum(map(str.isalpha, source)) >= 3):
            return Dateline(m.end(), agency(source), None)
    if (m := _PREFIX_BRACKET.match(head)) and (m["place"].isupper() or m["more"].strip()):
        source = m["source"]
        return Dateline(m.end(), (agency(source) or source) if source else None,
                        m["place"].strip(" ,"), _prefix_date(m))
    if m := _PREFIX_STAMP.match(head):
        return Dateline(m.end(), None, None, None)
    if m := _PREFIX_CAPS.match(head):
        source = m["source"]
        return Dateline(m.end(), agency(source) if source else None, m["place"].strip(" ,"),
                        _prefix_date(m))
    if m := _PREFIX_PLACE.match(head):
        return Dateline(m.end(), None, m["place"].strip(), None)
    if (m := _PREFIX_DATE_ONLY.match(head)) and (published := _prefix_date(m)):
        return Dateline(m.end(), None, None, published)
    return None


def _prefix_date(match: re.Match[str]) -> str | None:
    """The dateline's date as ISO 8601 when it names the year (a bare "March 14" does not)."""
    written = match["date"]
    return parse_date(written) if written and _YEAR.search(written) else None


def outlet_from_url(url: str | None) -> str | None:
    """The site an article was published on, named by its address: the registered domain
    ("https://www.bbc.co.uk/news/..." -> "bbc.co.uk", "edition.cnn.com" -> "cnn.com"), or the
    host without "www." when no public suffix matches; ``None`` for a bare address or host
    name without a dot ("localhost", an IP address)."""
    if not url or not url[:8].lower().startswith(("http://", "https://")):
        return None
    from urllib.parse import urlsplit

    from courlan import extract_domain

    try:
        host = (urlsplit(url).hostname or "").removeprefix("www.")
    except ValueError:  # a malformed address
        return None
    if not _HOST.fullmatch(host) or host.replace(".", "").isdigit():
        return None
    return extract_domain(url) or host


def find_text_metadata(lines: Sequence[str], language: str | None = None) -> dict[str, str]:
    """Outlet, date and author found in the lines of an article (its head and tail).

    A "published" stamp wins over an "updated" one; an update stamp still dates an article
    that has nothing better (seed 002 carries only "Güncelleme Tarihi"). The outlet comes
    from a dateline, a desk line, a byline naming its outlet ("By Jane Roe, Harbour Times"),
    or a dateline prefix naming a wire agency; a prefix with the year
    ("KESSEL, March 14, 2024 (Reuters) -") dates the article too, and so does a bare date
    opening the first line ("Saturday, January 8, 2005 U.S. citizens ...") when nothing
    better does.
    """
    found: dict[str, str] = {}
    fallback_date: str | None = None
    for index, (line, meta) in enumerate(zip(lines, read_metadata_lines(lines, language))):
        if meta is not None:
            if meta.kind in ("updated", "stamp"):
                fallback_date = fallback_date or meta.published
            elif meta.published and "published" not in found:
                found["published"] = meta.published
            if meta.outlet and "outlet" not in found:
                found["outlet"] = meta.outlet
            if meta.author and "author" not in found:
                found["author"] = meta.author
            continue
        prefix = leading_dateline(line)
        if prefix is not None and prefix.outlet and "outlet" not in found:
            found["outlet"] = prefix.outlet
        if prefix is None or not prefix.published:
            continue
        if prefix.outlet or prefix.place:
            found.setdefault("published", prefix.published)
        elif index == 0:
            # A bare date opening a later line may head a list of related stories.
            fallback_date = fallback_date or prefix.published
    if "published" not in found and fallback_date:
        found["published"] = fallback_date
    return found
