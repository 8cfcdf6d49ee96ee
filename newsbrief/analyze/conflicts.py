"""Where the sources disagree: the same slot filled with incompatible values by different outlets.

A *claim* is a value an article gives for a slot that several articles can fill:

- ``previous``: when the previous occurrence of a kind of happening took place ("the last
  Chinese official trip there was in October 2016" / "the last time China's envoy visited was
  in February last year" / "the first ... since October last year"); the value is the resolved
  date from :mod:`newsbrief.analyze.timeline`;
- ``duration``: how long a visit, trip, stay or talks lasted ("a four-day trip", "for three
  days"); phrases that say it is unknown ("it is not clear how long") give no claim;
- ``count``: casualties, arrests and other tallies ("at least 12 people were killed", "the death
  toll rose to 15") and hyphenated counts ("a five-nation tour");
- ``role``: who holds a qualified single-holder office ("Chinese President X" / "Chinese
  President Y").

Two claims of one slot conflict only when they come from different articles that are not copies
of each other, the slot's context matches (the same kind of happening and at least one shared
named entity for dates), and the values are incompatible: dates neither of which contains the
other, intervals that do not overlap ("at least 12" agrees with 15), different people. Because a
later report often just knows more, a cumulative tally that grows in a later article is not a
conflict, nor is a planned duration against the actual one. Precision comes first: anything the
rules cannot pin down yields no claim.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from newsbrief.analyze.entities import EntityIndex, actors
from newsbrief.analyze.nlp import Annotated
from newsbrief.analyze.timeline import NUMBER_WORDS, DatedMention
from newsbrief.models import Claim, Disagreement, publication_key

__all__ = ["ClaimMention", "compatible", "find_claims", "find_disagreements"]

_EVENTS = {
    "visit": r"visit(?:s|ed|ing)?|trips?|tours?|missions?|travel(?:l?ed)?",
    "meeting": r"meetings?|met|meet|talks|summits?",
    "test": r"tests?|tested|launch(?:es|ed)?",
    "attack": r"attacks?|attacked|bombings?|strikes?",
    "election": r"elections?|votes?",
}
_EVENT = {k: re.compile(rf"\b(?:{v})\b", re.IGNORECASE) for k, v in _EVENTS.items()}
_PREVIOUS = re.compile(
    r"\b(?:last|previous|most recent|prior)\b|\bfirst\b.*\bsince\b", re.IGNORECASE
)
_UNIT_WORDS = r"one|two|three|four|five|six|seven|eight|nine"
# Not the tail of a hyphenated number: "Fifty-two people were killed" is 52, not 2.
_N = (
    r"(?<![\w-])(?:\d+(?:,\d{3})*(?:\.\d+)?|(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|"
    rf"ninety)(?:[- ](?:{_UNIT_WORDS}))?|{_UNIT_WORDS}|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|a|an)\b)"
)
_UNITS = r"(?:hour|day|week|month|year)"
_DURATION = re.compile(
    rf"\b(?P<n>{_N})[- ](?P<unit>{_UNITS})s?(?:-long)?\s+(?:\w+\s+)?(?P<what>visit|trip|tour|stay|mission|talks|meeting|summit|strike|ceasefire|truce|operation)\b"
    rf"|\b(?P<what2>visit|trip|tour|stay|mission|talks|meeting|summit)\w*\s+(?:of|lasting|that lasted)\s+(?P<n2>{_N})\s+(?P<unit2>{_UNITS})s?\b",
    re.IGNORECASE,
)
_QUAL = r"(?:at least|more than|over|nearly|almost|about|around|roughly|some|up to|fewer than|less than)"
_TALLY_VERBS = {
    "killed": r"killed|dead|died|deaths?|death toll",
    "injured": r"injured|wounded|hurt",
    "arrested": r"arrested|detained",
    "missing": r"missing",
    "evacuated": r"evacuated",
}
_TALLY_ANY = "|".join(_TALLY_VERBS.values())
_TALLY = re.compile(
    rf"\b(?P<q>{_QUAL})?\s*(?P<n>{_N})\s+(?:[a-z]+\s+){{0,2}}?(?:(?:were|was|have been|had been|are|people|persons)\s+)?(?P<v>{_TALLY_ANY})\b"
    rf"|\b(?P<v2>killed|injured|wounded|arrested|detained|evacuated)\s+(?P<q2>{_QUAL})?\s*(?P<n2>{_N})\b"
    rf"|\b(?P<v3>death toll)\b[^.;:!?]{{0,60}}?\b(?:to|of|at|is|was|stood at|reached)\s+(?P<q3>{_QUAL})?\s*(?P<n3>{_N})\b",
    re.IGNORECASE,
)
_PARTITIVE = re.compile(r"\s+of\b", re.IGNORECASE)
_INCREMENT = re.compile(r"\b(?:other|more|additional|further|new)\b", re.IGNORECASE)
_HYPHEN_COUNT = re.compile(
    rf"\b(?P<n>{_N})-(?P<unit>nation|country|state|member|party|city|stop|point|game|match)\s+(?P<what>[a-z]+)",
    re.IGNORECASE,
)
_PLURALS = {"country": "countries", "party": "parties", "city": "cities", "match": "matches"}
# Cheap tests that rule most sentences out before the long patterns run.
_HAS_UNIT = re.compile(r"(?:hour|day|week|month|year)")
_HAS_TALLY = re.compile(rf"(?:{_TALLY_ANY})")
_UNCLEAR = re.compile(r"\b(?:not clear|unclear|unknown|not known|not yet known)\b", re.IGNORECASE)
_OFFICES = frozenset(
    {
        "president",
        "premier",
        "chancellor",
        "king",
        "queen",
        "leader",
        "governor",
        "mayor",
        "minister",
        "chairman",
        "chairwoman",
        "ceo",
    }
)
_GENERIC = frozenset(
    {
        "former",
        "late",
        "then",
        "acting",
        "deputy",
        "vice",
        "the",
        "a",
        "an",
        "senior",
        "veteran",
        "top",
        "ex",
        "new",
        "outgoing",
        "incoming",
    }
)


@dataclass(frozen=True, slots=True)
class ClaimMention:
    """A value one article gives for a slot."""

    slot: tuple[str, ...]
    about: str
    value: str
    low: float
    high: float
    article_id: str
    sentence: str
    published: str | None
    actors: frozenset[str] = frozenset()
    future: bool = False
    cumulative: bool = False


def _number(text: str) -> float | None:
    t = text.lower().replace(",", "")
    if t in NUMBER_WORDS:
        return float(NUMBER_WORDS[t])
    tens, _, unit = t.replace(" ", "-").partition("-")
    if unit and tens in NUMBER_WORDS and unit in NUMBER_WORDS:  # "fifty-two"
        return float(NUMBER_WORDS[tens] + NUMBER_WORDS[unit])
    try:
        return float(t)
    except ValueError:
        return None


def _interval(qualifier: str | None, n: float) -> tuple[float, float]:
    q = (qualifier or "").lower()
    if q in {"at least", "more than", "over"}:
        return (n, float("inf"))
    if q in {"nearly", "almost", "up to", "fewer than", "less than"}:
        return (0.0, n)
    if q in {"about", "around", "roughly", "some"}:
        return (n * 0.9, n * 1.1)
    return (n, n)


def _previous_claims(
    item: Annotated, index: EntityIndex, dates: Sequence[DatedMention]
) -> list[ClaimMention]:
    out = []
    for d in dates:
        if d.article_id != item.id or d.future:
            continue
        date_words = re.sub(
            r"^(?:in|on|since|from|of|by)\s+", "", d.expression, flags=re.IGNORECASE
        )
        rest = d.sentence.replace(date_words, " ")
        if not _PREVIOUS.search(rest):
            continue
        kinds = [k for k, rx in _EVENT.items() if rx.search(rest)]
        if len(kinds) != 1:
            continue
        sentence = next(s for s in item.document.sentences if s.index == d.sentence_index)
        out.append(
            ClaimMention(
                ("previous", kinds[0]),
                f"when the previous {kinds[0]} took place",
                d.date,
                0,
                0,
                item.id,
                d.sentence,
                item.document.article.published,
                actors(item, index, sentence.start, sentence.end),
            )
        )
    return out


def _future(sentence: str) -> bool:
    return bool(
        re.search(
            r"\b(?:will|would|is to|are to|expected to|plans? to|scheduled)\b",
            sentence,
            re.IGNORECASE,
        )
    )


def _sentence_claims(item: Annotated, index: EntityIndex) -> list[ClaimMention]:
    out = []
    published = item.document.article.published
    for sentence in item.document.sentences:
        text = sentence.text
        if _UNCLEAR.search(text):
            continue
        names = None
        lowered = text.lower()
        for m in _DURATION.finditer(text) if _HAS_UNIT.search(lowered) else ():
            n = _number(m.group("n") or m.group("n2"))
            unit = (m.group("unit") or m.group("unit2")).lower()
            what = (m.group("what") or m.group("what2")).lower()
            kind = next((k for k, rx in _EVENT.items() if rx.fullmatch(what)), what)
            if n is None:
                continue
            names = (
                names if names is not None else actors(item, index, sentence.start, sentence.end)
            )
            out.append(
                ClaimMention(
                    ("duration", kind),
                    f"how long the {kind} lasted",
                    f"{n:g} {unit}{'s' if n != 1 else ''}",
                    n,
                    n,
                    item.id,
                    text,
                    published,
                    names,
                    _future(text),
                )
            )
        for m in _TALLY.finditer(text) if _HAS_TALLY.search(lowered) else ():
            verb = (m.group("v") or m.group("v2") or m.group("v3")).lower()
            n = _number(m.group("n") or m.group("n2") or m.group("n3") or "")
            if n is None or (m.group("n") or "").lower() in {"a", "an"}:
                continue
            if m.group("n") and (
                _PARTITIVE.match(text, m.end("n"), m.start("v"))
                or _INCREMENT.search(text, m.end("n"), m.start("v"))
            ):
                # "six of those arrested are Klan supporters", "two other men were arrested",
                # "three more people died": a part or an increment, not the tally
                continue
            kind = next(k for k, v in _TALLY_VERBS.items() if re.fullmatch(v, verb))
            qualifier = m.group("q") or m.group("q2") or m.group("q3")
            low, high = _interval(qualifier, n)
            value = f"{qualifier + ' ' if qualifier else ''}{n:g}"
            out.append(
                ClaimMention(
                    ("count", kind),
                    f"how many were {kind}",
                    value,
                    low,
                    high,
                    item.id,
                    text,
                    published,
                    frozenset(),
                    False,
                    True,
                )
            )
        for m in _HYPHEN_COUNT.finditer(text) if "-" in text else ():
            n = _number(m.group("n"))
            if n is None:
                continue
            unit, what = m.group("unit").lower(), m.group("what").lower()
            out.append(
                ClaimMention(
                    ("count", f"{unit} {what}"),
                    f"{_PLURALS.get(unit, unit + 's')} in the {what}",  # "members in the delegation"
                    f"{n:g}",
                    n,
                    n,
                    item.id,
                    text,
                    published,
                )
            )
    return out


def _role_claims(annotated: Sequence[Annotated], index: EntityIndex) -> list[ClaimMention]:
    by_id = {a.id: a for a in annotated}
    out = []
    for doc, name, role in index.role_mentions:
        words = role.replace("’s", "").replace("'s", "").split()
        lowered = [w.lower() for w in words]
        if not lowered or lowered[-1] not in _OFFICES or any(w in _GENERIC for w in lowered):
            continue
        qualifiers = [
            w
            for w in words[:-1]
            if w[:1].isupper()
            and w.lower() not in _OFFICES
            and w.lower() not in {"foreign", "prime", "defence", "defense", "finance"}
        ]
        if not qualifiers:
            continue
        sentence = next(
            (
                s.text
                for s in by_id[doc].document.sentences
                if role in s.text and name.split()[-1] in s.text
            ),
            role,
        )
        out.append(
            ClaimMention(
                ("role", " ".join(lowered)),
                f"who is the {role}",
                name,
                0,
                0,
                doc,
                sentence,
                by_id[doc].document.article.published,
            )
        )
    return out


def find_claims(
    annotated: Sequence[Annotated], index: EntityIndex, dates: Sequence[DatedMention]
) -> list[ClaimMention]:
    """Every claim of every document."""
    claims: list[ClaimMention] = []
    for item in annotated:
        claims += _previous_claims(item, index, dates)
        claims += _sentence_claims(item, index)
    return claims + _role_claims(annotated, index)


def compatible(a: ClaimMention, b: ClaimMention) -> bool:
    """Whether two claims of one slot can both be true (or the later one just knows more)."""
    kind = a.slot[0]
    if kind == "previous":
        return a.value.startswith(b.value) or b.value.startswith(a.value)
    if kind == "role":
        return a.value == b.value
    if kind == "duration" and a.future != b.future:
        return True  # a plan against what happened: the later report knows more
    if a.low <= b.high and b.low <= a.high:
        return True
    if a.cumulative and a.published and b.published and a.published != b.published:
        earlier, later = sorted((a, b), key=lambda c: publication_key(c.published))
        return later.low >= earlier.high  # the tally grew
    return False


def find_disagreements(
    claims: Sequence[ClaimMention], duplicates: Mapping[str, str], order: Mapping[str, int]
) -> tuple[Disagreement, ...]:
    """Slots whose claims from different, non-copied articles cannot all be true."""

    def root(article: str) -> str:
        return duplicates.get(article, article)

    by_slot: dict[tuple[str, ...], list[ClaimMention]] = {}
    for c in claims:
        by_slot.setdefault(c.slot, []).append(c)
    out = []
    for slot, items in by_slot.items():
        clashes = [
            (a, b)
            for i, a in enumerate(items)
            for b in items[i + 1 :]
            if root(a.article_id) != root(b.article_id)
            and not compatible(a, b)
            and (slot[0] != "previous" or a.actors & b.actors)
        ]
        if not clashes:
            continue
        involved = {id(c) for pair in clashes for c in pair}
        values: dict[str, list[ClaimMention]] = {}
        for c in items:
            if id(c) in involved or any(
                compatible(c, x) and id(x) in involved and c.value == x.value for x in items
            ):
                values.setdefault(c.value, []).append(c)
        claim_items = []
        for value, members in values.items():
            members.sort(
                key=lambda c: (publication_key(c.published), order.get(c.article_id, 0))
            )
            published = [c.published for c in members if c.published]
            claim_items.append(
                Claim(
                    members[0].sentence,
                    tuple(dict.fromkeys(c.article_id for c in members)),
                    min(published, key=publication_key) if published else None,
                    value,
                )
            )
        claim_items.sort(key=lambda c: publication_key(c.published))
        out.append(Disagreement(items[0].about, tuple(claim_items)))
    return tuple(out)
