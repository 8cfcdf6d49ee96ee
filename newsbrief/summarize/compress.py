"""Meaning-preserving sentence compression by deletion.

A few deletions that the sentence compression literature finds safe in news (Knight & Marcu
2002; Clarke & Lapata 2008 list them among the deletions human compressors make most): the
wire dateline that opens a story ("WASHINGTON (AP) — "), a leading discourse connective
("However, "), a short parenthetical ("(pictured)", "(AP)"), and a trailing attribution
("..., police said.") whose content the rest of the sentence already states. Each rule
only deletes: the output's words are always a subsequence of the input's (only the new first
letter is capitalised), so a compressed sentence stays a faithful shortening of its source.
Quotations are left alone: dropping '..." he said' would leave a dangling quote.

Two more rules serve the one-sentence headline only (``HEADLINE_RULES``): weekday adjuncts
("on Tuesday", "late on Friday night", "said Wednesday"; the brief carries its own dates, and
one-sentence human summaries such as WCEP's never repeat the weekday), and datelines the wire
pattern misses ("SEOUL: ", "Sochi - ", "Kolkata, May 15 "). The body keeps both: its days
order its events, and its numbers were fitted with the default rules.
"""

from __future__ import annotations

import re

__all__ = ["COMPRESSION_RULES", "HEADLINE_RULES", "compress", "is_shortening"]

_DASH = r"[-—–]+"
# "WASHINGTON (AP) — ", "LONDON, March 3 (Reuters) - ", "(CNN) "
_DATELINE = re.compile(
    rf"^(?:[A-Z][A-Z.'’ -]{{1,30}}(?:,\s*[A-Z][\w. ]{{1,20}})?\s*)?"
    r"\((?:AP|AFP|Reuters|CNN|UPI|Xinhua|dpa|AAP|PTI|IANS|Bloomberg|[A-Z]{2,6})\)"
    rf"\s*(?:{_DASH}\s*)?"
    # Any one-word source in parentheses, when a dash follows it: "(HealthDay)—A little ...".
    rf"|^\([A-Z][\w.]{{1,20}}\)\s*{_DASH}\s*(?=[A-Z\"“])"
)
_CITY_DASH = re.compile(rf"^[A-Z][A-Z.'’ ]{{2,30}}\s+{_DASH}\s+(?=[A-Z])")
# Datelines the wire pattern above misses: "SEOUL: ", "ANKARA/ISTANBUL - ",
# "SEOUL, Korea, Republic Of – ", "Kolkata, May 15 ". A mixed-case place before a dash
# ("Sochi - ") stays: "Barcelona - Real Madrid ended 2-2" is a score, not a dateline.
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_PLACE = r"[A-Z][\w.'’/]*(?:\s+[A-Z][\w.'’/]*){0,2}"
_CAPS_PLACE = r"[A-Z][A-Z.'’/]+(?:\s+[A-Z][A-Z.'’/]+){0,2}"
_PLACELINES = (
    # Capitals with accents too: "MALÉ: ", "BOGOTÁ: ".
    re.compile(r"^[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ.'’ /-]{2,30}:\s+(?=[A-Z\"“])"),
    re.compile(rf"^{_CAPS_PLACE}(?:,\s+{_PLACE}){{0,2}}\s+{_DASH}\s+(?=[A-Z\"“])"),
    re.compile(rf"^{_PLACE}(?:\s+\([A-Z]+\))?,\s+{_MONTH}\s+\d{{1,2}}\s+(?:\([A-Za-z]+\)\s+)?"
               rf"(?:{_DASH}\s+)?(?=[A-Z])"),
    # The slug of a wire service's running story: "The Latest on the special counsel's
    # Russia investigation: The Republican chairman ... says ...".
    re.compile(r"^The Latest(?: on [^:]{1,120})?:\s+(?=[A-Z\"“])"),
)
_CONNECTIVE = re.compile(
    r"^(?:However|Meanwhile|Moreover|Furthermore|Additionally|In addition|Also|Still|"
    r"Nonetheless|Nevertheless|Indeed|Separately|Earlier|Instead|Similarly|Likewise|"
    r"In other words|Of course|As a result|In fact|At the same time),\s+(?=\S)"
)
_PARENTHETICAL = re.compile(r"\s+\((?![^()]*\d{4})[^()\"“”]{1,60}\)(?=[\s,.;:!?])")
_ATTRIBUTION = re.compile(
    r"(?<=[^\"“”'’\s]),\s+(?:according to [^,;\"“”]{2,60}|"
    r"(?:the\s+|a\s+|an\s+)?[A-Za-z][\w.'’ -]{0,50}?\s+(?:said|says|reported|reports|added|"
    r"confirmed|announced|told [\w.'’ -]{2,40})"
    r"(?:\s+(?:on|in|late|early|last|this)\s+[\w ,]{2,30})?)"
    r"(?=[.!]$)"
)

