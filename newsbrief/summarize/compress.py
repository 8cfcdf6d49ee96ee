"""Meaning-preserving sentence compression by deletion.

A few deletions that the sentence compression literature finds safe in news (Knight & Marcu
2002; Clarke & Lapata 2008 list them among the deletions human compressors make most): the
wire dateline that opens a story ("WASHINGTON (AP) — "), a leading discourse connective
("However, "), a short parenthetical ("(pictured)", "(AP)"), and a trailing attribution
("..., police said.") whose content the rest of the sentence already states. Each rule
only deletes: the output's words are always a subsequence of the input's (only the new first
letter is capitalised), so a compressed sentence stays a faithful shortening of its source.
Quotations are left alone: dropping '..." he said' would leave a dangling quote.
"""

from __future__ import annotations

import re

__all__ = ["COMPRESSION_RULES", "compress"]

_DASH = r"[-—–]+"
# "WASHINGTON (AP) — ", "LONDON, March 3 (Reuters) - ", "(CNN) "
_DATELINE = re.compile(
    rf"^(?:[A-Z][A-Z.'’ -]{{1,30}}(?:,\s*[A-Z][\w. ]{{1,20}})?\s*)?"
    r"\((?:AP|AFP|Reuters|CNN|UPI|Xinhua|dpa|AAP|PTI|IANS|Bloomberg|[A-Z]{2,6})\)"
    rf"\s*(?:{_DASH}\s*)?"
)
_CITY_DASH = re.compile(rf"^[A-Z][A-Z.'’ ]{{2,30}}\s+{_DASH}\s+(?=[A-Z])")
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

COMPRESSION_RULES = ("dateline", "connective", "parenthetical", "attribution")


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
    if "attribution" in rules and text.count('"') % 2 == 0 and "“" not in text:
        cut = _ATTRIBUTION.sub("", text, count=1)
        if cut != text and _words(cut) >= 6:
            text = cut
    return text


def is_shortening(short: str, full: str) -> bool:
    """True when ``short`` keeps only words of ``full``, in order (case aside): a deletion."""
    remaining = iter(re.findall(r"\w+", full.lower()))
    return all(word in remaining for word in re.findall(r"\w+", short.lower()))
