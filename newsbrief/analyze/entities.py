"""People, organisations and places of an event, with name variants merged across articles.

Mentions come from spaCy's NER (:mod:`newsbrief.analyze.nlp`). Variants are merged by general
rules, applied in this order:

1. surface normalisation: possessives, a leading "the", courtesy titles, dots and case, hyphens
   ("Xi Jinping's" = "Xi Jinping", "U.S." = "US", "Kim Jong-Un" = "Kim Jong-un" = "Kim Jong Un");
2. acronyms: an all-capitals name links to the one longer name with those initials
   ("US" -> "United States", "UN" -> "United Nations", "USGS" -> "U.S. Geological Survey"),
   but not to a longer name it is a word of ("U.S." is not "U.S. Senate");
3. short names: a one-word person name (often mislabelled ORG by the small model) links to the
   one person whose first or last name it is, looked up in the same article first, then in the
   whole event ("Wang" -> "Wang Dong" in the article that names Wang Dong, even when another
   article names Wang Yi); an organisation name links to the one longer name it begins
   ("Xinhua" -> "Xinhua News Agency"). Ambiguous short names stay on their own.
4. parenthesised alternatives right after a name ("Wang Dong (王棟)") are aliases.

Roles ("special envoy", "North Korean official") are read from the noun phrase right before a
person's name or from an appositive after it, using part-of-speech tags. A name the model
calls a person (with no role) or an organisation, whose contexts say place ("the Lindra
river", "envoy to Ostmark"), is typed as the place it is (:func:`_place_label`).
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from newsbrief.analyze.nlp import Annotated, Mention, Token
from newsbrief.models import Entity

__all__ = [
    "KEPT_LABELS",
    "ORG_WORDS",
    "EntityIndex",
    "acronyms",
    "actors",
    "build_index",
    "clean_name",
    "name_key",
]

KEPT_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NAME"})
# A name after an owner's possessive in one span: "ABC News’ Linsey Davis", "Good Morning
# America's Linsey Davis".
_OWNED_NAME = re.compile(r"^.+?['’]s?\s+([A-Z][\w.-]+(?:\s+[A-Z][\w.-]+){1,2})$")
_LEAD = re.compile(
    r"^(?:(?i:the|mr|mrs|ms|miss|dr|prof|sir|madam)\.?"
    # Other determiners the model's span may open with, in lower case only: "there was no
    # White House comment" gave the entity "no White House" (not "A Tribe Called Quest").
    r"|(?:no|a|an|any|every|this|that|these|those|some))\s+"
)
# A name does not end in a lower-case function word: the model's span may run one word past
# it ("the Black Death of Europe" gave "Black Death of").
_TRAIL = re.compile(r"\s+(?:of|the|and|in|for|at|on|to|by|with|from)$")
_POSSESSIVE = re.compile(r"\s*['’]s?$")
_EDGE = re.compile(r"^[^\w]+|[^\w.]+$")
_UNCLOSED = re.compile(r"\s*\([^()]*$")
_DIRECTIONS = frozenset({"north", "south", "east", "west", "northern", "southern"})
# Times the model takes for names: "at 08:30 BST" gave an ORG "08:30 BST" and a PERSON "BST".
_CLOCK = re.compile(r"\b\d{1,2}[:.]\d{2}\b")
_TIME_ZONES = frozenset({
    "GMT", "UTC", "BST", "CET", "CEST", "EET", "EEST", "WET", "WEST", "MSK", "IST", "PKT",
    "ICT", "WIB", "SGT", "HKT", "JST", "KST", "AEST", "AEDT", "ACST", "AWST", "NZST", "NZDT",
    "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "AKST", "AKDT", "HST", "AST", "ADT",
})
_ACRONYM_SKIP = frozenset({"of", "the", "and", "for", "on", "in", "de", "&"})
_PAREN = re.compile(r"\s*\(([^()\n]{1,40})\)")
# A short capitalised word before a full stop and a number is a numbered label ("Fig. 6",
# "No. 1", "Vol. 3"), not a name or the end of one.
_LABEL_WORD = re.compile(r"\(?[A-Z][a-z]{0,3}$")
_LABEL_NUMBER = re.compile(r"\. ?\d")  # on the same line: not a numbered list after a name
# Digits glued to the last word of a longer name by a scraped page's footnote marker ("the
# Cascade Range34"); one word with digits is more often a handle ("rclbeauty101").
_FOOTNOTE = re.compile(r"(\s\S*[a-z]{4})\d{1,3}$")
# Capitalised titles that head a role phrase although tagged PROPN ("US President").
_TITLES = frozenset(
    {
        "president",
        "minister",
        "premier",
        "chancellor",
        "chairman",
        "chairwoman",
        "secretary",
        "king",
        "queen",
        "prince",
        "general",
        "senator",
        "governor",
        "mayor",
        "ambassador",
        "professor",
        "leader",
        "envoy",
        "spokesman",
        "spokeswoman",
        "director",
        "commander",
    }
)
_ROLE_POS = frozenset({"PROPN", "NOUN", "ADJ", "PART", "NUM"})
# The small model calls most names it does not know PERSON, places included. These words,
# right after a name or before "of" and a name, say it names a place, and which kind ("the
# Lindra river", "the province of Valmora").
_PLACE_NOUNS = {
    **dict.fromkeys(
        (
            "river", "lake", "sea", "bay", "gulf", "strait", "valley", "mountains", "island",
            "islands", "peninsula", "desert", "coast", "delta", "glacier", "volcano", "canyon",
        ),
        "LOC",
    ),
    **dict.fromkeys(
        ("dam", "bridge", "airport", "canal", "highway", "tunnel", "reservoir", "airbase"), "FAC"
    ),
    **dict.fromkeys(
        (
            "province", "provinces", "county", "district", "city", "cities", "town", "towns",
            "village", "villages", "municipality", "state", "republic", "kingdom",
        ),
        "GPE",
    ),
}
# What a state has and a person seldom does: after a possessive ("Ostmark's water minister")
# or before "of" ("the governor of Valmora").
_STATE_NOUNS = frozenset(
    {
        "ministry", "minister", "government", "parliament", "capital", "economy", "border",
        "borders", "citizens", "territory", "electricity", "population", "embassy", "governor",
        "mayor", "residents", "people", "outskirts",
    }
)
# A whole noun phrase after these is a place ("talks in Kessel").
_PLACE_PREPOSITIONS = frozenset(
    {"in", "at", "near", "across", "throughout", "inside", "outside", "into"}
)
_PLACE_BEFORE = re.compile(
    r"\b(?:in|at|near|from|to|across|into|of)\s+(?:the\s+)?$", re.IGNORECASE
)
# Before "to" or "from", these make the next name a destination or an origin ("envoy to X").
_MOTION = frozenset(
    {
        "travel", "travels", "travelled", "traveled", "trip", "trips", "visit", "visits", "fly",
        "flies", "flew", "flight", "flights", "return", "returns", "returned", "envoy",
        "ambassador", "delegation", "embassy", "arrive", "arrived", "moved", "fled", "deported",
        "extradited", "route", "border",
    }
)
# The last word of a company's name: it is an ORG whatever the model said.
_COMPANY_SUFFIXES = frozenset({
    "limited", "ltd", "inc", "incorporated", "corp", "corporation", "llc", "llp", "plc", "gmbh",
    "holdings",
})
# Social platforms, which the small model often calls people ("Twitter" took a "he").
_PLATFORMS = frozenset({
    "twitter", "facebook", "instagram", "youtube", "tiktok", "snapchat", "whatsapp", "reddit",
    "linkedin", "pinterest", "tumblr",
})
# Head words of organisations' names ("Ostmark Times", "Valdoria Farmers' Union").
ORG_WORDS = frozenset(
    {
        "agency", "ministry", "department", "university", "institute", "party", "council",
        "committee", "company", "corporation", "group", "association", "office", "news",
        "times", "post", "bank", "court", "police", "army", "navy", "government",
        "commission", "union", "federation", "foundation", "service", "services", "center",
        "centre", "school", "college", "league", "club", "network", "press", "television",
        "radio", "daily", "journal",
    }
) | _COMPANY_SUFFIXES | _PLATFORMS
# Last words that make a name an organisation whatever the model said.
_NEVER_PEOPLE = _COMPANY_SUFFIXES | _PLATFORMS
_HONORIFICS = _TITLES | {"mr", "mrs", "ms", "miss", "dr", "sen", "rep", "gov", "sir", "judge"}
_HEAD_FOLLOWERS = frozenset({"PUNCT", "ADP", "VERB", "AUX", "CCONJ", "SCONJ", "ADV", "DET"})


@lru_cache(maxsize=65536)
def clean_name(text: str) -> str:
    """The name without possessive, leading article/title and edge punctuation."""
    name = " ".join(text.split())
    for _ in range(2):
        name = _LEAD.sub("", name)
        name = _TRAIL.sub("", name)
        name = _POSSESSIVE.sub("", name)
        name = _EDGE.sub("", name)
        # The model's span may end inside a parenthesis: "Enforcement Directorate (ED".
        name = _UNCLOSED.sub("", name)
    return name


def name_key(text: str) -> str:
    """Comparison key of a name: cleaned, lower case, no dots, hyphens as spaces, no accents."""
    name = clean_name(text).lower().replace(".", "").replace("-", " ")
    if not name.isascii():
        # "Nicolás Maduro" / "Nicolas Maduro", "Guaidó" / "Guaido": outlets differ in accents.
        name = "".join(
            c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)
        )
    # "King's Cross" / "Kings Cross", "O’Brien" / "O'Brien": outlets differ in apostrophes.
    return " ".join(name.replace("'", "").replace("’", "").split())


@lru_cache(maxsize=65536)
def _ends(name: str) -> tuple[str, ...]:
    """The first and last word of a name's key ("Wang Dong" -> ("wang", "dong")): looked up
    for every person of the event each time a surname is resolved, so made once per name."""
    words = name_key(name).split()
    return (words[0], words[-1]) if words else ()


def acronyms(text: str) -> frozenset[str]:
    """Initials of the capitalised words of a multi-word name ("United Nations" -> "UN"). A
    word that is itself an abbreviation gives all its letters or only its first ("U.S.
    Geological Survey" -> "USGS", "Nippon Yusen K.K." -> "NYK"), but a word of the name is
    never its initials: "U.S. Senate" read as "US" took every "U.S." of an event."""
    words = [w for w in re.split(r"[\s-]+", clean_name(text)) if w.lower() not in _ACRONYM_SKIP]
    if len(words) < 2 or not all(w[:1].isupper() for w in words):
        return frozenset()
    letters = [w.replace(".", "") for w in words]
    whole = "".join(w if len(w) > 1 and w.isupper() else w[0] for w in letters)
    return frozenset({whole, "".join(w[0] for w in letters)}) - set(letters)


def _surface(mention: Mention, text: str) -> str:
    """The mention's text without what the model took into a name by mistake: a numbered
    label at its end ("Dance/Club Play Songs No. 1") and a footnote marker glued to its last
    word; empty when nothing is left (a lone "Fig" of "Fig. 6")."""
    surface = mention.text.strip()
    words = surface.split()
    if words and _LABEL_WORD.fullmatch(words[-1]) and _LABEL_NUMBER.match(text, mention.end):
        surface = " ".join(words[:-1])
    return _FOOTNOTE.sub(r"\1", surface)


def _usable(mention: Mention) -> bool:
    name = clean_name(mention.text)
    cjk = any("\u3400" <= c <= "\u9fff" for c in name)  # CJK names have no case
    if (
        mention.label not in KEPT_LABELS or len(name) < 2 or not any(c.isupper() for c in name)
    ) and not cjk:
        return False
    return (
        name.lower() not in _DIRECTIONS
        and not name.replace(" ", "").isdigit()
        and name not in _TIME_ZONES
        and not _CLOCK.search(name)
    )


@dataclass(frozen=True, slots=True)
class _Ref:
    doc: str
    start: int
    end: int
    surface: str
    key: str
    label: str


@dataclass
class EntityIndex:
    """Entity clusters of one event and lookups from mentions to their canonical name."""

    entities: tuple[Entity, ...] = ()
    _by_span: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)
    _doc_keys: dict[str, dict[str, str]] = field(default_factory=dict)
    _event_keys: dict[str, str] = field(default_factory=dict)
    _labels: dict[str, str] = field(default_factory=dict)
    #: (article id, canonical name, role phrase) for every role read next to a person's name.
    role_mentions: list[tuple[str, str, str]] = field(default_factory=list)

    def at(self, doc_id: str, start: int, end: int) -> str | None:
        """Canonical name of the entity mention overlapping ``[start, end)`` in a document."""
        spans = self._by_span.get(doc_id, [])
        i = bisect.bisect_left(spans, (start, -1, ""))
        for j in (i - 1, i):
            if 0 <= j < len(spans) and spans[j][0] < end and start < spans[j][1]:
                return spans[j][2]
        return None

    def resolve(self, doc_id: str, text: str) -> str | None:
        """Canonical name for a name written in a document ("Wang" -> "Wang Dong")."""
        key = name_key(text)
        doc_keys = self._doc_keys.get(doc_id, {})
        if not key or key in doc_keys:
            return doc_keys.get(key)
        # A surname the model did not tag here: the one person of the article whose first or
        # last name it is, else the event-wide reading, else the one such person of the event.
        for names in (set(doc_keys.values()), None, set(self._labels)):
            if names is None:
                if key in self._event_keys:
                    return self._event_keys[key]
                continue
            if " " in key:
                continue
            hits = {n for n in names if self._labels.get(n) == "PERSON" and key in _ends(n)}
            if len(hits) == 1:
                return hits.pop()
            if hits:
                return None
        return None

    def label(self, name: str) -> str | None:
        return self._labels.get(name)


# A bare name stands for the person of that name whom this many times as many of the event's
# articles name in full as name the next one (and at least two).
_DOMINANT = 3


def _link(
    ref: _Ref,
    words: dict[str, list[str]],
    doc_forms: dict[str, set[str]],
    labels: dict[str, str],
    acronyms: dict[str, set[str]],
    placed: AbstractSet[tuple[str, str]] = frozenset(),
    spread: Mapping[str, int] | None = None,
) -> str:
    """The key of the longer form ``ref`` stands for, or its own key (``words``: every form's
    key split into words, split once per event rather than once per comparison;
    ``doc_forms``: each article's forms; ``spread``: how many articles name each form)."""
    tokens = ref.key.split()
    compact = clean_name(ref.surface).replace(".", "")
    if compact.isupper() and 2 <= len(compact) <= 6 and len(acronyms.get(compact, ())) == 1:
        return next(iter(acronyms[compact]))
    if (expanded := _expanded(ref, tokens, words, labels)) is not None:
        return expanded
    if len(tokens) > 2:
        return ref.key

    def candidates(keys: Iterable[str], local: bool) -> set[str]:
        found = set()
        for key in keys:
            other = words[key]
            if len(other) <= len(tokens) or key == ref.key:
                continue
            target = labels[key]
            if (
                target == "PERSON"
                and len(tokens) == 1
                and tokens[0] in (other[0], other[-1])
                and (
                    ref.label in {"PERSON", "ORG", "LOC", "NAME"}
                    # A first name or surname the model called a place stands for the person
                    # named in full in the same article ("Angel Alvarado ... Alvarado said",
                    # "Sureshbhai Patel ... Sureshbhai"), unless the article also writes it as
                    # a place ("in Houston").
                    or local and ref.label in {"GPE", "FAC"} and (ref.doc, ref.key) not in placed
                )
            ) or (
                target == "ORG"
                and ref.label in {"ORG", "NAME"}
                and (
                    other[: len(tokens)] == tokens
                    or (other[-len(tokens) :] == tokens and len(other) - len(tokens) == 1)
                )
            ):
                found.add(key)
        return found

    def chosen(found: set[str], counts: Mapping[str, int]) -> str | None:
        if len(found) == 1:
            return next(iter(found))
        if len(tokens) != 1 or not found:
            return None
        # A bare surname stands for a person named in full rather than an organisation that
        # starts with it ("Trump" beside "Donald Trump" and "Trump Organization"), and for the
        # person whom far more of the event's articles name in full than any other of that
        # name ("Donald Trump" in 4 articles, "Melania Trump" in one); in a family story
        # ("Bobby Goodlatte" and his father "Bob Goodlatte", "Goodlatte" mostly the father)
        # it stays unresolved.
        people = sorted((key for key in found if labels[key] == "PERSON" and (
            ref.label == "PERSON" or words[key][-1] == tokens[0])),  # not "Google" -> "Google Maps"
            key=lambda key: -counts.get(key, 0))
        if len(people) == 1 or (len(people) > 1 and counts.get(people[0], 0) >= 2
                                and counts[people[0]] >= _DOMINANT * counts.get(people[1], 0)):
            return people[0]
        return None

    local = candidates(doc_forms.get(ref.doc, ()), True)
    key = chosen(local or candidates(words, False), spread or {})
    return ref.key if key is None else key


def _expanded(
    ref: _Ref, tokens: list[str], words: dict[str, list[str]], labels: dict[str, str]
) -> str | None:
    """The one organisation whose name is ``ref``'s with its opening abbreviation written out
    ("UN Security Council" -> "United Nations Security Council", "US Navy" -> "United States
    Navy"), or ``None``."""
    written = clean_name(ref.surface).split()
    first = written[0].replace(".", "") if written else ""
    if ref.label not in {"ORG", "NAME"} or len(tokens) < 2 or len(first) < 2 or not first.isupper():
        return None
    rest = tokens[1:]
    found = {
        key for key, other in words.items()
        if labels[key] in {"ORG", "NAME"} and len(other) > len(tokens)
        and other[-len(rest):] == rest
        and first in acronyms(" ".join(
            w if w in _ACRONYM_SKIP else w.capitalize() for w in other[: -len(rest)]
        ))
    }
    return found.pop() if len(found) == 1 else None


def _token_index(tokens: Sequence[Token]) -> list[int]:
    return [t.start for t in tokens]


def _role_before(
    tokens: Sequence[Token], starts: list[int], mention: Mention, text: str
) -> str | None:
    i = bisect.bisect_left(starts, mention.start) - 1
    comma = i >= 0 and tokens[i].text == ","
    if comma:  # "special envoy, Song Tao, ..." needs the closing comma of the appositive
        after = bisect.bisect_left(starts, mention.end)
        if after >= len(tokens) or tokens[after].text not in {",", "("}:
            return None
        i -= 1
    j = i
    while j >= 0 and tokens[j].pos in _ROLE_POS and i - j < 8:
        j -= 1
    phrase = tokens[j + 1 : i + 1]
    if comma and j >= 0 and tokens[j].pos in {"PRON", "ADP"}:  # "For his part, Xi ..."
        return None
    while phrase and phrase[0].pos == "PART":
        phrase = phrase[1:]
    if not phrase:
        return None
    head = phrase[-1]
    if head.tag == "NNS":
        return None  # one person's role is singular: "interviews and press conferences, Cosby,"
    if head.pos == "NOUN" or (head.pos == "PROPN" and head.text.lower() in _TITLES):
        # The words as written: "co-leader", not the tokens "co - leader".
        return " ".join(text[phrase[0].start : phrase[-1].end].split())
    return None


def _role_after(
    tokens: Sequence[Token], starts: list[int], mention: Mention, text: str
) -> str | None:
    end = mention.end
    paren = _PAREN.match(text, end)
    if paren:
        end = paren.end()
    i = bisect.bisect_left(starts, end)
    if i >= len(tokens) or tokens[i].text != ",":
        return None
    phrase: list[Token] = []
    for token in tokens[i + 1 : i + 14]:
        if token.text in {",", ".", ";", ":", "(", ")", "“", "”", '"'}:
            break
        phrase.append(token)
    if not phrase or phrase[0].pos not in {"DET", "NOUN", "ADJ", "PROPN"}:
        return None
    if phrase[0].pos == "DET" and phrase[0].text.lower() not in {"a", "an", "the"}:
        return None
    if not any(t.pos == "NOUN" for t in phrase[:5]) or any(
        t.pos in {"VERB", "AUX"} for t in phrase
    ):
        return None
    return text[phrase[0].start : phrase[-1].end]


def _context(tokens: Sequence[Token], i: int, j: int) -> str | None:
    """What the words around the mention ``tokens[i:j]`` say it is: "PERSON", a place kind
    named by a noun (LOC, FAC, GPE), "place" for an unnamed kind, or None."""
    before = [t.text.lower() for t in tokens[max(0, i - 3) : i]]
    after = tokens[j : j + 3]
    nxt = after[0] if after else None
    if before and before[-1].rstrip(".") in _HONORIFICS or (
        len(after) > 1 and after[0].text == "," and after[1].text.lower() == "who"
    ):
        return "PERSON"
    if before and before[-1] == "the":
        before.pop()
    if (
        nxt is not None
        and nxt.text in _PLACE_NOUNS
        and nxt.text.islower()  # and heads its phrase: not "a CNN town hall"
        and (len(after) < 2 or after[1].pos not in {"NOUN", "PROPN"})
    ):
        return _PLACE_NOUNS[nxt.text]
    if len(before) > 1 and before[-1] == "of" and before[-2] in _PLACE_NOUNS:
        return _PLACE_NOUNS[before[-2]]
    whole = nxt is None or nxt.pos in _HEAD_FOLLOWERS and nxt.text[:1] not in "-'’"
    if nxt is not None and nxt.text == "." and len(after) > 1 and after[1].text[:1].isdigit():
        whole = False  # a numbered label ("in Fig. 3", "at No. 10"), not a place
    if whole and before and (
        before[-1] in _PLACE_PREPOSITIONS
        or before[-1] in {"to", "from"} and len(before) > 1 and before[-2] in _MOTION
        or before[-1] == "of" and len(before) > 1 and before[-2] in _STATE_NOUNS
    ):
        return "place"
    if nxt is not None and nxt.text in {"'s", "’s"}:
        return "place" if any(t.text.lower() in _STATE_NOUNS for t in after[1:3]) else None
    return None


def _place_label(
    members: Sequence[_Ref],
    tokens_of: dict,  # type: ignore[type-arg]
    named: bool = False,
) -> str | None:
    """The place type of a cluster the model called PERSON (or ORG, with ``named``: only
    where a place noun names its kind), when its contexts say place.

    A place noun right after a mention or before "of" and it ("the Lindra river", "the
    province of Valmora") names its kind and counts twice. A mention that is a whole noun
    phrase after a locative preposition ("talks in Kessel", not "in the Harding family"), a
    destination or an origin ("envoy to Ostmark"), or a state's ("Ostmark's water
    minister", "the governor of Valmora") counts once. A mention after an honorific or
    before ", who" is a person's. Two or more counts and more than twice the person
    mentions make the cluster a place: of the kind named most, else GPE.
    """
    seen: Counter[str | None] = Counter()
    for r in members:
        tokens, starts, _ = tokens_of[r.doc]
        i = bisect.bisect_left(starts, r.start)
        if i < len(tokens) and starts[i] == r.start:
            j = bisect.bisect_left(starts, r.end)
            if j - i > 1 and tokens[j - 1].text in {"'s", "’s"}:  # the model's span took it
                j -= 1
            seen[_context(tokens, i, j)] += 1
    kinds = Counter({k: n for k, n in seen.items() if k in {"LOC", "FAC", "GPE"}})
    place = 2 * sum(kinds.values()) + seen["place"]
    if place >= 2 and place > 2 * seen["PERSON"] and (kinds or not named):
        return kinds.most_common(1)[0][0] if kinds else "GPE"
    return None


def _spelling_variants(
    heads: Mapping[_Ref, str], labels: Mapping[str, str], doc_forms: Mapping[str, set[str]]
) -> dict[str, str]:
    """Full personal names that are one name spelled two ways by different outlets
    ("Muammar Gaddafi", "Moammar Gadhafi"): as many words, each alike (difflib ratio 0.8 or
    more, the whole 0.85), never both in one article (an article keeps one spelling, so two
    there are two people). Maps each variant to the one with more mentions."""
    counts = Counter(heads.values())
    names = sorted(
        (h for h in counts if labels.get(h) == "PERSON" and len(h.split()) >= 2),
        key=lambda h: (-counts[h], h),
    )
    variant_of: dict[str, str] = {}
    for i, name in enumerate(names):
        if name in variant_of:
            continue
        words = name.split()
        for other in names[i + 1 :]:
            other_words = other.split()
            if (
                other in variant_of
                or len(other_words) != len(words)
                or SequenceMatcher(None, name, other).ratio() < 0.85
                or any(SequenceMatcher(None, a, b).ratio() < 0.8
                       for a, b in zip(words, other_words))
                or any(name in keys and other in keys for keys in doc_forms.values())
            ):
                continue
            variant_of[other] = name
    return variant_of


def _without_glued_nouns(refs: list[_Ref], annotated: Sequence[Annotated]) -> list[_Ref]:
    """``refs`` with a common noun the model took into a person's name at a sentence start
    taken off ("Clerk Kim Lehmkuhl", "Producer Fred Berger"): the first word of a name of
    three or more words, where the rest is a person the event names and the word is written in
    lower case somewhere in the event ("the county clerk"). A first name is never written so;
    a name of two words keeps both ("Will Smith")."""
    people = {ref.key for ref in refs if ref.label == "PERSON"}
    candidates = {ref for ref in refs if ref.label == "PERSON" and len(ref.key.split()) >= 3
                  and " ".join(ref.key.split()[1:]) in people}
    if not candidates:
        return refs
    lower = {t.text for a in annotated for t in a.tokens if t.text.islower()}
    out = []
    for ref in refs:
        first, _, rest = ref.surface.partition(" ")
        if ref in candidates and first.lower() in lower and first[:1].isupper():
            ref = _Ref(ref.doc, ref.start, ref.end, rest, name_key(rest), ref.label)
        out.append(ref)
    return out


def build_index(annotated: Sequence[Annotated]) -> EntityIndex:
    """Cluster the entity mentions of an event's documents into :class:`Entity` items."""
    demonyms = {
        clean_name(m.text).lower() for a in annotated for m in a.mentions if m.label == "NORP"
    }
    # People the model tagged as such somewhere in the event: "ABC News’ Linsey Davis", one
    # ORG span, is Linsey Davis where another mention is the PERSON "Linsey Davis".
    tagged: dict[str, Counter] = {}
    for a in annotated:
        for m in a.mentions:
            tagged.setdefault(name_key(m.text), Counter())[m.label == "PERSON"] += 1
    people = {key for key, votes in tagged.items() if votes[True] > votes[False]}
    refs: list[_Ref] = []
    placed: set[tuple[str, str]] = set()  # (article, key) written after "in", "at", ...
    aliases_of: dict[tuple[str, int], str] = {}  # (doc, start of name) -> parenthesised alias
    for item in annotated:
        text = item.document.text
        skip_until = -1
        for m in item.mentions:
            if m.start < skip_until or not _usable(m) or clean_name(m.text).lower() in demonyms:
                continue
            surface = _surface(m, text)
            if not name_key(surface):
                continue
            label = m.label
            if (owned := _OWNED_NAME.match(surface)) and name_key(owned[1]) in people:
                surface, label = owned[1], "PERSON"
            refs.append(_Ref(item.id, m.start, m.end, surface, name_key(surface), label))
            if _PLACE_BEFORE.search(text, max(0, m.start - 12), m.start):
                placed.add((item.id, name_key(surface)))
            paren = _PAREN.match(text, m.end)
            if paren and m.label in {"PERSON", "ORG", "NAME"}:
                aliases_of[(item.id, m.start)] = paren.group(1).strip()
                skip_until = paren.end()
    refs = _without_glued_nouns(refs, annotated)
    forms: dict[str, Counter] = {}
    doc_forms: dict[str, set[str]] = {}
    for ref in refs:
        forms.setdefault(ref.key, Counter())[ref.label] += 1
        doc_forms.setdefault(ref.doc, set()).add(ref.key)
    labels = {key: counts.most_common(1)[0][0] for key, counts in forms.items()}
    spread = Counter(key for keys in doc_forms.values() for key in keys)
    words = {key: key.split() for key in forms}
    by_initials: dict[str, set[str]] = {}
    for ref in refs:
        if labels[ref.key] != "PERSON":
            for initials in acronyms(ref.surface):
                by_initials.setdefault(initials, set()).add(ref.key)

    memo: dict[tuple[str, str, str, str], str] = {}

    def link(ref: _Ref) -> str:
        # The answer depends only on the article, the key, the label and the surface's case.
        key = (ref.doc, ref.key, ref.label, clean_name(ref.surface).replace(".", ""))
        if key not in memo:
            memo[key] = _link(ref, words, doc_forms, labels, by_initials, placed, spread)
        return memo[key]

    # A form as written, for the links of a form reached through another ("UN" ->
    # "UN Human Rights Council" -> "United Nations Human Rights Council").
    surface_of: dict[str, str] = {}
    for ref in refs:
        surface_of.setdefault(ref.key, ref.surface)
    heads: dict[_Ref, str] = {}
    for ref in refs:
        head, seen = ref.key, set()
        step = link(ref)
        while step != head and step not in seen:  # follow links to the longest form
            seen.add(head)
            head = step
            step = link(_Ref(ref.doc, 0, 0, surface_of[head], head, labels[head]))
        heads[ref] = head

    variant_of = _spelling_variants(heads, labels, doc_forms)
    clusters: dict[str, list[_Ref]] = {}
    for ref in refs:
        clusters.setdefault(variant_of.get(heads[ref], heads[ref]), []).append(ref)
    order = {a.id: i for i, a in enumerate(annotated)}
    tokens_of = {a.id: (a.tokens, _token_index(a.tokens), a.document.text) for a in annotated}
    mention_of = {(a.id, m.start): m for a in annotated for m in a.mentions}
    index = EntityIndex()
    entities = []
    for head, members in clusters.items():
        longest = max(len(r.key.split()) for r in members)
        surfaces = Counter(clean_name(r.surface) for r in members if len(r.key.split()) == longest)
        name = surfaces.most_common(1)[0][0]
        label = Counter(r.label for r in members if r.key == head).most_common(1)[0][0]
        if name_key(name).split()[-1] in _NEVER_PEOPLE:
            # "Asiafield Limited", "Gilt Asset Management Ltd", "Twitter": never a person
            label = "ORG"
        if label == "NAME":
            label = "ENTITY"
        aliases = list(dict.fromkeys(r.surface for r in members if r.surface != name))
        aliases += [
            a for r in members if (a := aliases_of.get((r.doc, r.start))) and a not in aliases
        ]
        sources = sorted({r.doc for r in members}, key=order.__getitem__)
        roles: Counter[str] = Counter()
        for r in members:
            if label != "PERSON" or not tokens_of[r.doc][0] or not tokens_of[r.doc][0][0].pos:
                continue
            toks, starts, text = tokens_of[r.doc]
            m = mention_of[(r.doc, r.start)]
            for role in (_role_before(toks, starts, m, text), _role_after(toks, starts, m, text)):
                if role:
                    roles[role] += 1
                    index.role_mentions.append((r.doc, name, role))
        if label == "PERSON" and not roles:
            label = _place_label(members, tokens_of) or label
        elif label == "ORG" and not set(name_key(name).split()) & ORG_WORDS:
            # "at Google", "in Congress": for organisations only a place noun says place.
            label = _place_label(members, tokens_of, named=True) or label
        index._labels[name] = label
        for r in members:
            index._by_span.setdefault(r.doc, []).append((r.start, r.end, name))
            index._doc_keys.setdefault(r.doc, {})[r.key] = name
        entities.append(
            (
                name,
                label,
                tuple(aliases),
                len(members),
                tuple(sources),
                tuple(role for role, _ in roles.most_common()),
            )
        )
    for spans in index._by_span.values():
        spans.sort()
    # Event-wide lookups only for keys that name one entity everywhere.
    seen_keys: dict[str, set[str]] = {}
    for keys in index._doc_keys.values():
        for key, name in keys.items():
            seen_keys.setdefault(key, set()).add(name)
    index._event_keys = {k: next(iter(v)) for k, v in seen_keys.items() if len(v) == 1}
    for name, label, *_ in entities:
        index._event_keys.setdefault(name_key(name), name)
    entities.sort(key=lambda e: (-e[3], -len(e[4]), e[0]))
    index.entities = tuple(
        Entity(name, label, aliases, count, sources, roles)
        for name, label, aliases, count, sources, roles in entities
        if label != "ENTITY"
    )
    return index


def actors(item: Annotated, index: EntityIndex, start: int, end: int) -> frozenset[str]:
    """Canonical entities named in ``[start, end)`` of a document.

    Nationality words map to their place when one place of the event starts like them
    ("Chinese" -> "China", "North Korean" -> "North Korea").
    """
    names = set()
    places = [e.name for e in index.entities if e.type in {"GPE", "LOC"}]
    for m in item.mentions:
        if start <= m.start < end:
            if (name := index.at(item.id, m.start, m.end)) is not None:
                names.add(name)
            elif m.label == "NORP":
                words = m.text.split()
                hits = [
                    p
                    for p in places
                    if len(p.split()) == len(words)
                    and all(a[:4].lower() == b[:4].lower() for a, b in zip(p.split(), words))
                ]
                if len(hits) == 1:
                    names.add(hits[0])
    return frozenset(names)