_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_PART = r"(?:\s+(?:morning|afternoon|evening|night))?"
# A weekday adjunct: "on Tuesday", "late on Friday night", "early Sunday", "said Wednesday".
# Not a day that names something ("Good Friday", "the Sunday Times", "Monday's vote"): the day
# must follow a preposition or a reporting verb and not run on into a name or a possessive.
_DAY_PHRASE = (
    rf"(?:(?:late|early)\s+(?:on\s+)?|(?:on|last|this|next|since|by|until)\s+(?:(?:late|early)\s+)?)"
    rf"{_DAY}{_PART}"
)
_DAY_END = r"(?![\w'’-]|\s+[A-Z0-9])"
_TIME_RULES = (
    (re.compile(rf"^(?:On|Late|Early|Last|This|Since|By|Until)\s+(?:(?:on|late|early)\s+)?"
                rf"{_DAY}{_PART},\s+(?=\S)"), ""),
    (re.compile(rf",\s+{_DAY_PHRASE},(?=\s)"), ""),
    (re.compile(rf"\s+{_DAY_PHRASE}{_DAY_END}"), ""),
    (re.compile(rf"(?:(?<=\bsaid)|(?<=\bsays)|(?<=\bannounced))\s+(?:(?:late|early)\s+)?"
                rf"{_DAY}{_PART}{_DAY_END}"), ""),
)

COMPRESSION_RULES = ("dateline", "connective", "parenthetical", "attribution")
# Deletions that measured well for the one-sentence headline (docs/quality.md), where the
# brief's own date tells when; the body keeps its days, which order its events.
HEADLINE_RULES = ("placeline", *COMPRESSION_RULES, "time")


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text[:1].islower() else text


def _words(text: str) -> int:
    return len(text.split())


def compress(sentence: str, rules: tuple[str, ...] = COMPRESSION_RULES) -> str:
    """A shorter sentence with the same meaning, or ``sentence`` when no rule applies.

    A deletion is kept only when at least six words remain, so a compressed sentence is
    still a sentence.
    """
    text = sentence.strip()
    if "placeline" in rules:
        for pattern in _PLACELINES:
            cut = pattern.sub("", text, count=1)
            if cut != text and _words(cut) >= 6:
                text = _capitalise(cut)
                break
    if "dateline" in rules:
        cut = _DATELINE.sub("", text, count=1)
        cut = _CITY_DASH.sub("", cut, count=1)
        if cut != text and _words(cut) >= 6:
            text = _capitalise(cut)
    if "connective" in rules:
        cut = _CONNECTIVE.sub("", text, count=1)
        if cut != text and _words(cut) >= 6:
            text = _capitalise(cut)
    if "parenthetical" in rules:
        cut = _PARENTHETICAL.sub("", text)
        if cut != text and _words(cut) >= 6:
            text = cut
    if "time" in rules:
        cut = text
        for pattern, replacement in _TIME_RULES:
            cut = pattern.sub(replacement, cut)
        if cut != text and _words(cut) >= 6:
            text = _capitalise(cut)
    if "attribution" in rules and text.count('"') % 2 == 0 and "“" not in text:
        cut = _ATTRIBUTION.sub("", text, count=1)
        if cut != text and _words(cut) >= 6:
            text = cut
    return text


def is_shortening(short: str, full: str) -> bool:
    """True when ``short`` keeps only words of ``full``, in order (case aside): a deletion."""
    remaining = iter(re.findall(r"\w+", full.lower()))
    return all(word in remaining for word in re.findall(r"\w+", short.lower()))
